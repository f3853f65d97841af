"""The quality gate of bronze-to-silver: quarantine ratio and Great Expectations failures stop the run with
nothing committed, and a later run processes the same files exactly once (issue #2, contract §3.4, §5)."""

from __future__ import annotations

import pytest

from lakehouse.storage.layout import Layout
from tests.integration.conftest import RATIO_LIMIT
from tests.integration.helpers import read_delta_rows, root_state, run_in_process, staging_leftovers

pytestmark = pytest.mark.slow


def test_quarantine_ratio_above_limit_fails_the_run_and_commits_nothing(fresh_root, baseline):
    """Default limit 5% per source: the small faulty data set is above it, so the run fails and says why."""
    failed = run_in_process("bronze-to-silver", "--root", str(fresh_root), "--run-id", "too-many-faults")
    assert failed.returncode == 1
    (line,) = [line for line in failed.stderr.splitlines() if line.startswith("lakehouse: error:")]
    assert "nothing was committed" in line and "limit 5.0%" in line
    layout = Layout(fresh_root)
    assert root_state(fresh_root) == root_state(fresh_root / "missing")  # no Silver, quarantine or manifest
    assert staging_leftovers(fresh_root) == []
    runs = read_delta_rows(layout.ops_table("pipeline_runs"))
    assert [(r["run_id"], r["status"]) for r in runs] == [("too-many-faults", "failed")]

    retried = run_in_process("bronze-to-silver", "--root", str(fresh_root), "--max-quarantine-ratio", RATIO_LIMIT)
    assert retried.returncode == 0, retried.stderr
    assert root_state(fresh_root) == root_state(baseline)


def test_failed_expectation_fails_the_run_and_a_later_run_commits_once(spark, fresh_root, baseline, monkeypatch):
    """A Great Expectations failure stops the run: Silver and the manifest stay unchanged, the failed expectation
    is recorded in ops/quality_results, and the next run processes the same files exactly once."""
    from lakehouse.config import LakehouseConfig
    from lakehouse.errors import RunFailed
    from lakehouse.pipeline import bronze_to_silver
    from lakehouse.quality import gx_runner, suites

    real = suites.silver_expectations

    def with_impossible_store_type(table: str, expected_rows: int):
        specs = real(table, expected_rows)
        if table == "stores_snapshots":
            specs.append(suites.SilverExpectation(table, suites.IN_SET, column="store_type", value_set=("kiosk",)))
        return specs

    monkeypatch.setattr(gx_runner, "silver_expectations", with_impossible_store_type)
    config = LakehouseConfig.create(fresh_root, "gx-fails", max_quarantine_ratio=float(RATIO_LIMIT))
    with pytest.raises(RunFailed, match=r"data quality: stores_snapshots: expect_column_values_to_be_in_set"):
        bronze_to_silver.run(config)
    assert root_state(fresh_root) == root_state(fresh_root / "missing")
    assert staging_leftovers(fresh_root) == []
    results = read_delta_rows(Layout(fresh_root).ops_table("quality_results"))
    assert any(not r["success"] and r["column"] == "store_type" for r in results)

    monkeypatch.setattr(gx_runner, "silver_expectations", real)
    bronze_to_silver.run(LakehouseConfig.create(fresh_root, "retry", max_quarantine_ratio=float(RATIO_LIMIT)))
    assert root_state(fresh_root) == root_state(baseline)
    runs = read_delta_rows(Layout(fresh_root).ops_table("pipeline_runs"))
    assert sorted((r["run_id"], r["status"]) for r in runs) == [("gx-fails", "failed"), ("retry", "succeeded")]
