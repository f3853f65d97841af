"""Gold aggregates over fact_sales (DATA_CONTRACT.md §4.4, §7)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from chispa import assert_df_equality
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyspark.sql import functions as F

from lakehouse.gold.aggregates import (
    build_customer_segmentation,
    build_daily_sales_summary,
    build_product_category_performance,
    build_store_performance,
    segmentation_window_start,
)
from lakehouse.gold.schemas import (
    CUSTOMER_SEGMENTATION,
    DAILY_SALES_SUMMARY,
    PRODUCT_CATEGORY_PERFORMANCE,
    STORE_PERFORMANCE,
)
from tests.gold.fact_rows import fact_df, fact_row

D1, D2 = date(2026, 3, 1), date(2026, 3, 2)


def money(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def half_up(exact: Fraction, places: str) -> Decimal:
    """The contract's rounding (§7): once, half up, from the exact quotient."""
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def assert_built(spark, actual_df, expected_rows, schema):
    assert actual_df.schema == schema
    assert_df_equality(actual_df, spark.createDataFrame(expected_rows, schema), ignore_row_order=True)


def daily(d: date, revenue: str, transactions: int, quantity: int, customers: int, avg: str) -> tuple:
    return (d, money(revenue), transactions, quantity, customers, money(avg))


def test_daily_summary_totals_and_distinct_customers(spark):
    """§4.4: per transaction_date: sum of amount, row count, sum of quantity, distinct customers, and
    avg = round(revenue / transactions, 2), half up (20.00 / 3 = 6.666... -> 6.67)."""
    facts = [
        fact_row("T1", D1, "5.00", quantity=2, customer_id="C1"),
        fact_row("T2", D1, "3.00", customer_id="C1"),
        fact_row("T3", D1, "7.00", customer_id="C2"),
        fact_row("T4", D2, "1.00", customer_id="C1"),
    ]
    assert_built(spark, build_daily_sales_summary(fact_df(spark, facts)), [
        daily(D1, "20.00", 3, 4, 2, "6.67"),
        daily(D2, "1.00", 1, 1, 1, "1.00"),
    ], DAILY_SALES_SUMMARY)


def test_average_rounds_an_exact_half_up(spark):
    """§4.4, §7: 0.05 / 2 = 0.025 -> 0.03 and 10.01 / 2 = 5.005 -> 5.01 (half up, not half even)."""
    facts = [
        fact_row("T1", D1, "0.01"), fact_row("T2", D1, "0.04"),
        fact_row("T3", D2, "10.00"), fact_row("T4", D2, "0.01"),
    ]
    assert_built(spark, build_daily_sales_summary(fact_df(spark, facts)), [
        daily(D1, "0.05", 2, 2, 1, "0.03"),
        daily(D2, "10.01", 2, 2, 1, "5.01"),
    ], DAILY_SALES_SUMMARY)


def test_average_is_rounded_once_from_the_exact_quotient(spark):
    """§7: 50.00 over 10001 transactions is exactly 0.0049995..., which rounds to 0.00. Spark's decimal avg first
    rounds the quotient to 6 places (0.005000), and rounding that again gives 0.01: the builder must not."""
    one_sale = fact_df(spark, [fact_row("T1", D1, "50.00")])
    zero_sales = fact_df(spark, [fact_row("T0", D1, "0.00")]).crossJoin(spark.range(10_000)).drop("id")
    facts_df = one_sale.unionByName(zero_sales)
    exact = half_up(Fraction(5000, 10001) / 100, "0.01")
    naive = facts_df.groupBy("transaction_date").agg(F.round(F.avg("amount"), 2).alias("avg")).first()["avg"]
    assert (exact, naive) == (Decimal("0.00"), Decimal("0.01"))
    assert_built(spark, build_daily_sales_summary(facts_df), [daily(D1, "50.00", 10001, 10001, 1, "0.00")],
                 DAILY_SALES_SUMMARY)


def test_zero_revenue_day(spark):
    """§4.4: a day whose revenue is 0 averages 0.00 and its categories' revenue_share is null."""
    facts_df = fact_df(spark, [fact_row("T1", D1, "0.00"), fact_row("T2", D1, "0.00", category="toys")])
    assert_built(spark, build_daily_sales_summary(facts_df), [daily(D1, "0.00", 2, 2, 1, "0.00")],
                 DAILY_SALES_SUMMARY)
    assert_built(spark, build_product_category_performance(facts_df), [
        (D1, "office", money("0.00"), 1, 1, None),
        (D1, "toys", money("0.00"), 1, 1, None),
    ], PRODUCT_CATEGORY_PERFORMANCE)


