"""Row rules of contract §3, declared as data: for each source, the ordered list of (reason, condition).

The engine (`silver.classify`) takes the first rule whose condition is true as the row's reason. `duplicate_key`
is always last and needs a window over the batch and the stored Silver keys, so the engine adds it itself.
Conditions read the cleaned string columns named in `bronze_columns` (contract names, `__$` dropped) and their
parsed values (`silver.parsed`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pyspark.sql import Column
from pyspark.sql import functions as F

from lakehouse import contract as c
from lakehouse.silver import columns as col_fn
from lakehouse.silver.parsed import parsed


@dataclass(frozen=True)
class Rule:
    reason: str
    is_violated: Column


def internal_name(contract_column: str) -> str:
    """`__$start_lsn` -> `start_lsn`: the `$` names stay at the Bronze edge."""
    return contract_column.removeprefix("__$")


def bronze_columns(source: str) -> tuple[str, ...]:
    return tuple(internal_name(name) for name in c.SOURCE_SPECS[source].required_columns)


def _malformed() -> Rule:
    return Rule(c.MALFORMED_ROW, F.col("_is_malformed"))


def _missing(contract_columns: tuple[str, ...]) -> list[Rule]:
    return [
        Rule(c.with_column(c.MISSING_VALUE, name), F.col(internal_name(name)).isNull()) for name in contract_columns
    ]


def _invalid_ids(names: tuple[str, ...]) -> list[Rule]:
    return [Rule(c.with_column(c.INVALID_ID, name), ~col_fn.matches(F.col(name), c.ID_PATTERN)) for name in names]


def _nullable_invalid(reason: str, name: str) -> Rule:
    return Rule(reason, col_fn.is_invalid_nullable(F.col(name), parsed(name)))


def transaction_rules() -> list[Rule]:
    spec = c.SOURCE_SPECS[c.TRANSACTIONS]
    quantity, unit_price, discount = parsed("quantity"), parsed("unit_price"), parsed("discount")
    is_discount_bad = F.col("discount").isNotNull() & (discount.isNull() | (discount > quantity * unit_price))
    return [
        _malformed(),
        *_missing(tuple(name for name in spec.required_columns if name != "discount")),
        *_invalid_ids(("transaction_id", "customer_id", "product_id", "store_id")),
        Rule(c.INVALID_TIMESTAMP, parsed("transaction_ts").isNull()),
        Rule(c.INVALID_QUANTITY, quantity.isNull()),
        Rule(c.INVALID_PRICE, unit_price.isNull()),
        Rule(c.INVALID_DISCOUNT, is_discount_bad),
        Rule(c.INVALID_PAYMENT_METHOD, parsed("payment_method").isNull()),
        Rule(c.INVALID_CHANNEL, parsed("channel").isNull()),
    ]


def _cdc_rules(key: str, attribute_rules: list[Rule]) -> list[Rule]:
    is_after_image = parsed("operation").isin(c.OP_INSERT, c.OP_AFTER_IMAGE)
    has_bad_lsn = parsed("start_lsn").isNull() | parsed("seqval").isNull()
    return [
        _malformed(),
        *_missing(("__$start_lsn", "__$seqval", "__$operation", "commit_ts", key)),
        Rule(c.INVALID_LSN, has_bad_lsn),
        Rule(c.INVALID_OPERATION, parsed("operation").isNull()),
        Rule(c.INVALID_TIMESTAMP, parsed("commit_ts").isNull()),
        *_invalid_ids((key,)),
        *[Rule(rule.reason, is_after_image & rule.is_violated) for rule in attribute_rules],
    ]


def customer_rules() -> list[Rule]:
    email = F.col("email")
    return _cdc_rules(
        "customer_id",
        [
            Rule(c.INVALID_EMAIL, email.isNotNull() & ~col_fn.matches(email, c.EMAIL_PATTERN)),
            _nullable_invalid(c.INVALID_COUNTRY, "country"),
            _nullable_invalid(c.INVALID_TIER, "loyalty_tier"),
            _nullable_invalid(c.INVALID_DATE, "signup_date"),
        ],
    )


def product_rules() -> list[Rule]:
    return _cdc_rules(
        "product_id",
        [
            *_missing(("product_name", "category")),
            _nullable_invalid(c.INVALID_PRICE, "list_price"),
            _nullable_invalid(c.INVALID_FLAG, "is_active"),
        ],
    )


def store_rules() -> list[Rule]:
    return [
        _malformed(),
        *_missing(("store_id", "store_name", "region")),
        *_invalid_ids(("store_id",)),
        _nullable_invalid(c.INVALID_COUNTRY, "country"),
        Rule(c.INVALID_STORE_TYPE, parsed("store_type").isNull()),
        _nullable_invalid(c.INVALID_DATE, "opened_date"),
    ]


SOURCE_RULES: dict[str, Callable[[], list[Rule]]] = {
    c.TRANSACTIONS: transaction_rules,
    c.CUSTOMERS: customer_rules,
    c.PRODUCTS: product_rules,
    c.STORES: store_rules,
}


def all_reason_codes(source: str) -> list[str]:
    """Every reason code a row of `source` can get, in rule order (for reports and tests)."""
    return [rule.reason for rule in SOURCE_RULES[source]()] + [c.DUPLICATE_KEY]
