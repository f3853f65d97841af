"""The door of `lakehouse land`: an extract the pipeline would ignore or reject is refused before it is uploaded.

The checks are the pipeline's own (`is_input_name` for contract §1, `open_csv` for §2 and §7), so the door and the
pipeline can never disagree about a file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lakehouse import contract as c
from lakehouse.bronze.csv_reader import FileRejected, open_csv
from lakehouse.bronze.discovery import is_input_name
from lakehouse.errors import UserError

READ_CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class Extract:
    """A local file about to be landed: what it is called and what its bytes are."""

    path: Path
    size: int
    md5: str  # hex

    @property
    def name(self) -> str:
        return self.path.name


def read_chunks(path: Path, chunk_bytes: int = READ_CHUNK_BYTES) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(chunk_bytes):
            yield chunk


def new_md5() -> hashlib._Hash:
    return hashlib.md5(usedforsecurity=False)


def file_digest(path: Path) -> tuple[int, str]:
    """Size and hex MD5 of a file's bytes, read once."""
    digest, size = new_md5(), 0
    for chunk in read_chunks(path):
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def describe_rejection(reason: str, source: str) -> str:
    if reason == c.FILE_NOT_UTF8:
        return "it is not valid UTF-8 (contract §2)"
    if reason == c.FILE_NO_HEADER:
        return "it has no header row (contract §2)"
    column = reason.partition(":")[2]
    return f"its header lacks the column {column!r}, which {source} requires (contract §3)"


def check_content(path: Path, source: str) -> None:
    """Refuse a file the pipeline would reject whole, naming its contract reason code."""
    try:
        open_csv(path.read_bytes(), c.SOURCE_SPECS[source].required_columns)
    except FileRejected as rejected:
        raise UserError(
            f"{path} refused ({rejected.reason}): {describe_rejection(rejected.reason, source)}; "
            "fix the extract, or land it anyway with --no-check"
        ) from None


def read_extract(path: Path, source: str, *, is_checked: bool = True) -> Extract:
    """The extract's size and MD5, after the door checks (content checks only when `is_checked`)."""
    if not path.exists():
        raise UserError(f"{path}: no such file")
    if not path.is_file():
        raise UserError(f"{path} is not a regular file")
    if not is_input_name(path.name):
        raise UserError(
            f"{path} refused: the pipeline reads only files named *.csv that do not start with '_' or '.' "
            "(contract §1); rename it before landing"
        )
    try:
        if is_checked:
            check_content(path, source)
        size, md5 = file_digest(path)
    except OSError as error:
        raise UserError(f"cannot read {path}: {error.strerror or error}") from None
    return Extract(path=path, size=size, md5=md5)


def refuse_name_clashes(extracts: list[Extract]) -> None:
    """Two files of one batch that would land under one name with different content: refuse before landing any."""
    first_by_name: dict[str, Extract] = {}
    for extract in extracts:
        first = first_by_name.setdefault(extract.name, extract)
        if first.md5 != extract.md5:
            raise UserError(
                f"{first.path} and {extract.path} would both land as {extract.name} with different content; "
                "land them separately or rename one"
            )
