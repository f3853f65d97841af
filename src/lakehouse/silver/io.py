"""Reading and writing Silver Parquet with Spark. The only module that knows Silver's files."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from lakehouse import contract as c
from lakehouse.silver import schemas
from lakehouse.storage.layout import Layout


def has_parquet(directory: Path) -> bool:
    return directory.is_dir() and any(directory.rglob("*.parquet"))


def read_parquet_dir(spark: SparkSession, directory: Path, schema: StructType) -> DataFrame:
    """Committed files of a Silver folder; an absent folder reads as an empty table of the schema."""
    if not has_parquet(directory):
        return spark.createDataFrame([], schema)
    return spark.read.schema(schema).parquet(str(directory))


def read_silver(spark: SparkSession, layout: Layout, source: str) -> DataFrame:
    return read_parquet_dir(spark, layout.silver_table(source), schemas.SILVER_SCHEMAS[source])


def read_quarantine(spark: SparkSession, layout: Layout, source: str) -> DataFrame:
    return read_parquet_dir(spark, layout.quarantine(source), schemas.QUARANTINE)


def partition_values(layout: Layout, source: str) -> list[date]:
    """Dates of the committed partitions of a Silver table, from folder names alone (no data read)."""
    table = layout.silver_table(source)
    prefix = f"{c.SOURCE_SPECS[source].partition_column}="
    if not table.is_dir():
        return []
    return sorted(
        date.fromisoformat(folder.name.removeprefix(prefix)) for folder in table.iterdir()
        if folder.name.startswith(prefix) and data_files(folder)
    )


def _read_files(spark: SparkSession, table: Path, files: list[Path], schema: StructType) -> DataFrame:
    if not files:
        return spark.createDataFrame([], schema)
    # basePath keeps the partition column, which lives in the folder names, not in the files.
    return spark.read.schema(schema).option("basePath", str(table)).parquet(*[str(path) for path in files])


def read_silver_partitions(spark: SparkSession, layout: Layout, source: str, values: Iterable[date]) -> DataFrame:
    """The Silver rows of the given partition dates only (partition pruning by folder)."""
    table = layout.silver_table(source)
    partition = c.SOURCE_SPECS[source].partition_column
    files = [path for value in sorted(set(values)) for path in data_files(table / f"{partition}={value.isoformat()}")]
    return _read_files(spark, table, files, schemas.SILVER_SCHEMAS[source])


def read_silver_of_files(spark: SparkSession, layout: Layout, source: str, run_ids: Iterable[str],
                         source_files: Iterable[str]) -> DataFrame:
    """The Silver rows that came from the given Bronze files, committed by the given runs.

    A run's files are named `<run_id>-part-...` (see `jobs.b2s_spark`), so only those are read; the name test can
    also catch another run's files when one run id is a prefix of another, and `_source_file` settles it.
    """
    table = layout.silver_table(source)
    prefixes = tuple(f"{run_id}-part-" for run_id in sorted(set(run_ids)))
    files = [path for path in data_files(table) if path.name.startswith(prefixes)] if prefixes else []
    rows_df = _read_files(spark, table, files, schemas.SILVER_SCHEMAS[source])
    return rows_df.where(F.col("_source_file").isin(sorted(set(source_files))))


def write_staged_silver(silver_df: DataFrame, source: str, target: Path) -> None:
    partition = c.SOURCE_SPECS[source].partition_column
    silver_df.repartition(partition).write.mode("overwrite").partitionBy(partition).parquet(str(target))


def write_staged_quarantine(quarantine_df: DataFrame, target: Path) -> None:
    quarantine_df.coalesce(1).write.mode("overwrite").parquet(str(target))


def data_files(directory: Path) -> list[Path]:
    """Parquet data files Spark wrote (not its `_SUCCESS` or `.crc` side files)."""
    if not directory.is_dir():
        return []
    return sorted(
        path for path in directory.rglob("*.parquet")
        if not path.name.startswith(("_", ".")) and path.stat().st_size > 0
    )
