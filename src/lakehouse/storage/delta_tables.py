"""The root's Delta tables (Gold and ops): the one module that knows which engine reads and writes them (§4, §5).

Two engines behind one interface, so nothing else knows which one writes:
- `delta-spark`: Spark writes and reads through Delta's own data source, on Databricks and locally (Delta's JARs are
  cached by scripts/bootstrap.sh, see `lakehouse.spark`). Writes run on the executors and commit through Delta's log
  store, so nothing depends on local renames or hard links (Unity Catalog volumes have no hard links).
- `delta-rs` (`deltalake`): the light alternative. Spark computes, the rows reach the driver as Arrow and delta-rs
  commits them; reads hand the table's current Parquet files to Spark. Local roots only.
`auto` picks delta-spark wherever Delta is on Spark's classpath, else delta-rs, and says so once.

Every write is one commit per table per run, the first included: it creates the table with its properties (no
separate CREATE commit). Its metadata names the run, and it carries an idempotency key as Delta's SetTransaction
(`txnAppId`, version 1): a retried task or job that writes the same slice again finds its key in the table and
commits nothing. A key names the run and the exact input of the write (see its callers), so a retry that has more to
write (new Silver since) is not mistaken for a repeat. Replacing the rows of changed keys is a MERGE on the key whose
condition names no key value, so the commit log does not grow with the number of keys. Tables are created readable
by Synapse serverless: reader version 1, writer version 2, no deletion vectors, no column mapping, classic
checkpoints (`storage.synapse_check` verifies what was written).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructField, StructType

from lakehouse.config import ENGINE_AUTO, ENGINE_DELTA_RS, ENGINE_DELTA_SPARK, ENGINE_ENV, ENGINES
from lakehouse.errors import UserError
from lakehouse.spark import is_databricks, local_dataframe
from lakehouse.storage import delta_log

log = logging.getLogger(__name__)

# Synapse serverless reads Delta reader v1 only (contract §4). Explicit, because a Databricks workspace can turn
# deletion vectors (and with them reader v3 table features) on for new tables by default.
TABLE_PROPERTIES = {
    "delta.enableDeletionVectors": "false",
    "delta.columnMapping.mode": "none",
    # Idempotency keys (SetTransaction) older than this are dropped from the table's state at checkpoints: a retry
    # comes within hours, and the state must not grow with every run ever.
    "delta.setTransactionRetentionDuration": "interval 30 days",
}
STATISTICS_COLUMNS_PROPERTY = "delta.dataSkippingNumIndexedCols"  # per-file min/max/null counts: first N columns
SPARK_CREATE_PROPERTIES = {
    **TABLE_PROPERTIES,
    "delta.minReaderVersion": "1",
    "delta.minWriterVersion": "2",
    "delta.checkpointPolicy": "classic",
}
TXN_VERSION = 1
ACTION = "_merge_action"  # the MERGE source's column saying what a row is for


@dataclass(frozen=True)
class Commit:
    """What a commit carries: the run and job (its metadata) and its idempotency key (SetTransaction app id)."""

    run_id: str
    job: str
    key: str
    notes: tuple[tuple[str, str], ...] = ()  # more metadata, e.g. the version of the table a write derives from

    def metadata(self) -> dict[str, str]:
        return {"run_id": self.run_id, "job": self.job, "commit_key": self.key, **dict(self.notes)}

    def noting(self, **values: str) -> Commit:
        return replace(self, notes=self.notes + tuple(values.items()))

    def user_metadata(self) -> str:
        return json.dumps(self.metadata(), sort_keys=True)


def _sql_literal(value: object) -> str:
    if isinstance(value, date):
        return f"'{value.isoformat()}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for {type(value).__name__}")


def _date_ranges(days: list[date]) -> list[tuple[date, date]]:
    """Sorted distinct dates as maximal runs of consecutive days: a year rebuilt is one range, not 365 literals."""
    ranges: list[tuple[date, date]] = []
    for day in days:
        if ranges and day == ranges[-1][1] + timedelta(days=1):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


@dataclass(frozen=True)
class Rows:
    """The rows a read selects or a write replaces: all of them, or those whose `column` is one of `values`."""

    column: str | None = None
    values: tuple[Any, ...] = ()

    @classmethod
    def all(cls) -> Rows:
        return cls()

    @classmethod
    def where_in(cls, column: str, values: Iterable[Any]) -> Rows:
        return cls(column, tuple(sorted(set(values))))

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
        """The predicate, with consecutive dates folded into ranges."""
        if self.column is None:
            raise ValueError("all rows need no predicate")
        if not self.values:
            return "FALSE"
        if all(isinstance(value, date) for value in self.values):
            terms = [
                f"{self.column} = {_sql_literal(first)}" if first == last
                else f"({self.column} >= {_sql_literal(first)} AND {self.column} <= {_sql_literal(last)})"
                for first, last in _date_ranges(list(self.values))
            ]
            return " OR ".join(terms)
        return f"{self.column} IN ({', '.join(_sql_literal(value) for value in self.values)})"

    def keep(self, df: DataFrame) -> DataFrame:
        if self.column is None:
            return df
        return df.where(F.lit(False)) if self.is_empty else df.where(F.col(self.column).isin(list(self.values)))


class DeltaEngine(ABC):
    """Reads and writes one root's Delta tables. Metadata questions are answered from the log (`delta_log`),
    the same way for both engines."""

    name: str

    def __init__(self, spark: SparkSession):
        self.spark = spark

    def exists(self, path: Path) -> bool:
        return delta_log.is_delta_table(path)

    def partition_values(self, path: Path, column: str) -> list[Any]:
        """Distinct values of a partition column in the current version, from the log alone (no data read)."""
        return delta_log.partition_values(path, column)

    def has_commit(self, path: Path, commit: Commit) -> bool:
        """Whether a commit with this idempotency key is already in the table."""
        return delta_log.app_transaction_version(path, commit.key) is not None

    @abstractmethod
    def read(self, path: Path, schema: StructType, rows: Rows | None = None, version: int | None = None) -> DataFrame:
        """The table's rows at `version` (default: current; an absent table reads as empty), limited to `rows`."""

    def version(self, path: Path) -> int | None:
        return delta_log.latest_version(path)

    @abstractmethod
    def replace(self, df: DataFrame, path: Path, schema: StructType, partition_by: tuple[str, ...], rows: Rows,
                commit: Commit, statistics_columns: int | None = None) -> None:
        """In one commit: delete `rows` of the table and add `df` (whose rows must all lie within `rows`). A commit
        that creates the table keeps file statistics of its first `statistics_columns` columns only (Delta's default:
        32)."""

    @abstractmethod
    def replace_keys(self, df: DataFrame, path: Path, schema: StructType, key: str, keys_df: DataFrame,
                     commit: Commit) -> None:
        """In one commit: delete every row whose `key` is in `keys_df` (one column, `key`) and add `df`."""

    @abstractmethod
    def append(self, df: DataFrame, path: Path, schema: StructType, commit: Commit,
               partition_by: tuple[str, ...] = ()) -> None:
        """Add `df`'s rows in one commit (`partition_by` is used when the commit creates the table)."""

    def rows_written(self, path: Path) -> int | None:
        """Rows the table's latest commit added, from its operation metrics (None when not recorded)."""
        info = delta_log.latest_commit_info(path)
        metrics = info.operation_metrics if info else {}
        for name in ("numOutputRows", "numTargetRowsInserted", "num_added_rows", "num_target_rows_inserted"):
            if metrics.get(name) is not None:
                return int(metrics[name])
        return None


