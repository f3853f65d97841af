"""Gold `data_quality` rows of one run (DATA_CONTRACT.md §4.4), from hand-computed cases and against the
invariants an analyst relies on, over generated run counts (hypothesis)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lakehouse.config import LakehouseConfig
from lakehouse.gold import schemas
from lakehouse.gold import tables as gold_tables
from lakehouse.gold.data_quality import build_data_quality_rows
from lakehouse.pipeline.silver_report import RunNotes, RunSummary, SourceCounts, data_quality_rows

STARTED = datetime(2026, 1, 6, 23, 30, tzinfo=UTC)
RUN = "r1"


@dataclass
class Counts:
    """The shape the pure function reads (SourceCounts has it too)."""

    records_read: int = 0
    silver_rows: int = 0
    quarantined: Counter[str] = field(default_factory=Counter)
    rejected_files: dict[str, str] = field(default_factory=dict)


def row(source: str, reason: str | None, records_read: int, silver_rows: int, quarantined_rows: int,
        run_id: str = RUN, started: datetime = STARTED) -> dict:
    return {"run_date": started.date(), "run_id": run_id, "run_started_at": started, "source": source,
            "reason": reason, "records_read": records_read, "silver_rows": silver_rows,
            "quarantined_rows": quarantined_rows}


def test_one_row_per_reason_with_the_sources_totals_repeated():
    """§4.4: one row per (run_id, source, reason); records_read and silver_rows are the source's run totals,
    repeated on each of its rows."""
    counts = Counts(100, 95, Counter({"malformed_row": 2, "invalid_id:customer_id": 3}))
    assert build_data_quality_rows(RUN, STARTED, {"transactions": counts}) == [
        row("transactions", "invalid_id:customer_id", 100, 95, 3),
        row("transactions", "malformed_row", 100, 95, 2),
    ]


def test_source_without_quarantined_rows_has_one_null_reason_row():
    """§4.4: a source with no quarantined row in a run has one row with reason null and quarantined_rows 0."""
    assert build_data_quality_rows(RUN, STARTED, {"customers": Counts(40, 40)}) == [row("customers", None, 40, 40, 0)]


def test_rejected_file_adds_a_row_with_its_reason_and_zero_counts():
    """§4.4: a rejected file adds one row with its reason, records_read and quarantined_rows 0; its silver_rows is
    the source's total, as on the source's other rows (the contract does not zero it)."""
    counts = Counts(10, 9, Counter({"duplicate_key": 1}),
                    {"bronze/stores/ingest_date=2026-01-06/b.csv": "file_no_header",
                     "bronze/stores/ingest_date=2026-01-06/a.csv": "file_missing_column:region"})
    assert build_data_quality_rows(RUN, STARTED, {"stores": counts}) == [
        row("stores", "duplicate_key", 10, 9, 1),
        row("stores", "file_missing_column:region", 0, 9, 0),  # files in path order
        row("stores", "file_no_header", 0, 9, 0),
    ]


def test_source_with_only_a_rejected_file_keeps_its_null_reason_row():
    """§4.4: a rejected file is not a quarantined row, so the source also has its null-reason row (0 read)."""
    counts = Counts(rejected_files={"bronze/products/ingest_date=2026-01-06/p.csv": "file_not_utf8"})
    assert build_data_quality_rows(RUN, STARTED, {"products": counts}) == [
        row("products", None, 0, 0, 0),
        row("products", "file_not_utf8", 0, 0, 0),
    ]


def test_two_rejected_files_with_one_reason_give_two_rows():
    """§4.4: "a rejected file adds one row": one per file, even when two files share a reason."""
    counts = Counts(5, 5, rejected_files={"bronze/stores/ingest_date=2026-01-06/a.csv": "file_no_header",
                                          "bronze/stores/ingest_date=2026-01-06/b.csv": "file_no_header"})
    rows = build_data_quality_rows(RUN, STARTED, {"stores": counts})
    assert [r["reason"] for r in rows] == [None, "file_no_header", "file_no_header"]


def test_run_date_is_the_utc_date_of_the_run_start():
    """§4.4: partitioned by run_date, the UTC date the Silver run started (here the local date is a day later)."""
    local = STARTED.astimezone(timezone(timedelta(hours=2)))
    assert local.date() == date(2026, 1, 7)
    [only] = build_data_quality_rows(RUN, local, {"stores": Counts(1, 1)})
    assert only["run_date"] == date(2026, 1, 6)
    assert only["run_started_at"] == STARTED and only["run_started_at"].tzinfo == UTC


def test_naive_clock_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        build_data_quality_rows(RUN, STARTED.replace(tzinfo=None), {"stores": Counts(1, 1)})


def test_sources_in_contract_order_and_none_without_files():
    """Only sources that had files in the run have rows; they come in the contract's source order (§1)."""
    rows = build_data_quality_rows(RUN, STARTED, {"stores": Counts(1, 1), "transactions": Counts(2, 2)})
    assert [r["source"] for r in rows] == ["transactions", "stores"]
    assert build_data_quality_rows(RUN, STARTED, {}) == []


