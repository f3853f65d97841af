"""`lakehouse demo`, the README's first command (§6), on a small root: it runs end to end and reports Gold."""

from __future__ import annotations

import pytest

from tests.integration.conftest import RATIO_LIMIT
from tests.integration.helpers import cli

pytestmark = pytest.mark.slow


def test_demo_runs_the_pipeline_and_prints_the_gold_report(tmp_path):
    root = tmp_path / "demo"
    small = ["--days", "3", "--rows-per-day", "200", "--max-quarantine-ratio", RATIO_LIMIT]
    result = cli("demo", "--root", str(root), *small)
    assert result.returncode == 0, result.stderr
    for heading in ("Revenue by day", "Customer segments as of", "Quarantined rows by reason", "Data Docs:"):
        assert heading in result.stdout, heading
    assert "silver -> gold" in result.stderr  # progress is shown while it works
    assert (root / "gold" / "fact_sales" / "_delta_log").is_dir()

    again = cli("demo", "--root", str(root), *small)
    assert again.returncode == 0, again.stderr
    assert "no new Silver data" in again.stdout
    revenue = result.stdout.split("Revenue by day")[1].split("Customer segments")[0]
    assert revenue in again.stdout  # the same Gold, reported again