def _statistics_property(statistics_columns: int | None) -> dict[str, str]:
    return {} if statistics_columns is None else {STATISTICS_COLUMNS_PROPERTY: str(statistics_columns)}


_SESSION_DML = threading.Lock()  # held while a statement's settings are on the (process-wide) session


class DeltaSparkEngine(DeltaEngine):
    """delta-spark: distributed writes through Delta's data source (Databricks, and locally with Delta's JARs)."""

    name = ENGINE_DELTA_SPARK

    def read(self, path: Path, schema: StructType, rows: Rows | None = None, version: int | None = None) -> DataFrame:
        rows = rows or Rows.all()
        if rows.is_empty or not self.exists(path):
            return local_dataframe(self.spark, [], schema)
        reader = self.spark.read.format("delta")
        if version is not None:
            reader = reader.option("versionAsOf", version)
        return rows.keep(reader.load(str(path))).select(*schema.fieldNames())

    def _writer(self, df: DataFrame, schema: StructType, commit: Commit, creating: bool,
                statistics_columns: int | None = None) -> Any:
        writer = (
            df.select(*schema.fieldNames()).write.format("delta")
            .option("userMetadata", commit.user_metadata())
            .option("txnAppId", commit.key).option("txnVersion", TXN_VERSION)
        )
        if creating:
            writer = writer.options(**SPARK_CREATE_PROPERTIES, **_statistics_property(statistics_columns))
        return writer

    def replace(self, df: DataFrame, path: Path, schema: StructType, partition_by: tuple[str, ...], rows: Rows,
                commit: Commit, statistics_columns: int | None = None) -> None:
        creating = not self.exists(path)
        writer = self._writer(df, schema, commit, creating, statistics_columns).mode("overwrite")
        if partition_by:
            writer = writer.partitionBy(*partition_by)
        if not rows.is_all and not creating:
            writer = writer.option("replaceWhere", rows.sql())
        writer.save(str(path))

    def append(self, df: DataFrame, path: Path, schema: StructType, commit: Commit,
               partition_by: tuple[str, ...] = ()) -> None:
        writer = self._writer(df, schema, commit, creating=not self.exists(path)).mode("append")
        if partition_by:
            writer = writer.partitionBy(*partition_by)
        writer.save(str(path))

    def replace_keys(self, df: DataFrame, path: Path, schema: StructType, key: str, keys_df: DataFrame,
                     commit: Commit) -> None:
        if not self.exists(path):
            self.replace(df, path, schema, (), Rows.all(), commit)
            return
        from delta.tables import DeltaTable

        source_df = _merge_source(df, schema, key, keys_df)
        insert_values: dict[str, str | Column] = {name: f"s.`{name}`" for name in schema.fieldNames()}
        merge = (
            DeltaTable.forPath(self.spark, str(path)).alias("t")
            .merge(source_df.alias("s"), f"t.`{key}` = s.`{key}` AND s.{ACTION} = 'delete'")
            .whenMatchedDelete()
            .whenNotMatchedInsert(condition=f"s.{ACTION} = 'insert'", values=insert_values)
        )
        # DML takes its idempotency key and metadata from the session; they are set for this one statement only,
        # one statement at a time (a stage may write tables from several threads: `pipeline.parallel`).
        settings = {
            "spark.databricks.delta.write.txnAppId": commit.key,
            "spark.databricks.delta.write.txnVersion": str(TXN_VERSION),
            "spark.databricks.delta.commitInfo.userMetadata": commit.user_metadata(),
        }
        with _SESSION_DML:
            for name, value in settings.items():
                self.spark.conf.set(name, value)
            try:
                merge.execute()
            finally:
                for name in settings:
                    self.spark.conf.unset(name)


