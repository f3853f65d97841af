"""The `ops` Delta tables (contract §1, §5): file manifest, pipeline runs, quality results, Gold's manifest.

Written by the run's Delta engine (`storage.delta_tables`), like Gold: nothing under a root depends on delta-rs
when delta-spark was chosen. Each append is one commit carrying the run id and an idempotency key, so a commit plan
replayed after a crash (`storage.silver_commit`) appends its rows exactly once. Reads go through the engine too
(Spark DataFrames, for queries over a manifest of any size); `read_rows` is for tools that only look (status,
tests) and reads the Delta log and files with pyarrow, without Spark.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
from pyspark.sql import DataFrame
from pyspark.sql.types import (
    BooleanType,
    DateType,
    DoubleType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from lakehouse.spark import local_dataframe
from lakehouse.storage import delta_tables
from lakehouse.storage.delta_tables import Commit, DeltaEngine
from lakehouse.storage.layout import Layout

FILE_MANIFEST = "file_manifest"
PIPELINE_RUNS = "pipeline_runs"
QUALITY_RESULTS = "quality_results"
GOLD_MANIFEST = "gold_manifest"  # processed files whose Silver rows Gold has consumed (silver-to-gold's watermark)
ERASURES = "erasures"  # subjects erased by `lakehouse forget`, as salted hashes (storage.erasures), never the id


def _schema(*fields: tuple[str, Any]) -> StructType:
    return StructType([StructField(name, data_type, nullable=True) for name, data_type in fields])


SCHEMAS: dict[str, StructType] = {
    FILE_MANIFEST: _schema(
        ("path", StringType()), ("source", StringType()), ("ingest_date", DateType()), ("size", LongType()),
        ("mtime_ns", LongType()), ("md5", StringType()), ("status", StringType()), ("reason", StringType()),
        ("records_read", LongType()), ("silver_rows", LongType()), ("quarantined_rows", LongType()),
        ("extra_columns", StringType()), ("run_id", StringType()), ("processed_at", TimestampType()),
    ),
    PIPELINE_RUNS: _schema(
        ("run_id", StringType()), ("job", StringType()), ("status", StringType()), ("started_at", TimestampType()),
        ("finished_at", TimestampType()), ("duration_s", DoubleType()), ("files_processed", LongType()),
        ("files_rejected", LongType()), ("files_changed", LongType()), ("records_read", LongType()),
        ("silver_rows", LongType()), ("quarantined_rows", LongType()), ("metrics_json", StringType()),
        ("message", StringType()),
    ),
    QUALITY_RESULTS: _schema(
        ("run_id", StringType()), ("table", StringType()), ("expectation", StringType()), ("column", StringType()),
        ("success", BooleanType()), ("observed", StringType()), ("unexpected_count", LongType()),
        ("validated_at", TimestampType()),
    ),
    GOLD_MANIFEST: _schema(
        ("path", StringType()), ("source", StringType()), ("silver_run_id", StringType()), ("run_id", StringType()),
        ("consumed_at", TimestampType()),
    ),
    ERASURES: _schema(("subject_hash", StringType()), ("run_id", StringType()), ("erased_at", TimestampType())),
}


def read(engine: DeltaEngine, layout: Layout, name: str) -> DataFrame:
    """The table's rows as a Spark DataFrame (empty, with its schema, before the first append)."""
    return engine.read(layout.ops_table(name), SCHEMAS[name])


def append(engine: DeltaEngine, layout: Layout, name: str, rows: Sequence[dict[str, Any]], commit: Commit) -> None:
    """Append rows in one commit (none when `rows` is empty, or when this commit's key is already in the table)."""
    if not rows:
        return
    schema = SCHEMAS[name]
    df = local_dataframe(engine.spark, [tuple(row.get(field) for field in schema.fieldNames()) for row in rows], schema)
    # One task: a few rows spread over the default parallelism would leave empty tasks, and delta-spark leaves an
    # empty task's file on disk unreferenced (a vacuum's work, and a stray file right after `lakehouse maintain`).
    engine.append(df.coalesce(1), layout.ops_table(name), schema, commit)


def read_rows(layout: Layout, name: str) -> list[dict[str, Any]]:
    """Every row, for tools that only look (no Spark): [] before the first append."""
    table: pa.Table | None = delta_tables.read_arrow(layout.ops_table(name))
    return [] if table is None else table.to_pylist()
