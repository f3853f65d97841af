"""Shared pieces of the adf-run tests: a Bronze root with files of a known age, fake entry points, a local
Key Vault + webhook."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lakehouse import contract as c
from lakehouse.adf.engine import ActivityFailed
from tests.adf.http_fixture import AlertEndpoint

TRIGGER_TIME = datetime(2026, 1, 8, 2, 0, tzinfo=UTC)  # the daily trigger's time, the day after the last landing
LANDED_AT = datetime(2026, 1, 7, 12, 0, tzinfo=UTC)  # inside the default 26-hour window before TRIGGER_TIME
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)  # before the window
RUN_ID = "adf-test-run"


def land(root: Path, source: str, ingest_date: str, name: str, when: datetime) -> Path:
    path = root / "bronze" / source / f"ingest_date={ingest_date}" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("header\n", encoding="utf-8")
    os.utime(path, (when.timestamp(), when.timestamp()))
    return path


@pytest.fixture
def bronze_root(tmp_path) -> Path:
    """A root whose every source has one file in ingest_date=2026-01-07, landed at LANDED_AT."""
    root = tmp_path / "root"
    for source in c.SOURCES:
        land(root, source, "2026-01-07", f"{source}_20260107.csv", LANDED_AT)
    return root


def age_files(root: Path, when: datetime) -> None:
    for path in (root / "bronze").rglob("*.csv"):
        os.utime(path, (when.timestamp(), when.timestamp()))


class FakeEntryPoints:
    """Stands for the console scripts of jobs/: records each call, fails the ones named in `failing`."""

    def __init__(self, failing: dict[str, str] | None = None) -> None:
        self.failing = failing or {}
        self.calls: list[tuple[str, list[str]]] = []

    def __call__(self, name: str, argv: list[str]) -> None:
        self.calls.append((name, argv))
        if name in self.failing:
            raise ActivityFailed(self.failing[name])

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


@pytest.fixture
def alert_endpoint() -> Iterator[AlertEndpoint]:
    with AlertEndpoint() as endpoint:
        yield endpoint