def _merge_source(df: DataFrame, schema: StructType, key: str, keys_df: DataFrame) -> DataFrame:
    """The new rows (to insert) and one row per replaced key (to delete what the table holds of it)."""
    inserts_df = df.select(*schema.fieldNames(), F.lit("insert").alias(ACTION))
    deletes_df = keys_df.select(F.col(key)).distinct().select(
        *[F.col(key) if field.name == key else F.lit(None).cast(field.dataType).alias(field.name)
          for field in schema.fields],
        F.lit("delete").alias(ACTION),
    )
    return inserts_df.unionByName(deletes_df)


class DeltaRsEngine(DeltaEngine):
    """delta-rs: Spark computes, the driver commits with `deltalake` (local roots only: it commits by hard link)."""

    name = ENGINE_DELTA_RS

    def read(self, path: Path, schema: StructType, rows: Rows | None = None, version: int | None = None) -> DataFrame:
        rows = rows or Rows.all()
        if rows.is_empty or not self.exists(path):
            return local_dataframe(self.spark, [], schema)
        files = _current_files(path, rows, version)
        if not files:
            return local_dataframe(self.spark, [], schema)
        df = self.spark.read.schema(schema).option("basePath", str(path)).parquet(*[str(file) for file in files])
        return rows.keep(df).select(*schema.fieldNames())

    def _arrow(self, df: DataFrame, schema: StructType) -> Any:
        from pyspark.sql.pandas.types import to_arrow_schema

        # Timestamps as UTC instants; every column nullable in the stored schema, as delta-spark stores a new
        # table's (the builders' final select keeps the declared NOT NULLs), so both engines write one schema.
        nullable = StructType([StructField(f.name, f.dataType, True, f.metadata) for f in schema.fields])
        return df.select(*schema.fieldNames()).toArrow().cast(to_arrow_schema(nullable))

    def _commit_properties(self, commit: Commit) -> Any:
        from deltalake import CommitProperties
        from deltalake.transaction import Transaction

        return CommitProperties(custom_metadata={"userMetadata": commit.user_metadata()},
                                app_transactions=[Transaction(app_id=commit.key, version=TXN_VERSION)])

    def _write(self, table: Any, path: Path, mode: str, partition_by: tuple[str, ...], predicate: str | None,
               commit: Commit, statistics_columns: int | None = None) -> None:
        from deltalake import write_deltalake

        if self.has_commit(path, commit):
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        configuration = {**TABLE_PROPERTIES, **_statistics_property(statistics_columns)}
        options: dict[str, Any] = {"partition_by": list(partition_by) or None, "configuration": configuration,
                                   "commit_properties": self._commit_properties(commit)}
        if mode == "append":
            write_deltalake(str(path), table, mode="append", **options)
        else:
            write_deltalake(str(path), table, mode="overwrite", predicate=predicate, **options)

    def replace(self, df: DataFrame, path: Path, schema: StructType, partition_by: tuple[str, ...], rows: Rows,
                commit: Commit, statistics_columns: int | None = None) -> None:
        predicate = None if rows.is_all or not self.exists(path) else rows.sql()
        self._write(self._arrow(df, schema), path, "overwrite", partition_by, predicate, commit, statistics_columns)

    def append(self, df: DataFrame, path: Path, schema: StructType, commit: Commit,
               partition_by: tuple[str, ...] = ()) -> None:
        self._write(self._arrow(df, schema), path, "append", partition_by, None, commit)

    def replace_keys(self, df: DataFrame, path: Path, schema: StructType, key: str, keys_df: DataFrame,
                     commit: Commit) -> None:
        if not self.exists(path):
            self.replace(df, path, schema, (), Rows.all(), commit)
            return
        if self.has_commit(path, commit):
            return
        from deltalake import DeltaTable

        source = _merge_source(df, schema, key, keys_df).toArrow()
        (
            DeltaTable(str(path))
            .merge(source, f"t.`{key}` = s.`{key}` AND s.{ACTION} = 'delete'", source_alias="s", target_alias="t",
                   commit_properties=self._commit_properties(commit))
            .when_matched_delete()
            .when_not_matched_insert({name: f"s.`{name}`" for name in schema.fieldNames()},
                                     predicate=f"s.{ACTION} = 'insert'")
            .execute()
        )


