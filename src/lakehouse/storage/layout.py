"""Where each layer lives under a root (contract §1). One place for every path the pipeline touches."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from lakehouse import contract as c
from lakehouse.errors import UserError


def check_root(root: Path) -> None:
    """A root every job can work in: an existing, writable directory (one sentence otherwise)."""
    if not root.exists():
        raise UserError(f"root {root} does not exist")
    if not root.is_dir():
        raise UserError(f"root {root} is not a directory")
    if not os.access(root, os.W_OK | os.X_OK):
        raise UserError(f"root {root} is not writable")


def check_bronze_root(root: Path, why: str) -> None:
    """`check_root`, and a bronze/ folder in it; `why` ends the sentence: why it is needed, what to do."""
    check_root(root)
    if not Layout(root).bronze.is_dir():
        raise UserError(f"root {root} has no bronze/ folder{why}")


@dataclass(frozen=True)
class Layout:
    root: Path

    @property
    def bronze(self) -> Path:
        return self.root / "bronze"

    def silver_table(self, source: str) -> Path:
        return self.root / "silver" / c.SOURCE_SPECS[source].silver_table

    def quarantine(self, source: str) -> Path:
        return self.root / "silver" / "_quarantine" / source

    def key_dates(self, source: str) -> Path:
        """Per transaction day, Bloom filters of its dimension keys (silver.io), so Gold finds a key's days."""
        return self.root / "silver" / "_key_dates" / source

    def key_index(self, source: str) -> Path:
        """The keys Silver accepted (silver.io), so a duplicate check need not scan the tables."""
        return self.root / "silver" / "_keys" / source

    @property
    def staging(self) -> Path:
        """Run-private work area; the leading `_` keeps Parquet/Spark readers of silver/ away from it."""
        return self.root / "silver" / "_staging"

    def run_staging(self, run_id: str) -> Path:
        return self.staging / run_id

    @property
    def gold(self) -> Path:
        return self.root / "gold"

    def gold_table(self, name: str) -> Path:
        return self.gold / name

    def ops_table(self, name: str) -> Path:
        return self.root / "ops" / name

    @property
    def lock_file(self) -> Path:
        return self.root / "ops" / "_lock"

    @property
    def lease_dir(self) -> Path:
        """The root's write lease (storage/lease.py); the leading `_` keeps readers of the ops tables away from it."""
        return self.root / "ops" / "_lease"

    @property
    def rebuilds(self) -> Path:
        """Scratch roots of `lakehouse rebuild` (pipeline/rebuild_publish.py); `_` keeps ops readers away."""
        return self.root / "ops" / "_rebuild"

    @property
    def data_docs(self) -> Path:
        return self.root / "ops" / "data_docs"
