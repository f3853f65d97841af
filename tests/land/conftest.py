"""Fixtures for `lakehouse land` tests: extracts on disk, a local root, and a local DFS server (see dfs_server.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lakehouse import contract as c
from lakehouse.land.adls import AdlsTarget
from lakehouse.land.roots import open_target
from lakehouse.land.targets import RetrySettings
from tests.land.dfs_server import ACCOUNT, DfsHttpServer

INGEST_DATE_TEXT = "2026-01-05"
ADLS_ROOT = f"abfss://bronze@{ACCOUNT}.dfs.core.windows.net/"
FAST_RETRY = RetrySettings(total=3, initial_backoff=0.01, increment_base=0, jitter=0)
SMALL_CHUNK_BYTES = 1024  # several appends per test file


def transactions_csv(rows: int = 3, first_id: int = 1) -> bytes:
    header = ",".join(c.SOURCE_SPECS[c.TRANSACTIONS].required_columns)
    lines = [header] + [
        f"T{number:06d},C{number % 7},P{number % 5},S1,2026-01-05T10:{number % 60:02d}:00Z,2,9.99,0.00,card,store"
        for number in range(first_id, first_id + rows)
    ]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def make_extract(tmp_path: Path) -> Callable[..., Path]:
    """Write an extract: `make_extract("x.csv", data)`; the data defaults to valid transactions."""

    def make(name: str = "sales.csv", data: bytes | None = None, folder: str = "extracts") -> Path:
        path = tmp_path / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(transactions_csv() if data is None else data)
        return path

    return make


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "lakehouse_data"


@pytest.fixture
def dfs() -> Iterator[DfsHttpServer]:
    with DfsHttpServer() as server:
        yield server


@pytest.fixture
def adls(dfs: DfsHttpServer) -> AdlsTarget:
    target = open_target(ADLS_ROOT, FAST_RETRY, {"AZURE_STORAGE_CONNECTION_STRING": dfs.connection_string})
    assert isinstance(target, AdlsTarget)
    target.chunk_bytes = SMALL_CHUNK_BYTES
    return target
