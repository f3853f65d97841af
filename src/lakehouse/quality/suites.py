"""Silver expectations declared as data (DATA_CONTRACT.md §3, §5).

Each Silver table gets a list of `SilverExpectation`s built from the contract constants. Nothing here imports
Great Expectations: `gx_runner` translates these records into GX 1.x expectations, so the rules can be read,
tested and reported without GX or Spark.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from lakehouse.contract import (
    CDC_OPERATIONS,
    CHANNELS,
    CUSTOMERS,
    LOYALTY_TIERS,
    MONEY_MAX,
    PAYMENT_METHODS,
    PRODUCTS,
    QUANTITY_MAX,
    QUANTITY_MIN,
    SOURCE_SPECS,
    STORE_TYPES,
    STORES,
    TRANSACTIONS,
    full_match,
)

# GX expectation names (snake case, as they appear in GX results and Data Docs).
NOT_NULL = "expect_column_values_to_not_be_null"
UNIQUE = "expect_column_values_to_be_unique"
COMPOUND_UNIQUE = "expect_compound_columns_to_be_unique"
IN_SET = "expect_column_values_to_be_in_set"
BETWEEN = "expect_column_values_to_be_between"
MATCH_REGEX = "expect_column_values_to_match_regex"
ROW_COUNT = "expect_table_row_count_to_equal"

# §3.2: Silver stores country upper case, so the Silver check is stricter than the raw COUNTRY_PATTERN.
SILVER_COUNTRY_PATTERN = full_match("[A-Z]{2}")
# §3: money is at most MONEY_MAX; GX compares Spark decimals with plain Python numbers.
MONEY_LIMIT = int(Decimal(MONEY_MAX))

Number = int | float


@dataclass(frozen=True)
class SilverExpectation:
    """One expectation on one Silver table. Column map expectations ignore nulls unless they test for them."""

    table: str
    expectation: str  # one of the GX names above
    column: str | None = None
    columns: tuple[str, ...] = ()  # compound uniqueness
    value_set: tuple[object, ...] | None = None
    min_value: Number | None = None
    max_value: Number | None = None
    regex: str | None = None
    value: int | None = None  # expected row count

    def label(self) -> str:
        """`expect_column_values_to_be_unique(transaction_id)`: how reports name this expectation."""
        target = self.column if self.column is not None else ", ".join(self.columns)
        return f"{self.expectation}({target})"

    def target(self) -> str | None:
        """The column (or comma-joined columns) the expectation looks at; None for table-level ones."""
        if self.column is not None:
            return self.column
        return ", ".join(self.columns) if self.columns else None


def _not_null(table: str, *columns: str) -> list[SilverExpectation]:
    return [SilverExpectation(table, NOT_NULL, column=column) for column in columns]


def _transactions(table: str) -> list[SilverExpectation]:
    """§3.1: key unique and present, ids and timestamp present, ranges and value sets of the row rules."""
    key = SOURCE_SPECS[TRANSACTIONS].key
    return [
        *_not_null(table, key),
        SilverExpectation(table, UNIQUE, column=key),
        *_not_null(table, "customer_id", "product_id", "store_id", "transaction_ts"),
        SilverExpectation(table, BETWEEN, column="quantity", min_value=QUANTITY_MIN, max_value=QUANTITY_MAX),
        SilverExpectation(table, BETWEEN, column="unit_price", min_value=0, max_value=MONEY_LIMIT),
        SilverExpectation(table, BETWEEN, column="discount", min_value=0),
        SilverExpectation(table, BETWEEN, column="amount", min_value=0),
        SilverExpectation(table, IN_SET, column="payment_method", value_set=PAYMENT_METHODS),
        SilverExpectation(table, IN_SET, column="channel", value_set=CHANNELS),
    ]


def _cdc_common(source: str, table: str) -> list[SilverExpectation]:
    """§3.2 rules 2, 4, 7: CDC metadata present, operation 1-4, (key, lsn, seqval, operation) unique."""
    key = SOURCE_SPECS[source].key
    return [
        *_not_null(table, key, "start_lsn", "seqval", "operation", "commit_ts"),
        SilverExpectation(table, COMPOUND_UNIQUE, columns=(key, "start_lsn", "seqval", "operation")),
        SilverExpectation(table, IN_SET, column="operation", value_set=CDC_OPERATIONS),
    ]


def _customers(table: str) -> list[SilverExpectation]:
    """§3.2 customers: tier and country checked where present (null allowed)."""
    return [
        *_cdc_common(CUSTOMERS, table),
        SilverExpectation(table, IN_SET, column="loyalty_tier", value_set=LOYALTY_TIERS),
        SilverExpectation(table, MATCH_REGEX, column="country", regex=SILVER_COUNTRY_PATTERN),
    ]


def _products(table: str) -> list[SilverExpectation]:
    """§3.2 products: list_price within the money range where present (null allowed)."""
    return [
        *_cdc_common(PRODUCTS, table),
        SilverExpectation(table, BETWEEN, column="list_price", min_value=0, max_value=MONEY_LIMIT),
    ]


def _stores(table: str) -> list[SilverExpectation]:
    """§3.3: required columns present, one row per store per snapshot, store_type in the value set."""
    spec = SOURCE_SPECS[STORES]
    return [
        *_not_null(table, spec.key, "store_name", "region", spec.partition_column),
        SilverExpectation(table, COMPOUND_UNIQUE, columns=(spec.partition_column, spec.key)),
        SilverExpectation(table, IN_SET, column="store_type", value_set=STORE_TYPES),
    ]


_BUILDERS = {
    SOURCE_SPECS[TRANSACTIONS].silver_table: _transactions,
    SOURCE_SPECS[CUSTOMERS].silver_table: _customers,
    SOURCE_SPECS[PRODUCTS].silver_table: _products,
    SOURCE_SPECS[STORES].silver_table: _stores,
}

SILVER_TABLES = tuple(_BUILDERS)


def silver_expectations(table: str, expected_rows: int) -> list[SilverExpectation]:
    """The suite for one Silver table, ending with row-count conservation (§3.4: read = Silver + quarantine)."""
    if table not in _BUILDERS:
        raise ValueError(f"unknown Silver table {table!r}; expected one of {', '.join(SILVER_TABLES)}")
    if expected_rows < 0:
        raise ValueError(f"expected_rows for {table!r} must be >= 0, got {expected_rows}")
    return [*_BUILDERS[table](table), SilverExpectation(table, ROW_COUNT, value=expected_rows)]
