"""The quality gate of bronze-to-silver: quarantine ratio and Great Expectations failures stop the run with
nothing committed, and a later run processes the same files exactly once (issue #2, contract §3.4, §5)."""

from __future__ import annotations

import pytest

from lakehouse.storage.layout import Layout
from tests.integration.conftest import RATIO_LIMIT
from tests.integration.helpers import cli, read_delta_rows, root_state, staging_leftovers

pytestmark = pytest.mark.slow


def test_quarantine_ratio_above_limit_fails_the_run_and_commits_nothing(fresh_root, baseline):
    """Default limit 5% per source: the small faulty data set is above it, so the run fails and says why."""
    failed = cli("bronze-to-silver", "--root", str(fresh_root), "--run-id", "too-many-faults")
    assert failed.returncode == 1
    (line,) = [line for line in failed.stderr.splitlines() if line.startswith("lakehouse: error:")]
    assert "nothing was committed" in line and "limit 5.0%" in line
    layout = Layout(fresh_root)
    assert root_state(fresh_root) == root_state(fresh_root / "missing")  # no Silver, quarantine or manifest
    assert staging_leftovers(fresh_root) == []
    runs = read_delta_rows(layout.ops_table("pipeline_runs"))
    assert [(r["run_id"], r["status"]) for r in runs] == [("too-many-faults", "failed")]

    retried = cli("bronze-to-silver", "--root", str(fresh_root), "--max-quarantine-ratio", RATIO_LIMIT)
    assert retried.returncode == 0, retried.stderr
    assert root_state(fresh_root) == root_state(baseline)
