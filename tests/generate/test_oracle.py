"""The oracle (`expected_faults`) is exactly what the contract makes of the generated files (§2, §3)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from lakehouse.generate import generate
from tests.generate.conftest import DataSet
from tests.generate.reference import ASCII_WS, input_files, read_all, read_records

META = ("__$start_lsn", "__$seqval", "__$operation", "commit_ts")
# §3.1-3.3, typed from the contract text.
REASON_CODES = {
    "transactions": {"malformed_row", "invalid_timestamp", "invalid_quantity", "invalid_price", "invalid_discount",
                     "invalid_payment_method", "invalid_channel", "duplicate_key"}
    | {f"missing_value:{col}" for col in ("transaction_id", "customer_id", "product_id", "store_id",
                                          "transaction_ts", "quantity", "unit_price", "payment_method", "channel")}
    | {f"invalid_id:{col}" for col in ("transaction_id", "customer_id", "product_id", "store_id")},
    "customers": {"malformed_row", "invalid_lsn", "invalid_operation", "invalid_timestamp", "invalid_id:customer_id",
                  "invalid_email", "invalid_country", "invalid_tier", "invalid_date", "duplicate_key"}
    | {f"missing_value:{col}" for col in (*META, "customer_id")},
    "products": {"malformed_row", "invalid_lsn", "invalid_operation", "invalid_timestamp", "invalid_id:product_id",
                 "missing_value:product_name", "missing_value:category", "invalid_price", "invalid_flag",
                 "duplicate_key"}
    | {f"missing_value:{col}" for col in (*META, "product_id")},
    "stores": {"malformed_row", "missing_value:store_id", "missing_value:store_name", "missing_value:region",
               "invalid_id:store_id", "invalid_country", "invalid_store_type", "invalid_date", "duplicate_key"},
}


def oracle(data: DataSet) -> set[tuple[str, str, int | None, str]]:
    return {(f.source, f.source_file, f.record_number, f.reason) for f in data.summary.expected_faults}


def test_every_reason_code_of_every_source_is_planted(faulty: DataSet) -> None:
    """§3: with faults > 0 each source's row-level codes appear at least once, plus the §2 file rejections."""
    row_reasons = {source: {f.reason for f in faulty.summary.expected_faults
                            if f.source == source and f.record_number is not None} for source in REASON_CODES}
    assert row_reasons == REASON_CODES
    file_reasons = {(f.source, f.reason) for f in faulty.summary.expected_faults if f.record_number is None}
    assert file_reasons == {("transactions", "file_not_utf8"), ("transactions", "file_no_header"),
                            ("transactions", "file_missing_column:customer_id"), ("customers", "file_not_utf8"),
                            ("products", "file_missing_column:category")}


def test_clean_data_set_has_no_faults(clean: DataSet) -> None:
    """faults=0: nothing to quarantine, no duplicates, no rejected, late or ignored files."""
    assert clean.summary.expected_faults == []
    assert clean.reading.faults == set()
    names = [path.rsplit("/", 1)[1] for path in clean.summary.files_written]
    assert not [name for name in names if name.startswith(("_", ".")) or "delayed" in name or "manual" in name]


@pytest.mark.parametrize("data_set", ["faulty", "clean"])
def test_oracle_equals_an_independent_reading_of_the_contract(data_set: str, request: pytest.FixtureRequest) -> None:
    """§2/§3 rule order, first failing rule wins, duplicates in landing order (§1), whole-file rejections."""
    data: DataSet = request.getfixturevalue(data_set)
    assert oracle(data) == data.reading.faults
    assert len(data.summary.expected_faults) == len(oracle(data))  # no fault listed twice
    assert data.summary.rows_by_source == dict(data.reading.records)


@pytest.mark.parametrize("seed, rows, rate, days", [(1, 7, 0.3, 3), (2, 60, 0.5, 2), (3, 500, 0.01, 3),
                                                    (4, 1, 1.0, 2), (5, 90, 0.1, 5)])
