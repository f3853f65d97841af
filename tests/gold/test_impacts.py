"""Which fact dates new Silver changes can alter (DATA_CONTRACT.md §3.2, §4.1, §4.3, §5 "incremental equals full")."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from chispa import assert_df_equality
from pyspark.sql import functions as F

from lakehouse.gold.impacts import FROM_TS, cdc_impacts, impacted_transaction_dates
from lakehouse.gold.scd2_cdc import build_dim_customer
from tests.gold.rows import at, customer_change, customers_df, day

DELETE, INSERT, BEFORE, AFTER = 1, 2, 3, 4
CHANGES = "customer_id string, operation int, commit_ts timestamp"
TRANSACTIONS = "customer_id string, product_id string, transaction_ts timestamp, transaction_date date"
CUSTOMER_IMPACTS = f"customer_id string, {FROM_TS} timestamp"
PRODUCT_IMPACTS = f"product_id string, {FROM_TS} timestamp"


def transaction(customer_id: str | None, product_id: str | None, ts: datetime) -> tuple:
    return (customer_id, product_id, ts, ts.date())


def dates_df(spark, dates: list[date]):
    return spark.createDataFrame([(value,) for value in dates], "transaction_date date")


# --- cdc_impacts ---------------------------------------------------------------------------------------------------

def test_cdc_impacts_earliest_replayed_change_per_key(spark):
    """§4.1: per key, the earliest commit_ts among operations 1, 2, 4; a before-image (3) is not replayed, so it
    neither moves `_from_ts` earlier nor makes an impact on its own."""
    changes_df = spark.createDataFrame([
        ("C1", AFTER, at(6)),
        ("C1", INSERT, at(5, 12)),
        ("C1", BEFORE, at(4)),
        ("C2", BEFORE, at(5)),
        ("C3", DELETE, at(7)),
    ], CHANGES)
    actual_df = cdc_impacts(changes_df, "customer_id")
    assert actual_df.columns == ["customer_id", FROM_TS]
    expected_df = spark.createDataFrame([("C1", at(5, 12)), ("C3", at(7))], CUSTOMER_IMPACTS)
    assert_df_equality(actual_df, expected_df, ignore_row_order=True)


def test_cdc_impacts_on_silver_product_changes(spark):
    """§3.2: works on the Silver schema, keyed by the source's key (here product_id)."""
    changes_df = spark.createDataFrame([
        ("P1", AFTER, at(8)), ("P1", AFTER, at(9)), ("P2", BEFORE, at(8)), ("P2", AFTER, at(8, 12)),
    ], CHANGES.replace("customer_id", "product_id"))
    expected_df = spark.createDataFrame([("P1", at(8)), ("P2", at(8, 12))], PRODUCT_IMPACTS)
    assert_df_equality(cdc_impacts(changes_df, "product_id"), expected_df, ignore_row_order=True)


def test_cdc_impacts_of_no_changes_is_empty(spark):
    actual_df = cdc_impacts(spark.createDataFrame([("C1", BEFORE, at(5))], CHANGES), "customer_id")
    assert actual_df.count() == 0
    assert actual_df.columns == ["customer_id", FROM_TS]


# --- impacted_transaction_dates ------------------------------------------------------------------------------------

def test_customer_impact_marks_dates_from_from_ts_on(spark):
    """§4.3: a transaction of an impacted customer at or after `_from_ts` marks its date; before it does not."""
    transactions_df = spark.createDataFrame([
        transaction("C1", "P9", at(4, 11)),  # before
        transaction("C1", "P9", at(5, 12)),  # exactly at _from_ts
        transaction("C1", "P9", at(6, 9)),  # after
        transaction(None, None, at(7)),  # null keys match nothing
    ], TRANSACTIONS)
    customer_impacts_df = spark.createDataFrame([("C1", at(5, 12))], CUSTOMER_IMPACTS)
    product_impacts_df = spark.createDataFrame([], PRODUCT_IMPACTS)
    actual_df = impacted_transaction_dates(transactions_df, customer_impacts_df, product_impacts_df)
    assert_df_equality(actual_df, dates_df(spark, [day(5), day(6)]), ignore_row_order=True)


def test_product_impact_marks_dates_from_from_ts_on(spark):
    transactions_df = spark.createDataFrame([
        transaction("C1", "P1", at(8, 9)),
        transaction("C2", "P1", at(8, 10)),
        transaction("C3", "P1", at(9, 1)),
        transaction("C1", "P2", at(10)),
    ], TRANSACTIONS)
    customer_impacts_df = spark.createDataFrame([], CUSTOMER_IMPACTS)
    product_impacts_df = spark.createDataFrame([("P1", at(8, 10))], PRODUCT_IMPACTS)
    actual_df = impacted_transaction_dates(transactions_df, customer_impacts_df, product_impacts_df)
    assert_df_equality(actual_df, dates_df(spark, [day(8), day(9)]), ignore_row_order=True)


