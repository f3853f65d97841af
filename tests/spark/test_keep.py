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


def _stored_rdds(spark) -> int:
    return spark.sparkContext._jsc.getPersistentRDDs().size()


def _frame(spark):
    return spark.range(0, 1000, 1, 4).select(
        F.col("id"), (F.col("id") % 7).alias("bucket"), F.when(F.col("id") % 5 == 0, None).otherwise(F.col("id") * 2)
        .alias("twice"))


@pytest.mark.parametrize("by_checkpoint", [True, False], ids=["local checkpoint", "cache"])
@pytest.mark.parametrize("level", [StorageLevel.MEMORY_AND_DISK, StorageLevel.DISK_ONLY], ids=["memory", "disk"])
def test_kept_frame_reads_as_its_source_and_release_drops_it(spark, monkeypatch, by_checkpoint, level):
    monkeypatch.setattr(spark_module, "keeps_by_checkpoint", lambda session: by_checkpoint)
    before = _stored_rdds(spark)
    kept_df = keep(_frame(spark), level)
    assert_df_equality(kept_df, _frame(spark), ignore_row_order=True)
    assert kept_df.where(F.col("twice").isNull()).count() == 200
    assert _stored_rdds(spark) == before + 1
    release(kept_df)
    assert _stored_rdds(spark) == before


def test_a_checkpoint_is_computed_once(spark, monkeypatch):
    """Its reads take the kept rows: a nondeterministic column keeps the values it had when kept."""
    monkeypatch.setattr(spark_module, "keeps_by_checkpoint", lambda session: True)
    kept_df = keep(spark.range(0, 500, 1, 2).select("id", F.rand().alias("r")), StorageLevel.MEMORY_AND_DISK)
    first = sorted(kept_df.collect())
    assert sorted(kept_df.collect()) == first
    release(kept_df)


def test_release_leaves_a_frame_not_kept_alone(spark):
    before = _stored_rdds(spark)
    release(_frame(spark))
    assert _stored_rdds(spark) == before


def test_local_sessions_keep_by_checkpoint(spark):
    assert spark_module.keeps_by_checkpoint(spark) is spark.sparkContext.master.startswith("local")
