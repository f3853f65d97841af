"""Gold schemas (contract §4.1-§4.4), declared once. Builders end in a select matching these.

Attribute names come from the contract's column lists and their types from the Silver schemas, so a Silver type
change reaches Gold without a second declaration. Dimension fields are nullable, as in Silver, except `is_current`:
it is `valid_to IS NULL`, which Spark itself declares non-null, so the builders' output schema equals these exactly
(the fact and aggregate schemas below follow the same rule).
"""

from __future__ import annotations

from pyspark.sql.types import (
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
from lakehouse.silver import schemas as silver

CUSTOMER_KEY = c.SOURCE_SPECS[c.CUSTOMERS].key
PRODUCT_KEY = c.SOURCE_SPECS[c.PRODUCTS].key
STORE_KEY = c.SOURCE_SPECS[c.STORES].key


def _attributes(source: str) -> tuple[str, ...]:
    """The contract's business columns of a source, without CDC metadata and key (§3.2, §3.3)."""
    spec = c.SOURCE_SPECS[source]
    return tuple(name for name in spec.required_columns if name not in c.CDC_META_COLUMNS and name != spec.key)


CUSTOMER_ATTRIBUTES = _attributes(c.CUSTOMERS)
PRODUCT_ATTRIBUTES = _attributes(c.PRODUCTS)
STORE_ATTRIBUTES = _attributes(c.STORES)

VALIDITY = [
    StructField("valid_from", TimestampType(), nullable=True),
    StructField("valid_to", TimestampType(), nullable=True),  # null while the version is open
    StructField("is_current", BooleanType(), nullable=False),
]


def _silver_fields(silver_schema: StructType, names: tuple[str, ...]) -> list[StructField]:
    return [StructField(name, silver_schema[name].dataType, nullable=True) for name in names]


DIM_CUSTOMER = StructType(
    _silver_fields(silver.CUSTOMERS_CHANGES, (CUSTOMER_KEY, *CUSTOMER_ATTRIBUTES))
    + VALIDITY
    + [StructField("start_lsn", StringType(), nullable=True)]
)

DIM_PRODUCT = StructType(
    _silver_fields(silver.PRODUCTS_CHANGES, (PRODUCT_KEY, *PRODUCT_ATTRIBUTES))
    + VALIDITY
    + [StructField("start_lsn", StringType(), nullable=True)]
)

DIM_STORE = StructType(_silver_fields(silver.STORES_SNAPSHOTS, (STORE_KEY, *STORE_ATTRIBUTES)) + VALIDITY)

# fact_sales and the aggregates (contract §4.3, §4.4). Nullability is what Spark derives for the builders, so their
# output schema equals these exactly: counts and the 'UNKNOWN'-defaulted attributes are never null; sums, and what
# is computed from them, are nullable as Spark declares every aggregate over a nullable column.
FACT_PARTITION = "transaction_date"
SHARE = DecimalType(9, 4)

# Silver's business columns, then the as-of attributes, then the deterministic lineage: `_run_id` and
# `_ingested_at` are left out, so fact_sales is identical however the files were split into runs (§5).
FACT_BUSINESS_COLUMNS = tuple(field.name for field in silver.TRANSACTIONS.fields if field not in silver.LINEAGE)
FACT_LINEAGE_COLUMNS = ("_source_file", "_ingest_date")
AS_OF_ATTRIBUTES = (  # (fact column, dimension schema it comes from)
    ("category", DIM_PRODUCT),
    ("loyalty_tier", DIM_CUSTOMER),
    ("region", DIM_STORE),
)

FACT_SALES = StructType(
    _silver_fields(silver.TRANSACTIONS, FACT_BUSINESS_COLUMNS)
    + [StructField(name, dim[name].dataType, nullable=False) for name, dim in AS_OF_ATTRIBUTES]
    + _silver_fields(silver.TRANSACTIONS, FACT_LINEAGE_COLUMNS)
)


def _fact_field(name: str, nullable: bool = True) -> StructField:
    return StructField(name, FACT_SALES[name].dataType, nullable=nullable)


def _count(name: str) -> StructField:
    return StructField(name, LongType(), nullable=False)


def _money(name: str) -> StructField:
    return StructField(name, silver.MONEY, nullable=True)


DAILY_SALES_SUMMARY = StructType([
    _fact_field("transaction_date"), _money("total_revenue"), _count("total_transactions"),
    StructField("total_quantity", LongType(), nullable=True), _count("unique_customers"),
    _money("avg_transaction_value"),
])

PRODUCT_CATEGORY_PERFORMANCE = StructType([
    _fact_field("transaction_date"), _fact_field("category", nullable=False), _money("revenue"),
    StructField("units", LongType(), nullable=True), _count("transactions"),
    StructField("revenue_share", SHARE, nullable=True),
])

STORE_PERFORMANCE = StructType([
    _fact_field("transaction_date"), _fact_field("store_id"), _fact_field("region"), _money("revenue"),
    _count("transactions"), _count("unique_customers"),
])

CUSTOMER_SEGMENTATION = StructType([
    StructField("as_of_date", DateType(), nullable=False), _fact_field("customer_id"), _money("total_spend_365d"),
    _count("transactions_365d"), StructField("last_purchase_date", DateType(), nullable=True),
    StructField("recency_days", IntegerType(), nullable=True), StructField("segment", StringType(), nullable=False),
])

# data_quality (contract §4.4): built from a run's counts in Python (gold/data_quality.py), not by Spark, so the
# nullability is the truth of those rows: only `reason` is null (a source's row without quarantined rows).
DATA_QUALITY_PARTITION = "run_date"
DATA_QUALITY = StructType([
    StructField(DATA_QUALITY_PARTITION, DateType(), nullable=False),
    StructField("run_id", StringType(), nullable=False),
    StructField("run_started_at", TimestampType(), nullable=False),
    StructField("source", StringType(), nullable=False),
    StructField("reason", StringType(), nullable=True),
    _count("records_read"),
    _count("silver_rows"),
    _count("quarantined_rows"),
])
