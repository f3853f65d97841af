"""`lakehouse maintain` (DATA_CONTRACT.md §8, §5, §6) on a root after several incremental runs: Gold rows unchanged,
each partition one file, a checkpoint in every `_delta_log`, no unreferenced data file left (retention 0 with
--force), Synapse-readable; a dry run that changes nothing and foretells the real run; the one-line refusals; and a
run killed with SIGKILL, then run again, ending with the same tables.

The root is built once per module: the shared generated data landed one ingest day per `lakehouse run` (in this
process), so the Gold and ops tables hold the small files of several runs. Each test works on a copy. What is on disk
is compared with what the log references using `storage.delta_log`, the engine-independent reader.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import time
from pathlib import Path

import pytest

from lakehouse.config import LakehouseConfig
from lakehouse.pipeline import run as pipeline
from lakehouse.storage import delta_log
from lakehouse.storage.layout import Layout
from lakehouse.storage.lock import root_lock
from lakehouse.storage.synapse_check import synapse_problems
from tests.integration.helpers import cli, copy_bronze, gold_state, kill_run, read_delta_rows, run_in_process, start_run

pytestmark = pytest.mark.slow

FORCE_ZERO = ("--vacuum-retain-hours", "0", "--force")


@pytest.fixture(scope="module")
def incremental_root(tmp_path_factory, spark, generated) -> Path:
    """The generated files landed and run one ingest day at a time: three incremental `lakehouse run`s."""
    root = tmp_path_factory.mktemp("maintain") / "root"
    days = sorted({path.split("ingest_date=")[1][:10] for path in generated.paths})
    for day in days:
        copy_bronze(generated.root, root, [path for path in generated.paths if f"ingest_date={day}/" in path])
        # The quarantine gate is not the subject here: one day may be dense with the generator's faults.
        summary = pipeline.run(LakehouseConfig.create(root, f"day-{day}", max_quarantine_ratio=1.0))
        assert summary.silver.status == summary.gold.status == "succeeded"
    return root


@pytest.fixture
def root(tmp_path, incremental_root) -> Path:
    copy = tmp_path / "root"
    shutil.copytree(incremental_root, copy)
    return copy


def delta_tables(root: Path) -> dict[str, Path]:
    """Every Delta table of the root, Gold and ops, by `<layer>/<name>`."""
    return {f"{layer}/{table.name}": table for layer in ("gold", "ops") for table in sorted((root / layer).iterdir())
            if delta_log.is_delta_table(table)}


def files_per_partition(table: Path) -> dict[tuple, int]:
    counts: dict[tuple, int] = {}
    for add in delta_log.read_snapshot(table).files:
        key = tuple(sorted(add.partition_values.items()))
        counts[key] = counts.get(key, 0) + 1
    return counts


def unreferenced_data_files(table: Path) -> set[str]:
    on_disk = {str(file.relative_to(table)) for file in table.rglob("*.parquet")
               if "_delta_log" not in file.parts and not file.name.startswith((".", "_"))}
    return on_disk - {add.path for add in delta_log.read_snapshot(table).files}


def tables_state(root: Path) -> dict[str, tuple[int, int]]:
    """Every file of every Delta table, log included, with its size and modification time."""
    return {str(file.relative_to(root)): (file.stat().st_size, file.stat().st_mtime_ns)
            for table in delta_tables(root).values() for file in table.rglob("*") if file.is_file()}


def table_lines(stdout: str) -> dict[str, tuple[int, int, str, int]]:
    """name -> (files before, files after, checkpoint version, files vacuumed) from maintain's table lines."""
    found = {}
    for line in stdout.splitlines():
        words = line.split()
        if words and words[0].startswith(("gold/", "ops/")):
            found[words[0]] = (int(words[2]), int(words[4]), words[6], int(words[-2]))
    return found


def assert_maintained(root: Path, before_gold: dict) -> None:
    """§8 on every table: contents unchanged (Gold), one file per partition, a checkpoint, nothing unreferenced on
    disk, readable by Synapse serverless."""
    assert gold_state(root) == before_gold
    for name, table in delta_tables(root).items():
        counts = files_per_partition(table)
        # ops/pipeline_runs gets this run's row after its compaction: one more small file, until the next run.
        assert set(counts.values()) == ({2} if name == "ops/pipeline_runs" else {1}), (name, counts)
        assert delta_log.list_log(table).checkpoints, f"{name}: no checkpoint in its _delta_log"
        assert unreferenced_data_files(table) == set(), name
        assert synapse_problems(table) == [], name


