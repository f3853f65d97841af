"""Generated data sets shared by the generator's tests (small sizes: the whole package runs in seconds)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from lakehouse.generate import GenerateSummary, generate
from tests.generate.reference import Reading, read_all


@dataclass(frozen=True)
class DataSet:
    root: Path
    summary: GenerateSummary
    reading: Reading  # the independent reading of tests/generate/reference.py


def _data_set(root: Path, **options: object) -> DataSet:
    summary = generate(root, **options)  # type: ignore[arg-type]
    return DataSet(root, summary, read_all(root))


@pytest.fixture(scope="package")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> DataSet:
    return _data_set(tmp_path_factory.mktemp("faulty"), days=4, rows_per_day=400, seed=11, faults=0.03)


@pytest.fixture(scope="package")
def clean(tmp_path_factory: pytest.TempPathFactory) -> DataSet:
    return _data_set(tmp_path_factory.mktemp("clean"), days=4, rows_per_day=300, seed=11)
