"""Facts of the data contract (../shared/contracts/DATA_CONTRACT.md), declared once.

Every other module takes source names, column lists, value sets, limits and reason-code spellings from here.
"""

from __future__ import annotations

from dataclasses import dataclass

# §1 sources and their kinds
TRANSACTIONS = "transactions"
CUSTOMERS = "customers"
PRODUCTS = "products"
STORES = "stores"
SOURCES = (TRANSACTIONS, CUSTOMERS, PRODUCTS, STORES)

# §2 / §3 reason codes (one spelling each). Parameterised codes are built by the helpers below.
FILE_NOT_UTF8 = "file_not_utf8"
FILE_NO_HEADER = "file_no_header"
FILE_MISSING_COLUMN = "file_missing_column"
MALFORMED_ROW = "malformed_row"
MISSING_VALUE = "missing_value"
INVALID_ID = "invalid_id"
INVALID_TIMESTAMP = "invalid_timestamp"
INVALID_DATE = "invalid_date"
INVALID_QUANTITY = "invalid_quantity"
INVALID_PRICE = "invalid_price"
INVALID_DISCOUNT = "invalid_discount"
INVALID_PAYMENT_METHOD = "invalid_payment_method"
INVALID_CHANNEL = "invalid_channel"
INVALID_LSN = "invalid_lsn"
INVALID_OPERATION = "invalid_operation"
INVALID_EMAIL = "invalid_email"
INVALID_COUNTRY = "invalid_country"
INVALID_TIER = "invalid_tier"
INVALID_FLAG = "invalid_flag"
INVALID_STORE_TYPE = "invalid_store_type"
DUPLICATE_KEY = "duplicate_key"
# Not a quarantine reason: a record of a customer erased by `lakehouse forget`, dropped before Silver (§8).
ERASED_SUBJECT = "erased_subject"


def with_column(code: str, column: str) -> str:
    """`missing_value:<col>`, `invalid_id:<col>`, `file_missing_column:<name>`."""
    return f"{code}:{column}"


# §3 value sets and limits
PAYMENT_METHODS = ("card", "cash", "wallet", "voucher")
CHANNELS = ("store", "online", "mobile")
LOYALTY_TIERS = ("bronze", "silver", "gold", "platinum")
STORE_TYPES = ("flagship", "standard", "outlet", "online")
CDC_OPERATIONS = (1, 2, 3, 4)
OP_DELETE, OP_INSERT, OP_BEFORE_IMAGE, OP_AFTER_IMAGE = CDC_OPERATIONS
QUANTITY_MIN, QUANTITY_MAX = 1, 10000
MONEY_MAX = "1000000"
FLAG_TRUE = ("true", "1")
FLAG_FALSE = ("false", "0")

# §3 patterns (ASCII classes, §7), each anchored by `full_match`. They are read by two engines: RE2 (Arrow's
# `match_substring_regex`), which matches Bronze values in the parse tasks (`silver.parsed.MATCHED`), and Java
# (Spark's `rlike`), which Great Expectations uses on Silver. So they keep to what both read alike: ASCII
# classes written out, quantifiers, groups, alternation, `^` and `\z`; no `\s`, `\d`, `\w`, `.` or `$` (RE2's `\s`
# lacks \x0B; Java's `$` also matches before a final line terminator: \n, \r, U+0085, U+2028, U+2029, so
# 'P1' + U+2028 would pass `^...$`; `\z` is the absolute end of the value, which no terminator satisfies).
# tests/model/test_known_defects.py holds both engines to the model.


def full_match(body: str) -> str:
    """The regex that matches a whole value against `body` and nothing more (no trailing line terminator)."""
    return rf"^(?:{body})\z"


ID_PATTERN = full_match(r"[A-Za-z0-9_-]{1,64}")
TIMESTAMP_PATTERN = full_match(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})"
)
DATE_PATTERN = full_match(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MONEY_PATTERN = full_match(r"[0-9]+(\.[0-9]{1,2})?")
INTEGER_PATTERN = full_match(r"[+-]?[0-9]+")
LSN_PATTERN = full_match(r"0x[0-9A-Fa-f]{20}")
OPERATION_PATTERN = full_match(r"[1-4]")
_NOT_AT_OR_SPACE = r"[^@ \t\n\x0B\f\r]"  # §7: ASCII whitespace (Java's and Python's `\s`), written out for RE2
EMAIL_PATTERN = full_match(rf"{_NOT_AT_OR_SPACE}+@{_NOT_AT_OR_SPACE}+\.{_NOT_AT_OR_SPACE}+")
COUNTRY_PATTERN = full_match(r"[A-Za-z]{2}")
PATTERNS = {
    "id": ID_PATTERN, "timestamp": TIMESTAMP_PATTERN, "date": DATE_PATTERN, "money": MONEY_PATTERN,
    "integer": INTEGER_PATTERN, "lsn": LSN_PATTERN, "operation": OPERATION_PATTERN, "email": EMAIL_PATTERN,
    "country": COUNTRY_PATTERN,
}

CDC_META_COLUMNS = ("__$start_lsn", "__$seqval", "__$operation", "__$update_mask", "commit_ts")


@dataclass(frozen=True)
class SourceSpec:
    """What the contract says about one Bronze source."""

    name: str
    kind: str  # "events" | "cdc" | "snapshot"
    required_columns: tuple[str, ...]  # in contract order: this order names the first missing column (§7)
    key: str
    silver_table: str
    partition_column: str


SOURCE_SPECS: dict[str, SourceSpec] = {
    TRANSACTIONS: SourceSpec(
        name=TRANSACTIONS,
        kind="events",
        required_columns=(
            "transaction_id", "customer_id", "product_id", "store_id", "transaction_ts",
            "quantity", "unit_price", "discount", "payment_method", "channel",
        ),
        key="transaction_id",
        silver_table="transactions",
        partition_column="transaction_date",
    ),
    CUSTOMERS: SourceSpec(
        name=CUSTOMERS,
        kind="cdc",
        required_columns=CDC_META_COLUMNS + (
            "customer_id", "first_name", "last_name", "email", "city", "country", "loyalty_tier", "signup_date",
        ),
        key="customer_id",
        silver_table="customers_changes",
        partition_column="commit_date",
    ),
    PRODUCTS: SourceSpec(
        name=PRODUCTS,
        kind="cdc",
        required_columns=CDC_META_COLUMNS + (
            "product_id", "product_name", "category", "subcategory", "list_price", "is_active",
        ),
        key="product_id",
        silver_table="products_changes",
        partition_column="commit_date",
    ),
    STORES: SourceSpec(
        name=STORES,
        kind="snapshot",
        required_columns=("store_id", "store_name", "city", "region", "country", "store_type", "opened_date"),
        key="store_id",
        silver_table="stores_snapshots",
        partition_column="snapshot_date",
    ),
}

LINEAGE_COLUMNS = ("_source_file", "_ingest_date", "_run_id", "_ingested_at")
QUARANTINE_COLUMNS = ("reason", "_source_file", "_record_number", "_run_id", "_ingested_at", "raw")
