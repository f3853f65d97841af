"""Tiny Bronze batches for unit tests: rows as dicts in contract column order, one file per batch."""

from __future__ import annotations

from datetime import date

from lakehouse import contract as c
from lakehouse.bronze.records import FileToParse, local_records

FILE = "bronze/test/ingest_date=2026-01-05/test.csv"


def bronze_batch(spark, source: str, rows: list, ingest_date: date = date(2026, 1, 5), file_seq: int = 0,
                 source_file: str = FILE):
    """The batch's parsed records (`bronze.records`): a dict row is placed by contract column names, a list row is
    taken as raw fields."""
    header = list(c.SOURCE_SPECS[source].required_columns)
    records = [row if isinstance(row, list) else [row.get(name, "") for name in header] for row in rows]
    return local_records(spark, source, [(FileToParse(file_seq, source_file, 0, source_file, ingest_date), header,
                                          records)])


def good_transaction(**overrides) -> dict:
    row = {
        "transaction_id": "T1", "customer_id": "C1", "product_id": "P1", "store_id": "S1",
        "transaction_ts": "2026-01-05T10:00:00Z", "quantity": "2", "unit_price": "10.00", "discount": "",
        "payment_method": "card", "channel": "store",
    }
    row.update(overrides)
    return row


def good_customer(**overrides) -> dict:
    row = {
        "__$start_lsn": "0x0000000000000000000a", "__$seqval": "0x0000000000000000000b", "__$operation": "2",
        "__$update_mask": "0x0f", "commit_ts": "2026-01-05T10:00:00Z", "customer_id": "C1", "first_name": "Ada",
        "last_name": "Lovelace", "email": "ada@example.com", "city": "London", "country": "gb",
        "loyalty_tier": "Gold", "signup_date": "2025-12-01",
    }
    row.update(overrides)
    return row


def good_product(**overrides) -> dict:
    row = {
        "__$start_lsn": "0x0000000000000000000a", "__$seqval": "0x0000000000000000000b", "__$operation": "2",
        "__$update_mask": "0x0f", "commit_ts": "2026-01-05T10:00:00Z", "product_id": "P1",
        "product_name": "Kettle", "category": "Kitchen", "subcategory": "Appliances", "list_price": "29.90",
        "is_active": "true",
    }
    row.update(overrides)
    return row


def good_store(**overrides) -> dict:
    row = {
        "store_id": "S1", "store_name": "Main St", "city": "Leeds", "region": "North", "country": "GB",
        "store_type": "Flagship", "opened_date": "2020-03-01",
    }
    row.update(overrides)
    return row
