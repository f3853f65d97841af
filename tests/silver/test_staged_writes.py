"""bronze-to-silver's staged Silver and key-index writes (`silver.io`): each task writes the rows it holds, with no
shuffle, so a day held by several tasks is written by each of them (issue 14: no write puts a whole day into one
task), and nothing is lost, duplicated or reordered out of a key index file's sort."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pyarrow.parquet as pq
from pyspark.sql import functions as F

from lakehouse import contract as c
from lakehouse.silver import io as silver_io
from lakehouse.silver.classify import KEY
from lakehouse.storage.layout import Layout

DAY_A, DAY_B = date(2026, 3, 1), date(2026, 3, 2)
DATE = c.SOURCE_SPECS[c.TRANSACTIONS].partition_column


def _partitioned(spark, partitions: list[list[tuple]], schema: str):
    """A frame whose Spark partitions hold exactly these rows, one list each, as a batch's parse tasks would."""
    rdd = spark.sparkContext.parallelize(partitions, len(partitions)).flatMap(lambda rows: rows)
    return spark.createDataFrame(rdd, schema)


def test_each_task_writes_its_own_days_and_every_row_once(spark, tmp_path):
    partitions = [
        [(f"A{i:03d}", DAY_A) for i in range(0, 30)],
        [(f"A{i:03d}", DAY_A) for i in range(30, 60)] + [("B001", DAY_B)],  # a late arrival beside its day's rows
        [(f"A{i:03d}", DAY_A) for i in range(60, 90)],
    ]
    frame = _partitioned(spark, partitions, f"transaction_id string, {DATE} date")
    assert frame.rdd.getNumPartitions() == 3

    silver_io.write_staged_silver(frame, c.TRANSACTIONS, tmp_path / "staged")

    folders = {day: silver_io.data_files(tmp_path / "staged" / f"{DATE}={day}") for day in (DAY_A, DAY_B)}
    assert len(folders[DAY_A]) == 3  # each task that held day A wrote its share: the day was not gathered
    assert len(folders[DAY_B]) == 1
    written = Counter(
        (row_id, day) for day, files in folders.items() for path in files
        for row_id in pq.read_table(path).column("transaction_id").to_pylist()
    )
    assert written == Counter(row for rows in partitions for row in rows)


def test_each_key_file_is_sorted_and_holds_its_task_s_keys_once(spark, tmp_path):
    partitions = [["k07", "k01", "k05"], ["k04", "k09", "k02", "k08"], ["k06", "k03"]]
    frame = _partitioned(spark, [[(key,) for key in keys] for keys in partitions], f"{KEY} string")

    silver_io.write_staged_keys(frame, tmp_path / "keys")

    files = silver_io.data_files(tmp_path / "keys")
    contents = [pq.read_table(path).column(KEY).to_pylist() for path in files]
    assert sorted(map(sorted, contents)) == sorted(map(sorted, partitions))  # one file per task, its own keys
    assert all(keys == sorted(keys) for keys in contents)


def test_key_index_of_unshuffled_files_finds_every_stored_key_of_the_batch(spark, tmp_path):
    layout = Layout(tmp_path)
    stored = [[f"T2026030{day}-{n:05d}" for n in range(0, 4000, 3)] for day in (1, 2, 3)]
    frame = _partitioned(spark, [[(key,) for key in keys] for keys in stored], f"{KEY} string")
    silver_io.write_staged_keys(frame, layout.key_index(c.TRANSACTIONS))
    batch = [f"T20260302-{n:05d}" for n in range(0, 60)] + ["T20260309-00000"]
    batch_df = spark.createDataFrame([(key,) for key in batch], f"{KEY} string")

    found = silver_io.key_index_for(spark, layout, c.TRANSACTIONS, batch_df)

    assert found is not None
    hits = {row[KEY] for row in found.where(F.col(KEY).isin(batch)).collect()}
    assert hits == set(batch) & {key for keys in stored for key in keys}
