"""The `ops` Delta tables (contract §1, §5): file manifest, pipeline runs, quality results, Gold's manifest.

Written through delta-rs (`deltalake`) on every engine: they are small, written once per run from the driver,
and this keeps them readable without a Spark session. Each append is one Delta commit carrying the run id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
from deltalake import CommitProperties, DeltaTable, write_deltalake

from lakehouse.storage.layout import Layout

FILE_MANIFEST = "file_manifest"
PIPELINE_RUNS = "pipeline_runs"
QUALITY_RESULTS = "quality_results"
GOLD_MANIFEST = "gold_manifest"  # processed files whose Silver rows Gold has consumed (silver-to-gold's watermark)

_TS = pa.timestamp("us", tz="UTC")

SCHEMAS: dict[str, pa.Schema] = {
    FILE_MANIFEST: pa.schema([
        ("path", pa.string()), ("source", pa.string()), ("ingest_date", pa.date32()), ("size", pa.int64()),
        ("mtime_ns", pa.int64()), ("md5", pa.string()), ("status", pa.string()), ("reason", pa.string()),
        ("records_read", pa.int64()), ("silver_rows", pa.int64()), ("quarantined_rows", pa.int64()),
        ("extra_columns", pa.string()), ("run_id", pa.string()), ("processed_at", _TS),
    ]),
    PIPELINE_RUNS: pa.schema([
        ("run_id", pa.string()), ("job", pa.string()), ("status", pa.string()), ("started_at", _TS),
        ("finished_at", _TS), ("duration_s", pa.float64()), ("files_processed", pa.int64()),
        ("files_rejected", pa.int64()), ("files_changed", pa.int64()), ("records_read", pa.int64()),
        ("silver_rows", pa.int64()), ("quarantined_rows", pa.int64()), ("metrics_json", pa.string()),
        ("message", pa.string()),
    ]),
    QUALITY_RESULTS: pa.schema([
        ("run_id", pa.string()), ("table", pa.string()), ("expectation", pa.string()), ("column", pa.string()),
        ("success", pa.bool_()), ("observed", pa.string()), ("unexpected_count", pa.int64()),
        ("validated_at", _TS),
    ]),
    GOLD_MANIFEST: pa.schema([
        ("path", pa.string()), ("source", pa.string()), ("silver_run_id", pa.string()), ("run_id", pa.string()),
        ("consumed_at", _TS),
    ]),
}

TABLE_CONFIGURATION = {"delta.enableDeletionVectors": "false"}


def read_ops_table(layout: Layout, name: str) -> pa.Table:
    path = layout.ops_table(name)
    if not DeltaTable.is_deltatable(str(path)):
        return SCHEMAS[name].empty_table()
    return DeltaTable(str(path)).to_pyarrow_table()


def append_ops_rows(layout: Layout, name: str, rows: Sequence[dict[str, Any]], run_id: str,
                    commit_id: str | None = None) -> None:
    """Append rows in one commit whose metadata names the run (and the commit plan); no rows, no commit."""
    if not rows:
        return
    table = pa.Table.from_pylist(list(rows), schema=SCHEMAS[name])
    path = layout.ops_table(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"run_id": run_id} if commit_id is None else {"run_id": run_id, "commit_id": commit_id}
    write_deltalake(
        str(path), table, mode="append", configuration=TABLE_CONFIGURATION,
        commit_properties=CommitProperties(custom_metadata=metadata),
    )


def has_commit(layout: Layout, name: str, commit_id: str, recent: int = 100) -> bool:
    """Whether one of the table's recent commits came from this commit plan (replays look just after a crash)."""
    path = str(layout.ops_table(name))
    if not DeltaTable.is_deltatable(path):
        return False
    return any(entry.get("commit_id") == commit_id for entry in DeltaTable(path).history(limit=recent))
