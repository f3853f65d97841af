"""`lakehouse.spark.keep` and `release`: a kept DataFrame reads as the one it was made from, is computed once, and
its storage is gone after `release`, whichever way it was kept (local checkpoint on a local session, Spark's cache
on a cluster)."""

from __future__ import annotations

import pytest
from chispa import assert_df_equality
from pyspark import StorageLevel
from pyspark.sql import functions as F

from lakehouse import spark as spark_module
from lakehouse.spark import keep, release

WAYS = pytest.mark.parametrize("by_checkpoint", [True, False], ids=["local checkpoint", "cache"])


def _stored_rdd_ids(spark) -> set[int]:
    return set(spark.sparkContext._jsc.getPersistentRDDs().keySet())


def _frame(spark):
    return spark.range(0, 1000, 1, 4).select(
        F.col("id"), (F.col("id") % 7).alias("bucket"), F.when(F.col("id") % 5 == 0, None).otherwise(F.col("id") * 2)
        .alias("twice"))


@WAYS
@pytest.mark.parametrize("level", [StorageLevel.MEMORY_AND_DISK, StorageLevel.DISK_ONLY], ids=["memory", "disk"])
def test_kept_frame_reads_as_its_source_and_release_drops_it(spark, monkeypatch, by_checkpoint, level):
    monkeypatch.setattr(spark_module, "keeps_by_checkpoint", lambda session: by_checkpoint)
    before = _stored_rdd_ids(spark)
    kept_df = keep(_frame(spark), level)
    assert_df_equality(kept_df, _frame(spark), ignore_row_order=True)
    assert kept_df.where(F.col("twice").isNull()).count() == 200
    kept_ids = _stored_rdd_ids(spark) - before
    assert len(kept_ids) == 1
    release(kept_df)
    assert not kept_ids & _stored_rdd_ids(spark)


@WAYS
def test_a_kept_frame_is_computed_once(spark, monkeypatch, by_checkpoint):
    """However many times it is read, each row goes through the kept plan once (a counting UDF tells)."""
    monkeypatch.setattr(spark_module, "keeps_by_checkpoint", lambda session: by_checkpoint)
    computed = spark.sparkContext.accumulator(0)

    @F.udf("long")
    def counted(value):
        computed.add(1)
        return value

    kept_df = keep(spark.range(0, 300, 1, 2).select(counted("id").alias("id")), StorageLevel.MEMORY_AND_DISK)
    assert kept_df.count() == 300
    assert kept_df.where(F.col("id") < 10).count() == 10
    assert len(kept_df.collect()) == 300
    assert computed.value == 300
    release(kept_df)


def _kept_level(spark, kept_ids: set[int]):
    (rdd_id,) = kept_ids
    stored = spark.sparkContext._jsc.getPersistentRDDs().get(rdd_id).getStorageLevel()
    return stored.useMemory(), stored.useDisk(), stored.deserialized()


@pytest.mark.parametrize(("object_bytes", "as_objects"), [(None, False), (2**20, True), (2**40, False)],
                         ids=["no size", "fits", "too large"])
def test_a_local_checkpoint_keeps_rows_as_objects_when_they_fit(spark, object_bytes, as_objects):
    """Rows kept in memory stay JVM objects (no Java serialisation and LZ4 on every read) when their estimated size
    as objects fits the storage memory execution cannot evict; else, or without a size, serialised."""
    before = _stored_rdd_ids(spark)
    kept_df = keep(_frame(spark), StorageLevel.MEMORY_AND_DISK, object_bytes=object_bytes)
    assert _kept_level(spark, _stored_rdd_ids(spark) - before) == (True, True, as_objects)
    assert_df_equality(kept_df, _frame(spark), ignore_row_order=True)
    release(kept_df)
    disk_df = keep(_frame(spark), StorageLevel.DISK_ONLY, object_bytes=object_bytes)  # on disk, always serialised
    assert _kept_level(spark, _stored_rdd_ids(spark) - before) == (False, True, False)
    release(disk_df)


@pytest.mark.parametrize(("share", "as_objects"), [(0.9, True), (1.1, False)], ids=["just fits", "just too large"])
def test_the_size_given_is_the_rows_size_as_objects_against_the_unevictable_storage_memory(spark, share, as_objects):
    """`object_bytes` is compared as it is (no ratio applied inside: each caller estimates its own rows) with the
    storage memory execution cannot evict: memory fraction x storage fraction of the heap less Spark's reserve."""
    heap = spark.sparkContext._jvm.java.lang.Runtime.getRuntime().maxMemory()
    budget = (heap - spark_module.RESERVED_HEAP_BYTES) * 0.6 * 0.5  # Spark's default fractions, as the session's
    assert spark_module.keeps_as_objects(spark, int(budget * share)) is as_objects


def test_release_leaves_a_frame_not_kept_alone(spark):
    kept_df = keep(_frame(spark), StorageLevel.MEMORY_AND_DISK)
    kept_ids = _stored_rdd_ids(spark)
    release(_frame(spark))
    release(kept_df.where(F.col("bucket") == 1))  # derived from a kept frame: the frame stays kept
    assert kept_ids <= _stored_rdd_ids(spark)
    release(kept_df)


@pytest.mark.parametrize(("master", "checkpoints"), [
    ("local", True), ("local[2]", True), ("local[*, 4]", True), ("local-cluster[2,1,1024]", False),
    ("spark://127.0.0.1:7077", False), ("yarn", False),
])
def test_only_a_single_jvm_keeps_by_checkpoint(master, checkpoints):
    class Session:
        class sparkContext:  # noqa: N801 - the attribute SparkSession has
            pass

    Session.sparkContext.master = master
    assert spark_module.keeps_by_checkpoint(Session()) is checkpoints
