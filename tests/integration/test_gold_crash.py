"""Crash safety of the Gold stage (§5): a real `lakehouse run` killed with SIGKILL while it writes Gold, then rerun.

Each test starts from a copy of the Silver-complete baseline, so the run's Silver stage finds nothing new and the
kill lands in the Gold stage. The rerun must end with Gold identical to one uninterrupted run, every file consumed
exactly once.
"""

from __future__ import annotations

import random
import signal
import time

import pytest

from lakehouse.storage.layout import Layout
from tests.integration.conftest import RATIO_LIMIT
from tests.integration.helpers import cli, gold_state, kill_run, read_delta_rows, run_in_process, start_run

pytestmark = pytest.mark.slow

# Named points (src/lakehouse/failpoints.py): after the first dimension; after the fact, and after one of its
# daily aggregates (the two are written side by side, so either may have committed while the other had not); and after
# every Gold table but before the run records what it consumed.
CRASH_POINTS = ["s2g:wrote:dim_customer", "s2g:wrote:fact_sales", "s2g:wrote:store_performance",
                "s2g:before_gold_manifest"]


def run_args(root) -> list[str]:
    return ["run", "--root", str(root), "--max-quarantine-ratio", RATIO_LIMIT]


def assert_same_as_uninterrupted(root, gold_baseline) -> None:
    rerun = run_in_process(*run_args(root))
    assert rerun.returncode == 0, rerun.stderr
    assert gold_state(root) == gold_state(gold_baseline)
    consumed = [row["path"] for row in read_delta_rows(Layout(root).ops_table("gold_manifest"))]
    assert sorted(consumed) == sorted(set(consumed))  # nothing consumed twice
    assert len(consumed) == len(read_delta_rows(Layout(root).ops_table("file_manifest")))


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_run_killed_in_gold_stage_then_rerun_equals_uninterrupted_run(point, silver_root, gold_baseline):
    """§5: killed at a named point of the Gold stage, then run again: as if never killed."""
    killed = cli(*run_args(silver_root), env={"LAKEHOUSE_CRASH_AT": point})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert read_delta_rows(Layout(silver_root).ops_table("gold_manifest")) == []
    assert_same_as_uninterrupted(silver_root, gold_baseline)


def test_run_killed_at_a_random_instant_of_gold_stage(silver_root, gold_baseline):
    """§5: SIGKILL from outside at a random moment after the Gold stage started writing, then a rerun."""
    process = start_run(*run_args(silver_root))
    gold = Layout(silver_root).root / "gold"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None and not gold.exists():
        time.sleep(0.1)
    time.sleep(random.Random().uniform(0.0, 4.0))  # somewhere among the Gold commits
    kill_run(process)
    assert_same_as_uninterrupted(silver_root, gold_baseline)
