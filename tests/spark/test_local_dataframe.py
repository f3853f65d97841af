"""`lakehouse.spark.local_dataframe`: a driver's few rows handed to the JVM as Arrow give the same DataFrame as
`spark.createDataFrame(list)` (the independent model here), for every column type the pipeline's small frames use."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from pyspark.sql.types import (
    ArrayType,
    BooleanType,
    DateType,
    DecimalType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from lakehouse.spark import local_dataframe

SCHEMA = StructType([
    StructField("seq", IntegerType(), False),
    StructField("path", StringType(), True),
    StructField("size", LongType(), True),
    StructField("day", DateType(), True),
    StructField("at", TimestampType(), True),
    StructField("positions", ArrayType(IntegerType(), False), True),
    StructField("share", DecimalType(9, 4), True),
    StructField("ok", BooleanType(), True),
])
ROWS = [
    (1, "bronze/transactions/ingest_date=2026-01-05/a.csv", 2**40, date(2026, 1, 5),
     datetime(2026, 1, 5, 23, 59, 59, 123456, tzinfo=UTC), [3, 1, 2], Decimal("0.1234"), True),
    (2, "é ü \u2028 quoted \"x\"", -1, date(1970, 1, 1),
     datetime(2026, 3, 29, 1, 30, tzinfo=timezone(timedelta(hours=2))), [], Decimal("-12.5000"), False),
    (3, None, None, None, None, None, None, None),
]


def test_rows_and_schema_equal_spark_own_conversion(spark):
    ours = local_dataframe(spark, ROWS, SCHEMA)
    model = spark.createDataFrame(ROWS, SCHEMA)
    assert ours.schema == model.schema == SCHEMA
    assert sorted(ours.collect(), key=lambda row: row.seq) == sorted(model.collect(), key=lambda row: row.seq)


def test_no_rows_is_an_empty_frame_of_the_schema(spark):
    empty = local_dataframe(spark, [], SCHEMA)
    assert empty.schema == SCHEMA
    assert empty.count() == 0


def test_a_ddl_schema_is_accepted(spark):
    df = local_dataframe(spark, [("a", 7)], "path string, size long")
    assert df.schema == StructType([StructField("path", StringType()), StructField("size", LongType())])
    assert [tuple(row) for row in df.collect()] == [("a", 7)]
