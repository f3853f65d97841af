"""Gold aggregates over fact_sales (contract §4.4, §7).

Rounding. Averages and shares are rounded once, half up, from the exact quotient (§7). Spark's decimal division
rounds its quotient to a finite scale first (`avg` of a decimal(18,2) to 6 places, a decimal(28,2) ratio to 10), and
rounding that rounded value again can go the wrong way: an exact 0.0049995 becomes 0.005000, then 0.01 instead of
0.00. So money is turned into whole cents and the rounded result is computed by integer division, which is exact:
for n >= 0 and d > 0, round_half_up(n / d) = floor(n / d + 1/2) = (2n + d) div 2d. Revenue is never negative
(amount = quantity * unit_price - discount, and the discount is at most quantity * unit_price, §3.1), so this is
half up for every value that occurs. Cents are decimal(38,0); with ANSI mode an overflow raises, never wraps.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql.types import DecimalType

from lakehouse.gold import schemas
from lakehouse.silver.build import conform

DATE = schemas.FACT_PARTITION
CENTS = DecimalType(38, 0)
SHARE_UNITS = 10_000  # revenue_share has 4 decimal places

SEGMENT_WINDOW_DAYS = 365  # [as_of_date - 364 days, as_of_date]: 365 dates including both ends
HIGH_SPEND = Decimal("1000.00")
MEDIUM_SPEND = Decimal("200.00")
HIGH, MEDIUM, LOW = "HIGH", "MEDIUM", "LOW"


def _cents(money: Column) -> Column:
    """A money value (scale 2) as an exact whole number of cents."""
    return (money * F.lit(100)).cast(CENTS)


def _round_half_up_ratio(numerator: Column, denominator: Column) -> Column:
    """round(numerator / denominator), half up, for whole numbers numerator >= 0 and denominator > 0, by exact
    integer division (SQL `div`); a zero denominator gives null rather than an ANSI division error."""
    dividend = F.lit(2) * numerator.cast(CENTS) + denominator.cast(CENTS)
    divisor = F.nullif(F.lit(2) * denominator.cast(CENTS), F.lit(0))
    return F.call_function("div", dividend, divisor)


def _average_money(total: Column, count: Column) -> Column:
    """total / count rounded once, half up, to cents; multiplying by 0.01 is exact, unlike dividing by 100."""
    return _round_half_up_ratio(_cents(total), count).cast(CENTS) * F.lit(Decimal("0.01"))


def _share(part_cents: Column, whole_cents: Column) -> Column:
    """part / whole rounded once, half up, to 4 places; null when the whole is 0."""
    share_units = _round_half_up_ratio(part_cents * F.lit(SHARE_UNITS), whole_cents)
    return share_units.cast(CENTS) * F.lit(Decimal("0.0001"))


def _transactions() -> Column:
    return F.count(F.lit(1))


def build_daily_sales_summary(fact_df: DataFrame) -> DataFrame:
    """daily_sales_summary (§4.4): one row per transaction_date; a zero-revenue day averages 0.00."""
    revenue, transactions = F.sum(F.col("amount")), _transactions()
    return (
        fact_df
        .groupBy(F.col(DATE))
        .agg(
            revenue.alias("total_revenue"),
            transactions.alias("total_transactions"),
            F.sum(F.col("quantity")).alias("total_quantity"),
            F.count_distinct(F.col("customer_id")).alias("unique_customers"),
            _average_money(revenue, transactions).alias("avg_transaction_value"),
        )
        .transform(conform, schemas.DAILY_SALES_SUMMARY)
    )


def build_product_category_performance(fact_df: DataFrame) -> DataFrame:
    """product_category_performance (§4.4): one row per (transaction_date, category), with the category's share of
    that day's revenue (null when the day's revenue is 0)."""
    whole_day = Window.partitionBy(F.col(DATE)).rowsBetween(Window.unboundedPreceding, Window.unboundedFollowing)
    revenue_cents = _cents(F.col("revenue"))
    by_category_df = (
        fact_df
        .groupBy(F.col(DATE), F.col("category"))
        .agg(
            F.sum(F.col("amount")).alias("revenue"),
            F.sum(F.col("quantity")).alias("units"),
            _transactions().alias("transactions"),
        )
    )
    return (
        by_category_df
        .select("*", _share(revenue_cents, F.sum(revenue_cents).over(whole_day)).alias("revenue_share"))
        .transform(conform, schemas.PRODUCT_CATEGORY_PERFORMANCE)
    )


def build_store_performance(fact_df: DataFrame) -> DataFrame:
    """store_performance (§4.4): one row per (transaction_date, store_id); `region` from that day's fact rows (§7).

    dim_store versions start and end at 00:00 UTC (§7) and transaction_date is the UTC date, so all of a store-day's
    rows carry the same region. The greatest keeps one row per store-day, deterministically, even if that were
    broken; grouping by region would split the store-day instead. The max of a string cannot be hashed, and Spark
    sorts every fact row for it, even over distinct (store-day, region) rows: its optimiser drops a distinct under an
    aggregate that ignores duplicates (RemoveRedundantAggregates; at 2.1M transactions the query took 7.5 s of task
    time, 4.8 s without that sort). So the max is a window's over the distinct rows, a few per store-day, which the
    optimiser keeps, and joined to the totals, which hash: one row each per store-day."""
    store_day = [DATE, "store_id"]
    totals_df = fact_df.groupBy(*store_day).agg(
        F.sum(F.col("amount")).alias("revenue"),
        _transactions().alias("transactions"),
        F.count_distinct(F.col("customer_id")).alias("unique_customers"),
    )
    whole_store_day = Window.partitionBy(*store_day).rowsBetween(Window.unboundedPreceding, Window.unboundedFollowing)
    regions_df = (
        fact_df.select(*store_day, "region").distinct()
        .select(*store_day, F.max(F.col("region")).over(whole_store_day).alias("region")).distinct()
    )
    # Neither key is ever null: Silver rejects a transaction without a valid store_id or timestamp (§3.1).
    return totals_df.join(regions_df, on=store_day, how="inner").transform(conform, schemas.STORE_PERFORMANCE)


def segmentation_window_start(as_of_date: date) -> date:
    """First transaction_date of the segmentation window [as_of_date - 364 days, as_of_date] (§4.4)."""
    return as_of_date - timedelta(days=SEGMENT_WINDOW_DAYS - 1)


def _segment(spend: Column) -> Column:
    return (
        F.when(spend >= F.lit(HIGH_SPEND), F.lit(HIGH))
        .when(spend >= F.lit(MEDIUM_SPEND), F.lit(MEDIUM))
        .otherwise(F.lit(LOW))
    )


def build_customer_segmentation(fact_df: DataFrame, as_of_date: date) -> DataFrame:
    """customer_segmentation (§4.4): one row per customer with a transaction in the window ending at `as_of_date`,
    which the caller sets to the latest transaction_date in fact_sales. The window uses the UTC transaction_date (§7).
    """
    as_of = F.lit(as_of_date)
    is_in_window = F.col(DATE).between(F.lit(segmentation_window_start(as_of_date)), as_of)
    spend, last_purchase = F.sum(F.col("amount")), F.max(F.col(DATE))
    return (
        fact_df
        .where(is_in_window)
        .groupBy(F.col("customer_id"))
        .agg(
            as_of.alias("as_of_date"),
            spend.alias("total_spend_365d"),
            _transactions().alias("transactions_365d"),
            last_purchase.alias("last_purchase_date"),
            F.date_diff(as_of, last_purchase).alias("recency_days"),
            _segment(spend).alias("segment"),
        )
        .transform(conform, schemas.CUSTOMER_SEGMENTATION)
    )


def customer_day_totals(fact_df: DataFrame) -> DataFrame:
    """Per customer and day: spend and transactions, the parts the segmentation window adds up (§4.4)."""
    return fact_df.groupBy(F.col("customer_id"), F.col(DATE)).agg(
        F.sum(F.col("amount")).alias("spend"), _transactions().alias("transactions")
    )


def update_customer_segmentation(segmentation_df: DataFrame, added_df: DataFrame, removed_df: DataFrame,
                                 as_of_date: date) -> DataFrame:
    """customer_segmentation (§4.4) moved on from its stored rows, by day totals (`customer_day_totals`) to add and to
    take away, so a daily update reads the days that changed and the days that left the window, not the window.

    `added_df`: the new totals of the changed days within the new window; `removed_df`: the old totals of every day
    that left the old window or changed. Spend and counts add up exactly (decimals). The last purchase is the later of
    the stored one, if its day neither left the window nor changed, and the latest added day; that is exact as long as
    a changed day keeps every customer it had (sales are never taken away), which `has_lost_purchase_days` checks: the
    caller recomputes from the window otherwise. Customers left without a transaction drop out.
    """
    start = F.lit(segmentation_window_start(as_of_date))
    changes_df = (
        added_df.select("customer_id", DATE, "spend", "transactions", F.lit(True).alias("_added"))
        .unionByName(removed_df.select("customer_id", DATE, (-F.col("spend")).alias("spend"),
                                       (-F.col("transactions")).alias("transactions"), F.lit(False).alias("_added")))
        .groupBy("customer_id")
        .agg(F.sum("spend").alias("_spend"), F.sum("transactions").alias("_transactions"),
             F.max(F.when(F.col("_added"), F.col(DATE))).alias("_last_added"),
             F.collect_set(F.when(~F.col("_added"), F.col(DATE))).alias("_removed_days"))
    )
    stored_df = segmentation_df.select(
        "customer_id", F.col("total_spend_365d").alias("_old_spend"), F.col("transactions_365d").alias("_old_count"),
        F.col("last_purchase_date").alias("_old_last"),
    )
    is_old_last_kept = (F.col("_old_last") >= start) & ~F.coalesce(
        F.array_contains(F.col("_removed_days"), F.col("_old_last")), F.lit(False))
    spend = F.coalesce(F.col("_old_spend"), F.lit(0)) + F.coalesce(F.col("_spend"), F.lit(0))
    count = F.coalesce(F.col("_old_count"), F.lit(0)) + F.coalesce(F.col("_transactions"), F.lit(0))
    last = F.greatest(F.when(is_old_last_kept, F.col("_old_last")), F.col("_last_added"))
    as_of = F.lit(as_of_date)
    return (
        stored_df.join(changes_df, on="customer_id", how="full")
        .where(count > 0)
        .select(
            as_of.alias("as_of_date"), F.col("customer_id"), spend.alias("total_spend_365d"),
            count.alias("transactions_365d"), last.alias("last_purchase_date"),
            F.date_diff(as_of, last).alias("recency_days"), _segment(spend).alias("segment"),
        )
        .transform(conform, schemas.CUSTOMER_SEGMENTATION)
    )


def has_lost_purchase_days(added_df: DataFrame, removed_df: DataFrame, changed_days: list[date]) -> bool:
    """Whether a changed day lost a customer it had (only when sales are erased): then the last purchase of that
    customer cannot be moved on, and the segmentation is recomputed from its window."""
    if not changed_days:
        return False
    old_df = removed_df.where(F.col(DATE).isin(changed_days)).select("customer_id", DATE)
    return old_df.join(added_df.select("customer_id", DATE), on=["customer_id", DATE], how="left_anti").limit(1) \
        .count() > 0
