"""Tiny typed Silver and Gold rows for the dimension tests (DATA_CONTRACT.md §3.2-§3.4, §4.1, §4.2)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from lakehouse.gold import schemas as gold
from lakehouse.silver import schemas as silver

INGESTED_AT = datetime(2026, 1, 6, 2, 0, tzinfo=UTC)


def lsn(number: int) -> str:
    """`0x` + 20 upper-case hex digits, as Silver stores LSNs (§3.2)."""
    return f"0x{number:020X}"


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 1, day, hour, 0, tzinfo=UTC)


def product_change(lsn_number: int, operation: int, commit_ts: datetime, name: str = "Pen",
                   price: str | None = "1.00", product_id: str = "P1", seq_number: int | None = None,
                   ingest_day: int | None = None, source_file: str = "a.csv", category: str = "office",
                   is_active: bool | None = True) -> tuple:
    """A `products_changes` row; by default landed on its commit day, seqval = start_lsn."""
    ingest_date = date(2026, 1, ingest_day or commit_ts.day)
    return (
        product_id, lsn(lsn_number), lsn(seq_number if seq_number is not None else lsn_number), operation,
        commit_ts, commit_ts.date(), name, category, None, None if price is None else Decimal(price), is_active,
        f"bronze/products/ingest_date={ingest_date}/{source_file}", ingest_date, "r1", INGESTED_AT,
    )


def product_version(valid_from: datetime, valid_to: datetime | None, lsn_number: int, name: str = "Pen",
                    price: str | None = "1.00", product_id: str = "P1", category: str = "office",
                    is_active: bool | None = True) -> tuple:
    """A `dim_product` row (§4.1)."""
    return (product_id, name, category, None, None if price is None else Decimal(price), is_active,
            valid_from, valid_to, valid_to is None, lsn(lsn_number))


def customer_change(lsn_number: int, operation: int, commit_ts: datetime, email: str | None = None,
                    signup_date: date | None = None, tier: str | None = "gold") -> tuple:
    """A `customers_changes` row with nullable email/signup_date/tier."""
    return (
        "C1", lsn(lsn_number), lsn(lsn_number), operation, commit_ts, commit_ts.date(),
        "Ada", "Lovelace", email, None, "GB", tier, signup_date,
        "bronze/customers/ingest_date=2026-01-05/a.csv", date(2026, 1, 5), "r1", INGESTED_AT,
    )


def customer_version(valid_from: datetime, valid_to: datetime | None, lsn_number: int, email: str | None = None,
                     signup_date: date | None = None, tier: str | None = "gold") -> tuple:
    return ("C1", "Ada", "Lovelace", email, None, "GB", tier, signup_date,
            valid_from, valid_to, valid_to is None, lsn(lsn_number))


def products_df(spark, rows: list[tuple]):
    return spark.createDataFrame(rows, silver.PRODUCTS_CHANGES)


def customers_df(spark, rows: list[tuple]):
    return spark.createDataFrame(rows, silver.CUSTOMERS_CHANGES)


def dim_df(spark, rows: list[tuple], schema):
    return spark.createDataFrame(rows, schema)


def day(number: int) -> date:
    return date(2026, 1, number)


def midnight(number: int) -> datetime:
    return datetime(2026, 1, number, tzinfo=UTC)


def store_row(snapshot_day: int, store_id: str = "S1", name: str = "Main", region: str = "North",
              country: str | None = "GB", store_type: str = "standard", opened: date | None = None) -> tuple:
    """A `stores_snapshots` row: snapshot_date = ingest_date (§3.3)."""
    return (store_id, name, "Leeds", region, country, store_type, opened, day(snapshot_day),
            f"bronze/stores/ingest_date={day(snapshot_day)}/stores.csv", day(snapshot_day), "r1", INGESTED_AT)


def store_version(valid_from_day: int, valid_to_day: int | None, store_id: str = "S1", name: str = "Main",
                  region: str = "North", country: str | None = "GB", store_type: str = "standard",
                  opened: date | None = None) -> tuple:
    """A `dim_store` row: validity at 00:00:00 UTC of the snapshot dates (§7)."""
    valid_to = None if valid_to_day is None else midnight(valid_to_day)
    return (store_id, name, "Leeds", region, country, store_type, opened,
            midnight(valid_from_day), valid_to, valid_to is None)


def quarantined(snapshot_day: int, key: str | None, reason: str = "invalid_country") -> tuple:
    """A stores quarantine row with the key read from the header position (§3.4, §7)."""
    return (reason, f"bronze/stores/ingest_date={day(snapshot_day)}/stores.csv", 3, "r1", INGESTED_AT,
            f'["{key}"]', day(snapshot_day), key)


def stores_df(spark, rows: list[tuple]):
    return spark.createDataFrame(rows, silver.STORES_SNAPSHOTS)


def quarantine_df(spark, rows: list[tuple]):
    return spark.createDataFrame(rows, silver.QUARANTINE)


def rejected_dates_df(spark, days: list[int]):
    return spark.createDataFrame([(day(number),) for number in days], "snapshot_date date")


DIM_PRODUCT = gold.DIM_PRODUCT
DIM_CUSTOMER = gold.DIM_CUSTOMER
DIM_STORE = gold.DIM_STORE
