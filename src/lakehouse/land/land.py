"""`lakehouse land`: put source extracts into `bronze/<source>/ingest_date=<date>/`, atomically and idempotently.

Bronze is immutable (contract §1): a name that already holds the same bytes is skipped, a name that holds other
bytes is refused, unless the caller asks to land the file under a name derived from its content instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from lakehouse import contract as c
from lakehouse.errors import UserError
from lakehouse.land.checks import Extract, read_extract, refuse_name_clashes
from lakehouse.land.targets import DestinationExists, Progress, Target

LANDED = "landed"
SKIPPED = "skipped"
ProgressFactory = Callable[[str, int], AbstractContextManager[Progress]]  # (label, total bytes) -> progress


@dataclass(frozen=True)
class LandResult:
    status: str  # LANDED | SKIPPED
    extract: Extract
    location: str  # the final path, as the target shows it

    def summary_line(self) -> str:
        return f"{self.status} {self.location} ({self.extract.size} bytes, md5 {self.extract.md5})"


@contextlib.contextmanager
def no_progress(label: str, total: int) -> Iterator[Progress]:
    yield lambda _bytes: None


def bronze_folder(source: str, ingest_date: date) -> str:
    """The folder below Bronze (contract §1) that one source's files of one ingest date land in."""
    return f"{source}/ingest_date={ingest_date.isoformat()}"


def content_name(name: str, md5: str) -> str:
    """The name `--as-new-name` gives: `<stem>__<md5 first 8><suffix>`, the same for the same content."""
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}__{md5[:8]}{dot}{suffix}"


def holds_same_content(target: Target, relative: str, extract: Extract) -> bool | None:
    """None when the name is free; otherwise whether it holds exactly the extract's bytes."""
    stored = target.stat(relative)
    if stored is None:
        return None
    if stored.size != extract.size:
        return False
    return (stored.md5 or target.content_md5(relative)) == extract.md5


def conflict(target: Target, relative: str, is_new_name: bool) -> UserError:
    hint = ("even the content-derived name is taken by other content" if is_new_name
            else "land it under another name with --as-new-name")
    return UserError(f"bronze/{relative} already holds different content (Bronze is immutable); {hint}")


def land_one(target: Target, folder: str, extract: Extract, *, as_new_name: bool,
             progress: ProgressFactory) -> LandResult:
    names = [extract.name, content_name(extract.name, extract.md5)] if as_new_name else [extract.name]
    for name in names:
        relative = f"{folder}/{name}"
        is_same = holds_same_content(target, relative, extract)
        if is_same is None:
            try:
                with progress(name, extract.size) as report:
                    target.put(relative, extract, report)
                return LandResult(LANDED, extract, target.location(relative))
            except DestinationExists:
                is_same = holds_same_content(target, relative, extract)  # a concurrent lander got there first
        if is_same:
            return LandResult(SKIPPED, extract, target.location(relative))
    raise conflict(target, f"{folder}/{names[-1]}", as_new_name)


def land_files(target: Target, source: str, files: Sequence[Path], ingest_date: date, *, is_checked: bool = True,
               as_new_name: bool = False, progress: ProgressFactory = no_progress,
               report: Callable[[LandResult], None] | None = None) -> list[LandResult]:
    """Land each file in turn, after checking them all: a bad extract stops the batch before anything lands."""
    if source not in c.SOURCES:
        raise UserError(f"unknown source {source!r}; the sources are {', '.join(c.SOURCES)}")
    extracts = [read_extract(path, source, is_checked=is_checked) for path in files]
    refuse_name_clashes(extracts)
    folder = bronze_folder(source, ingest_date)
    results: list[LandResult] = []
    for extract in extracts:
        result = land_one(target, folder, extract, as_new_name=as_new_name, progress=progress)
        results.append(result)
        if report is not None:
            report(result)
    return results