def test_oracle_holds_across_sizes_and_rates(tmp_path: Path, seed: int, rows: int, rate: float, days: int) -> None:
    summary = generate(tmp_path, days=days, rows_per_day=rows, seed=seed, faults=rate)
    reading = read_all(tmp_path)
    assert {(f.source, f.source_file, f.record_number, f.reason) for f in summary.expected_faults} == reading.faults
    assert summary.rows_by_source == dict(reading.records)


def test_oracle_is_in_landing_order(faulty: DataSet) -> None:
    """§1: ingest_date, then path bytewise, then record position."""
    keys = [(f.source_file.split("/")[2], f.source_file.encode(), f.record_number or 0)
            for f in faulty.summary.expected_faults]
    assert keys == sorted(keys)


def test_record_and_field_counts_match_the_oracle(faulty: DataSet) -> None:
    """§2 read with Python's csv module alone: every record has the header's field count unless the oracle calls
    it malformed_row, and record numbers stay within the file."""
    by_file: dict[str, dict[int | None, str]] = {}
    for fault in faulty.summary.expected_faults:
        by_file.setdefault(fault.source_file, {})[fault.record_number] = fault.reason
    read = Counter[str]()
    for _, source, path in input_files(faulty.root):
        data = (faulty.root / path).read_bytes()
        expected = by_file.get(path, {})
        if None in expected:  # a whole-file rejection lists nothing else
            assert list(expected) == [None]
            continue
        rows = [row for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")) if row]
        header, records = rows[0], rows[1:]
        read[source] += len(records)
        assert all(number is not None and number <= len(records) for number in expected)
        for number, record in enumerate(records, start=1):
            is_malformed = expected.get(number) == "malformed_row"
            assert (len(record) != len(header)) == is_malformed, (path, number)
    assert dict(read) == faulty.summary.rows_by_source


def test_duplicates_come_from_every_kind_of_resend(faulty: DataSet) -> None:
    """duplicate_key names the later copy: of a sale in the same file, in a later file of the day, on a later day;
    of a CDC row; of a store in the same snapshot."""
    valid_ids = {values["transaction_id"]: path for path, _, values in faulty.reading.valid["transactions"]}
    kinds = set()
    for path, _, values in _records(faulty, "transactions", "duplicate_key"):
        original = valid_ids[values["transaction_id"]]
        same_day = original.rsplit("/", 1)[0] == path.rsplit("/", 1)[0]
        kinds.add("same file" if original == path else "same day" if same_day else "later day")
    assert kinds == {"same file", "same day", "later day"}
    for source in ("customers", "products", "stores"):
        assert list(_records(faulty, source, "duplicate_key"))


def test_quarantined_share_stays_small_at_default_size(tmp_path: Path) -> None:
    """At the default size and a 2% rate every source stays well under the pipeline's 5% default threshold."""
    summary = generate(tmp_path, faults=0.02)
    assert {(f.source, f.source_file, f.record_number, f.reason) for f in summary.expected_faults} == \
        read_all(tmp_path).faults
    rows = Counter(f.source for f in summary.expected_faults if f.record_number is not None)
    for source, count in summary.rows_by_source.items():
        assert rows[source] / count < 0.035, source


def _records(data: DataSet, source: str, reason: str) -> Iterator[tuple[str, int, dict[str, str]]]:
    """(path, record number, values) of the records the oracle gives this reason, read independently."""
    wanted = {(f.source_file, f.record_number) for f in data.summary.expected_faults
              if f.source == source and f.reason == reason}
    for path in sorted({path for path, _ in wanted}):
        _, header, records = read_records((data.root / path).read_bytes())
        names = [name.strip(ASCII_WS).lower() for name in header]
        for number, record in enumerate(records, start=1):
            if (path, number) in wanted:
                first = {name: names.index(name) for name in names}  # a repeated header: the first one wins (§7)
                yield path, number, {name: record[i].strip(ASCII_WS) for name, i in first.items()}
