"""Spark's timestamp and date parsers against the plain-Python model over a grid of every combination of near-miss
parts (DATA_CONTRACT.md §3: a timestamp in the contract's format that is a real calendar instant, stored in UTC; a
real date; §7).

The property test of the rules (test_row_rules_model) samples such values; this grid tries them all at once, so a
parser resting on a laxer primitive (Spark's cast reads year 0000 and offsets up to ±18:00) cannot slip through
between samples: a year-0000 wall clock whose UTC instant falls in year 1 was found this way.
"""

from __future__ import annotations

import itertools

import pyarrow as pa
from pyspark.sql import functions as F

from lakehouse import contract as c
from lakehouse.silver import columns as col_fn
from lakehouse.silver.parsed import pattern_matches
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


def _values(spark, texts, **patterns: str):
    """A frame of `value` and, per named contract pattern, whether the value matches it as the parse tasks match
    (`silver.parsed.pattern_matches`): the parsers' `is_match`."""
    values = pa.array(texts, pa.string())
    return spark.createDataFrame(pa.table({"value": values, **{name: pattern_matches(values, pattern)
                                                                for name, pattern in patterns.items()}}))


def test_timestamps_parse_as_the_model_says(spark):
    texts = _grid(TIMESTAMP_PARTS, "{}-{}-{}{}{}:{}:{}{}{}")
    df = _values(spark, texts, is_match=c.TIMESTAMP_PATTERN)
    rows = df.select("value", F.unix_micros(col_fn.parse_timestamp(F.col("value"), F.col("is_match"))).alias("micros")
                     ).collect()
    assert len(rows) == len(texts)
    wrong = [(row["value"], row["micros"], m.parse_timestamp(row["value"]))
             for row in rows if row["micros"] != m.parse_timestamp(row["value"])]
    assert not wrong, f"{len(wrong)} of {len(rows)} differ (text, spark, model): {wrong[:10]}"
    assert sum(row["micros"] is not None for row in rows) > 200  # the grid holds valid instants too


def test_dates_parse_as_the_model_says(spark):
    texts = _grid(DATE_PARTS, "{}-{}-{}") + list(DATE_EXTRAS)
    df = _values(spark, texts, is_match=c.DATE_PATTERN)
    rows = df.select("value", col_fn.parse_date(F.col("value"), F.col("is_match")).alias("day")).collect()
    wrong = [(row["value"], row["day"], m.parse_date(row["value"]))
             for row in rows if row["day"] != m.parse_date(row["value"])]
    assert not wrong, f"{len(wrong)} of {len(rows)} differ (text, spark, model): {wrong[:10]}"
    assert sum(row["day"] is not None for row in rows) > 20


# Strings whose case mapping differs between locales, between ICU and the JVM, or that only look like a choice:
# U+0130 (dotted capital I) lower-cases to a plain `i` in a Turkish or Azeri locale and to `i` + U+0307 elsewhere;
# U+0131 (dotless i), U+017F (long s), U+212A (Kelvin sign, lower-cased to `k`), fullwidth and Cyrillic look-alikes.
CASE_TEXTS = (
    "ONLINE", "OnLiNe", "ONL\u0130NE", "onl\u0131ne", "\u017ftore", "STORE", "\u0441ard", "\uff23\uff21\uff32\uff24",
    "V\u039fUCHER", "WALLET ", "TRUE", "True", "\u0130", "FALSE", "fals\u0435", "1", "0", "PLAT\u0130NUM", "Gold",
    "\u212aard", "FLAGSHIP", "OUTLET", "0x0000000000000000000a", "0x0000000000000000000\u0130", "gb", "\u0131d", "US",
)


def test_case_mapping_follows_the_model(spark):
    """`any case` (§3) means what the model's `str.lower`/`str.upper` say, on the session's case mapping: the local
    session maps case by the JVM with a pinned locale (lakehouse.spark: spark.sql.icu.caseMappings.enabled)."""
    assert spark.conf.get("spark.sql.icu.caseMappings.enabled") == "false"  # what this test is about
    assert spark.sparkContext._jvm.java.util.Locale.getDefault().getLanguage() == "en"  # JAVA_LOCALE
    choices = {"payment": m.PAYMENT_METHODS, "channel": m.CHANNELS, "tier": m.LOYALTY_TIERS, "store": m.STORE_TYPES}
    df = _values(spark, list(CASE_TEXTS), is_lsn=c.LSN_PATTERN, is_country=c.COUNTRY_PATTERN)
    value = F.col("value")
    rows = df.select("value", col_fn.parse_flag(value).alias("flag"),
                     col_fn.parse_lsn(value, F.col("is_lsn")).alias("lsn"),
                     col_fn.parse_country(value, F.col("is_country")).alias("country"),
                     *[col_fn.parse_choice(value, allowed).alias(name) for name, allowed in choices.items()]).collect()
    wrong = [
        (row["value"], name, row[name], expected)
        for row in rows
        for name, expected in (("flag", m.parse_flag(row["value"])), ("lsn", m.parse_lsn(row["value"])),
                               ("country", m.parse_country(row["value"])),
                               *[(name, m.parse_choice(row["value"], allowed)) for name, allowed in choices.items()])
        if row[name] != expected
    ]
    assert not wrong, wrong
    assert {row["value"] for row in rows if row["channel"] is not None} == {"ONLINE", "OnLiNe", "STORE"}
