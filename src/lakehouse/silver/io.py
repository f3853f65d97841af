"""Reading and writing Silver Parquet with Spark. The only module that knows Silver's files.

Besides the tables and the quarantine, Silver keeps a key index per source (`silver/_keys/<source>/`): the duplicate
key (`silver.classify.dedup_key`) of every accepted row, a sorted Parquet file per ROWS_PER_FILE keys of a batch,
committed with the batch.
The duplicate check of a new batch reads only the index's row groups whose key range can hold one of the batch's
keys: `key_index_for` groups the batch's keys by their longest common prefixes (a few dozen at most) and pushes
them to Parquet as `startswith` filters, which skip every row group outside them by its min/max statistics. Keys
that grow with time (transaction ids with a date, LSNs, snapshot dates) make that a read of the batch's neighbourhood,
not of all history; keys with no order (random ids) still read it all, but only their one column.

And a key-dates index (`silver/_key_dates/`): per transaction day of each batch, a Bloom filter of the day's
customer ids and one of its product ids (`silver.bloom`), so Gold finds the days holding a changed customer's or
product's sales by probing a few kilobytes per day instead of reading the days (`days_holding_keys`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import reduce
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from lakehouse import contract as c
from lakehouse.silver import schemas
from lakehouse.silver.bloom import BloomFilter
from lakehouse.silver.classify import KEY, silver_key
from lakehouse.spark import local_dataframe
from lakehouse.storage.layout import Layout

ROWS_PER_FILE = 2_000_000  # a Silver data file's target size (about 50-100 MB of Parquet for transactions)
KEY_PREFIX_LENGTHS = (4, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 24, 28, 32, 40, 48, 64)
MAX_KEY_PREFIXES = 64
KEY_ROW_GROUP_BYTES = 1 << 20  # small row groups: the index is read by row group
DATE_COLUMN = c.SOURCE_SPECS[c.TRANSACTIONS].partition_column
KEY_DATE_DIMENSIONS = ("customer_id", "product_id")


def has_parquet(directory: Path) -> bool:
    return directory.is_dir() and any(directory.rglob("*.parquet"))


def read_parquet_dir(spark: SparkSession, directory: Path, schema: StructType) -> DataFrame:
    """Committed files of a Silver folder; an absent folder reads as an empty table of the schema."""
    if not has_parquet(directory):
        return local_dataframe(spark, [], schema)
    return spark.read.schema(schema).parquet(str(directory))


def read_silver(spark: SparkSession, layout: Layout, source: str) -> DataFrame:
    return read_parquet_dir(spark, layout.silver_table(source), schemas.SILVER_SCHEMAS[source])


def read_quarantine(spark: SparkSession, layout: Layout, source: str) -> DataFrame:
    return read_parquet_dir(spark, layout.quarantine(source), schemas.QUARANTINE)


def quarantine_reasons(layout: Layout, source: str) -> list[str]:
    """The reason of every quarantined row of a source, without Spark (the demo's report)."""
    import pyarrow.dataset as ds

    directory = layout.quarantine(source)
    if not has_parquet(directory):
        return []
    table = ds.dataset(directory, format="parquet").to_table(columns=["reason"])
    reasons: list[str] = table.column("reason").to_pylist()
    return reasons


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
        return local_dataframe(spark, [], schema)
    # basePath keeps the partition column, which lives in the folder names, not in the files.
    return spark.read.schema(schema).option("basePath", str(table)).parquet(*[str(path) for path in files])


def partition_files(layout: Layout, source: str, values: Iterable[date]) -> list[Path]:
    """The committed data files of the given partition dates of a Silver table."""
    table = layout.silver_table(source)
    partition = c.SOURCE_SPECS[source].partition_column
    return [path for value in sorted(set(values)) for path in data_files(table / f"{partition}={value.isoformat()}")]


def files_bytes(files: Iterable[Path]) -> int:
    """How many bytes of Parquet these files hold."""
    return sum(path.stat().st_size for path in files)


def read_silver_files(spark: SparkSession, layout: Layout, source: str, files: list[Path]) -> DataFrame:
    """The Silver rows of the given data files of a source's table (`partition_files`)."""
    return _read_files(spark, layout.silver_table(source), files, schemas.SILVER_SCHEMAS[source])


def read_silver_partitions(spark: SparkSession, layout: Layout, source: str, values: Iterable[date]) -> DataFrame:
    """The Silver rows of the given partition dates only (partition pruning by folder)."""
    return read_silver_files(spark, layout, source, partition_files(layout, source, values))


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


def _tasks(rows: int) -> int:
    return max(1, -(-rows // ROWS_PER_FILE))


def _in_tasks(df: DataFrame, rows: int, spread: bool, *order: Column) -> DataFrame:
    """`df` (`rows` rows) in about rows / ROWS_PER_FILE tasks, to be written: a file per task and partition.

    A batch's kept rows are spread as its parse tasks left them (`spread`): a few Bronze files of the landing order
    per partition (`bronze.records`), mostly of their own day. Those partitions are merged without a shuffle
    (`coalesce`): a range partitioning sampled every kept row and shuffled them all, for about the same files
    (bronze-to-silver at 2.1M with neither, each task writing its own rows: 48.1, 46.2 s against 50.9, 49.5 s;
    coalesced, within noise of that). Rows a shuffle spread over every partition (more duplicates than a broadcast
    takes, `pipeline.silver_batch`) are range-partitioned by `order` instead, so each task still writes few days."""
    tasks = _tasks(rows)
    return df.coalesce(tasks) if spread else df.repartitionByRange(tasks, *order)


def write_staged_silver(silver_df: DataFrame, source: str, target: Path, rows: int, spread: bool) -> None:
    """Silver rows into `target`, partitioned, in files of at most ROWS_PER_FILE rows (`_in_tasks`); a large day is
    written by several tasks. Spark's writer sorts each task's rows by partition itself."""
    spec = c.SOURCE_SPECS[source]
    (
        _in_tasks(silver_df, rows, spread, F.col(spec.partition_column), F.col(spec.key))
        .write.mode("overwrite").option("maxRecordsPerFile", ROWS_PER_FILE)
        .partitionBy(spec.partition_column).parquet(str(target))
    )


def write_staged_quarantine(quarantine_df: DataFrame, target: Path, rows: int) -> None:
    quarantine_df.repartition(_tasks(rows)).write.mode("overwrite").parquet(str(target))


def write_staged_keys(keys_df: DataFrame, target: Path, rows: int, spread: bool) -> None:
    """The batch's accepted keys (column `_key`), in about rows / ROWS_PER_FILE files (`_in_tasks`), each sorted, so
    each row group covers a narrow key range (`key_index_for` skips row groups by their min and max)."""
    (
        _in_tasks(keys_df.select(F.col(KEY)), rows, spread, F.col(KEY)).sortWithinPartitions(KEY)
        .write.mode("overwrite").option("parquet.block.size", KEY_ROW_GROUP_BYTES).parquet(str(target))
    )


def build_key_dates(silver_df: DataFrame) -> DataFrame:
    """Per transaction day of a Silver transactions batch: a Bloom filter of its customer ids and one of its product
    ids (rows of `schemas.KEY_DATES`). Built by the executors, a day per group."""
    def build(table: pa.Table) -> pa.Table:
        day = table.column(DATE_COLUMN)[0].as_py()
        # Distinct in Arrow first: a day's 100k rows hold a quarter as many customers and a tenth as many products,
        # and each member becomes a Python string and a hash (0.13 s -> 0.04 s a day at 2.1M transactions).
        filters = {name: BloomFilter.of(pc.unique(table.column(name)).to_pylist()) for name in KEY_DATE_DIMENSIONS}
        return pa.table({DATE_COLUMN: pa.array([day] * len(filters), pa.date32()),
                         "dimension": list(filters),
                         "bloom": [bloom.bits for bloom in filters.values()],
                         "hash_count": pa.array([bloom.hash_count for bloom in filters.values()], pa.int32())})

    return (
        silver_df.select(DATE_COLUMN, *KEY_DATE_DIMENSIONS).groupBy(DATE_COLUMN)
        .applyInArrow(build, schemas.KEY_DATES)
    )


def write_staged_key_dates(silver_df: DataFrame, target: Path) -> None:
    # One file; repartition, not coalesce, which would build every day's filters in that one task.
    build_key_dates(silver_df).repartition(1).write.mode("overwrite").parquet(str(target))


def index_silver(spark: SparkSession, layout: Layout, source: str) -> None:
    """The key index (and for transactions the key-dates index) of a source's Silver rows, written from the rows
    themselves into a root that has none yet (a rebuild's scratch root, whose Silver was carved: `silver.carve`).
    Each accepted row's key is in the index, and only those (`silver.classify.silver_key`)."""
    if not has_parquet(layout.silver_table(source)):
        return
    silver_df = read_silver(spark, layout, source)  # a file's rows per partition: one day's, spread as written
    write_staged_keys(silver_df.select(silver_key(source).alias(KEY)), layout.key_index(source), silver_df.count(),
                      spread=True)
    if source == c.TRANSACTIONS:
        write_staged_key_dates(silver_df, layout.key_dates(source))


def days_holding_keys(spark: SparkSession, layout: Layout, dimension: str, since: dict[str, date]) -> set[date]:
    """The transaction days, on or after each key's date in `since`, that may hold a sale of that key (a Bloom
    filter's "maybe": a day without it is certain not to). Days with Silver transactions but no filter (written before
    the index existed) are returned too, as "maybe"."""
    if not since:
        return set()
    first = min(since.values())
    index = layout.key_dates(c.TRANSACTIONS)
    rows = [] if not has_parquet(index) else spark.read.schema(schemas.KEY_DATES).parquet(str(index)).where(
        (F.col("dimension") == dimension) & (F.col(DATE_COLUMN) >= F.lit(first))).collect()
    filters: dict[date, list[BloomFilter]] = {}
    for row in rows:
        filters.setdefault(row[DATE_COLUMN], []).append(BloomFilter(bytes(row["bloom"]), row["hash_count"]))
    days = {day for day in partition_values(layout, c.TRANSACTIONS) if day >= first and day not in filters}
    for day, day_filters in filters.items():
        if any(day >= start and any(bloom.might_contain(key) for bloom in day_filters) for key, start in since.items()):
            days.add(day)
    return {day for day in days if any(day >= start for start in since.values())}


def key_prefixes(batch_keys_df: DataFrame) -> list[str] | None:
    """The batch's keys' common prefixes of the longest length giving at most MAX_KEY_PREFIXES of them, or None
    when no length does (then the whole index is read)."""
    counts = batch_keys_df.agg(*[
        F.approx_count_distinct(F.substring(F.col(KEY), 1, length)).alias(str(length))
        for length in KEY_PREFIX_LENGTHS
    ]).collect()[0]
    fitting = [length for length in KEY_PREFIX_LENGTHS if counts[str(length)] <= MAX_KEY_PREFIXES // 2]
    if not fitting:
        return None
    length = max(fitting)
    rows = batch_keys_df.select(F.substring(F.col(KEY), 1, length).alias("prefix")).distinct().collect()
    return sorted(row["prefix"] for row in rows) if len(rows) <= MAX_KEY_PREFIXES else None


def key_index_for(spark: SparkSession, layout: Layout, source: str, batch_keys_df: DataFrame) -> DataFrame | None:
    """The accepted keys of earlier batches that can equal one of `batch_keys_df`'s (column `_key`), or None when
    no batch was committed yet. A superset: the caller joins on the key."""
    index = layout.key_index(source)
    if not has_parquet(index):
        return None
    index_df = spark.read.schema(schemas.KEY_INDEX).parquet(str(index))
    prefixes = key_prefixes(batch_keys_df)
    if prefixes is None:
        return index_df
    if not prefixes:
        return None
    return index_df.where(reduce(lambda left, right: left | right,
                                 [F.col(KEY).startswith(prefix) for prefix in prefixes]))


def data_files(directory: Path) -> list[Path]:
    """Parquet data files Spark wrote (not its `_SUCCESS` or `.crc` side files)."""
    if not directory.is_dir():
        return []
    return sorted(
        path for path in directory.rglob("*.parquet")
        if not path.name.startswith(("_", ".")) and path.stat().st_size > 0
    )
