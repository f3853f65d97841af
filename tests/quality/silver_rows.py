"""Tiny typed Silver batches (DATA_CONTRACT.md §3.1-§3.3) built on the project's Silver schemas."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from lakehouse import contract as c
from lakehouse.silver import schemas

TS = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
DAY = date(2026, 1, 5)
LINEAGE = {"_source_file": "bronze/x/ingest_date=2026-01-05/a.csv", "_ingest_date": DAY, "_run_id": "r1",
           "_ingested_at": TS}
LSN = "0x0000000000000000000A"


def transaction(**overrides) -> dict:
    row = {
        "transaction_id": "T1", "customer_id": "C1", "product_id": "P1", "store_id": "S1", "transaction_ts": TS,
        "transaction_date": DAY, "quantity": 2, "unit_price": Decimal("10.00"), "discount": Decimal("0.00"),
        "amount": Decimal("20.00"), "payment_method": "card", "channel": "store", **LINEAGE,
    }
    return {**row, **overrides}


def customer_change(**overrides) -> dict:
    row = {
        "customer_id": "C1", "start_lsn": LSN, "seqval": LSN, "operation": 2, "commit_ts": TS, "commit_date": DAY,
        "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "city": "London",
        "country": "GB", "loyalty_tier": "gold", "signup_date": DAY, **LINEAGE,
    }
    return {**row, **overrides}


def product_change(**overrides) -> dict:
    row = {
        "product_id": "P1", "start_lsn": LSN, "seqval": LSN, "operation": 2, "commit_ts": TS, "commit_date": DAY,
        "product_name": "Tea", "category": "Food", "subcategory": "Drinks", "list_price": Decimal("3.50"),
        "is_active": True, **LINEAGE,
    }
    return {**row, **overrides}


def store_snapshot(**overrides) -> dict:
    row = {
        "store_id": "S1", "store_name": "Main", "city": "Leeds", "region": "North", "country": "GB",
        "store_type": "flagship", "opened_date": date(2020, 1, 1), "snapshot_date": DAY, **LINEAGE,
    }
    return {**row, **overrides}


def silver_df(spark, source: str, rows: list[dict]):
    """A DataFrame with the declared Silver schema of `source`; dict rows are placed by column name."""
    schema = schemas.SILVER_SCHEMAS[source]
    return spark.createDataFrame([tuple(row[field.name] for field in schema.fields) for row in rows], schema)


def table(source: str) -> str:
    return c.SOURCE_SPECS[source].silver_table
