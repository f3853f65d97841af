"""Generated data and one uninterrupted run over it, shared by the integration tests (they never modify them)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from lakehouse.bronze.discovery import discover_bronze_files
from tests.integration.helpers import copy_bronze, run_in_process

# Faults are dense in these small data sets (every reason code is forced in), so the tests that are not about the
# quarantine gate raise its limit; tests/integration/test_quality_gate.py checks the default.
RATIO_LIMIT = "0.5"


@dataclass(frozen=True)
class Generated:
    root: Path
    summary: object
    paths: list[str]  # input files in landing order


@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> Generated:
    from lakehouse.generate import generate

    root = tmp_path_factory.mktemp("generated")
    summary = generate(root, days=3, rows_per_day=240, start_date=date(2026, 1, 5), seed=11, faults=0.03)
    files, _ = discover_bronze_files(root)
    return Generated(root, summary, [f.path for f in files])


@pytest.fixture
def fresh_root(tmp_path, generated) -> Path:
    """A new root holding the generated Bronze files (and nothing processed)."""
    root = tmp_path / "root"
    copy_bronze(generated.root, root, generated.paths)
    return root


@pytest.fixture(scope="session")
def baseline(tmp_path_factory, generated) -> Path:
    """The generated files processed by one uninterrupted `bronze-to-silver` run."""
    root = tmp_path_factory.mktemp("baseline") / "root"
    copy_bronze(generated.root, root, generated.paths)
    result = run_in_process("bronze-to-silver", "--root", str(root), "--max-quarantine-ratio", RATIO_LIMIT,
                 "--run-id", "baseline")
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture(scope="session")
def gold_baseline(tmp_path_factory, baseline) -> Path:
    """`baseline` (Silver done) carried to Gold by one uninterrupted `lakehouse run`."""
    root = tmp_path_factory.mktemp("gold_baseline") / "root"
    shutil.copytree(baseline, root)
    result = run_in_process("run", "--root", str(root), "--max-quarantine-ratio", RATIO_LIMIT,
                            "--run-id", "gold-baseline")
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture
def silver_root(tmp_path, baseline) -> Path:
    """A private copy of `baseline`: Silver complete, Gold not yet built."""
    root = tmp_path / "root"
    shutil.copytree(baseline, root)
    return root
