"""Shared tools for integration tests: running the real CLI, and reading a root's state without Spark."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
from deltalake import DeltaTable

from lakehouse import contract as c
from lakehouse.gold import tables as gold_tables
from lakehouse.spark import C1_ONLY
from lakehouse.storage.layout import Layout

REPO = Path(__file__).resolve().parents[2]
VOLATILE = {"_run_id", "_ingested_at", "run_id", "processed_at", "mtime_ns"}


# A process the tests start lives for one small command, so its JVMs compile with C1 only: C2, the optimizing
# compiler, spent 35-46 s of CPU on a cold tiny run here (more than all of Spark's tasks) for code that then runs
# once. `lakehouse demo` on 3 days of 200 rows, cold: 126 -> 86 s of CPU, 67 -> 56 s wall. With C1 alone the JVM
# reserves a client's code cache (48 MB), which Spark fills (the JIT then stops, and HotSpot says so on stdout), so
# the reservation stays at the tiered default. Only the JIT changes (JDK_JAVA_OPTIONS is read by every `java`
# launcher, not by Spark), so results are the same; the test session's own long-lived JVM keeps the default.
COLD_JVM_ENV = {"JDK_JAVA_OPTIONS": " ".join(C1_ONLY)}  # the small-root JIT, also for the launcher and daemons


def process_env(overrides: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a process a test starts: this one's, with a cold JVM's JIT setting."""
    return {**os.environ, "GX_ANALYTICS_ENABLED": "false", **COLD_JVM_ENV, **(overrides or {})}


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run `lakehouse ...` as a real process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "lakehouse.cli", *args], capture_output=True, text=True, env=process_env(env),
        timeout=timeout, cwd=REPO,
    )


def start_run(*args: str) -> subprocess.Popen:
    """Start `lakehouse ...` as a real process in its own process group (the Python driver and its Spark JVM)."""
    return subprocess.Popen([sys.executable, "-m", "lakehouse.cli", *args], cwd=REPO, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=process_env())


def kill_run(process: subprocess.Popen) -> None:
    """SIGKILL the whole run, as a lost machine or container would, and wait until it is gone.

    Killing only the Python driver would leave its Spark JVM writing task output for a moment after the lock is
    free; a rerun started in that moment sees files appear in the dead run's staging folder.
    """
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)


def run_in_process(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run `lakehouse ...` through the same `main` inside this process, on the tests' Spark session.

    For baselines and reruns, where a real process is not what the test checks: it saves a JVM start and runs on a
    warm JVM. Kill tests, the demo and the one-line-error tests keep real processes (`cli`).
    """
    from lakehouse.cli import main
    from tests.conftest import tests_session

    tests_session()  # not one the command would make for its root, should this be the run's first Spark use
    out, err = io.StringIO(), io.StringIO()
    with _environment(env or {}), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(args))
    return subprocess.CompletedProcess(["lakehouse", *args], status, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def _environment(overrides: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in overrides}
    os.environ.update(overrides)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def read_parquet_rows(directory: Path, partitioned: bool = True) -> list[tuple]:
    """All rows of a Parquet folder, volatile lineage columns dropped, sorted: comparable across runs."""
    if not directory.is_dir() or not any(directory.rglob("*.parquet")):
        return []
    dataset = ds.dataset(directory, format="parquet", partitioning="hive" if partitioned else None,
                         exclude_invalid_files=False)
    table = dataset.to_table()
    keep = [name for name in table.column_names if name not in VOLATILE]
    rows = table.select(keep).to_pylist()
    return sorted(tuple(sorted((k, str(v)) for k, v in row.items())) for row in rows)


def read_delta_rows(path: Path) -> list[dict]:
    if not DeltaTable.is_deltatable(str(path)):
        return []
    return DeltaTable(str(path)).to_pyarrow_table().to_pylist()


def root_state(root: Path) -> dict[str, object]:
    """What a run must leave identical: Silver, quarantine and the manifest (minus run ids and clocks)."""
    layout = Layout(root)
    state: dict[str, object] = {}
    for source in c.SOURCES:
        state[f"silver/{source}"] = read_parquet_rows(layout.silver_table(source))
        state[f"quarantine/{source}"] = read_parquet_rows(layout.quarantine(source), partitioned=False)
    manifest = read_delta_rows(layout.ops_table("file_manifest"))
    state["manifest"] = sorted(tuple(sorted((k, str(v)) for k, v in row.items() if k not in VOLATILE))
                               for row in manifest)
    return state


def gold_state(root: Path) -> dict[str, list[tuple]]:
    """Every Gold table built from Silver, its rows sorted: equal states mean equal tables, whatever commits produced
    them. (`data_quality` records runs, so it differs between splits into runs by design: §4.4.)"""
    layout = Layout(root)
    return {
        table.name: sorted(tuple(sorted((k, repr(v)) for k, v in row.items()))
                           for row in read_delta_rows(layout.gold_table(table.name)))
        for table in gold_tables.FROM_SILVER
    }


def commit_run_ids(path: Path) -> list[str | None]:
    """The run id each commit of a Delta table names in its metadata, oldest first (either engine)."""
    from lakehouse.storage import delta_log

    return [json.loads(info.user_metadata).get("run_id") if info.user_metadata else None
            for info in delta_log.commit_infos(path)]


def delta_versions(root: Path) -> dict[str, int | None]:
    layout = Layout(root)
    return {
        table.name: DeltaTable(str(layout.gold_table(table.name))).version()
        if DeltaTable.is_deltatable(str(layout.gold_table(table.name))) else None
        for table in gold_tables.FROM_SILVER
    }


def staging_leftovers(root: Path) -> list[str]:
    staging = Layout(root).staging
    return sorted(p.name for p in staging.iterdir()) if staging.is_dir() else []


def copy_bronze(source_root: Path, target_root: Path, paths: list[str]) -> None:
    """Land files into another root, keeping their relative paths and bytes."""
    for relative in paths:
        target = target_root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source_root / relative, target)


def quarantine_table(root: Path, source: str) -> pa.Table | None:
    directory = Layout(root).quarantine(source)
    if not directory.is_dir():
        return None
    return ds.dataset(directory, format="parquet").to_table()
