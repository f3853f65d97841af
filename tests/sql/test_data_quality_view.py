"""`analytics.vw_data_quality` (issue: data quality served like Gold, contract §4.4) run locally over a root with
generated faults taken through several runs on two days, against what the root itself holds: the quarantine
Parquet and the Silver rows of each run (`_run_id`), and the rejected files of `ops/file_manifest`."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from lakehouse import contract as c
from lakehouse.config import LakehouseConfig
from lakehouse.sql.run import run_query
from lakehouse.storage import ops_tables
from lakehouse.storage.layout import Layout

# (run id, its clock, days generated before it): two runs on 2026-01-07 show a day summed over runs.
RUNS = (
    ("dq-1", datetime(2026, 1, 6, 2, 0, tzinfo=UTC), 2),  # day 2 holds the rejected files (generate/special.py)
    ("dq-2", datetime(2026, 1, 7, 2, 0, tzinfo=UTC), 4),
    ("dq-3", datetime(2026, 1, 7, 14, 30, tzinfo=UTC), 5),
)


@pytest.fixture(scope="module")
def faulty_root(tmp_path_factory) -> Path:
    from lakehouse.generate import generate
    from lakehouse.pipeline import run as pipeline

    root = tmp_path_factory.mktemp("dq_view") / "root"
    root.mkdir()
    for run_id, started_at, days in RUNS:
        generate(root, days=days, rows_per_day=150, start_date=date(2026, 1, 5), seed=23, faults=0.05)
        # The quarantine gate is not the subject: small days are fault-dense.
        config = LakehouseConfig(root, run_id, started_at, max_quarantine_ratio=1.0)
        summary = pipeline.run(config)
        assert summary.silver.status == summary.gold.status == "succeeded", summary.silver.message
    return root


def view_rows(root: Path) -> dict[tuple[date, str], dict]:
    result = run_query(root, "SELECT * FROM analytics.vw_data_quality")
    rows = [dict(zip(result.columns, row, strict=True)) for row in result.rows]
    return {(row["run_date"], row["source"]): row for row in rows}


def parquet_rows(directory: Path, columns: list[str], partitioned: bool) -> list[tuple]:
    if not directory.is_dir() or not any(directory.rglob("*.parquet")):
        return []
    dataset = ds.dataset(directory, format="parquet", partitioning="hive" if partitioned else None)
    return [tuple(row.values()) for row in dataset.to_table(columns=columns).to_pylist()]


def expected_rows(root: Path, run_dates: dict[str, date]) -> dict[tuple[date, str], dict]:
    """Per (run_date, source), from Silver, quarantine and the manifest only (not from data_quality)."""
    layout = Layout(root)
    silver: Counter[tuple[str, str]] = Counter()
    quarantined: dict[tuple[date, str], Counter[str]] = defaultdict(Counter)
    runs: dict[tuple[date, str], set[str]] = defaultdict(set)
    rejected: Counter[tuple[date, str]] = Counter()
    for source in c.SOURCES:
        for (run_id,) in parquet_rows(layout.silver_table(source), ["_run_id"], partitioned=True):
            silver[run_id, source] += 1
        for run_id, reason in parquet_rows(layout.quarantine(source), ["_run_id", "reason"], partitioned=False):
            quarantined[run_dates[run_id], source][reason] += 1
    for file in ops_tables.read_rows(layout, ops_tables.FILE_MANIFEST):
        runs[run_dates[file["run_id"]], file["source"]].add(file["run_id"])
        if file["status"] == "rejected":
            rejected[run_dates[file["run_id"]], file["source"]] += 1
    expected = {}
    for (day, source), run_ids in runs.items():
        reasons = quarantined[day, source]
        in_silver = sum(silver[run_id, source] for run_id in run_ids)
        read = in_silver + sum(reasons.values())  # conservation, §3.4
        top = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))[:3]
        top += [(None, None)] * (3 - len(top))
        expected[day, source] = {
            "run_date": day, "source": source, "runs": len(run_ids), "records_read": read, "silver_rows": in_silver,
            "quarantined_rows": sum(reasons.values()),
            "quarantine_rate": sum(reasons.values()) / read if read else None,
            "rejected_files": rejected[day, source],
            "top_reason": top[0][0], "top_reason_rows": top[0][1], "second_reason": top[1][0],
            "second_reason_rows": top[1][1], "third_reason": top[2][0], "third_reason_rows": top[2][1],
        }
    return expected


def test_view_equals_the_quarantine_per_source_and_day_over_several_runs(faulty_root):
    """Issue "done when": vw_data_quality per source equals the quarantine counts, on faulty data, over runs."""
    run_dates = {run_id: started_at.date() for run_id, started_at, _ in RUNS}
    actual, expected = view_rows(faulty_root), expected_rows(faulty_root, run_dates)
    assert actual == expected
    # The data set is what the test claims: faults in every source, a rejected file, a day of two runs.
    assert {source for (_, source), row in actual.items() if row["quarantined_rows"]} == set(c.SOURCES)
    assert sum(row["rejected_files"] for row in actual.values()) >= 1
    assert max(row["runs"] for row in actual.values()) == 2
    assert sorted({day for day, _ in actual}) == [date(2026, 1, 6), date(2026, 1, 7)]


def test_view_on_fault_free_gold_has_no_quarantine(gold_root):
    """On fault-free data every source's day reads what Silver holds and quarantines nothing (§3.4)."""
    manifest = ops_tables.read_rows(Layout(gold_root), ops_tables.FILE_MANIFEST)
    read: Counter[str] = Counter()
    for file in manifest:
        read[file["source"]] += file["records_read"] or 0
    rows = view_rows(gold_root)
    assert {source: row["records_read"] for (_, source), row in rows.items()} == dict(read)
    assert all(row["quarantined_rows"] == 0 and row["quarantine_rate"] == 0.0 and row["top_reason"] is None
               for row in rows.values())


def test_data_quality_table_passes_the_synapse_check(faulty_root):
    """§4: gold/data_quality is read by Synapse serverless like every Gold table (storage.synapse_check)."""
    from lakehouse.storage.synapse_check import synapse_problems

    assert synapse_problems(Layout(faulty_root).gold_table("data_quality")) == []


def test_root_from_before_data_quality_gives_an_empty_view(gold_root, tmp_path):
    """A root whose files were all processed before gold/data_quality existed has none until its next run with
    files: locally the table is then empty (no quality recorded), and every other view still works."""
    import shutil

    root = tmp_path / "root"
    shutil.copytree(gold_root, root)
    shutil.rmtree(Layout(root).gold_table("data_quality"))
    assert run_query(root, "SELECT * FROM analytics.vw_data_quality").rows == []
    assert run_query(root, "SELECT COUNT(*) AS n FROM analytics.vw_customer_current").rows[0][0] > 0