def test_maintain_after_incremental_runs_compacts_checkpoints_and_vacuums_gold_unchanged(root):
    """§8: a dry run changes nothing and says what the real run then does; the real run (a real process) leaves
    the rows, one file per partition, a checkpoint in every log, no unreferenced data file, Synapse-readable tables
    and its record in ops/pipeline_runs."""
    before_gold, before_files = gold_state(root), tables_state(root)
    fact = Layout(root).gold_table("fact_sales")
    assert max(files_per_partition(fact).values()) > 1, "the incremental runs left no small files to compact"
    runs_before = len(read_delta_rows(Layout(root).ops_table("pipeline_runs")))

    dry = run_in_process("maintain", "--root", str(root), *FORCE_ZERO, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert tables_state(root) == before_files  # no commit, no deletion, no ops row
    assert "(dry run: nothing changed)" in dry.stdout.splitlines()[0]
    foretold = table_lines(dry.stdout)

    real = cli("maintain", "--root", str(root), *FORCE_ZERO, "--run-id", "maint-1")
    assert real.returncode == 0, real.stderr
    lines = real.stdout.splitlines()
    assert lines[0].startswith("maintain run maint-1: succeeded in ") and "vacuum retention 0 h" in lines[0]
    done = table_lines(real.stdout)
    assert set(done) == set(delta_tables(root)) and len(lines) == len(done) + 2  # heading, tables, summary
    assert lines[-1].endswith("Synapse check passed") and "Deleted" not in real.stdout + real.stderr
    assert done == foretold  # files before and after, checkpoint version, files vacuumed
    assert done["gold/fact_sales"][0] > done["gold/fact_sales"][1] and done["gold/fact_sales"][3] > 0

    assert_maintained(root, before_gold)
    runs = read_delta_rows(Layout(root).ops_table("pipeline_runs"))
    (maintain_run,) = [run for run in runs if run["job"] == "maintain"]
    assert len(runs) == runs_before + 1
    assert (maintain_run["run_id"], maintain_run["status"]) == ("maint-1", "succeeded")
    metrics = json.loads(maintain_run["metrics_json"])
    assert set(metrics["tables"]) == set(done) and metrics["retain_hours"] == 0 and metrics["forced"] is True


def test_the_refusals_are_one_line_and_change_nothing(root, tmp_path):
    """§6, §8: a retention below the floor without --force, a root with no Gold, and a second writer: refused."""
    before = tables_state(root)

    below = cli("maintain", "--root", str(root), "--vacuum-retain-hours", "24")
    assert_one_line(below, "vacuum retention of 24 hours is below the 168-hour floor", "--force")

    empty = tmp_path / "no-gold"
    (empty / "bronze").mkdir(parents=True)
    no_gold = cli("maintain", "--root", str(empty))
    assert_one_line(no_gold, f"root {empty} has no Gold tables", "nothing to maintain")

    with root_lock(Layout(root), "daily-run", "silver_to_gold"):
        second = cli("maintain", "--root", str(root))
    assert_one_line(second, f"root {root} is in use by another run", "daily-run")
    assert tables_state(root) == before


def assert_one_line(result, *fragments: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
    line = result.stderr.strip()
    assert line.startswith("lakehouse: error: ")
    for fragment in fragments:
        assert fragment in line, line


def test_maintain_killed_then_rerun_ends_with_the_same_tables(root):
    """§5 for maintain: killed by SIGKILL at a named point (fact_sales compacted, not yet checkpointed) and again at
    a random instant, then run again: Gold unchanged and maintained as by one uninterrupted run."""
    before_gold = gold_state(root)
    killed = cli("maintain", "--root", str(root), *FORCE_ZERO,
                 env={"LAKEHOUSE_CRASH_AT": "maintain:compacted:gold/fact_sales"})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert gold_state(root) == before_gold

    process = start_run("maintain", "--root", str(root), *FORCE_ZERO)
    lock_file = Layout(root).lock_file
    deadline = time.monotonic() + 300  # a JVM start on a loaded machine
    while time.monotonic() < deadline and process.poll() is None:
        if lock_file.is_file() and f'"pid": {process.pid}' in lock_file.read_text():
            break
        time.sleep(0.1)
    time.sleep(random.Random().uniform(1.0, 8.0))  # somewhere in Spark's start, a compaction or a vacuum
    if process.poll() is None:
        kill_run(process)
    assert gold_state(root) == before_gold

    rerun = run_in_process("maintain", "--root", str(root), *FORCE_ZERO)
    assert rerun.returncode == 0, rerun.stderr
    assert_maintained(root, before_gold)
