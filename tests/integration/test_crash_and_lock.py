"""Crash safety and the one-writer rule (§5): real `bronze-to-silver` processes killed with SIGKILL, then rerun."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from lakehouse.storage.layout import Layout
from tests.integration.conftest import RATIO_LIMIT
from tests.integration.helpers import (
    REPO,
    cli,
    kill_run,
    process_env,
    read_delta_rows,
    root_state,
    run_in_process,
    staging_leftovers,
    start_run,
)

pytestmark = pytest.mark.slow

# Named points in the run (src/lakehouse/failpoints.py): before Spark, mid-way through the sources, just before
# the commit plan, just after it, with half the files moved, and between the ops appends.
CRASH_POINTS = [
    "b2s:bronze_staged",
    "b2s:staged_silver:products",
    "b2s:plan_written",
    "commit:half_moved",
    "commit:appended:file_manifest",
]


def run_args(root) -> list[str]:
    return ["bronze-to-silver", "--root", str(root), "--max-quarantine-ratio", RATIO_LIMIT]


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_killed_run_then_rerun_equals_uninterrupted_run(point, fresh_root, baseline):
    """§5: a run killed at any instant, then run again, ends as if never killed: nothing lost, nothing twice."""
    killed = cli(*run_args(fresh_root), env={"LAKEHOUSE_CRASH_AT": point})
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    rerun = run_in_process(*run_args(fresh_root))
    assert rerun.returncode == 0, rerun.stderr
    assert root_state(fresh_root) == root_state(baseline)
    assert staging_leftovers(fresh_root) == []
    runs = read_delta_rows(Layout(fresh_root).ops_table("pipeline_runs"))
    assert sum(r["files_processed"] for r in runs) == sum(r["files_processed"] for r in
                                                          read_delta_rows(Layout(baseline).ops_table("pipeline_runs")))


def test_killed_at_a_random_instant_from_outside(fresh_root, baseline):
    """§5: SIGKILL from another process at an arbitrary moment of the Spark stage, then a rerun."""
    process = start_run(*run_args(fresh_root))
    staging = Layout(fresh_root).staging
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not any(staging.glob("*/silver/*")):
        time.sleep(0.2)  # wait until Silver files are being written: the middle of the Spark stage
    kill_run(process)

    rerun = run_in_process(*run_args(fresh_root))
    assert rerun.returncode == 0, rerun.stderr
    assert root_state(fresh_root) == root_state(baseline)
    assert staging_leftovers(fresh_root) == []


def test_second_concurrent_run_is_refused(fresh_root):
    """§5: a second run on the same root while one is active refuses with a clear message."""
    first = subprocess.Popen([sys.executable, "-m", "lakehouse.cli", *run_args(fresh_root)], cwd=REPO,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=process_env())
    try:
        lock_file = Layout(fresh_root).lock_file
        deadline = time.monotonic() + 300  # a JVM start on a loaded machine
        while time.monotonic() < deadline:
            if lock_file.exists() and lock_file.read_text().strip():
                holder = json.loads(lock_file.read_text())
                if holder.get("pid") == first.pid:
                    break
            time.sleep(0.1)
        second = cli(*run_args(fresh_root))
        assert second.returncode == 1
        assert second.stderr.strip().count("\n") == 0
        assert "in use by another run" in second.stderr and f"pid {first.pid}" in second.stderr
    finally:
        first.wait(timeout=600)
    assert first.returncode == 0


def test_lock_of_a_killed_run_does_not_block(fresh_root):
    """§5: a lock left by a killed run does not block forever."""
    killed = cli(*run_args(fresh_root), env={"LAKEHOUSE_CRASH_AT": "b2s:bronze_staged"})
    assert killed.returncode == -signal.SIGKILL
    assert Layout(fresh_root).lock_file.exists()
    assert run_in_process(*run_args(fresh_root)).returncode == 0


