"""Gold Delta tables: the one module that knows which engine reads and writes them (contract §4, §5).

Two engines behind one small interface, so transformations never know which one writes:
- `delta-rs` (the `deltalake` package): the local default. Spark computes; the rows reach the driver as Arrow and
  delta-rs commits them. Reads hand the table's current Parquet files to Spark (no deletion vectors, no column
  mapping, so the file list *is* the table).
- `delta-spark`: on a cluster with Delta on Spark's classpath (Databricks). Writes are distributed
  (`replaceWhere`), reads go through Spark's Delta source.
`auto` picks delta-spark when Delta's classes are on Spark's classpath, delta-rs otherwise; configuration can
force either. Every write replaces a declared set of rows in one commit whose metadata names the run, and tables
are created readable by Synapse serverless: reader version 1, no deletion vectors, no column mapping.
"""

from __future__ import annotations

import json
import os
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from lakehouse.config import ENGINE_AUTO, ENGINE_DELTA_RS, ENGINE_DELTA_SPARK, ENGINE_ENV, ENGINES
from lakehouse.errors import UserError
from lakehouse.spark import is_databricks

# Synapse serverless reads Delta reader v1 only (contract §4): no deletion vectors, no column mapping.
GOLD_TABLE_PROPERTIES = {"delta.enableDeletionVectors": "false"}
SPARK_CREATE_PROPERTIES = {
    **GOLD_TABLE_PROPERTIES,
    "delta.minReaderVersion": "1",
    "delta.minWriterVersion": "2",
    "delta.columnMapping.mode": "none",
}


def _sql_literal(value: object) -> str:
    if isinstance(value, date):
        return f"'{value.isoformat()}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for {type(value).__name__}")


@dataclass(frozen=True)
class Rows:
    """The rows a read selects or a write replaces: all of them, or those whose `column` is one of `values`."""

    column: str | None = None
    values: tuple[object, ...] = ()

    @classmethod
    def all(cls) -> Rows:
        return cls()

    @classmethod
    def where_in(cls, column: str, values: Iterable[object]) -> Rows:
        return cls(column, tuple(sorted(set(values))))  # type: ignore[type-var]

    @classmethod
    def nothing(cls) -> Rows:
        return cls("_none", ())

    @property
    def is_all(self) -> bool:
        return self.column is None

    @property
    def is_empty(self) -> bool:
        return not self.is_all and not self.values

    def sql(self) -> str:
        if self.column is None:
            raise ValueError("all rows need no predicate")
        if not self.values:
            return "FALSE"
        return f"{self.column} IN ({', '.join(_sql_literal(value) for value in self.values)})"

    def keep(self, df: DataFrame) -> DataFrame:
        if self.column is None:
            return df
        return df.where(F.lit(False)) if self.is_empty else df.where(F.col(self.column).isin(list(self.values)))


class DeltaEngine(ABC):
    name: str

    @abstractmethod
    def exists(self, spark: SparkSession, path: Path) -> bool:
        """Whether a Delta table is committed at `path`."""

    @abstractmethod
    def read(self, spark: SparkSession, path: Path, schema: StructType, rows: Rows | None = None) -> DataFrame:
        """The table's current rows (an absent table reads as empty), limited to `rows`."""

    @abstractmethod
    def partition_values(self, spark: SparkSession, path: Path, column: str) -> list[Any]:
        """Distinct values of a partition column in the current version, without reading data."""

    @abstractmethod
    def replace(self, df: DataFrame, path: Path, schema: StructType, partition_by: tuple[str, ...], rows: Rows,
                metadata: dict[str, str]) -> int | None:
        """In one commit: delete `rows` of the table and add `df` (whose rows must all lie within `rows`).
        Returns the number of rows added, when the engine knows it without a second pass."""