def test_category_performance_and_revenue_shares_per_day(spark):
    """§4.4: per (transaction_date, category), UNKNOWN included: revenue, units, transactions; revenue_share of that
    day's revenue. Category revenues add up to the day's revenue and exact shares add up to 1."""
    facts = [
        fact_row("T1", D1, "20.00", quantity=2), fact_row("T2", D1, "10.00"),
        fact_row("T3", D1, "30.00", category="toys"), fact_row("T4", D1, "20.00", category="UNKNOWN"),
        fact_row("T5", D2, "10.00"),
    ]
    facts_df = fact_df(spark, facts)
    actual_df = build_product_category_performance(facts_df)
    assert_built(spark, actual_df, [
        (D1, "office", money("50.00"), 3, 2, money("0.5000")),
        (D1, "toys", money("30.00"), 1, 1, money("0.3000")),
        (D1, "UNKNOWN", money("20.00"), 1, 1, money("0.2000")),
        (D2, "office", money("10.00"), 1, 1, money("1.0000")),
    ], PRODUCT_CATEGORY_PERFORMANCE)
    sums = actual_df.groupBy("transaction_date").agg(F.sum("revenue").alias("revenue"),
                                                     F.sum("revenue_share").alias("share"))
    days = build_daily_sales_summary(facts_df).select("transaction_date", F.col("total_revenue").alias("revenue"))
    assert sorted(sums.select("transaction_date", "revenue").collect()) == sorted(days.collect())
    assert {row["share"] for row in sums.collect()} == {Decimal("1.0000")}


def test_revenue_share_rounds_an_exact_half_up(spark):
    """§4.4, §7: 0.01 / 200.00 = 0.00005 exactly -> 0.0001; 199.99 / 200.00 = 0.99995 -> 1.0000."""
    facts = [fact_row("T1", D1, "0.01"), fact_row("T2", D1, "199.99", category="toys")]
    assert_built(spark, build_product_category_performance(fact_df(spark, facts)), [
        (D1, "office", money("0.01"), 1, 1, money("0.0001")),
        (D1, "toys", money("199.99"), 1, 1, money("1.0000")),
    ], PRODUCT_CATEGORY_PERFORMANCE)


def test_revenue_share_is_rounded_once_from_the_exact_quotient(spark):
    """§7: 0.50 / 10000.01 = 0.0000499999500... -> 0.0000. Dividing the decimal(28,2) sums in Spark first rounds
    the quotient to 10 places (0.0000500000), and rounding that again gives 0.0001: the builder must not."""
    facts = [fact_row("T1", D1, "0.50"), fact_row("T2", D1, "9999.51", category="toys")]
    exact = half_up(Fraction(50, 1000001), "0.0001")
    naive = spark.createDataFrame([(money("0.50"), money("10000.01"))], "part decimal(28,2), whole decimal(28,2)")
    naive_share = naive.select(F.round(F.col("part") / F.col("whole"), 4).alias("share")).first()["share"]
    assert (exact, naive_share) == (Decimal("0.0000"), Decimal("0.0001"))
    assert_built(spark, build_product_category_performance(fact_df(spark, facts)), [
        (D1, "office", money("0.50"), 1, 1, money("0.0000")),
        (D1, "toys", money("9999.51"), 1, 1, money("1.0000")),
    ], PRODUCT_CATEGORY_PERFORMANCE)


def test_store_performance_per_store_day(spark):
    """§4.4, §7: per (transaction_date, store_id): revenue, transactions, distinct customers, and the region of that
    day's fact rows (the store's version can change from one day to the next)."""
    facts = [
        fact_row("T1", D1, "1.00", customer_id="C1"), fact_row("T2", D1, "2.00", customer_id="C1"),
        fact_row("T3", D1, "3.00", customer_id="C2"),
        fact_row("T4", D1, "4.00", store_id="S2", region="South"),
        fact_row("T5", D2, "5.00", region="East"),
    ]
    assert_built(spark, build_store_performance(fact_df(spark, facts)), [
        (D1, "S1", "North", money("6.00"), 3, 2),
        (D1, "S2", "South", money("4.00"), 1, 1),
        (D2, "S1", "East", money("5.00"), 1, 1),
    ], STORE_PERFORMANCE)


@settings(max_examples=15, deadline=None, derandomize=True, database=None,
          suppress_health_check=(HealthCheck.too_slow, HealthCheck.data_too_large))
@given(st.lists(st.tuples(st.sampled_from((D1, D2)), st.sampled_from(("S1", "S2", "S3")),
                          st.sampled_from(("C1", "C2", "C3")), st.sampled_from(("North", "South", "UNKNOWN")),
                          st.integers(0, 3), st.sampled_from(("0.00", "0.01", "9.99", "120.50"))),
                max_size=25))
