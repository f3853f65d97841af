"""`lakehouse rebuild` (DATA_CONTRACT.md §8, §5, §6): after damage to Gold and Silver, the uninterrupted result again;
Gold's history kept; a refused rebuild changes nothing; a rebuild killed after it published completes at the next
run, one killed before changes nothing. A rebuild of an `ingest_date` range repairs damage within the range and keeps
every row of the files outside it as it was (their run ids too).

The uninterrupted result is `gold_baseline` (the generated files through one `lakehouse run`); states are compared
without run ids and clocks (`root_state`, `gold_state`), since a rebuild is a new run.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.dataset as ds
import pytest
from deltalake import DeltaTable

from lakehouse import contract as c
from lakehouse.gold import tables as gold_tables
from lakehouse.silver import io as silver_io
from lakehouse.silver.erase import read_file, write_file
from lakehouse.storage.layout import Layout
from tests.integration.conftest import RATIO_LIMIT
from tests.integration.helpers import cli, delta_versions, gold_state, root_state, run_in_process

pytestmark = pytest.mark.slow


@pytest.fixture
def root(tmp_path, gold_baseline) -> Path:
    copy = tmp_path / "root"
    shutil.copytree(gold_baseline, copy)
    return copy


def files_under(root: Path) -> dict[str, tuple[int, int]]:
    return {path.relative_to(root).as_posix(): (path.stat().st_size, path.stat().st_mtime_ns)
            for path in sorted(root.rglob("*")) if path.is_file()}


def rebuild(root: Path, *extra: str, env: dict[str, str] | None = None):
    return run_in_process("rebuild", "--root", str(root), "--max-quarantine-ratio", RATIO_LIMIT, *extra, env=env)


def test_rebuild_after_losing_a_gold_partition_and_a_silver_file_gives_the_uninterrupted_result(root, gold_baseline):
    layout = Layout(root)
    fact = layout.gold_table(gold_tables.FACT_SALES.name)
    partition = sorted(fact.glob("transaction_date=*"))[0]
    shutil.rmtree(partition)
    silver_file = sorted(layout.silver_table("transactions").rglob("*.parquet"))[0]
    silver_file.unlink()
    assert root_state(root) != root_state(gold_baseline)
    versions = delta_versions(root)
    summary_table = layout.gold_table(gold_tables.DAILY_SALES_SUMMARY.name)
    summary_before = DeltaTable(str(summary_table)).to_pyarrow_table().to_pylist()

    result = rebuild(root, "--yes")

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"rebuild plan for {root}:")
    assert "rebuild run" in result.stdout.splitlines()[-1] and "succeeded" in result.stdout.splitlines()[-1]
    assert root_state(root) == root_state(gold_baseline)
    assert gold_state(root) == gold_state(gold_baseline)
    assert not layout.rebuilds.exists()
    # Each Gold table got a new version; the version before the rebuild is still readable (history kept).
    after = delta_versions(root)
    for table in gold_tables.FROM_SILVER:
        before = versions[table.name]
        assert before is not None and after[table.name] == before + 1, table.name
    # (fact_sales's old version lost a partition's files to the damage; the others' are whole)
    old_summary = DeltaTable(str(summary_table), version=versions[gold_tables.DAILY_SALES_SUMMARY.name])
    assert old_summary.to_pyarrow_table().to_pylist() == summary_before


def test_without_yes_it_prints_the_plan_refuses_in_one_line_and_changes_nothing(root):
    before = files_under(root)
    result = cli("rebuild", "--root", str(root))
    assert result.returncode == 1
    assert result.stdout.startswith(f"rebuild plan for {root}:") and "reprocess" in result.stdout
    assert result.stderr.count("\n") == 1 and "add --yes" in result.stderr
    assert files_under(root) == before


def test_a_root_without_bronze_files_is_refused(tmp_path):
    (tmp_path / "bronze").mkdir()
    result = run_in_process("rebuild", "--root", str(tmp_path), "--yes")
    assert result.returncode == 1
    assert result.stderr.strip() == f"lakehouse: error: root {tmp_path} has no Bronze input files: there is " \
                                    "nothing to rebuild from"


def test_a_rebuild_killed_after_publishing_began_is_completed_by_the_next_run(root, gold_baseline):
    layout = Layout(root)
    shutil.rmtree(sorted(layout.gold_table(gold_tables.FACT_SALES.name).glob("transaction_date=*"))[-1])
    killed = cli("rebuild", "--root", str(root), "--max-quarantine-ratio", RATIO_LIMIT, "--yes",
                 env={"LAKEHOUSE_CRASH_AT": f"rebuild:published:{gold_tables.FACT_SALES.name}"})
    assert killed.returncode < 0  # SIGKILL
    assert layout.rebuilds.is_dir()  # published, not finished

    rerun = run_in_process("run", "--root", str(root), "--max-quarantine-ratio", RATIO_LIMIT)

    assert rerun.returncode == 0, rerun.stderr
    assert not layout.rebuilds.exists()
    assert root_state(root) == root_state(gold_baseline)
    assert gold_state(root) == gold_state(gold_baseline)


def test_a_rebuild_killed_before_publishing_changes_nothing(root):
    """Killed once the scratch root holds the carved Silver of a range rebuild (before its two stages run there):
    the next run of the root deletes the unpublished scratch root and the root is as it was."""
    before_gold, before_silver = gold_state(root), root_state(root)
    versions = delta_versions(root)
    killed = cli("rebuild", "--root", str(root), "--max-quarantine-ratio", RATIO_LIMIT, "--yes",
                 "--from-ingest-date", "2026-01-06", env={"LAKEHOUSE_CRASH_AT": "rebuild:carved"})
    assert killed.returncode < 0

    rerun = run_in_process("run", "--root", str(root), "--max-quarantine-ratio", RATIO_LIMIT)

    assert rerun.returncode == 0, rerun.stderr
    assert not Layout(root).rebuilds.exists()
    assert gold_state(root) == before_gold and root_state(root) == before_silver
    assert delta_versions(root) == versions


def _drop_silver_rows_of_day(layout: Layout, day: date) -> int:
    """Damage: the Silver transactions and the quarantine of one ingest day lost (rewritten without them)."""
    lost = 0
    for directory in (layout.silver_table(c.TRANSACTIONS), layout.quarantine(c.TRANSACTIONS)):
        for path in silver_io.data_files(directory):
            table = read_file(path)
            keep = pc.not_equal(table.column("_ingest_date"), day)
            lost += table.num_rows - pc.sum(keep).as_py()
            write_file(table.filter(keep), path, temporary=path.with_name(f".damage-{path.name}"))
    return lost


def _lineage(layout: Layout, source: str) -> dict[str, set[str]]:
    """Run ids of the Silver rows of each Bronze file."""
    table = ds.dataset(layout.silver_table(source), format="parquet", partitioning="hive").to_table(
        columns=["_source_file", "_run_id"])
    runs: dict[str, set[str]] = {}
    for path, run_id in zip(table.column("_source_file").to_pylist(), table.column("_run_id").to_pylist(),
                            strict=True):
        runs.setdefault(path, set()).add(run_id)
    return runs


def _key_index(layout: Layout, source: str) -> list[str]:
    return sorted(ds.dataset(layout.key_index(source), format="parquet").to_table().column("_key").to_pylist())


@pytest.mark.parametrize("engine", ["delta-spark", "delta-rs"])
def test_a_range_rebuild_repairs_its_days_and_keeps_every_other_files_rows(root, gold_baseline, engine):
    """§8: the range's files processed again against the other files' keys; the others' rows kept as stored. On
    both Delta engines (delta-rs publishing onto the tables delta-spark wrote)."""
    layout = Layout(root)
    day = date(2026, 1, 6)
    assert _drop_silver_rows_of_day(layout, day) > 0
    shutil.rmtree(layout.gold_table(gold_tables.FACT_SALES.name) / f"transaction_date={day}")
    assert root_state(root) != root_state(gold_baseline)

    result = rebuild(root, "--from-ingest-date", str(day), "--to-ingest-date", str(day), "--yes", "--run-id",
                     "range-rebuild", "--delta-engine", engine)

    assert result.returncode == 0, result.stderr
    assert f"ingest dates {day} to {day}" in result.stdout and "processed files outside that range" in result.stdout
    assert root_state(root) == root_state(gold_baseline)
    assert gold_state(root) == gold_state(gold_baseline)
    # The range's rows are the rebuild's; every other file's rows are still the baseline run's.
    for source in c.SOURCES:
        for path, run_ids in _lineage(layout, source).items():
            in_range = f"/ingest_date={day}/" in path
            assert run_ids == ({"range-rebuild"} if in_range else {"baseline"}), path
        # The key index holds every accepted key once, as the uninterrupted run's does (duplicates of later runs
        # are judged against it).
        assert _key_index(layout, source) == _key_index(Layout(gold_baseline), source), source
    rerun = run_in_process("run", "--root", str(root), "--max-quarantine-ratio", RATIO_LIMIT, "--delta-engine", engine)
    assert rerun.returncode == 0, rerun.stderr
    assert root_state(root) == root_state(gold_baseline) and gold_state(root) == gold_state(gold_baseline)


@pytest.mark.parametrize(("first", "last", "message"), [
    ("2026-01-07", "2026-01-05", "--from-ingest-date 2026-01-07 is after --to-ingest-date 2026-01-05: there is "
                                 "nothing to rebuild"),
    ("2027-01-01", None, "has no Bronze input files ingested from 2027-01-01 to the last day: there is nothing to "
                         "rebuild"),
])
def test_a_range_without_files_is_refused_in_one_line(root, first, last, message):
    before = files_under(root)
    extra = ["--from-ingest-date", first] + (["--to-ingest-date", last] if last else [])
    result = run_in_process("rebuild", "--root", str(root), *extra, "--yes")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert files_under(root) == before
