"""Tiny typed Silver transaction rows and fact_sales rows for the fact and aggregate tests (DATA_CONTRACT.md §3.1,
§4.3, §4.4)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from lakehouse.gold import schemas as gold
from lakehouse.silver import schemas as silver
from tests.gold.rows import INGESTED_AT


def ts(day: int, hour: int = 10, minute: int = 0, month: int = 1, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def transaction(transaction_id: str, transaction_ts: datetime, customer_id: str = "C1", product_id: str = "P1",
                store_id: str = "S1", quantity: int = 1, unit_price: str = "10.00", discount: str = "0.00") -> tuple:
    """A Silver `transactions` row (§3.1): amount = quantity * unit_price - discount, UTC transaction_date."""
    price, off = Decimal(unit_price), Decimal(discount)
    ingest_date = transaction_ts.date()
    return (
        transaction_id, customer_id, product_id, store_id, transaction_ts, transaction_ts.date(),
        quantity, price, off, quantity * price - off, "card", "store",
        f"bronze/transactions/ingest_date={ingest_date}/t.csv", ingest_date, "r1", INGESTED_AT,
    )


def transactions_df(spark, rows: list[tuple]):
    return spark.createDataFrame(rows, silver.TRANSACTIONS)


def fact_row(transaction_id: str, day: date, unit_price: str, quantity: int = 1, customer_id: str = "C1",
             store_id: str = "S1", category: str = "office", region: str = "North", tier: str = "gold") -> tuple:
    """A `fact_sales` row (§4.3) without discount: amount = quantity * unit_price. The time of day is irrelevant to
    the aggregates, which group by the UTC transaction_date."""
    price = Decimal(unit_price)
    at = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    return (
        transaction_id, customer_id, "P1", store_id, at, day, quantity, price, Decimal("0.00"), quantity * price,
        "card", "store", category, tier, region, f"bronze/transactions/ingest_date={day}/t.csv", day,
    )


def fact_df(spark, rows: list[tuple]):
    return spark.createDataFrame(rows, gold.FACT_SALES)