def test_store_performance_matches_a_plain_python_model(spark, facts):
    """§4.4 against plain Python over random fact rows, a store-day's region included even where its rows disagree
    (the largest wins, whatever the row order)."""
    rows = [fact_row(f"T{index}", day, price, quantity=quantity, customer_id=customer, store_id=store, region=region)
            for index, (day, store, customer, region, quantity, price) in enumerate(facts)]
    groups: dict[tuple, list[tuple]] = {}
    for day, store, customer, region, quantity, price in facts:
        groups.setdefault((day, store), []).append((customer, region, quantity * Decimal(price)))
    expected = [(day, store, max(region for _, region, _ in members), sum(amount for _, _, amount in members),
                 len(members), len({customer for customer, _, _ in members}))
                for (day, store), members in groups.items()]
    assert_built(spark, build_store_performance(fact_df(spark, rows)), expected, STORE_PERFORMANCE)


def test_store_performance_sorts_no_fact_row_for_its_region(spark):
    """The region is taken over the distinct (store-day, region) rows, not by a sort of every fact row: a max over
    them would let the optimiser drop the distinct and sort-aggregate the fact instead (RemoveRedundantAggregates)."""
    facts = [fact_row(f"T{index}", D1, "1.00", store_id=f"S{index % 3}") for index in range(6)]
    plan = build_store_performance(fact_df(spark, facts))._jdf.queryExecution().optimizedPlan().toString()
    aggregates = [line for line in plan.splitlines() if "Aggregate" in line]
    assert not any("max(region" in line for line in aggregates), plan
    assert any("region" in line and "store_id" in line for line in aggregates), plan  # the distinct stays


AS_OF = date(2026, 12, 31)


def before(days: int) -> date:
    return AS_OF - timedelta(days=days)


def test_segmentation_window_start():
    """§4.4: the window [as_of_date - 364 days, as_of_date] holds 365 dates, leap day included."""
    assert segmentation_window_start(AS_OF) == date(2026, 1, 1)
    assert segmentation_window_start(date(2024, 12, 31)) == date(2024, 1, 2)
    assert segmentation_window_start(date(2024, 3, 1)) == date(2023, 3, 3)


def test_segmentation_window_edges_and_recency(spark):
    """§4.4, §7: as_of - 364 is in the window, as_of - 365 is not (neither its spend nor its date counts); a
    customer with only older transactions has no row; recency_days = as_of_date - last_purchase_date."""
    facts = [
        fact_row("T1", before(364), "10.00", customer_id="C1"),
        fact_row("T2", before(365), "500.00", customer_id="C1"),
        fact_row("T3", before(365), "10.00", customer_id="C2"),
        fact_row("T4", AS_OF, "5.00", customer_id="C3"), fact_row("T5", before(3), "5.00", customer_id="C3"),
    ]
    assert_built(spark, build_customer_segmentation(fact_df(spark, facts), AS_OF), [
        (AS_OF, "C1", money("10.00"), 1, before(364), 364, "LOW"),
        (AS_OF, "C3", money("10.00"), 2, AS_OF, 0, "LOW"),
    ], CUSTOMER_SEGMENTATION)


def test_segment_threshold_edges(spark):
    """§4.4: HIGH if spend >= 1000.00, MEDIUM if >= 200.00, else LOW, on the window's total spend."""
    facts = [
        fact_row("T1", before(1), "600.00", customer_id="C_1000"),
        fact_row("T2", AS_OF, "400.00", customer_id="C_1000"),
        fact_row("T3", AS_OF, "999.99", customer_id="C_999"),
        fact_row("T4", AS_OF, "200.00", customer_id="C_200"),
        fact_row("T5", before(10), "199.99", customer_id="C_199"),
    ]
    assert_built(spark, build_customer_segmentation(fact_df(spark, facts), AS_OF), [
        (AS_OF, "C_1000", money("1000.00"), 2, AS_OF, 0, "HIGH"),
        (AS_OF, "C_999", money("999.99"), 1, AS_OF, 0, "MEDIUM"),
        (AS_OF, "C_200", money("200.00"), 1, AS_OF, 0, "MEDIUM"),
        (AS_OF, "C_199", money("199.99"), 1, before(10), 10, "LOW"),
    ], CUSTOMER_SEGMENTATION)


def test_empty_fact_gives_empty_aggregates_with_declared_schemas(spark):
    """§4.4: no fact rows, no aggregate rows; each schema is still the declared one."""
    empty_df = fact_df(spark, [])
    for actual_df, schema in [
        (build_daily_sales_summary(empty_df), DAILY_SALES_SUMMARY),
        (build_product_category_performance(empty_df), PRODUCT_CATEGORY_PERFORMANCE),
        (build_store_performance(empty_df), STORE_PERFORMANCE),
        (build_customer_segmentation(empty_df, AS_OF), CUSTOMER_SEGMENTATION),
    ]:
        assert actual_df.schema == schema
        assert actual_df.count() == 0
