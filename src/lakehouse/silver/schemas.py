"""Silver and quarantine schemas (contract §3), declared once. Builders end in a select matching these."""

from __future__ import annotations

from pyspark.sql.types import (
    BinaryType,
    BooleanType,
    DateType,
    DecimalType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from lakehouse import contract as c

MONEY = DecimalType(18, 2)


def _fields(*pairs: tuple[str, object]) -> list[StructField]:
    return [StructField(name, data_type, nullable=True) for name, data_type in pairs]  # type: ignore[arg-type]


LINEAGE = _fields(
    ("_source_file", StringType()), ("_ingest_date", DateType()), ("_run_id", StringType()),
    ("_ingested_at", TimestampType()),
)

TRANSACTIONS = StructType(_fields(
    ("transaction_id", StringType()), ("customer_id", StringType()), ("product_id", StringType()),
    ("store_id", StringType()), ("transaction_ts", TimestampType()), ("transaction_date", DateType()),
    ("quantity", IntegerType()), ("unit_price", MONEY), ("discount", MONEY), ("amount", MONEY),
    ("payment_method", StringType()), ("channel", StringType()),
) + LINEAGE)

_CDC_META = (
    ("start_lsn", StringType()), ("seqval", StringType()), ("operation", IntegerType()),
    ("commit_ts", TimestampType()), ("commit_date", DateType()),
)

CUSTOMERS_CHANGES = StructType(_fields(
    ("customer_id", StringType()), *_CDC_META,
    ("first_name", StringType()), ("last_name", StringType()), ("email", StringType()), ("city", StringType()),
    ("country", StringType()), ("loyalty_tier", StringType()), ("signup_date", DateType()),
) + LINEAGE)

PRODUCTS_CHANGES = StructType(_fields(
    ("product_id", StringType()), *_CDC_META,
    ("product_name", StringType()), ("category", StringType()), ("subcategory", StringType()),
    ("list_price", MONEY), ("is_active", BooleanType()),
) + LINEAGE)

STORES_SNAPSHOTS = StructType(_fields(
    ("store_id", StringType()), ("store_name", StringType()), ("city", StringType()), ("region", StringType()),
    ("country", StringType()), ("store_type", StringType()), ("opened_date", DateType()),
    ("snapshot_date", DateType()),
) + LINEAGE)

SILVER_SCHEMAS = {
    c.TRANSACTIONS: TRANSACTIONS,
    c.CUSTOMERS: CUSTOMERS_CHANGES,
    c.PRODUCTS: PRODUCTS_CHANGES,
    c.STORES: STORES_SNAPSHOTS,
}

# The contract's quarantine columns, then two more that let Gold apply §4.2's quarantine exception without
# re-reading Bronze: the ingest date and the record's key as read from the header position.
QUARANTINE = StructType(_fields(
    ("reason", StringType()), ("_source_file", StringType()), ("_record_number", LongType()),
    ("_run_id", StringType()), ("_ingested_at", TimestampType()), ("raw", StringType()),
    ("_ingest_date", DateType()), ("_key", StringType()),
))

# Silver's key index (silver.io): the duplicate key of every accepted row.
KEY_INDEX = StructType([StructField("_key", StringType(), nullable=True)])

# Silver's key-dates index (silver.io): per transaction day, a Bloom filter of a dimension's keys (silver.bloom).
KEY_DATES = StructType([
    StructField("transaction_date", DateType(), nullable=False),
    StructField("dimension", StringType(), nullable=False),
    StructField("bloom", BinaryType(), nullable=False),
    StructField("hash_count", IntegerType(), nullable=False),
])
