"""Typed Silver rows and quarantine rows (DATA_CONTRACT.md §3.1-§3.4, §7)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from lakehouse import contract as c
from lakehouse.silver import schemas
from lakehouse.silver.build import build_quarantine, build_silver
from lakehouse.silver.classify import classify
from tests.silver.bronze_rows import FILE, bronze_batch, good_customer, good_product, good_store, good_transaction

RUN_AT = datetime(2026, 1, 6, 2, 0, tzinfo=UTC)


def names_and_types(schema):
    return [(field.name, field.dataType) for field in schema.fields]


def silver_rows(spark, source, rows):
    records_df = bronze_batch(spark, source, rows)
    classified_df = classify(records_df, source, None)
    silver_df = build_silver(classified_df, source, "r1", RUN_AT)
    assert names_and_types(silver_df.schema) == names_and_types(schemas.SILVER_SCHEMAS[source])
    return silver_df.collect()


def test_transaction_types_amount_and_utc_date(spark):
    """§3.1: amount = quantity × unit_price − discount; null discount is 0.00 (§7); timestamps in UTC."""
    rows = silver_rows(spark, c.TRANSACTIONS, [
        good_transaction(transaction_ts="2026-01-05T23:30:00-02:00", quantity="3", unit_price="2.50"),
        good_transaction(transaction_id="T2", discount="1.5", payment_method="VOUCHER", channel=" Online "),
    ])
    by_id = {row["transaction_id"]: row for row in rows}
    first, second = by_id["T1"], by_id["T2"]
    assert first["transaction_ts"] == datetime(2026, 1, 6, 1, 30)  # session time zone is UTC
    assert first["transaction_date"] == date(2026, 1, 6)
    assert (first["quantity"], first["discount"], first["amount"]) == (3, Decimal("0.00"), Decimal("7.50"))
    assert (second["discount"], second["amount"]) == (Decimal("1.50"), Decimal("18.50"))
    assert (second["payment_method"], second["channel"]) == ("voucher", "online")
    assert (first["_source_file"], first["_ingest_date"], first["_run_id"]) == (FILE, date(2026, 1, 5), "r1")


def test_cdc_normalisation(spark):
    """§3.2: LSN digits upper case with `0x` kept; country upper, tier lower; op 3 attributes that don't parse
    are stored as null (§7)."""
    rows = silver_rows(spark, c.CUSTOMERS, [
        good_customer(**{"__$start_lsn": "0x00000000000000000abc"}),
        good_customer(customer_id="C2", **{"__$operation": "3"}, country="Britain", loyalty_tier="gold!",
                      signup_date="yesterday", email="nope"),
    ])
    by_id = {row["customer_id"]: row for row in rows}
    assert by_id["C1"]["start_lsn"] == "0x00000000000000000ABC"
    assert (by_id["C1"]["operation"], by_id["C1"]["country"], by_id["C1"]["loyalty_tier"]) == (2, "GB", "gold")
    assert by_id["C1"]["commit_date"] == date(2026, 1, 5)
    c2 = by_id["C2"]
    assert (c2["operation"], c2["country"], c2["loyalty_tier"], c2["signup_date"], c2["email"]) == (
        3, None, None, None, None)


def test_product_flag_and_price(spark):
    """§3.2: list_price decimal(18,2); is_active true/false/1/0 any case."""
    rows = silver_rows(spark, c.PRODUCTS, [
        good_product(list_price="10.5", is_active="1"),
        good_product(product_id="P2", list_price="", is_active="FALSE"),
    ])
    by_id = {row["product_id"]: row for row in rows}
    assert (by_id["P1"]["list_price"], by_id["P1"]["is_active"]) == (Decimal("10.50"), True)
    assert (by_id["P2"]["list_price"], by_id["P2"]["is_active"]) == (None, False)


def test_store_snapshot_date_is_ingest_date(spark):
    """§3.3: snapshot_date = ingest_date; store_type stored lower case."""
    (row,) = silver_rows(spark, c.STORES, [good_store(store_type="OUTLET", country="gb")])
    assert (row["snapshot_date"], row["store_type"], row["country"]) == (date(2026, 1, 5), "outlet", "GB")


def test_quarantine_row_keeps_raw_fields_and_key(spark):
    """§3.4: reason, source file, record number, run, time and the raw record as JSON text."""
    records_df = bronze_batch(spark, c.STORES, [good_store(), ["S7", ' "x" ']])
    quarantine_df = build_quarantine(classify(records_df, c.STORES, None), c.STORES, "r1", RUN_AT)
    assert names_and_types(quarantine_df.schema) == names_and_types(schemas.QUARANTINE)
    (row,) = quarantine_df.collect()
    assert (row["reason"], row["_source_file"], row["_record_number"], row["_run_id"]) == (
        "malformed_row", FILE, 2, "r1")
    assert row["raw"] == '["S7"," \\"x\\" "]'
    assert row["_key"] == "S7"  # §7: the store_id at its header position, even in a malformed row