def test_impacted_dates_are_distinct_and_ignore_unrelated_keys(spark):
    """A date marked through several transactions, a customer and a product appears once; other keys mark none."""
    transactions_df = spark.createDataFrame([
        transaction("C1", "P9", at(6, 9)),
        transaction("C1", "P9", at(6, 10)),
        transaction("C2", "P1", at(6, 11)),
        transaction("C9", "P8", at(7)),  # neither key impacted
        transaction("C2", "P9", at(8)),  # customer C2 impacted only from day 9
    ], TRANSACTIONS)
    customer_impacts_df = spark.createDataFrame([("C1", at(5)), ("C2", at(9))], CUSTOMER_IMPACTS)
    product_impacts_df = spark.createDataFrame([("P1", at(6)), ("P7", at(1))], PRODUCT_IMPACTS)
    actual_df = impacted_transaction_dates(transactions_df, customer_impacts_df, product_impacts_df)
    assert_df_equality(actual_df, dates_df(spark, [day(6)]), ignore_row_order=True)


def test_impacted_dates_on_the_silver_transactions_schema(spark):
    """The function needs only four columns, but takes Silver's transactions as they are (§3.1)."""
    from decimal import Decimal

    from lakehouse.silver.schemas import TRANSACTIONS as SILVER_TRANSACTIONS

    money = Decimal("1.00")
    row = ("T1", "C1", "P1", "S1", at(6), day(6), 1, money, money, money, "card", "store",
           "bronze/transactions/ingest_date=2026-01-06/t.csv", day(6), "r1", at(6))
    transactions_df = spark.createDataFrame([row], SILVER_TRANSACTIONS)
    customer_impacts_df = spark.createDataFrame([("C1", at(6))], CUSTOMER_IMPACTS)
    product_impacts_df = spark.createDataFrame([], PRODUCT_IMPACTS)
    actual_df = impacted_transaction_dates(transactions_df, customer_impacts_df, product_impacts_df)
    assert [tuple(value) for value in actual_df.collect()] == [(day(6),)]


# --- why `_from_ts` is enough (§4.1, §5) ----------------------------------------------------------------------------

def clipped_before(versions_df, until: datetime):
    """The versions as seen before `until`: those starting earlier, with their end cut at `until`."""
    return versions_df.where(F.col("valid_from") < F.lit(until)).select(
        F.col("customer_id"), F.col("loyalty_tier"), F.col("start_lsn"), F.col("valid_from"),
        F.least(F.coalesce(F.col("valid_to"), F.lit(until)), F.lit(until)).alias("valid_to"),
    )


def tier_as_of(versions_df, instant: datetime) -> list:
    """§4.3: the loyalty_tier of the version with valid_from <= t < valid_to (an open version having no end)."""
    t = F.lit(instant)
    is_valid = (F.col("valid_from") <= t) & (F.col("valid_to").isNull() | (t < F.col("valid_to")))
    return [row["loyalty_tier"] for row in versions_df.where(is_valid).collect()]


def test_late_change_leaves_every_instant_before_from_ts_unchanged(spark):
    """§4.1, §5: a late change (lower LSN and earlier commit_ts than changes already applied) rewrites the key's
    history only from its commit_ts on; so fact rows before `_from_ts` keep their as-of attributes and their dates
    need no rebuild."""
    old = [
        customer_change(1, INSERT, at(5), tier="gold"),
        customer_change(3, AFTER, at(7), tier="silver"),
        customer_change(4, AFTER, at(9), tier="platinum"),
    ]
    late = [customer_change(2, AFTER, at(6), tier="bronze")]
    from_ts = at(6)
    assert_df_equality(cdc_impacts(customers_df(spark, late), "customer_id"),
                       spark.createDataFrame([("C1", from_ts)], CUSTOMER_IMPACTS), ignore_nullable=True)

    old_df = build_dim_customer(customers_df(spark, old))
    new_df = build_dim_customer(customers_df(spark, old + late))
    assert_df_equality(clipped_before(new_df, from_ts), clipped_before(old_df, from_ts), ignore_row_order=True)

    for instant in (at(4), at(5), at(5, 23), from_ts - timedelta(microseconds=1)):
        assert tier_as_of(new_df, instant) == tier_as_of(old_df, instant), instant
    assert tier_as_of(old_df, from_ts - timedelta(microseconds=1)) == ["gold"]
    assert tier_as_of(new_df, from_ts) == ["bronze"]  # from _from_ts on the history does change
