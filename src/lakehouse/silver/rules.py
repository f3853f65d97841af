"""Row rules of contract §3, declared once, as data: for each source, the ordered list of rules.

A rule says three things in one place:
- the `reason` a failing row is quarantined with;
- when a row fails it (`is_violated`, a Spark condition on the cleaned Bronze strings and their parsed values, built
  when the rules are applied, so reading the declarations needs no Spark);
- what it therefore guarantees about every row that reaches Silver (`guarantees`), which `quality.suites` turns into
  the Great Expectations suite that validates each Silver batch before it is committed.
So a new rule, or a changed one, changes the quarantine split and the quality gate together.

The engine (`silver.classify`) takes the first rule whose condition is true as the row's reason. `duplicate_key` is
always last and needs a window over the batch and the key index, so the engine adds it itself; its guarantee is
`duplicate_key_guarantee`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from pyspark.sql import Column
from pyspark.sql import functions as F

from lakehouse import contract as c
from lakehouse.silver import columns as col_fn
from lakehouse.silver.parsed import matched, parsed

# What Silver can be checked for, named as Great Expectations names the expectation (reports show these names).
NOT_NULL = "expect_column_values_to_not_be_null"
UNIQUE = "expect_column_values_to_be_unique"
COMPOUND_UNIQUE = "expect_compound_columns_to_be_unique"
IN_SET = "expect_column_values_to_be_in_set"
BETWEEN = "expect_column_values_to_be_between"
MATCH_REGEX = "expect_column_values_to_match_regex"

MONEY_LIMIT = int(Decimal(c.MONEY_MAX))  # GX compares Spark decimals with plain Python numbers
SILVER_LSN_PATTERN = c.full_match("0x[0-9A-F]{20}")  # §3.2: stored with upper-case hex digits
SILVER_COUNTRY_PATTERN = c.full_match("[A-Z]{2}")  # §3.2, §3.3: stored upper case

Number = int | float


@dataclass(frozen=True)
class Guarantee:
    """A property of every Silver row of the rule's table, as one expectation (column names are Silver's)."""

    expectation: str
    column: str | None = None
    columns: tuple[str, ...] = ()  # compound uniqueness
    value_set: tuple[object, ...] | None = None
    min_value: Number | None = None
    max_value: Number | None = None
    regex: str | None = None


@dataclass(frozen=True)
class Rule:
    reason: str
    is_violated: Callable[[], Column]
    guarantees: tuple[Guarantee, ...] = ()


def internal_name(contract_column: str) -> str:
    """`__$start_lsn` -> `start_lsn`: the `$` names stay at the Bronze edge."""
    return contract_column.removeprefix("__$")


def bronze_columns(source: str) -> tuple[str, ...]:
    return tuple(internal_name(name) for name in c.SOURCE_SPECS[source].required_columns)


def _not_null(column: str) -> Guarantee:
    return Guarantee(NOT_NULL, column=column)


def _malformed() -> Rule:
    return Rule(c.MALFORMED_ROW, lambda: F.col("_is_malformed"))


def _is_null(name: str) -> Column:
    return F.col(name).isNull()


def _missing(contract_columns: tuple[str, ...], guaranteed: bool = True) -> list[Rule]:
    """`missing_value:<col>`; Silver keeps the column non-null unless the rule only holds for some rows."""
    return [
        Rule(c.with_column(c.MISSING_VALUE, name), partial(_is_null, internal_name(name)),
             (_not_null(internal_name(name)),) if guaranteed else ())
        for name in contract_columns
    ]


def _id_violated(name: str) -> Column:
    return ~matched(name)  # c.ID_PATTERN (`silver.parsed.MATCHED`)


def _invalid_ids(names: tuple[str, ...]) -> list[Rule]:
    return [Rule(c.with_column(c.INVALID_ID, name), partial(_id_violated, name),
                 (Guarantee(MATCH_REGEX, column=name, regex=c.ID_PATTERN),)) for name in names]


def _unparsed(name: str) -> Column:
    """Required column whose value does not parse."""
    return parsed(name).isNull()


def _nullable_unparsed(name: str) -> Column:
    """A value that is present but does not parse (nullable columns)."""
    return col_fn.is_invalid_nullable(F.col(name), parsed(name))


def _money(name: str) -> Guarantee:
    return Guarantee(BETWEEN, column=name, min_value=0, max_value=MONEY_LIMIT)


def _in_set(name: str, values: tuple[object, ...]) -> Guarantee:
    return Guarantee(IN_SET, column=name, value_set=values)


def _discount_violated() -> Column:
    quantity, unit_price, discount = parsed("quantity"), parsed("unit_price"), parsed("discount")
    return F.col("discount").isNotNull() & (discount.isNull() | (discount > quantity * unit_price))


def transaction_rules() -> list[Rule]:
    spec = c.SOURCE_SPECS[c.TRANSACTIONS]
    return [
        _malformed(),
        *_missing(tuple(name for name in spec.required_columns if name != "discount")),
        *_invalid_ids(("transaction_id", "customer_id", "product_id", "store_id")),
        Rule(c.INVALID_TIMESTAMP, partial(_unparsed, "transaction_ts"), (_not_null("transaction_date"),)),
        Rule(c.INVALID_QUANTITY, partial(_unparsed, "quantity"),
             (Guarantee(BETWEEN, column="quantity", min_value=c.QUANTITY_MIN, max_value=c.QUANTITY_MAX),)),
        Rule(c.INVALID_PRICE, partial(_unparsed, "unit_price"), (_money("unit_price"),)),
        Rule(c.INVALID_DISCOUNT, _discount_violated,
             (Guarantee(BETWEEN, column="discount", min_value=0), Guarantee(BETWEEN, column="amount", min_value=0))),
        Rule(c.INVALID_PAYMENT_METHOD, partial(_unparsed, "payment_method"),
             (_in_set("payment_method", c.PAYMENT_METHODS),)),
        Rule(c.INVALID_CHANNEL, partial(_unparsed, "channel"), (_in_set("channel", c.CHANNELS),)),
    ]


def _lsn_violated() -> Column:
    return parsed("start_lsn").isNull() | parsed("seqval").isNull()


def _after_image_only(rule: Rule) -> Rule:
    """§3.2 rule 6: attributes are checked for operations 2 and 4 only; Silver keeps what holds for every row."""
    def is_violated() -> Column:
        return parsed("operation").isin(c.OP_INSERT, c.OP_AFTER_IMAGE) & rule.is_violated()

    return Rule(rule.reason, is_violated, rule.guarantees)


def _cdc_rules(key: str, attribute_rules: list[Rule]) -> list[Rule]:
    lsn_guarantees = tuple(Guarantee(MATCH_REGEX, column=name, regex=SILVER_LSN_PATTERN)
                           for name in ("start_lsn", "seqval"))
    return [
        _malformed(),
        *_missing(("__$start_lsn", "__$seqval", "__$operation", "commit_ts", key)),
        Rule(c.INVALID_LSN, _lsn_violated, lsn_guarantees),
        Rule(c.INVALID_OPERATION, partial(_unparsed, "operation"), (_in_set("operation", c.CDC_OPERATIONS),)),
        Rule(c.INVALID_TIMESTAMP, partial(_unparsed, "commit_ts"), (_not_null("commit_date"),)),
        *_invalid_ids((key,)),
        *[_after_image_only(rule) for rule in attribute_rules],
    ]


def _email_violated() -> Column:
    return F.col("email").isNotNull() & ~matched("email")  # c.EMAIL_PATTERN


def _country() -> Rule:
    return Rule(c.INVALID_COUNTRY, partial(_nullable_unparsed, "country"),
                (Guarantee(MATCH_REGEX, column="country", regex=SILVER_COUNTRY_PATTERN),))


def customer_rules() -> list[Rule]:
    return _cdc_rules(
        "customer_id",
        [
            # Silver keeps an email only where it matches (an invalid one of operation 1 or 3 is stored as null).
            Rule(c.INVALID_EMAIL, _email_violated, (Guarantee(MATCH_REGEX, column="email", regex=c.EMAIL_PATTERN),)),
            _country(),
            Rule(c.INVALID_TIER, partial(_nullable_unparsed, "loyalty_tier"),
                 (_in_set("loyalty_tier", c.LOYALTY_TIERS),)),
            Rule(c.INVALID_DATE, partial(_nullable_unparsed, "signup_date")),
        ],
    )


def product_rules() -> list[Rule]:
    return _cdc_rules(
        "product_id",
        [
            *_missing(("product_name", "category"), guaranteed=False),  # null stays possible for operations 1, 3
            Rule(c.INVALID_PRICE, partial(_nullable_unparsed, "list_price"), (_money("list_price"),)),
            Rule(c.INVALID_FLAG, partial(_nullable_unparsed, "is_active")),
        ],
    )


def store_rules() -> list[Rule]:
    return [
        _malformed(),
        *_missing(("store_id", "store_name", "region")),
        *_invalid_ids(("store_id",)),
        _country(),
        Rule(c.INVALID_STORE_TYPE, partial(_unparsed, "store_type"), (_in_set("store_type", c.STORE_TYPES),)),
        Rule(c.INVALID_DATE, partial(_nullable_unparsed, "opened_date")),
    ]


SOURCE_RULES: dict[str, Callable[[], list[Rule]]] = {
    c.TRANSACTIONS: transaction_rules,
    c.CUSTOMERS: customer_rules,
    c.PRODUCTS: product_rules,
    c.STORES: store_rules,
}


def duplicate_key_guarantee(source: str) -> Guarantee:
    """`duplicate_key` (§3.1 rule 10, §3.2 rule 7, §3.3 rule 7): Silver holds each key once."""
    spec = c.SOURCE_SPECS[source]
    if spec.kind == "events":
        return Guarantee(UNIQUE, column=spec.key)
    if spec.kind == "cdc":
        return Guarantee(COMPOUND_UNIQUE, columns=(spec.key, "start_lsn", "seqval", "operation"))
    return Guarantee(COMPOUND_UNIQUE, columns=(spec.partition_column, spec.key))
