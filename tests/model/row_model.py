"""An independent plain-Python model of the row rules (DATA_CONTRACT.md §2, §3.1-§3.3, §7).

Written from the contract text alone, never from the package: nothing here imports `lakehouse`. Column lists,
patterns, value sets and limits are typed again from the contract; the patterns are Python regular expressions with
ASCII classes (§7), always applied with `re.fullmatch`, which, unlike `$`, tolerates no trailing line terminator.

Raw values come in by contract column name, untrimmed. `row_reason` gives the first failing rule of §3.1/§3.2/§3.3
(duplicates aside), `mark_duplicates` adds `duplicate_key` over a batch in landing order, and `silver_values` gives
the typed Silver row of an accepted record. Timestamps are epoch microseconds (UTC), which keeps the model free of
time zones; money is `Decimal` with two places.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

TRANSACTIONS, CUSTOMERS, PRODUCTS, STORES = "transactions", "customers", "products", "stores"

# §3.1-§3.3 required columns, in the contract's column order (§7: "in column order" means this order).
CDC_META = ("__$start_lsn", "__$seqval", "__$operation", "__$update_mask", "commit_ts")
COLUMNS: dict[str, tuple[str, ...]] = {
    TRANSACTIONS: (
        "transaction_id", "customer_id", "product_id", "store_id", "transaction_ts", "quantity", "unit_price",
        "discount", "payment_method", "channel",
    ),
    CUSTOMERS: CDC_META + (
        "customer_id", "first_name", "last_name", "email", "city", "country", "loyalty_tier", "signup_date",
    ),
    PRODUCTS: CDC_META + ("product_id", "product_name", "category", "subcategory", "list_price", "is_active"),
    STORES: ("store_id", "store_name", "city", "region", "country", "store_type", "opened_date"),
}
KEYS = {TRANSACTIONS: "transaction_id", CUSTOMERS: "customer_id", PRODUCTS: "product_id", STORES: "store_id"}

# §3 value sets ("any case", stored lower case) and limits.
PAYMENT_METHODS = ("card", "cash", "wallet", "voucher")
CHANNELS = ("store", "online", "mobile")
LOYALTY_TIERS = ("bronze", "silver", "gold", "platinum")
STORE_TYPES = ("flagship", "standard", "outlet", "online")
FLAGS = {"true": True, "1": True, "false": False, "0": False}
QUANTITY_RANGE = (1, 10000)
MONEY_LIMIT = Decimal("1000000")
MAX_OFFSET_MINUTES = 18 * 60  # §7: offsets up to ±18:00

ASCII_WHITESPACE = " \t\n\r\x0b\x0c"  # §7: trimming removes ASCII whitespace only


def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text, re.ASCII)


# §3 patterns, §7 ASCII classes. Groups are only there so the parsers can read the parts.
ID = _pattern(r"[A-Za-z0-9_-]{1,64}")
TIMESTAMP = _pattern(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:Z|([+-])(\d{2}):(\d{2}))"
)
DATE = _pattern(r"(\d{4})-(\d{2})-(\d{2})")
MONEY = _pattern(r"\d+(?:\.\d{1,2})?")
QUANTITY = _pattern(r"[+-]?\d+")
LSN = _pattern(r"0x[0-9A-Fa-f]{20}")  # §7: prefix lower-case `0x`, digits any case
OPERATION = _pattern(r"[1-4]")  # §7: exactly one digit 1-4
EMAIL = _pattern(r"[^@\s]+@[^@\s]+\.[^@\s]+")
COUNTRY = _pattern(r"[A-Za-z]{2}")

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FIRST_INSTANT = (datetime(1, 1, 1, tzinfo=UTC) - EPOCH) // timedelta(microseconds=1)
LAST_INSTANT = (datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC) - EPOCH) // timedelta(microseconds=1)
MICROSECOND = timedelta(microseconds=1)


def clean(raw: str | None) -> str | None:
    """§2, §7: every value is trimmed of ASCII whitespace; an empty value is null."""
    if raw is None:
        return None
    trimmed = raw.strip(ASCII_WHITESPACE)
    return trimmed or None


def matches(pattern: re.Pattern[str], value: str | None) -> bool:
    return value is not None and pattern.fullmatch(value) is not None


# Parsers: the typed value, or None when the (cleaned, non-null) text is not valid.


def parse_timestamp(value: str | None) -> int | None:
    """Epoch microseconds of a real calendar instant in the §3 format (§7: hour 00-23, second 00-59, ±18:00)."""
    found = TIMESTAMP.fullmatch(value) if value is not None else None
    if found is None:
        return None
    year, month, day, hour, minute, second = (int(found.group(index)) for index in range(1, 7))
    fraction = int((found.group(7) or "").ljust(6, "0"))
    sign, offset_hours, offset_minutes = found.group(8), found.group(9), found.group(10)
    offset = 0
    if sign is not None:
        if int(offset_minutes) > 59:
            return None
        offset = int(offset_hours) * 60 + int(offset_minutes)
        if offset > MAX_OFFSET_MINUTES:
            return None
        offset = -offset if sign == "-" else offset
    try:
        wall_clock = datetime(year, month, day, hour, minute, second, fraction, tzinfo=UTC)
    except ValueError:  # no such day, hour 24, minute or second 60, year 0
        return None
    micros = (wall_clock - EPOCH) // MICROSECOND - offset * 60 * 1_000_000
    # Stored in UTC (§3): an instant whose UTC date falls outside years 1-9999 has no calendar date to store.
    return micros if FIRST_INSTANT <= micros <= LAST_INSTANT else None


def utc_date(micros: int) -> date:
    return (EPOCH + micros * MICROSECOND).date()


def parse_date(value: str | None) -> date | None:
    found = DATE.fullmatch(value) if value is not None else None
    if found is None:
        return None
    try:
        return date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:
        return None


def parse_money(value: str | None) -> Decimal | None:
    """§3: `\\d+(\\.\\d{1,2})?`, at most 1000000, decimal(18,2)."""
    if not matches(MONEY, value):
        return None
    amount = Decimal(value)
    return amount.quantize(Decimal("0.01")) if amount <= MONEY_LIMIT else None


def parse_quantity(value: str | None) -> int | None:
    if not matches(QUANTITY, value):
        return None
    number = int(value)
    low, high = QUANTITY_RANGE
    return number if low <= number <= high else None


def parse_choice(value: str | None, allowed: tuple[str, ...]) -> str | None:
    """Any case, stored lower case."""
    if value is None:
        return None
    lowered = value.lower()
    return lowered if lowered in allowed else None


def parse_flag(value: str | None) -> bool | None:
    return None if value is None else FLAGS.get(value.lower())


def parse_lsn(value: str | None) -> str | None:
    """§3.2: stored with `0x` kept lower case and the hex digits upper case."""
    return "0x" + value[2:].upper() if matches(LSN, value) else None


def parse_operation(value: str | None) -> int | None:
    return int(value) if matches(OPERATION, value) else None


def parse_country(value: str | None) -> str | None:
    return value.upper() if matches(COUNTRY, value) else None


def parse_email(value: str | None) -> str | None:
    return value if matches(EMAIL, value) else None


def is_invalid_nullable(value: str | None, parse: Callable[[str | None], object]) -> bool:
    """A nullable column: present but not parsing."""
    return value is not None and parse(value) is None


def missing(column: str) -> str:
    return f"missing_value:{column}"


def invalid_id(column: str) -> str:
    return f"invalid_id:{column}"


# One function per source: the rules of its §3 subsection in order, the first failing one returned.


def _transaction_reason(v: dict[str, str | None]) -> str | None:
    """§3.1 rules 2-9."""
    for column in COLUMNS[TRANSACTIONS]:
        if column != "discount" and v[column] is None:
            return missing(column)
    for column in ("transaction_id", "customer_id", "product_id", "store_id"):
        if not matches(ID, v[column]):
            return invalid_id(column)
    if parse_timestamp(v["transaction_ts"]) is None:
        return "invalid_timestamp"
    quantity = parse_quantity(v["quantity"])
    if quantity is None:
        return "invalid_quantity"
    unit_price = parse_money(v["unit_price"])
    if unit_price is None:
        return "invalid_price"
    if v["discount"] is not None:
        discount = parse_money(v["discount"])
        if discount is None or discount > quantity * unit_price:
            return "invalid_discount"
    if parse_choice(v["payment_method"], PAYMENT_METHODS) is None:
        return "invalid_payment_method"
    if parse_choice(v["channel"], CHANNELS) is None:
        return "invalid_channel"
    return None


def _customer_attribute_reason(v: dict[str, str | None]) -> str | None:
    """§3.2 rule 6, customers."""
    if is_invalid_nullable(v["email"], parse_email):
        return "invalid_email"
    if is_invalid_nullable(v["country"], parse_country):
        return "invalid_country"
    if is_invalid_nullable(v["loyalty_tier"], lambda text: parse_choice(text, LOYALTY_TIERS)):
        return "invalid_tier"
    if is_invalid_nullable(v["signup_date"], parse_date):
        return "invalid_date"
    return None


def _product_attribute_reason(v: dict[str, str | None]) -> str | None:
    """§3.2 rule 6, products."""
    for column in ("product_name", "category"):
        if v[column] is None:
            return missing(column)
    if is_invalid_nullable(v["list_price"], parse_money):
        return "invalid_price"
    if is_invalid_nullable(v["is_active"], parse_flag):
        return "invalid_flag"
    return None


def _cdc_reason(source: str, v: dict[str, str | None]) -> str | None:
    """§3.2 rules 2-6."""
    key = KEYS[source]
    for column in ("__$start_lsn", "__$seqval", "__$operation", "commit_ts", key):
        if v[column] is None:
            return missing(column)
    if parse_lsn(v["__$start_lsn"]) is None or parse_lsn(v["__$seqval"]) is None:
        return "invalid_lsn"
    operation = parse_operation(v["__$operation"])
    if operation is None:
        return "invalid_operation"
    if parse_timestamp(v["commit_ts"]) is None:
        return "invalid_timestamp"
    if not matches(ID, v[key]):
        return invalid_id(key)
    if operation not in (2, 4):  # §3.2 rule 6: attributes of 1 and 3 are not checked
        return None
    return _customer_attribute_reason(v) if source == CUSTOMERS else _product_attribute_reason(v)


def _store_reason(v: dict[str, str | None]) -> str | None:
    """§3.3 rules 2-6 (§7: store_type null is invalid, country may be null)."""
    for column in ("store_id", "store_name", "region"):
        if v[column] is None:
            return missing(column)
    if not matches(ID, v["store_id"]):
        return invalid_id("store_id")
    if is_invalid_nullable(v["country"], parse_country):
        return "invalid_country"
    if parse_choice(v["store_type"], STORE_TYPES) is None:
        return "invalid_store_type"
    if is_invalid_nullable(v["opened_date"], parse_date):
        return "invalid_date"
    return None


def cleaned(source: str, fields: dict[str, str | None]) -> dict[str, str | None]:
    return {column: clean(fields[column]) for column in COLUMNS[source]}


def row_reason(source: str, fields: dict[str, str | None], is_malformed: bool) -> str | None:
    """The reason of the first failing rule of §3.1/§3.2/§3.3 (rule 1 `malformed_row` first), or None.
    `duplicate_key` is left to `mark_duplicates`."""
    if is_malformed:
        return "malformed_row"
    values = cleaned(source, fields)
    if source == TRANSACTIONS:
        return _transaction_reason(values)
    if source == STORES:
        return _store_reason(values)
    return _cdc_reason(source, values)


def duplicate_key(source: str, fields: dict[str, str | None], ingest_date: date) -> tuple:
    """What two accepted rows must share to be duplicates: §3.1 rule 10, §3.2 rule 7 (§7: normalised LSN and
    seqval), §3.3 rule 7 (same snapshot = same ingest_date)."""
    values = cleaned(source, fields)
    key = values[KEYS[source]]
    if source == TRANSACTIONS:
        return (key,)
    if source == STORES:
        return key, ingest_date
    return (key, parse_lsn(values["__$start_lsn"]), parse_lsn(values["__$seqval"]),
            parse_operation(values["__$operation"]))


def mark_duplicates(
    source: str, rows: Sequence[tuple[dict[str, str | None], date]], reasons: Sequence[str | None]
) -> list[str | None]:
    """`duplicate_key` for an otherwise valid row whose key an earlier accepted row (landing order = the order of
    `rows`) already claimed. A rejected row never claims a key (§3)."""
    claimed: set[tuple] = set()
    result: list[str | None] = []
    for (fields, ingest_date), reason in zip(rows, reasons, strict=True):
        if reason is not None:
            result.append(reason)
            continue
        key = duplicate_key(source, fields, ingest_date)
        result.append("duplicate_key" if key in claimed else None)
        claimed.add(key)
    return result


def _money_or_zero(value: Decimal | None) -> Decimal:
    return value if value is not None else Decimal("0.00")


def silver_values(source: str, fields: dict[str, str | None]) -> dict[str, object]:
    """The typed Silver row of an accepted record, by Silver column name, lineage excluded (§3.1-§3.3, §7)."""
    v = cleaned(source, fields)
    if source == TRANSACTIONS:
        ts = parse_timestamp(v["transaction_ts"])
        quantity, unit_price = parse_quantity(v["quantity"]), parse_money(v["unit_price"])
        discount = _money_or_zero(parse_money(v["discount"]))  # §7: null discount is 0.00
        return {
            "transaction_id": v["transaction_id"], "customer_id": v["customer_id"], "product_id": v["product_id"],
            "store_id": v["store_id"], "transaction_ts": ts, "transaction_date": utc_date(ts),
            "quantity": quantity, "unit_price": unit_price, "discount": discount,
            "amount": quantity * unit_price - discount,
            "payment_method": parse_choice(v["payment_method"], PAYMENT_METHODS),
            "channel": parse_choice(v["channel"], CHANNELS),
        }
    if source == STORES:
        return {
            "store_id": v["store_id"], "store_name": v["store_name"], "city": v["city"], "region": v["region"],
            "country": parse_country(v["country"]), "store_type": parse_choice(v["store_type"], STORE_TYPES),
            "opened_date": parse_date(v["opened_date"]),
        }
    commit_ts = parse_timestamp(v["commit_ts"])
    meta = {
        KEYS[source]: v[KEYS[source]], "start_lsn": parse_lsn(v["__$start_lsn"]), "seqval": parse_lsn(v["__$seqval"]),
        "operation": parse_operation(v["__$operation"]), "commit_ts": commit_ts, "commit_date": utc_date(commit_ts),
    }
    if source == CUSTOMERS:  # §7: an attribute that does not parse (operations 1 and 3) is stored as null
        return {
            **meta, "first_name": v["first_name"], "last_name": v["last_name"], "email": parse_email(v["email"]),
            "city": v["city"], "country": parse_country(v["country"]),
            "loyalty_tier": parse_choice(v["loyalty_tier"], LOYALTY_TIERS), "signup_date": parse_date(v["signup_date"]),
        }
    return {
        **meta, "product_name": v["product_name"], "category": v["category"], "subcategory": v["subcategory"],
        "list_price": parse_money(v["list_price"]), "is_active": parse_flag(v["is_active"]),
    }