def _current_files(path: Path, rows: Rows, version: int | None = None) -> list[str]:
    """The table's data files (at `version`, default current), as paths Spark can read; only those of the partitions
    `rows` names when it selects by a partition column."""
    snapshot = delta_log.read_snapshot(path, version)
    files = snapshot.files
    if rows.column in snapshot.metadata.partition_columns:
        wanted = {str(value) for value in rows.values}
        files = tuple(add for add in files if add.partition_values.get(rows.column) in wanted)
    uris = [unquote(add.path) for add in files]
    return [uri if "://" in uri else str(path / uri) for uri in uris]


def read_arrow(path: Path) -> Any:
    """A Delta table's current rows as a pyarrow Table, without Spark or delta-rs (`delta_log.read_table`), for
    the tools that only look (the demo's report, `lakehouse sql`, `lakehouse status`, ops reads); None when there
    is no table at `path`."""
    return delta_log.read_table(path)


def has_delta_on_classpath(spark: SparkSession) -> bool:
    """Whether this session can use Delta Lake (Databricks always can; a local session when its JARs were added)."""
    if is_databricks():
        return True
    try:
        from delta.tables import DeltaTable

        # The JARs sit in Spark's own class loader, which Class.forName from Py4J does not search: ask Delta.
        DeltaTable.isDeltaTable(spark, "file:/nonexistent-lakehouse-probe")
    except Exception:  # Py4J error (Delta's classes missing), no delta-spark package, or no JVM (Spark Connect)
        return False
    return True


_fallback_reported = False


def choose_engine(spark: SparkSession, requested: str | None = None) -> DeltaEngine:
    """The engine configuration asks for (argument, else $LAKEHOUSE_DELTA_ENGINE, else auto)."""
    global _fallback_reported
    choice = requested or os.environ.get(ENGINE_ENV) or ENGINE_AUTO
    if choice not in ENGINES:
        raise UserError(f"unknown Delta engine {choice!r}: use one of {', '.join(ENGINES)}")
    if choice == ENGINE_DELTA_RS:
        return DeltaRsEngine(spark)
    if has_delta_on_classpath(spark):
        return DeltaSparkEngine(spark)
    if choice == ENGINE_DELTA_SPARK:
        raise UserError("Delta engine delta-spark was asked for, but Delta is not on Spark's classpath: run "
                        "scripts/bootstrap.sh (it caches Delta's JARs), or use --delta-engine delta-rs")
    if not _fallback_reported:
        _fallback_reported = True
        log.warning("Delta's JARs are not cached (run scripts/bootstrap.sh): writing Delta tables with delta-rs")
    return DeltaRsEngine(spark)