def test_rows_match_the_declared_gold_schema():
    """The rows carry exactly the columns of the declared table, partitioned by run_date (§4.4)."""
    [only] = build_data_quality_rows(RUN, STARTED, {"stores": Counts(1, 1)})
    assert list(only) == schemas.DATA_QUALITY.fieldNames()
    assert gold_tables.DATA_QUALITY.partition_by == ("run_date",)
    assert gold_tables.DATA_QUALITY in gold_tables.ALL
    nullable = {f.name for f in schemas.DATA_QUALITY.fields if f.nullable}
    assert nullable == {"reason"}


def test_run_summary_adapter_uses_the_runs_id_and_clock():
    """pipeline.silver_report.data_quality_rows: a committed run's summary, as the stage passes it."""
    config = LakehouseConfig("/tmp/root", "run-7", STARTED)  # type: ignore[arg-type]
    notes = RunNotes(config, [], [], [], [])
    summary = RunSummary(notes, "succeeded", "", 1.0,
                         {"transactions": SourceCounts(files=2, records_read=10, silver_rows=8,
                                                       quarantined=Counter({"malformed_row": 2}))})
    assert data_quality_rows(summary) == [row("transactions", "malformed_row", 10, 8, 2, run_id="run-7")]


REASONS = st.sampled_from(["malformed_row", "duplicate_key", "invalid_id:customer_id", "invalid_timestamp"])
FILE_REASONS = st.sampled_from(["file_not_utf8", "file_no_header", "file_missing_column:store_id"])


@st.composite
def source_counts(draw) -> Counts:
    quarantined = Counter(draw(st.dictionaries(REASONS, st.integers(0, 50), max_size=4)))
    silver = draw(st.integers(0, 500))
    file_reasons = draw(st.lists(FILE_REASONS, max_size=3))
    rejected = {f"bronze/x/ingest_date=2026-01-06/f{index}.csv": reason for index, reason in enumerate(file_reasons)}
    return Counts(silver + sum(quarantined.values()), silver, quarantined, rejected)


@given(st.dictionaries(st.sampled_from(["transactions", "customers", "products", "stores"]), source_counts(),
                       max_size=4))
def test_rows_add_up_to_the_runs_counts(sources):
    """What the analyst view relies on (§3.4, §4.4): per source, SUM(quarantined_rows) is the quarantined total,
    MAX(records_read) and MAX(silver_rows) are the run totals, rows with a file_ reason are the rejected files,
    and there is never a row for a reason with no quarantined row."""
    rows = build_data_quality_rows(RUN, STARTED, sources)
    assert {r["source"] for r in rows} == set(sources)
    for source, counts in sources.items():
        mine = [r for r in rows if r["source"] == source]
        assert sum(r["quarantined_rows"] for r in mine) == sum(counts.quarantined.values())
        assert max(r["records_read"] for r in mine) == counts.records_read
        assert {r["silver_rows"] for r in mine} == {counts.silver_rows}
        files = [r for r in mine if r["reason"] is not None and r["reason"].startswith("file_")]
        assert sorted(r["reason"] for r in files) == sorted(counts.rejected_files.values())
        assert all(r["records_read"] == 0 and r["quarantined_rows"] == 0 for r in files)
        reasons = {r["reason"]: r["quarantined_rows"] for r in mine if r not in files}
        expected = {reason: n for reason, n in counts.quarantined.items() if n} or {None: 0}
        assert reasons == expected
