"""Reading and writing Silver Parquet with Spark. The only module that knows Silver's files."""

from __future__ import annotations

from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
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
