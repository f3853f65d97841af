"""bronze-to-silver on generated data: the oracle of injected faults, conservation, incrementality (§3, §5)."""

from __future__ import annotations

import pytest

from lakehouse import contract as c
from lakehouse.storage.layout import Layout
from tests.integration.conftest import RATIO_LIMIT
from tests.integration.helpers import (
    copy_bronze,
    quarantine_table,
    read_delta_rows,
    read_parquet_rows,
    root_state,
    run_in_process,
    staging_leftovers,
)
from tests.silver.reason_codes import expected_reason_codes

pytestmark = pytest.mark.slow


def test_quarantine_is_exactly_the_injected_faults(generated, baseline):
    """§3: every injected fault is quarantined with its reason, and nothing else is."""
    expected = {(f.source_file, f.record_number, f.reason) for f in generated.summary.expected_faults
                if f.record_number is not None}
    actual = set()
    for source in c.SOURCES:
        table = quarantine_table(baseline, source)
        if table is not None:
            actual |= {(r["_source_file"], r["_record_number"], r["reason"]) for r in table.to_pylist()}
    assert sorted(actual - expected)[:10] == [] and sorted(expected - actual)[:10] == []


def test_every_reason_code_appears(baseline):
    """§3: generated faults reach every row reason code of every source."""
    for source, codes in expected_reason_codes().items():
        table = quarantine_table(baseline, source)
        seen = set(table.column("reason").to_pylist()) if table is not None else set()
        assert codes <= seen, f"{source}: never quarantined {sorted(codes - seen)}"


def test_rejected_files_are_recorded_with_their_reason(generated, baseline):
    """§2: a rejected file is recorded with its reason in ops; the run goes on with the other files."""
    expected = {(f.source_file, f.reason) for f in generated.summary.expected_faults if f.record_number is None}
    manifest = read_delta_rows(Layout(baseline).ops_table("file_manifest"))
    rejected = {(row["path"], row["reason"]) for row in manifest if row["status"] == "rejected"}
    assert expected and rejected == expected


def test_conservation_per_file(baseline):
    """§3.4: for every processed file, records read = rows in Silver + rows in quarantine."""
    layout = Layout(baseline)
    stored: dict[str, int] = {}
    for source in c.SOURCES:
        for directory in (layout.silver_table(source), layout.quarantine(source)):
            for row in read_parquet_rows(directory, partitioned=directory != layout.quarantine(source)):
                path = dict(row)["_source_file"]
                stored[path] = stored.get(path, 0) + 1
    manifest = read_delta_rows(layout.ops_table("file_manifest"))
    assert manifest
    for row in manifest:
        assert row["records_read"] == row["silver_rows"] + row["quarantined_rows"]
        assert stored.get(row["path"], 0) == row["records_read"], row["path"]


def test_pipeline_run_is_recorded(baseline):
    """§5: every run appends to ops/pipeline_runs with files and row counts by source and reason."""
    runs = read_delta_rows(Layout(baseline).ops_table("pipeline_runs"))
    assert [(r["run_id"], r["job"], r["status"]) for r in runs] == [("baseline", "bronze_to_silver", "succeeded")]
    assert runs[0]["records_read"] == runs[0]["silver_rows"] + runs[0]["quarantined_rows"]
    assert "quarantined_by_reason" in runs[0]["metrics_json"]
    assert (Layout(baseline).data_docs / "index.html").exists()


def run_b2s(root):
    return run_in_process("bronze-to-silver", "--root", str(root), "--max-quarantine-ratio", RATIO_LIMIT)


def test_split_into_runs_equals_one_run(generated, baseline, tmp_path):
    """§5: files landing in landing order, processed in three runs, give the Silver and quarantine of one run."""
    root = tmp_path / "split"
    paths = generated.paths
    for batch in (paths[: len(paths) // 3], paths[len(paths) // 3: 2 * len(paths) // 3], paths[2 * len(paths) // 3:]):
        copy_bronze(generated.root, root, batch)
        result = run_in_process("bronze-to-silver", "--root", str(root), "--max-quarantine-ratio", RATIO_LIMIT)
        assert result.returncode == 0, result.stderr
    assert root_state(root) == root_state(baseline)
    assert staging_leftovers(root) == []


def test_rerun_without_new_files_changes_nothing(fresh_root):
    """§5: a run processes only files not yet processed; with none, Silver and the manifest stay as they are."""
    assert run_b2s(fresh_root).returncode == 0
    before = root_state(fresh_root)
    files_before = sorted(p.relative_to(fresh_root).as_posix() for p in (fresh_root / "silver").rglob("*"))
    result = run_in_process("bronze-to-silver", "--root", str(fresh_root))
    assert result.returncode == 0, result.stderr
    assert "no new files" in result.stdout
    assert root_state(fresh_root) == before
    assert sorted(p.relative_to(fresh_root).as_posix() for p in (fresh_root / "silver").rglob("*")) == files_before
    runs = read_delta_rows(Layout(fresh_root).ops_table("pipeline_runs"))
    assert [r["status"] for r in runs] == ["succeeded", "succeeded"]


def test_file_changed_after_processing_is_reported_not_reprocessed(fresh_root, generated):
    """§5: a file changed after it was processed is not processed again; the run reports it."""
    assert run_b2s(fresh_root).returncode == 0
    before = root_state(fresh_root)
    changed = next(p for p in generated.paths if "/transactions/" in p)
    with open(fresh_root / changed, "a", encoding="utf-8") as handle:
        handle.write("\nT-NEW,C1,P1,S1,2026-01-05T10:00:00Z,1,1.00,,card,store\n")
    result = run_in_process("bronze-to-silver", "--root", str(fresh_root))
    assert result.returncode == 0, result.stderr
    assert f"{changed} changed after it was processed" in result.stdout
    assert root_state(fresh_root) == before


def test_a_batch_with_too_many_duplicates_to_broadcast_gives_the_same_split(baseline, fresh_root, monkeypatch):
    """§3 `duplicate_key`: a batch whose duplicates are too many to mark through a broadcast lookup (a whole extract
    sent again) has them marked through a shuffle join, with the same Silver and quarantine."""
    from lakehouse.pipeline import silver_batch

    monkeypatch.setattr(silver_batch, "BROADCAST_DUPLICATES", 0)
    result = run_b2s(fresh_root)
    assert result.returncode == 0, result.stderr
    assert root_state(fresh_root) == root_state(baseline)
