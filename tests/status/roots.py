"""Hand-built roots for `lakehouse status`: Bronze files on disk and ops/Gold Delta tables written with delta-rs,
so the states the status must tell apart (empty, healthy, pending files, last run failed) take no Spark."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
from deltalake import write_deltalake
from pyspark.sql.pandas.types import to_arrow_schema

from lakehouse import contract as c
from lakehouse.bronze.records import md5_hex
from lakehouse.gold import tables as gold_tables
from lakehouse.gold.data_quality import build_data_quality_rows
from lakehouse.storage import ops_tables
from lakehouse.storage.layout import Layout

DAY1 = date(2026, 1, 5)
FAILURE = "transactions: 40 of 300 records quarantined (13.3%, limit 5.0%; malformed_row 40)"


def write_delta(path: Path, schema, rows: list[dict], partition_by: tuple[str, ...] = (),
                deletion_vectors: bool = False) -> None:
    table = pa.Table.from_pylist(rows, schema=to_arrow_schema(schema))
    write_deltalake(str(path), table, mode="append", partition_by=list(partition_by) or None,
                    configuration={"delta.enableDeletionVectors": str(deletion_vectors).lower()})


@dataclass
class Counts:
    records_read: int = 0
    silver_rows: int = 0
    quarantined: Counter[str] = field(default_factory=Counter)
    rejected_files: dict[str, str] = field(default_factory=dict)


class RootBuilder:
    """A root assembled fact by fact, as runs would have left it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.layout = Layout(root)

    def land(self, source: str, ingest_date: date, name: str, records: int = 3) -> str:
        path = f"bronze/{source}/ingest_date={ingest_date}/{name}.csv"
        file = self.root / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text("id\n" + "".join(f"{i}\n" for i in range(records)))
        return path

    def manifest_row(self, path: str, run_id: str, at: datetime, silver_rows: int, quarantined_rows: int,
                     reason: str | None = None) -> dict:
        file = self.root / path
        source, folder = path.split("/")[1:3]
        return {
            "path": path, "source": source, "ingest_date": date.fromisoformat(folder.removeprefix("ingest_date=")),
            "size": file.stat().st_size, "mtime_ns": file.stat().st_mtime_ns, "md5": md5_hex(file),
            "status": "rejected" if reason else "processed", "reason": reason,
            "records_read": 0 if reason else silver_rows + quarantined_rows,
            "silver_rows": 0 if reason else silver_rows, "quarantined_rows": 0 if reason else quarantined_rows,
            "extra_columns": None, "run_id": run_id, "processed_at": at,
        }

    def ops(self, name: str, rows: list[dict]) -> None:
        if rows:
            write_delta(self.layout.ops_table(name), ops_tables.SCHEMAS[name], rows)

    def run_row(self, run_id: str, job: str, at: datetime, duration_s: float, status: str = "succeeded",
                records_read: int = 0, quarantined_rows: int = 0, files: int = 0, message: str = "") -> dict:
        return {
            "run_id": run_id, "job": job, "status": status, "started_at": at,
            "finished_at": at + timedelta(seconds=duration_s), "duration_s": duration_s, "files_processed": files,
            "files_rejected": 0, "files_changed": 0, "records_read": records_read, "silver_rows": 0,
            "quarantined_rows": quarantined_rows, "metrics_json": "{}", "message": message,
        }

    def daily_run(self, day: int, quarantined: dict[str, int], rejected: dict[str, str] | None = None,
                  write_data_quality: bool = True) -> str:
        """Day `day` (1-based) lands one file per source, bronze-to-silver processes it at 02:00 the next day
        (quarantining `quarantined[source]` of 100 records, rejecting `rejected` {source: reason} files whole),
        and silver-to-gold consumes it."""
        ingest_date = DAY1 + timedelta(days=day - 1)
        at = datetime(ingest_date.year, ingest_date.month, ingest_date.day, 2, 0, tzinfo=UTC) + timedelta(days=1)
        run_id = f"run-{day}"
        manifest, counts = [], {}
        for source in c.SOURCES:
            path = self.land(source, ingest_date, f"{source}_{day}", records=100)
            bad = quarantined.get(source, 0)
            manifest.append(self.manifest_row(path, run_id, at, 100 - bad, bad))
            counts[source] = Counts(100, 100 - bad, Counter({"malformed_row": bad} if bad else {}))
        for source, reason in (rejected or {}).items():
            path = self.land(source, ingest_date, f"{source}_{day}_broken", records=1)
            manifest.append(self.manifest_row(path, run_id, at, 0, 0, reason))
            counts[source].rejected_files[path] = reason
        self.ops(ops_tables.FILE_MANIFEST, manifest)
        total_bad = sum(quarantined.values())
        self.ops(ops_tables.PIPELINE_RUNS, [
            self.run_row(run_id, "bronze_to_silver", at, 20.0 + day, records_read=400, quarantined_rows=total_bad,
                         files=len(manifest)),
            self.run_row(run_id, "silver_to_gold", at + timedelta(seconds=30), 10.0 + day,
                         records_read=400 - total_bad, files=len(manifest)),
        ])
        self.ops(ops_tables.GOLD_MANIFEST, [{"path": row["path"], "source": row["source"], "silver_run_id": run_id,
                                             "run_id": run_id, "consumed_at": at} for row in manifest])
        if write_data_quality:
            table = gold_tables.DATA_QUALITY
            write_delta(self.layout.gold_table(table.name), table.schema,
                        build_data_quality_rows(run_id, at, counts), table.partition_by)
        return run_id

    def gold(self) -> None:
        """Every other Gold table, empty: status reads their logs, not their rows."""
        for table in gold_tables.FROM_SILVER:
            write_delta(self.layout.gold_table(table.name), table.schema, [], table.partition_by)


def healthy_root(root: Path, days: int = 3) -> RootBuilder:
    builder = RootBuilder(root)
    for day in range(1, days + 1):
        builder.daily_run(day, {"transactions": day, "customers": 2 if day == 2 else 0, "stores": 1},
                          rejected={"products": "file_no_header"} if day == 2 else None)
    builder.gold()
    return builder


def pending_root(root: Path) -> RootBuilder:
    """Healthy, then two files landed after the last run, and a processed file Gold has not consumed."""
    builder = healthy_root(root)
    builder.land("transactions", DAY1 + timedelta(days=3), "transactions_4a")
    builder.land("stores", DAY1 + timedelta(days=3), "stores_4a")
    path = builder.land("customers", DAY1 + timedelta(days=2), "customers_3_late")
    builder.ops(ops_tables.FILE_MANIFEST, [builder.manifest_row(path, "run-late", datetime(2026, 1, 8, 5, tzinfo=UTC),
                                                                3, 0)])
    return builder


def failed_root(root: Path) -> RootBuilder:
    """Healthy, then day 4 landed and its bronze-to-silver run failed at the quality gate (nothing committed)."""
    builder = healthy_root(root)
    for source in c.SOURCES:
        builder.land(source, DAY1 + timedelta(days=3), f"{source}_4")
    builder.ops(ops_tables.PIPELINE_RUNS, [builder.run_row("run-4", "bronze_to_silver",
                                                           datetime(2026, 1, 9, 2, tzinfo=UTC), 12.5,
                                                           status="failed", records_read=300, message=FAILURE)])
    return builder
