"""Data shapes shared by the generator's modules, and the public result of `generate`."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

Row = list[str | None]  # one record's values in the contract's column order; None is written as an empty value


@dataclass(frozen=True)
class ExpectedFault:
    """One record (or, with record_number None, one whole file) the pipeline must reject, and why."""

    source: str
    source_file: str  # relative to the root, starting with `bronze/`
    record_number: int | None  # 1-based, header excluded; None for whole-file rejections
    reason: str


@dataclass(frozen=True)
class GenerateSummary:
    files_written: list[str]
    files_skipped: list[str]  # already present with identical bytes
    rows_by_source: dict[str, int]  # records of the input files the pipeline reads (ignored/rejected files excluded)
    expected_faults: list[ExpectedFault]  # in landing order (contract §1)


@dataclass(frozen=True)
class Settings:
    """Everything a day's bytes may depend on (besides the day number): `days` is deliberately absent."""

    seed: int
    start_date: date
    rows_per_day: int
    faults: float

    def rng(self, *purpose: object) -> random.Random:
        # str seeds hash with SHA-512, so streams are stable across processes and Python builds.
        return random.Random(":".join(str(part) for part in (self.seed, *purpose)))

    def day_date(self, day: int) -> date:
        return date.fromordinal(self.start_date.toordinal() + day - 1)


@dataclass
class CsvFile:
    """A Bronze file before rendering: rows in contract column order plus what the oracle must say about them."""

    source: str
    rel_path: str
    columns: tuple[str, ...]
    rows: list[Row] = field(default_factory=list)
    reasons: dict[int, str] = field(default_factory=dict)  # 0-based row index -> expected reason
    malformed: dict[int, int] = field(default_factory=dict)  # 0-based row index -> fields added (+1) or dropped (-1)
    duplicate_header: bool = False  # repeat one column name at the end with junk values (§7: first one wins)
    features: frozenset[str] = frozenset()  # dialect variations this file must show (see dialect.py)

    def add(self, row: Row, reason: str | None = None, malformed: int = 0) -> None:
        if reason is not None:
            self.reasons[len(self.rows)] = reason
        if malformed:
            self.malformed[len(self.rows)] = malformed
        self.rows.append(row)


@dataclass(frozen=True)
class RawFile:
    """A file written byte for byte: a whole-file rejection (reason set) or an ignored upload (reason None)."""

    source: str
    rel_path: str
    data: bytes
    file_reason: str | None
    is_input: bool = True  # False for names starting with `_` or `.` (contract §1)


def bronze_path(source: str, day_date: date, name: str) -> str:
    return f"bronze/{source}/ingest_date={day_date.isoformat()}/{name}"
