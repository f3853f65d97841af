"""Gold built once from generated data, shared read-only by every test of `lakehouse sql`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from deltalake import DeltaTable

from lakehouse.storage.layout import Layout
from tests.integration.helpers import run_in_process


@pytest.fixture(scope="session")
def gold_root(tmp_path_factory) -> Path:
    """Five days of fault-free generated data taken to Gold by one `lakehouse run` (the only Spark in tests/sql)."""
    from lakehouse.generate import generate

    root = tmp_path_factory.mktemp("sql_gold") / "root"
    root.mkdir()
    generate(root, days=5, rows_per_day=300, start_date=date(2026, 1, 5), seed=5, faults=0.0)
    result = run_in_process("run", "--root", str(root), "--max-quarantine-ratio", "0.5", "--run-id", "sql-tests")
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture(scope="session")
def gold_rows(gold_root):
    """Gold tables as Python rows, read with delta-rs: what the independent computations start from."""

    def read(name: str) -> list[dict]:
        return DeltaTable(str(Layout(gold_root).gold_table(name))).to_pyarrow_table().to_pylist()

    return read
