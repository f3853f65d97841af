"""Which Silver rows Gold has not consumed yet: silver-to-gold's watermark (contract §5).

Every processed Bronze file has one row in `ops/file_manifest`, written in the same commit plan as its Silver rows.
Gold records the files it consumed in `ops/gold_manifest`, as the last act of a successful run. The pending files
are the difference, by path. A run killed before that last act leaves them pending, and the next run redoes the
same work: every Gold write replaces a slice computed from Silver alone, so redoing it gives the same tables.
Keying by file path rather than run id keeps this exact even when a run id is reused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pyspark.sql import functions as F

from lakehouse import contract as c
from lakehouse.storage import ops_tables
from lakehouse.storage.delta_tables import DeltaEngine
from lakehouse.storage.layout import Layout


@dataclass(frozen=True)
class PendingFile:
    path: str
    source: str
    ingest_date: date
    is_rejected: bool
    silver_run_id: str
    records_read: int
    silver_rows: int
    quarantined_rows: int


@dataclass(frozen=True)
class Pending:
    files: tuple[PendingFile, ...]
    rejected_snapshot_dates: tuple[date, ...]  # every stores ingest date with a rejected file, consumed or not

    def __bool__(self) -> bool:
        return bool(self.files)

    def of(self, source: str) -> list[PendingFile]:
        return [file for file in self.files if file.source == source]

    def paths(self, source: str) -> list[str]:
        return [file.path for file in self.of(source) if not file.is_rejected]

    def run_ids(self, source: str) -> list[str]:
        return sorted({file.silver_run_id for file in self.of(source) if not file.is_rejected})

    def total(self, name: str) -> int:
        return sum(getattr(file, name) for file in self.files)

    @property
    def snapshot_dates(self) -> list[date]:
        """Snapshot dates with new files, rejected ones included: a rejected file makes its day incomplete (§7)."""
        return sorted({file.ingest_date for file in self.of(c.STORES)})


def find_pending(engine: DeltaEngine, layout: Layout) -> Pending:
    """The manifest's files missing from Gold's manifest, compared in Spark: only the pending rows and the rejected
    snapshot files (for their dates) reach the driver, however long the history, in one query."""
    if not engine.exists(layout.ops_table(ops_tables.FILE_MANIFEST)):
        return Pending((), ())  # nothing processed yet: nothing pending, no Spark job needed
    manifest_df = ops_tables.read(engine, layout, ops_tables.FILE_MANIFEST)
    consumed_df = (ops_tables.read(engine, layout, ops_tables.GOLD_MANIFEST).select("path").distinct()
                   .withColumn("_is_consumed", F.lit(True)))
    is_pending = F.col("_is_consumed").isNull()
    is_rejected_snapshot = (F.col("source") == c.STORES) & (F.col("status") == "rejected")
    rows = (
        manifest_df.join(consumed_df, on="path", how="left")
        .where(is_pending | is_rejected_snapshot)
        .select("path", "source", "ingest_date", "status", "run_id", "records_read", "silver_rows", "quarantined_rows",
                is_pending.alias("_is_pending"), is_rejected_snapshot.alias("_is_rejected_snapshot"))
        .collect()
    )
    files = tuple(sorted((
        PendingFile(row["path"], row["source"], row["ingest_date"], row["status"] == "rejected", row["run_id"],
                    row["records_read"] or 0, row["silver_rows"] or 0, row["quarantined_rows"] or 0)
        for row in rows if row["_is_pending"]
    ), key=lambda file: (file.ingest_date, file.path.encode())))
    rejected = {row["ingest_date"] for row in rows if row["_is_rejected_snapshot"]}
    return Pending(files, tuple(sorted(rejected)))


def gold_manifest_rows(pending: Pending, run_id: str, consumed_at: datetime) -> list[dict[str, Any]]:
    return [
        {"path": file.path, "source": file.source, "silver_run_id": file.silver_run_id, "run_id": run_id,
         "consumed_at": consumed_at}
        for file in pending.files
    ]
