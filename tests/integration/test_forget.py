"""`lakehouse forget` (DATA_CONTRACT.md §8, §6): one customer erased from Bronze, Silver, quarantine and Gold, every
other row unchanged, nothing of it left in any data file under the root, and a later file carrying it dropped as
`erased_subject`. Refusals change nothing; a forget killed half-way and run again ends as an uninterrupted one.

The expected state is derived from the uninterrupted run (`gold_baseline`) in plain Python: its rows without the
customer's, its daily revenue less the customer's own sales, conservation per file (§3.4). A row holds the id when one
of its values is the id (a record: one of its raw fields, trimmed), which for the generated data is the customer id
column, so the model does not share the product's notion of "the customer_id field".
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from lakehouse import contract as c
from lakehouse.gold import tables as gold_tables
from lakehouse.storage import delta_log
from lakehouse.storage.layout import Layout
from tests.integration.conftest import RATIO_LIMIT
from tests.integration.helpers import cli, read_delta_rows, root_state, run_in_process

pytestmark = pytest.mark.slow
WHITESPACE = " \t\n\r\x0b\x0c"


def gold_rows(root: Path, table: gold_tables.GoldTable) -> list[dict]:
    return read_delta_rows(Layout(root).gold_table(table.name))


def pick_subject(root: Path) -> str:
    """A customer with sales on several days, a CDC history, and not the only buyer on the last day (so the
    segmentation's as-of date stays)."""
    fact = gold_rows(root, gold_tables.FACT_SALES)
    last_day = max(row["transaction_date"] for row in fact)
    days: dict[str, set] = {}
    for row in fact:
        days.setdefault(row["customer_id"], set()).add(row["transaction_date"])
    with_history = {row["customer_id"] for row in gold_rows(root, gold_tables.DIM_CUSTOMER)}
    buyers_last_day = {row["customer_id"] for row in fact if row["transaction_date"] == last_day}
    candidates = sorted((len(d), customer) for customer, d in days.items()
                        if customer in with_history and len(d) >= 2 and len(buyers_last_day - {customer}) > 0)
    return candidates[-1][1]


def holds(values: object, subject: str) -> bool:
    if isinstance(values, str):
        return values.strip(WHITESPACE) == subject
    if isinstance(values, dict):
        return any(holds(value, subject) for value in values.values())
    if isinstance(values, list | tuple):
        return any(holds(value, subject) for value in values)
    return False


def quarantine_holds(row: dict, subject: str) -> bool:
    return holds(row, subject) or holds(json.loads(row["raw"]), subject)


def parquet_rows(directory: Path) -> list[dict]:
    return [row for path in sorted(directory.rglob("*.parquet")) if not path.name.startswith((".", "_"))
            for row in pq.ParquetFile(path).read().to_pylist()]


def without_lineage(rows: list[dict]) -> list[str]:
    return sorted(repr(sorted((k, v) for k, v in row.items() if k not in {"_run_id", "_ingested_at"})) for row in rows)


def files_under(root: Path) -> dict[str, tuple[int, int]]:
    return {path.relative_to(root).as_posix(): (path.stat().st_size, path.stat().st_mtime_ns)
            for path in sorted(root.rglob("*")) if path.is_file()}


def bronze_records(path: Path) -> list[list[str]]:
    """A Bronze file's records, header included; a file that is not UTF-8 read byte for byte (latin-1), so that an id
    in a file rejected whole is seen too."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return [row for row in csv.reader(io.StringIO(text, newline="")) if row]


def places_holding(root: Path, subject: str) -> list[str]:
    """Every data file under the root with a value equal to the id: Bronze records, and every Parquet file on disk
    (Silver, quarantine, key index, and all Gold files, referenced or not: what vacuum must have removed)."""
    found = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or "_delta_log" in path.parts:
            continue
        if path.suffix.lower() == ".csv" and any(holds(record, subject) for record in bronze_records(path)):
            found.append(path.relative_to(root).as_posix())
        elif path.suffix == ".parquet":
            rows = pq.ParquetFile(path).read().to_pylist()
            if any(holds(row, subject) or ("raw" in row and holds(json.loads(row["raw"] or "[]"), subject))
                   for row in rows):
                found.append(path.relative_to(root).as_posix())
    return found


@pytest.fixture
def root(tmp_path, gold_baseline) -> Path:
    copy = tmp_path / "root"
    shutil.copytree(gold_baseline, copy)
    return copy


def last_run(root: Path, job: str) -> dict:
    runs = [row for row in read_delta_rows(Layout(root).ops_table("pipeline_runs")) if row["job"] == job]
    return max(runs, key=lambda row: row["started_at"])


def forget(root: Path, subject: str, *extra: str):
    return run_in_process("forget", "--root", str(root), "--customer-id", subject, *extra)


def assert_forgotten(root: Path, baseline: Path, subject: str) -> None:
    layout, before = Layout(root), Layout(baseline)
    assert places_holding(baseline, subject), "the chosen customer must be there to begin with"
    assert places_holding(root, subject) == []

    # Silver and quarantine: the baseline's rows less the customer's, every other row equal (lineage included).
    for source in c.SOURCES:
        kept = [row for row in parquet_rows(before.silver_table(source)) if not holds(row, subject)]
        assert without_lineage(parquet_rows(layout.silver_table(source))) == without_lineage(kept)
        kept_q = [row for row in parquet_rows(before.quarantine(source)) if not quarantine_holds(row, subject)]
        assert sorted(map(repr, parquet_rows(layout.quarantine(source)))) == sorted(map(repr, kept_q))

    # Gold: dimensions and fact less the customer's rows; each day's revenue less exactly the customer's revenue.
    for table in (gold_tables.DIM_CUSTOMER, gold_tables.DIM_PRODUCT, gold_tables.DIM_STORE, gold_tables.FACT_SALES):
        kept = [row for row in gold_rows(baseline, table) if not holds(row, subject)]
        assert sorted(map(repr, gold_rows(root, table))) == sorted(map(repr, kept)), table.name
    own = Counter()
    own_count = Counter()
    for row in gold_rows(baseline, gold_tables.FACT_SALES):
        if row["customer_id"] == subject:
            own[row["transaction_date"]] += row["amount"]
            own_count[row["transaction_date"]] += 1
    assert own, "the customer had sales"
    summary_before = {row["transaction_date"]: row for row in gold_rows(baseline, gold_tables.DAILY_SALES_SUMMARY)}
    summary_after = {row["transaction_date"]: row for row in gold_rows(root, gold_tables.DAILY_SALES_SUMMARY)}
    assert set(summary_after) == set(summary_before)
    for day, row in summary_before.items():
        after = summary_after[day]
        assert after["total_revenue"] == row["total_revenue"] - own.get(day, Decimal(0))
        assert after["total_transactions"] == row["total_transactions"] - own_count.get(day, 0)
        assert after["unique_customers"] == row["unique_customers"] - (1 if day in own else 0)
        if day not in own:
            assert after == row
    for table in (gold_tables.PRODUCT_CATEGORY_PERFORMANCE, gold_tables.STORE_PERFORMANCE):
        revenue = {day: sum(r["revenue"] for r in gold_rows(root, table) if r["transaction_date"] == day)
                   for day in summary_after}
        assert revenue == {day: row["total_revenue"] for day, row in summary_after.items()}, table.name
        untouched = [row for row in gold_rows(baseline, table) if row["transaction_date"] not in own]
        assert all(row in gold_rows(root, table) for row in untouched), table.name
    segmentation = [row for row in gold_rows(baseline, gold_tables.CUSTOMER_SEGMENTATION) if not holds(row, subject)]
    assert sorted(map(repr, gold_rows(root, gold_tables.CUSTOMER_SEGMENTATION))) == sorted(map(repr, segmentation))

    # The manifest: processed files keep §3.4's conservation with their new counts; the rewritten files are not
    # "changed" files (size, mtime and md5 are theirs now).
    silver_by_file = Counter(row["_source_file"] for source in c.SOURCES
                             for row in parquet_rows(layout.silver_table(source)))
    quarantine_by_file = Counter(row["_source_file"] for source in c.SOURCES
                                 for row in parquet_rows(layout.quarantine(source)))
    for row in read_delta_rows(layout.ops_table("file_manifest")):
        bronze = root / row["path"]
        assert row["size"] == bronze.stat().st_size
        if row["status"] == "processed":
            assert row["silver_rows"] == silver_by_file[row["path"]]
            assert row["quarantined_rows"] == quarantine_by_file[row["path"]]
            records = len(bronze_records(bronze)) - 1
            assert row["records_read"] == row["silver_rows"] + row["quarantined_rows"] == records

    # ops keeps a salted hash, never the id; no file of ops names it (runs' records hold counts only).
    erasures = read_delta_rows(layout.ops_table("erasures"))
    assert len(erasures) == 1 and subject not in json.dumps(erasures, default=str)
    assert all(subject.encode() not in path.read_bytes() for path in (root / "ops").rglob("*") if path.is_file())
    # Gold still readable by Synapse serverless.
    assert cli("check-gold", "--root", str(root)).returncode == 0


def test_forget_erases_the_customer_everywhere_and_changes_nothing_else(root, gold_baseline):
    subject = pick_subject(gold_baseline)
    result = forget(root, subject, "--yes")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"forget plan for {root}:")
    assert "succeeded" in result.stdout.splitlines()[-1]
    assert_forgotten(root, gold_baseline, subject)

    # A run afterwards sees no new and no changed file (the manifest follows the rewritten Bronze files).
    state = root_state(root)
    rerun = run_in_process("run", "--root", str(root), "--max-quarantine-ratio", RATIO_LIMIT)
    assert rerun.returncode == 0, rerun.stderr
    last_b2s = last_run(root, "bronze_to_silver")
    assert last_b2s["files_changed"] == 0 and last_b2s["files_processed"] == 0
    assert root_state(root) == state

    # A later file carrying the id: its record is dropped before Silver, counted as erased_subject, no raw kept.
    header = "transaction_id,customer_id,product_id,store_id,transaction_ts,quantity,unit_price,discount," \
             "payment_method,channel"
    late = root / "bronze" / "transactions" / "ingest_date=2026-01-09" / "late.csv"
    late.parent.mkdir(parents=True)
    late.write_text(f"{header}\nTLATE-1, {subject} ,P000001,S001,2026-01-09T10:00:00Z,1,5.00,,card,store\n"
                    f"TLATE-2,CKEEP-1,P000001,S001,2026-01-09T11:00:00Z,2,5.00,,cash,online\n")
    again = run_in_process("run", "--root", str(root), "--max-quarantine-ratio", RATIO_LIMIT)
    assert again.returncode == 0, again.stderr
    silver = parquet_rows(Layout(root).silver_table(c.TRANSACTIONS))
    assert [row["transaction_id"] for row in silver if row["_source_file"].endswith("late.csv")] == ["TLATE-2"]
    assert not [row for row in parquet_rows(Layout(root).quarantine(c.TRANSACTIONS))
                if row["_source_file"].endswith("late.csv")]
    metrics = json.loads(last_run(root, "bronze_to_silver")["metrics_json"])
    assert metrics["sources"][c.TRANSACTIONS]["erased_subject"] == 1
    (manifest_row,) = [row for row in read_delta_rows(Layout(root).ops_table("file_manifest"))
                       if row["path"].endswith("late.csv")]
    assert (manifest_row["records_read"], manifest_row["silver_rows"], manifest_row["quarantined_rows"]) == (2, 1, 0)
    assert not [row for row in gold_rows(root, gold_tables.FACT_SALES) if row["customer_id"] == subject]


def test_forget_killed_half_way_then_run_again_ends_as_an_uninterrupted_one(root, gold_baseline):
    """Killed after the manifest took the new files' sizes but before a Bronze file was renamed: the most tangled
    moment (Silver and Gold erased, Bronze not). Run again with the same id, it finishes; nothing is lost."""
    subject = pick_subject(gold_baseline)
    killed = cli("forget", "--root", str(root), "--customer-id", subject, "--yes",
                 env={"LAKEHOUSE_CRASH_AT": "forget:manifest_updated"})
    assert killed.returncode == -9, killed.stderr
    assert places_holding(root, subject) != []  # Bronze still holds it
    again = forget(root, subject, "--yes")
    assert again.returncode == 0, again.stderr
    assert "erased before" in again.stdout
    assert not list(root.rglob("_forget-*"))
    assert_forgotten(root, gold_baseline, subject)


def test_refusals_change_nothing(root):
    subject = pick_subject(root)
    before = files_under(root)
    unconfirmed = cli("forget", "--root", str(root), "--customer-id", subject)
    assert unconfirmed.returncode != 0
    assert unconfirmed.stdout.startswith(f"forget plan for {root}:")
    assert unconfirmed.stderr.strip().splitlines() == [unconfirmed.stderr.strip()]
    assert "add --yes" in unconfirmed.stderr
    unknown = forget(root, "C-NOBODY", "--yes")
    assert unknown.returncode != 0 and "is nowhere under" in unknown.stderr and unknown.stdout == ""
    invalid = forget(root, "not an id", "--yes")
    assert invalid.returncode != 0 and "is not a customer id" in invalid.stderr
    assert files_under(root) == before
    assert delta_log.latest_version(Layout(root).ops_table("erasures")) is None


def test_forget_on_delta_rs_erases_alike(root, gold_baseline):
    """The light engine (§8: both engines): the same erasure, the Gold tables' new versions committed by delta-rs."""
    subject = pick_subject(gold_baseline)
    result = forget(root, subject, "--yes", "--delta-engine", "delta-rs")
    assert result.returncode == 0, result.stderr
    assert_forgotten(root, gold_baseline, subject)
