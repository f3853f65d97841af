"""Writing Bronze files: atomically, never over a different file, skipping identical ones (prefix stability)."""

from __future__ import annotations

import os
from pathlib import Path

from lakehouse.errors import UserError


def write_files(root: Path, files: list[tuple[str, bytes]]) -> tuple[list[str], list[str]]:
    """Writes (relative path, bytes) pairs under root; returns (written, skipped as identical).

    All conflicts are checked before anything is written, so a refused call leaves this batch untouched.
    """
    todo, skipped = [], []
    for rel_path, data in files:
        target = root / rel_path
        if target.exists() or target.is_symlink():
            if _same_bytes(target, data):
                skipped.append(rel_path)
                continue
            raise UserError(f"{target} already exists with different content; refusing to overwrite it "
                            "(use another --root or the same --seed/--start-date/--rows-per-day/--faults)")
        todo.append((rel_path, data))
    for rel_path, data in todo:
        _write_atomically(root / rel_path, data)
    return [rel_path for rel_path, _ in todo], skipped


def _same_bytes(target: Path, data: bytes) -> bool:
    try:
        return target.is_file() and target.stat().st_size == len(data) and target.read_bytes() == data
    except OSError as error:
        raise UserError(f"cannot read {target}: {error.strerror}") from None


def _write_atomically(target: Path, data: bytes) -> None:
    """A reader sees the whole file or none of it: `_name.tmp` is ignored by the pipeline (§1), then renamed."""
    temporary = target.with_name(f"_{target.name}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, target)
    except OSError as error:
        raise UserError(f"cannot write {target}: {error.strerror}") from None
