"""bronze-to-silver's staged Silver and key-index writes (`silver.io`): a batch's rows are merged into about
rows / ROWS_PER_FILE tasks as the parse tasks left them, with no shuffle, so a large day is written by several
tasks and the files stay few; rows a shuffle spread are regrouped by day; nothing is lost, duplicated or left out of
a key file's sort. And the key-dates index's filters."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pyarrow.parquet as pq
import pytest
from pyspark.sql import functions as F

from lakehouse import contract as c
from lakehouse.silver import io as silver_io
from lakehouse.silver.bloom import BloomFilter
from lakehouse.silver.classify import KEY
from lakehouse.storage.layout import Layout

DAY_A, DAY_B = date(2026, 3, 1), date(2026, 3, 2)
DATE = c.SOURCE_SPECS[c.TRANSACTIONS].partition_column


def _partitioned(spark, partitions: list[list[tuple]], schema: str):
    """A frame whose Spark partitions hold exactly these rows, one list each, as a batch's parse tasks would."""
    rdd = spark.sparkContext.parallelize(partitions, len(partitions)).flatMap(lambda rows: rows)
    return spark.createDataFrame(rdd, schema)


def _days_files(target, days=(DAY_A, DAY_B)) -> dict[date, list]:
    return {day: silver_io.data_files(target / f"{DATE}={day}") for day in days}


def _written_ids(folders) -> Counter:
    return Counter((row_id, day) for day, files in folders.items() for path in files
                   for row_id in pq.read_table(path).column("transaction_id").to_pylist())


PARSE_TASKS = [
    [(f"A{i:03d}", DAY_A) for i in range(0, 30)],
    [(f"A{i:03d}", DAY_A) for i in range(30, 60)] + [("B001", DAY_B)],  # a late arrival beside its day's rows
    [(f"A{i:03d}", DAY_A) for i in range(60, 90)],
]


@pytest.mark.parametrize(("rows_per_file", "day_a_files"), [(40, 3), (1000, 1)])
def test_a_batch_is_written_by_rows_per_file_tasks_without_a_shuffle(spark, tmp_path, monkeypatch, rows_per_file,
                                                                   day_a_files):
    """As its parse tasks left them, a batch's rows are merged into about rows / ROWS_PER_FILE tasks: with 40 rows a
    file, each of the three tasks that hold day A writes its share (the day is not gathered into one task); with
    1000, one task writes each day once."""
    monkeypatch.setattr(silver_io, "ROWS_PER_FILE", rows_per_file)
    frame = _partitioned(spark, PARSE_TASKS, f"transaction_id string, {DATE} date")
    assert frame.rdd.getNumPartitions() == 3

    silver_io.write_staged_silver(frame, c.TRANSACTIONS, tmp_path / "staged", rows=91, spread=True)

    folders = _days_files(tmp_path / "staged")
    assert len(folders[DAY_A]) == day_a_files
    assert len(folders[DAY_B]) == 1
    assert _written_ids(folders) == Counter(row for rows in PARSE_TASKS for row in rows)


def test_rows_a_shuffle_spread_are_regrouped_by_day(spark, tmp_path, monkeypatch):
    """Every partition holding every day (a shuffle join's output): range-partitioned, so each day is one file when
    the batch is one task's, not one per partition."""
    monkeypatch.setattr(silver_io, "ROWS_PER_FILE", 1000)
    mixed = [[(f"A{i:03d}", DAY_A), (f"B{i:03d}", DAY_B)] for i in range(6)]
    frame = _partitioned(spark, mixed, f"transaction_id string, {DATE} date")

    silver_io.write_staged_silver(frame, c.TRANSACTIONS, tmp_path / "staged", rows=12, spread=False)

    folders = _days_files(tmp_path / "staged")
    assert [len(folders[day]) for day in (DAY_A, DAY_B)] == [1, 1]
    assert _written_ids(folders) == Counter(row for rows in mixed for row in rows)


@pytest.mark.parametrize(("rows_per_file", "files"), [(3, 3), (1000, 1)])
def test_key_files_are_sorted_and_hold_each_key_once(spark, tmp_path, monkeypatch, rows_per_file, files):
    monkeypatch.setattr(silver_io, "ROWS_PER_FILE", rows_per_file)
    partitions = [["k07", "k01", "k05"], ["k04", "k09", "k02"], ["k06", "k03", "k08"]]
    frame = _partitioned(spark, [[(key,) for key in keys] for keys in partitions], f"{KEY} string")

    silver_io.write_staged_keys(frame, tmp_path / "keys", rows=9, spread=True)

    contents = [pq.read_table(path).column(KEY).to_pylist() for path in silver_io.data_files(tmp_path / "keys")]
    assert len(contents) == files
    assert all(keys == sorted(keys) for keys in contents)
    assert sorted(key for keys in contents for key in keys) == sorted(key for keys in partitions for key in keys)


def test_key_index_of_unshuffled_files_finds_every_stored_key_of_the_batch(spark, tmp_path):
    layout = Layout(tmp_path)
    stored = [[f"T2026030{day}-{n:05d}" for n in range(0, 4000, 3)] for day in (1, 2, 3)]
    frame = _partitioned(spark, [[(key,) for key in keys] for keys in stored], f"{KEY} string")
    silver_io.write_staged_keys(frame, layout.key_index(c.TRANSACTIONS), rows=sum(map(len, stored)), spread=True)
    batch = [f"T20260302-{n:05d}" for n in range(0, 60)] + ["T20260309-00000"]
    batch_df = spark.createDataFrame([(key,) for key in batch], f"{KEY} string")

    found = silver_io.key_index_for(spark, layout, c.TRANSACTIONS, batch_df)

    assert found is not None
    hits = {row[KEY] for row in found.where(F.col(KEY).isin(batch)).collect()}
    assert hits == set(batch) & {key for keys in stored for key in keys}


def test_key_dates_hold_each_day_s_filter_of_its_distinct_customers_and_products(spark):
    rows = [(DAY_A, f"C{n % 7}", f"P{n % 3}") for n in range(40)] + [(DAY_B, "C1", "P9"), (DAY_B, "C1", "P9")]
    frame = _partitioned(spark, [rows[:25], rows[25:]], f"{DATE} date, customer_id string, product_id string")

    built = {(row[DATE], row["dimension"]): (bytes(row["bloom"]), row["hash_count"])
             for row in silver_io.build_key_dates(frame).collect()}

    expected = {}
    for day in (DAY_A, DAY_B):
        for index, dimension in enumerate(silver_io.KEY_DATE_DIMENSIONS, start=1):
            bloom = BloomFilter.of({row[index] for row in rows if row[0] == day})  # the model: each member once
            expected[(day, dimension)] = (bloom.bits, bloom.hash_count)
    assert built == expected
