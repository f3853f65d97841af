"""Exact reproductions of two defects found by the model tests, kept as plain unit tests (DATA_CONTRACT.md §3, §4.1,
§4.3, §7).

1. Same-instant versions: `Sports` until 15:00, then two changes at 15:00. The first leaves a zero-length version,
   the second is valid from 15:00 on, whatever the two values are and however they sort (§4.3: "attribute values
   never decide which version is valid").
2. Pattern anchors: Java's `$` also matches before a final line terminator, so every contract pattern must reject a
   valid value followed by U+0085, U+2028, U+2029, `\\n` or `\\r` (§7: trimming removes ASCII whitespace only, so
   such a value reaches the pattern), except where the contract's own pattern takes that character (an email's
   `[^@\\s]` with ASCII `\\s` takes U+0085, U+2028, U+2029). Both engines that read the patterns are held to the
   model: RE2, which matches Bronze values in the parse tasks (`silver.parsed.pattern_matches`), and Java (Spark's
   `rlike`), which Great Expectations uses on Silver; the second test tries each pattern on a grid of near misses.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pyarrow as pa
import pytest
from pyspark.sql import functions as F

from lakehouse import contract
from lakehouse.gold import schemas as gold
from lakehouse.gold.fact import build_fact_sales
from lakehouse.gold.scd2_cdc import build_dim_product
from lakehouse.silver import schemas as silver
from lakehouse.silver.parsed import pattern_matches
from tests.model import row_model

SPORTS_FROM = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
SAME_INSTANT = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def micros(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // MICROSECOND


def product_change(lsn: int, operation: int, commit_ts: datetime, category: str) -> tuple:
    values = {
        "product_id": "P1", "start_lsn": f"0x{lsn:020X}", "seqval": f"0x{lsn:020X}", "operation": operation,
        "commit_ts": commit_ts, "commit_date": commit_ts.date(), "product_name": "Ball", "category": category,
        "subcategory": None, "list_price": Decimal("9.99"), "is_active": True,
        "_source_file": "bronze/products/ingest_date=2026-01-05/p.csv", "_ingest_date": date(2026, 1, 5),
        "_run_id": "r1", "_ingested_at": datetime(2026, 1, 6, tzinfo=UTC),
    }
    return tuple(values[name] for name in silver.PRODUCTS_CHANGES.fieldNames())


def transaction(transaction_id: str, ts: datetime) -> tuple:
    values = {
        "transaction_id": transaction_id, "customer_id": "C1", "product_id": "P1", "store_id": "S1",
        "transaction_ts": ts, "transaction_date": ts.date(), "quantity": 1, "unit_price": Decimal("9.99"),
        "discount": Decimal("0.00"), "amount": Decimal("9.99"), "payment_method": "card", "channel": "store",
        "_source_file": "bronze/transactions/ingest_date=2026-01-05/t.csv", "_ingest_date": ts.date(),
        "_run_id": "r1", "_ingested_at": datetime(2026, 1, 6, tzinfo=UTC),
    }
    return tuple(values[name] for name in silver.TRANSACTIONS.fieldNames())


@pytest.mark.parametrize(("first", "second"), [("Toys", "Beauty"), ("Beauty", "Toys")])
def test_same_instant_changes_the_later_one_is_valid_whatever_the_values(spark, first, second):
    """§4.1: Sports [10:00, 15:00), `first` [15:00, 15:00) kept as zero-length, `second` [15:00, open).
    §4.3: from 15:00 on every transaction gets `second`, in both sort orders of the two values."""
    changes = [
        product_change(1, 2, SPORTS_FROM, "Sports"),
        product_change(2, 4, SAME_INSTANT, first),
        product_change(3, 4, SAME_INSTANT, second),
    ]
    dim_product_df = build_dim_product(spark.createDataFrame(changes, silver.PRODUCTS_CHANGES))
    versions = {
        (row["category"], row["valid_from"], row["valid_to"], row["is_current"], row["start_lsn"])
        for row in dim_product_df.select(
            "category", F.unix_micros("valid_from").alias("valid_from"), F.unix_micros("valid_to").alias("valid_to"),
            "is_current", "start_lsn",
        ).collect()
    }
    sports_from, instant = micros(SPORTS_FROM), micros(SAME_INSTANT)
    assert versions == {
        ("Sports", sports_from, instant, False, f"0x{1:020X}"),
        (first, instant, instant, False, f"0x{2:020X}"),
        (second, instant, None, True, f"0x{3:020X}"),
    }

    probes = {
        "before": SAME_INSTANT - MICROSECOND, "at": SAME_INSTANT, "just_after": SAME_INSTANT + MICROSECOND,
        "later": SAME_INSTANT + timedelta(days=3),
    }
    fact_df = build_fact_sales(
        spark.createDataFrame([transaction(name, ts) for name, ts in probes.items()], silver.TRANSACTIONS),
        spark.createDataFrame([], gold.DIM_CUSTOMER), dim_product_df, spark.createDataFrame([], gold.DIM_STORE),
    )
    categories = {row["transaction_id"]: row["category"] for row in fact_df.collect()}
    assert categories == {"before": "Sports", "at": second, "just_after": second, "later": second}


VALID_EXAMPLES = {
    "id": "P0096", "timestamp": "2026-01-05T10:00:00Z", "date": "2026-01-05", "money": "10.50", "integer": "+5",
    "lsn": "0x0000000000000000000a", "operation": "2", "email": "ada@example.com", "country": "GB",
}
LINE_TERMINATORS = {"U+0085": "\u0085", "U+2028": "\u2028", "U+2029": "\u2029", "LF": "\n", "CR": "\r"}
MODEL_PATTERNS = {
    "id": row_model.ID, "timestamp": row_model.TIMESTAMP, "date": row_model.DATE, "money": row_model.MONEY,
    "integer": row_model.QUANTITY, "lsn": row_model.LSN, "operation": row_model.OPERATION, "email": row_model.EMAIL,
    "country": row_model.COUNTRY,
}


def _verdicts(spark, name: str, candidates: dict[str, str]) -> tuple[dict[str, bool], dict[str, bool]]:
    """(RE2's, Java's) verdict on each candidate against the contract's pattern `name`."""
    pattern = contract.PATTERNS[name]
    labels, texts = list(candidates), list(candidates.values())
    re2 = dict(zip(labels, pattern_matches(pa.array(texts, pa.string()), pattern).to_pylist(), strict=True))
    rows = spark.createDataFrame(list(candidates.items()), "label string, value string").select(
        "label", F.col("value").rlike(pattern).alias("is_match")
    ).collect()
    return re2, {row["label"]: row["is_match"] for row in rows}


