"""Classified records -> typed Silver rows and quarantine rows. Each builder ends in one select (its schema)."""

from __future__ import annotations

from datetime import datetime

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from lakehouse import contract as c
from lakehouse.silver import schemas
from lakehouse.silver.parsed import matched, parsed


def _lineage(run_id: str, ingested_at: datetime) -> list[Column]:
    return [
        F.col("_source_file"),
        F.col("_ingest_date"),
        F.lit(run_id).alias("_run_id"),
        F.lit(ingested_at).cast("timestamp").alias("_ingested_at"),
    ]


def _transactions(run_id: str, ingested_at: datetime) -> list[Column]:
    ts, quantity, unit_price = parsed("transaction_ts"), parsed("quantity"), parsed("unit_price")
    discount = F.coalesce(parsed("discount"), F.lit(0).cast(schemas.MONEY))
    amount = (quantity * unit_price - discount).cast(schemas.MONEY)
    return [
        F.col("transaction_id"), F.col("customer_id"), F.col("product_id"), F.col("store_id"),
        ts.alias("transaction_ts"), F.to_date(ts).alias("transaction_date"),
        quantity.alias("quantity"), unit_price.alias("unit_price"), discount.alias("discount"), amount.alias("amount"),
        parsed("payment_method").alias("payment_method"), parsed("channel").alias("channel"),
        *_lineage(run_id, ingested_at),
    ]


def _cdc_meta(key: str) -> list[Column]:
    commit_ts = parsed("commit_ts")
    return [
        F.col(key),
        parsed("start_lsn").alias("start_lsn"),
        parsed("seqval").alias("seqval"),
        parsed("operation").alias("operation"),
        commit_ts.alias("commit_ts"),
        F.to_date(commit_ts).alias("commit_date"),
    ]


def _customers(run_id: str, ingested_at: datetime) -> list[Column]:
    email = F.col("email")
    return [
        *_cdc_meta("customer_id"),
        F.col("first_name"), F.col("last_name"),
        F.when(matched("email"), email).alias("email"),
        F.col("city"),
        parsed("country").alias("country"),
        parsed("loyalty_tier").alias("loyalty_tier"),
        parsed("signup_date").alias("signup_date"),
        *_lineage(run_id, ingested_at),
    ]


def _products(run_id: str, ingested_at: datetime) -> list[Column]:
    return [
        *_cdc_meta("product_id"),
        F.col("product_name"), F.col("category"), F.col("subcategory"),
        parsed("list_price").alias("list_price"),
        parsed("is_active").alias("is_active"),
        *_lineage(run_id, ingested_at),
    ]


def _stores(run_id: str, ingested_at: datetime) -> list[Column]:
    return [
        F.col("store_id"), F.col("store_name"), F.col("city"), F.col("region"),
        parsed("country").alias("country"),
        parsed("store_type").alias("store_type"),
        parsed("opened_date").alias("opened_date"),
        F.col("_ingest_date").alias("snapshot_date"),
        *_lineage(run_id, ingested_at),
    ]


_SILVER_COLUMNS = {
    c.TRANSACTIONS: _transactions,
    c.CUSTOMERS: _customers,
    c.PRODUCTS: _products,
    c.STORES: _stores,
}


def conform(df: DataFrame, schema: StructType) -> DataFrame:
    """The schema contract: exactly the declared columns, in order, with the declared types."""
    return df.select(*[F.col(field.name).cast(field.dataType).alias(field.name) for field in schema.fields])


def build_silver(classified_df: DataFrame, source: str, run_id: str, ingested_at: datetime) -> DataFrame:
    """Valid rows, typed and normalised, with lineage (contract §3.1-§3.3)."""
    valid_df = classified_df.where(F.col("reason").isNull())
    return conform(valid_df.select(*_SILVER_COLUMNS[source](run_id, ingested_at)), schemas.SILVER_SCHEMAS[source])


def build_quarantine(classified_df: DataFrame, source: str, run_id: str, ingested_at: datetime) -> DataFrame:
    """Rejected rows with their reason and the record's raw fields as a JSON array, in file order (§3.4)."""
    key = c.SOURCE_SPECS[source].key
    rejected_df = classified_df.where(F.col("reason").isNotNull() & (F.col("reason") != c.ERASED_SUBJECT))
    quarantine_df = rejected_df.select(
        F.col("reason"),
        F.col("_source_file"),
        F.col("_record_number").cast("long").alias("_record_number"),
        F.lit(run_id).alias("_run_id"),
        F.lit(ingested_at).cast("timestamp").alias("_ingested_at"),
        F.to_json(F.col("_fields")).alias("raw"),
        F.col("_ingest_date"),
        F.col(key).alias("_key"),
    )
    return conform(quarantine_df, schemas.QUARANTINE)