class DeltaRsEngine(DeltaEngine):
    name = ENGINE_DELTA_RS

    def exists(self, spark: SparkSession, path: Path) -> bool:
        from deltalake import DeltaTable

        return bool(DeltaTable.is_deltatable(str(path)))

    def _add_actions(self, path: Path) -> pa.Table | None:
        from deltalake import DeltaTable

        if not DeltaTable.is_deltatable(str(path)):
            return None
        return pa.table(DeltaTable(str(path)).get_add_actions(flatten=True))

    def read(self, spark: SparkSession, path: Path, schema: StructType, rows: Rows | None = None) -> DataFrame:
        rows = rows or Rows.all()
        actions = self._add_actions(path)
        if actions is not None and not rows.is_all and f"partition.{rows.column}" in actions.column_names:
            wanted = set(rows.values)
            files = [file for file, value in zip(actions["path"].to_pylist(),
                                                 actions[f"partition.{rows.column}"].to_pylist(), strict=True)
                     if value in wanted]
        else:
            files = [] if actions is None else actions["path"].to_pylist()
        if not files or rows.is_empty:
            return spark.createDataFrame([], schema)
        uris = [file if "://" in file else str(path / file) for file in files]
        df = spark.read.schema(schema).option("basePath", str(path)).parquet(*uris)
        return rows.keep(df).select(*schema.fieldNames())

    def partition_values(self, spark: SparkSession, path: Path, column: str) -> list[Any]:
        actions = self._add_actions(path)
        if actions is None:
            return []
        return sorted(set(actions[f"partition.{column}"].to_pylist()))

    def replace(self, df: DataFrame, path: Path, schema: StructType, partition_by: tuple[str, ...], rows: Rows,
                metadata: dict[str, str]) -> int | None:
        from deltalake import CommitProperties, write_deltalake
        from pyspark.sql.pandas.types import to_arrow_schema

        arrow_schema = to_arrow_schema(schema)  # timestamps as UTC instants, as Delta stores them
        table = df.select(*schema.fieldNames()).toArrow().cast(arrow_schema)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_deltalake(
            str(path), table, mode="overwrite",
            predicate=None if rows.is_all else rows.sql(),
            partition_by=list(partition_by) or None,
            configuration=GOLD_TABLE_PROPERTIES,
            commit_properties=CommitProperties(custom_metadata=metadata),
        )
        return table.num_rows


class DeltaSparkEngine(DeltaEngine):
    """delta-spark, as on Databricks. Not exercised locally: Delta's JARs come from Maven, unreachable here."""

    name = ENGINE_DELTA_SPARK

    def exists(self, spark: SparkSession, path: Path) -> bool:
        from delta.tables import DeltaTable

        return bool(DeltaTable.isDeltaTable(spark, str(path)))

    def read(self, spark: SparkSession, path: Path, schema: StructType, rows: Rows | None = None) -> DataFrame:
        rows = rows or Rows.all()
        if rows.is_empty or not self.exists(spark, path):
            return spark.createDataFrame([], schema)
        return rows.keep(spark.read.format("delta").load(str(path))).select(*schema.fieldNames())

    def partition_values(self, spark: SparkSession, path: Path, column: str) -> list[Any]:
        if not self.exists(spark, path):
            return []
        values = spark.read.format("delta").load(str(path)).select(column).distinct().collect()
        return sorted(row[0] for row in values)

    def _create_if_missing(self, spark: SparkSession, path: Path, schema: StructType,
                           partition_by: tuple[str, ...]) -> None:
        from delta.tables import DeltaTable

        builder = DeltaTable.createIfNotExists(spark).location(str(path)).addColumns(schema)
        if partition_by:
            builder = builder.partitionedBy(*partition_by)
        for key, value in SPARK_CREATE_PROPERTIES.items():
            builder = builder.property(key, value)
        builder.execute()

    def replace(self, df: DataFrame, path: Path, schema: StructType, partition_by: tuple[str, ...], rows: Rows,
                metadata: dict[str, str]) -> int | None:
        self._create_if_missing(df.sparkSession, path, schema, partition_by)
        writer = (
            df.select(*schema.fieldNames()).write.format("delta").mode("overwrite")
            .option("userMetadata", json.dumps(metadata, sort_keys=True))
        )
        if not rows.is_all:
            writer = writer.option("replaceWhere", rows.sql())
        writer.save(str(path))
        return None  # known to the commit's operationMetrics; counting here would compute `df` twice


def has_delta_on_classpath(spark: SparkSession) -> bool:
    if is_databricks():
        return True
    try:
        spark.sparkContext._jvm.java.lang.Class.forName("io.delta.tables.DeltaTable")  # type: ignore[union-attr]
    except Exception:  # Py4J error (class missing) or no JVM gateway (Spark Connect)
        return False
    return True


def choose_engine(spark: SparkSession, requested: str | None = None) -> DeltaEngine:
    """The engine configuration asks for (argument, else $LAKEHOUSE_DELTA_ENGINE, else auto)."""
    choice = requested or os.environ.get(ENGINE_ENV) or ENGINE_AUTO
    if choice not in ENGINES:
        raise UserError(f"unknown Delta engine {choice!r}: use one of {', '.join(ENGINES)}")
    has_delta = has_delta_on_classpath(spark) if choice != ENGINE_DELTA_RS else False
    if choice == ENGINE_DELTA_SPARK and not has_delta:
        raise UserError("Delta engine delta-spark was asked for, but Delta is not on Spark's classpath "
                        "(use --delta-engine delta-rs, or run where Delta is installed, e.g. Databricks)")
    return DeltaSparkEngine() if has_delta else DeltaRsEngine()
