"""Gold dimension schemas (contract §4.1, §4.2), declared once. Builders end in a select matching these.

Attribute names come from the contract's column lists and their types from the Silver schemas, so a Silver type
change reaches Gold without a second declaration. Fields are nullable, as in Silver, except `is_current`: it is
`valid_to IS NULL`, which Spark itself declares non-null, so the builders' output schema equals these exactly.
"""

from __future__ import annotations

from pyspark.sql.types import BooleanType, StringType, StructField, StructType, TimestampType

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