@pytest.mark.parametrize("name", sorted(contract.PATTERNS))
def test_pattern_takes_no_trailing_line_terminator(spark, name):
    """§3 patterns, §7: a valid value matches; followed by a line terminator it does not (Java's `$` would let
    it through), unless the contract's pattern itself takes that character (email: ASCII `\\s`). The expected
    verdict is the model's `re.fullmatch`."""
    assert name in VALID_EXAMPLES and name in MODEL_PATTERNS, f"no example for the new pattern {name!r}"
    value = VALID_EXAMPLES[name]
    candidates = {"valid": value, **{label: value + char for label, char in LINE_TERMINATORS.items()}}
    re2, java = _verdicts(spark, name, candidates)
    expected = {label: MODEL_PATTERNS[name].fullmatch(text) is not None for label, text in candidates.items()}
    assert expected["valid"] and not expected["LF"] and not expected["CR"]
    if name != "email":
        assert not any(expected[label] for label in LINE_TERMINATORS)
    assert re2 == expected
    assert java == expected


# Characters a pattern's classes could disagree on between engines and the model: every ASCII whitespace (RE2's
# `\\s` lacks \\x0B), line terminators, NUL, DEL, non-ASCII digits, letters and look-alikes (fullwidth, Kelvin sign,
# dotted I, long s), a character outside the BMP (two UTF-16 units in Java, four UTF-8 bytes in RE2), and the
# patterns' own punctuation.
ODD_CHARACTERS = (
    " ", "\t", "\n", "\r", "\x0b", "\x0c", "\x00", "\x7f", "\u0085", "\u00a0", "\u2028", "\u2029", "\u0661", "\uff11",
    "\uff21", "\u212a", "\u0130", "\u017f", "\u00e9", "\U0001f600", "@", ".", "-", "_", "+", ":", "x", "Z", "0", "9",
)


@pytest.mark.parametrize("name", sorted(contract.PATTERNS))
def test_both_engines_match_as_the_model_on_near_misses(spark, name):
    """Each pattern on its valid example with every odd character put before it, after it, in its middle and in
    place of its first and last character, and on the empty value: RE2 and Java give the model's verdict."""
    value = VALID_EXAMPLES[name]
    middle = len(value) // 2
    candidates = {"empty": "", "long": value * 40, "valid": value}
    for index, char in enumerate(ODD_CHARACTERS):
        candidates.update({
            f"{index}:before": char + value, f"{index}:after": value + char,
            f"{index}:middle": value[:middle] + char + value[middle:],
            f"{index}:first": char + value[1:], f"{index}:last": value[:-1] + char,
        })
    re2, java = _verdicts(spark, name, candidates)
    expected = {label: MODEL_PATTERNS[name].fullmatch(text) is not None for label, text in candidates.items()}
    assert expected["valid"]
    assert {label for label in candidates if re2[label] != expected[label]} == set()
    assert {label for label in candidates if java[label] != expected[label]} == set()
