"""Py4J lookups answered once per JVM (src/lakehouse/jvm_lookups.py): fewer round trips, the same answers."""

from __future__ import annotations

import collections
from contextlib import contextmanager

import py4j.clientserver
from py4j.java_gateway import JavaClass
from pyspark.sql import functions as F

from lakehouse import contract as c
from lakehouse.jvm_lookups import remember_lookups
from lakehouse.silver.rules import SOURCE_RULES


@contextmanager
def counted_commands():
    """Every command the driver sends the JVM through Py4J, by command kind ('r': a reflection lookup)."""
    counts: collections.Counter[str] = collections.Counter()
    original = py4j.clientserver.ClientServerConnection.send_command

    def counting(self, command):
        counts[command.split("\n", 1)[0]] += 1
        return original(self, command)

    py4j.clientserver.ClientServerConnection.send_command = counting
    try:
        yield counts
    finally:
        py4j.clientserver.ClientServerConnection.send_command = original


def _rules_expression():
    rules = SOURCE_RULES[c.TRANSACTIONS]()
    return F.coalesce(*[F.when(rule.is_violated(), F.lit(rule.reason)) for rule in rules])


def test_a_local_session_remembers_its_lookups(spark):
    assert type(spark.sparkContext._jvm).__name__ == "_RememberingJVMView"  # get_spark made it so
    _rules_expression()  # classes and methods looked up (if no earlier test did)
    with counted_commands() as counts:
        _rules_expression()
    assert counts["c"] > 100  # the calls themselves still go to the JVM
    assert counts["r"] == 0  # without the change: about 1,300 lookups for this expression


def test_remembered_lookups_give_the_same_results(spark):
    df = spark.createDataFrame([("a", 1), ("B", None)], "s string, n int")
    rows = df.select(F.upper("s").alias("u"), F.coalesce("n", F.lit(0)).alias("n"),
                     F.when(F.col("n").isNull(), F.lit("none")).alias("w")).collect()
    assert [tuple(row) for row in rows] == [("A", 1, None), ("B", 0, "none")]


def test_fields_are_asked_every_time(spark):
    integer = getattr(spark.sparkContext._jvm, "java.lang.Integer")  # a class found by the view: kept
    assert integer is getattr(spark.sparkContext._jvm, "java.lang.Integer")
    assert integer.MAX_VALUE == 2**31 - 1
    with counted_commands() as counts:
        assert integer.MAX_VALUE == 2**31 - 1
        assert integer.MAX_VALUE == 2**31 - 1
        integer.toString(7)  # a static method: looked up here, then kept
        integer.toString(8)
    assert counts["r"] == 3  # each field read asks the JVM; the method is looked up once


def test_packages_are_asked_every_time(spark):
    jvm = spark.sparkContext._jvm
    with counted_commands() as counts:
        assert isinstance(jvm.java.lang.Integer, JavaClass)
        assert isinstance(jvm.java.lang.Integer, JavaClass)
    assert counts["r"] == 6  # java, lang, Integer: twice


def test_only_a_plain_py4j_view_is_changed(spark):
    class OtherView:
        pass

    assert not remember_lookups(OtherView())
    assert not remember_lookups(None)
    assert remember_lookups(spark.sparkContext._jvm)  # already changed: left as it is
