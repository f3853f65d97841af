"""Finding Bronze input files (contract §1 and §7) and putting them in landing order."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from lakehouse import contract as c

INGEST_DIR = re.compile(r"^ingest_date=(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True, order=True)
class BronzeFile:
    """One input file. Field order is landing order: ingest_date, then the root-relative path bytewise."""

    ingest_date: date
    path_bytes: bytes
    source: str
    path: str  # relative to the root, starting with "bronze/"
    size: int
    mtime_ns: int


def is_input_name(name: str) -> bool:
    return name.lower().endswith(".csv") and not name.startswith(("_", "."))


def parse_ingest_date(folder_name: str) -> date | None:
    match = INGEST_DIR.match(folder_name)
    if not match:
        return None
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:
        return None


def bronze_bytes(root: Path) -> int:
    """The size of every input file under root/bronze: how much data the root holds, for sizing a session."""
    return sum(file.size for file in discover_bronze_files(root)[0])


def discover_bronze_files(root: Path) -> tuple[list[BronzeFile], list[str]]:
    """All input files under root/bronze in landing order, and the paths passed over that look like inputs."""
    files: list[BronzeFile] = []
    passed_over: list[str] = []
    for source in c.SOURCES:
        source_dir = root / "bronze" / source
        if not source_dir.is_dir():
            continue
        for folder in sorted(source_dir.iterdir()):
            ingest_date = parse_ingest_date(folder.name)
            if ingest_date is None or not folder.is_dir():
                passed_over.append(folder.relative_to(root).as_posix())
                continue
            for entry in os.scandir(folder):
                relative = f"bronze/{source}/{folder.name}/{entry.name}"
                if not is_input_name(entry.name):
                    continue
                info = entry.stat(follow_symlinks=False)
                if not stat.S_ISREG(info.st_mode):
                    passed_over.append(relative)
                    continue
                files.append(
                    BronzeFile(ingest_date, relative.encode("utf-8"), source, relative, info.st_size, info.st_mtime_ns)
                )
    return sorted(files), passed_over
