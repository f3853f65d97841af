"""Slow one-time class initialisation moved off a local run's critical path (src/lakehouse/spark.py)."""

from __future__ import annotations

import logging

from lakehouse.spark import SLOW_CLASSES, initialize_in_background


def test_the_slow_classes_exist_in_this_spark(spark):
    """A Spark upgrade that renames them would make the warm-up a silent no-op: looked up without initialising."""
    jvm = spark.sparkContext._jvm
    loader = jvm.java.lang.Thread.currentThread().getContextClassLoader()
    for name in SLOW_CLASSES:
        assert jvm.java.lang.Class.forName(name, False, loader).getName() == name


def test_warm_up_initialises_what_exists_and_skips_what_does_not(spark, caplog):
    caplog.set_level(logging.DEBUG, logger="lakehouse.spark")
    missing = "org.example.NoSuchClass"
    thread = initialize_in_background(spark, (missing, "java.util.zip.CRC32C"))
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert [record.getMessage() for record in caplog.records] == [f"could not initialise {missing} ahead of use"]
