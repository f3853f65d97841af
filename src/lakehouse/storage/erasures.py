"""Erased subjects (contract §8, forget): a salted hash per erased customer id in `ops/erasures`, never the id.

The salt is one random value per root (`ops/_erasure_salt`, created once, exclusively, by the first erasure), so a
hash cannot be matched against a list of likely ids without the root's salt. bronze-to-silver drops the records of
an erased id by hashing each record's id the same way (`silver.classify.mark_erased`), in Spark: `sha2` of the salt
followed by the id, as UTF-8, in lower-case hex.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from lakehouse.storage import ops_tables
from lakehouse.storage.layout import Layout

SALT_FILE = "_erasure_salt"  # `_` keeps readers of the ops tables away from it


@dataclass(frozen=True)
class ErasedSubjects:
    salt: str
    hashes: frozenset[str]


def salt_path(layout: Layout) -> Path:
    return layout.root / "ops" / SALT_FILE


def read_salt(layout: Layout) -> str | None:
    path = salt_path(layout)
    return path.read_text(encoding="ascii").strip() if path.is_file() else None


def ensure_salt(layout: Layout) -> str:
    """The root's salt, created now when there is none (exclusive create: two creators cannot both win)."""
    path = salt_path(layout)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        salt = read_salt(layout)
        if not salt:
            raise RuntimeError(f"{path} is empty: it was left by a creator killed mid-write; delete it only if "
                               "ops/erasures has no rows") from None
        return salt
    salt = secrets.token_hex(32)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(salt)
        file.flush()
        os.fsync(file.fileno())
    return salt


def subject_hash(salt: str, subject: str) -> str:
    return hashlib.sha256((salt + subject).encode("utf-8")).hexdigest()


def erased_subjects(layout: Layout) -> ErasedSubjects | None:
    """The root's erased subjects, or None when none was ever erased (read from the log, without Spark)."""
    salt = read_salt(layout)
    if salt is None:
        return None
    hashes = frozenset(row["subject_hash"] for row in ops_tables.read_rows(layout, ops_tables.ERASURES))
    return ErasedSubjects(salt, hashes) if hashes else None
