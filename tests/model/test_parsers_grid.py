"""Spark's timestamp and date parsers against the plain-Python model over a grid of every combination of near-miss
parts (DATA_CONTRACT.md §3: a timestamp in the contract's format that is a real calendar instant, stored in UTC; a
real date; §7).

The property test of the rules (test_row_rules_model) samples such values; this grid tries them all at once, so a
parser resting on a laxer primitive (Spark's cast reads year 0000 and offsets up to ±18:00) cannot slip through
between samples: a year-0000 wall clock whose UTC instant falls in year 1 was found this way.
"""

from __future__ import annotations

import itertools

from pyspark.sql import functions as F

from lakehouse.silver import columns as col_fn
from tests.model import row_model as m

TIMESTAMP_PARTS = (
    ("2024", "2025", "20261", "0000", "0001", "9999"),
    ("00", "02", "12", "13", "1"),
    ("00", "01", "29", "30", "31", "32"),
    ("T", " "),
    ("00", "23", "24"),
    ("59", "60"),
    ("59", "60"),
    ("", ".999999", ".1234567"),
    ("Z", "z", "+18:00", "-18:00", "+18:01", "-18:01", "+05:60", "+0530", "+05", "", "-00:00", "-12:30", "+00:30"),
)
DATE_PARTS = (
    ("2024", "2025", "1900", "0000", "0001", "9999", "202", "20261"),
    ("00", "02", "12", "13", "1"),
    ("00", "28", "29", "30", "31", "32", "5"),
)
DATE_EXTRAS = ("2026-01-05T00:00:00Z", "2026-01-05 00:00", "2026-01-05\u2029", "2026-01-05\n", " 2026-01-05", "")


def _grid(parts: tuple[tuple[str, ...], ...], pattern: str) -> list[str]:
    return [pattern.format(*combination) for combination in itertools.product(*parts)]


def test_timestamps_parse_as_the_model_says(spark):
    texts = _grid(TIMESTAMP_PARTS, "{}-{}-{}{}{}:{}:{}{}{}")
    df = spark.createDataFrame([(text,) for text in texts], "value string")
    rows = df.select("value", F.unix_micros(col_fn.parse_timestamp(F.col("value"))).alias("micros")).collect()
    assert len(rows) == len(texts)
    wrong = [(row["value"], row["micros"], m.parse_timestamp(row["value"]))
             for row in rows if row["micros"] != m.parse_timestamp(row["value"])]
    assert not wrong, f"{len(wrong)} of {len(rows)} differ (text, spark, model): {wrong[:10]}"
    assert sum(row["micros"] is not None for row in rows) > 200  # the grid holds valid instants too


def test_dates_parse_as_the_model_says(spark):
    texts = _grid(DATE_PARTS, "{}-{}-{}") + list(DATE_EXTRAS)
    df = spark.createDataFrame([(text,) for text in texts], "value string")
    rows = df.select("value", col_fn.parse_date(F.col("value")).alias("day")).collect()
    wrong = [(row["value"], row["day"], m.parse_date(row["value"]))
             for row in rows if row["day"] != m.parse_date(row["value"])]
    assert not wrong, f"{len(wrong)} of {len(rows)} differ (text, spark, model): {wrong[:10]}"
    assert sum(row["day"] is not None for row in rows) > 20
