"""Where extracts land: a local root or an ADLS Gen2 account, behind one small interface.

Both targets publish a file the same way (contract §1: names starting with `_` are uploads in progress): write
`_<name>.<uuid>.tmp` beside the final name, verify its size and MD5, then move it to the final name only if that
name is still free. No reader ever sees a partial file under a final name, and no writer ever replaces one.
"""

from __future__ import annotations

import errno
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from lakehouse.errors import UserError
from lakehouse.land.checks import Extract, file_digest, new_md5, read_chunks

Progress = Callable[[int], None]  # called with the number of bytes just stored


@dataclass(frozen=True)
class StoredFile:
    size: int
    md5: str | None  # hex; None when the store does not record it (the caller may read the content instead)


@dataclass(frozen=True)
class RetrySettings:
    """Retries of throttled (503 ServerBusy), failed (5xx) and dropped calls: exponential backoff with jitter."""

    total: int = 6
    initial_backoff: float = 2.0
    increment_base: float = 2.0
    jitter: float = 1.0


class DestinationExists(Exception):
    """The final name was taken between the check and the publish (a concurrent lander)."""


class Target(Protocol):
    def location(self, relative: str) -> str:
        """How to show a path relative to Bronze (`<source>/ingest_date=<date>/<name>`) to a person."""
        ...

    def stat(self, relative: str) -> StoredFile | None: ...

    def content_md5(self, relative: str) -> str:
        """MD5 of the stored bytes, read back."""
        ...

    def put(self, relative: str, extract: Extract, progress: Progress) -> None:
        """Store the extract under `relative`, atomically; raise DestinationExists if the name is taken."""
        ...


def temporary_name(name: str) -> str:
    return f"_{name}.{uuid.uuid4().hex}.tmp"


def changed_while_landing(extract: Extract) -> UserError:
    return UserError(f"{extract.path} changed while it was being landed; land it again once it is complete")


class LocalTarget:
    """`<root>/bronze/<relative>` on a local filesystem."""

    def __init__(self, root: Path):
        self.bronze = root / "bronze"

    def location(self, relative: str) -> str:
        return str(self.bronze / relative)

    def stat(self, relative: str) -> StoredFile | None:
        path = self.bronze / relative
        if not path.exists():
            return None
        if not path.is_file():
            raise UserError(f"{path} exists and is not a file")
        return StoredFile(size=path.stat().st_size, md5=None)

    def content_md5(self, relative: str) -> str:
        return file_digest(self.bronze / relative)[1]

    def put(self, relative: str, extract: Extract, progress: Progress) -> None:
        final = self.bronze / relative
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            temporary = final.with_name(temporary_name(final.name))
            try:
                self._write(temporary, extract, progress)
                if file_digest(temporary) != (extract.size, extract.md5):  # what is on disk, read back
                    raise UserError(f"{temporary} does not match {extract.path} after writing it; nothing landed")
                _publish(temporary, final)
            finally:
                temporary.unlink(missing_ok=True)
            _fsync_directory(final.parent)
        except OSError as error:
            raise UserError(f"cannot land {extract.path} as {final}: {error.strerror or error}") from None

    @staticmethod
    def _write(temporary: Path, extract: Extract, progress: Progress) -> None:
        digest, size = new_md5(), 0
        with open(temporary, "xb") as handle:
            for chunk in read_chunks(extract.path):
                handle.write(chunk)
                digest.update(chunk)
                size += len(chunk)
                progress(len(chunk))
            handle.flush()
            os.fsync(handle.fileno())
        if size != extract.size or digest.hexdigest() != extract.md5:
            raise changed_while_landing(extract)


def _publish(temporary: Path, final: Path) -> None:
    """Give the verified file its final name without ever replacing a file already there."""
    try:
        os.link(temporary, final)  # fails if final exists, unlike os.replace
    except FileExistsError:
        raise DestinationExists(str(final)) from None
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        # A filesystem without hard links: check, then rename (a small window a concurrent lander could use).
        if final.exists():
            raise DestinationExists(str(final)) from None
        os.rename(temporary, final)


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
