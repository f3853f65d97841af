"""Each raw column that needs parsing, with its parser, per source: parsed once per row into `_p_<column>`; and
each raw column whose value must match a contract pattern (§3), matched once per value into `_m_<column>`.

The rules (`silver.rules`) and the Silver builders (`silver.build`) both read these columns. Parsing once in its
own projection, rather than inside every rule condition and again in the builder, saves Spark from evaluating the
same regular expressions and timestamp parses several times per row (the rule chain is a lazy coalesce, which
Spark cannot share work across).

The patterns are matched by the parse tasks (`bronze.records`), by RE2 over a whole Arrow column at a time
(`pattern_matches`), not by Spark's `rlike`, which decodes every value into a Java string and makes a matcher for it
(a quarter of the classification's task time at 2.1M transactions). The contract's patterns keep to what RE2 and
Java read alike (`contract.full_match`); tests/model holds both to the model.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pyarrow as pa
import pyarrow.compute as pc
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lakehouse import contract as c
from lakehouse.silver import columns as col_fn

Parser = Callable[..., Column]  # (raw value), or (raw value, whether it matched) for a parser in PARSER_PATTERNS

_CDC: dict[str, Parser] = {
    "start_lsn": col_fn.parse_lsn,
    "seqval": col_fn.parse_lsn,
    "operation": col_fn.parse_operation,
    "commit_ts": col_fn.parse_timestamp,
}

PARSERS: dict[str, dict[str, Parser]] = {
    c.TRANSACTIONS: {
        "transaction_ts": col_fn.parse_timestamp,
        "quantity": col_fn.parse_quantity,
        "unit_price": col_fn.parse_money,
        "discount": col_fn.parse_money,
        "payment_method": partial(col_fn.parse_choice, allowed=c.PAYMENT_METHODS),
        "channel": partial(col_fn.parse_choice, allowed=c.CHANNELS),
    },
    c.CUSTOMERS: {
        **_CDC,
        "country": col_fn.parse_country,
        "loyalty_tier": partial(col_fn.parse_choice, allowed=c.LOYALTY_TIERS),
        "signup_date": col_fn.parse_date,
    },
    c.PRODUCTS: {**_CDC, "list_price": col_fn.parse_money, "is_active": col_fn.parse_flag},
    c.STORES: {
        "country": col_fn.parse_country,
        "store_type": partial(col_fn.parse_choice, allowed=c.STORE_TYPES),
        "opened_date": col_fn.parse_date,
    },
}

# The contract pattern a parser's value must match first (§3): such a parser takes whether it does (`is_match`).
PARSER_PATTERNS: dict[Parser, str] = {
    col_fn.parse_timestamp: c.TIMESTAMP_PATTERN, col_fn.parse_date: c.DATE_PATTERN,
    col_fn.parse_money: c.MONEY_PATTERN, col_fn.parse_quantity: c.INTEGER_PATTERN, col_fn.parse_lsn: c.LSN_PATTERN,
    col_fn.parse_operation: c.OPERATION_PATTERN, col_fn.parse_country: c.COUNTRY_PATTERN,
}

# Raw columns matched for a rule of their own rather than parsed (`silver.rules`: invalid_id, invalid_email).
_CHECKED: dict[str, dict[str, str]] = {
    c.TRANSACTIONS: {name: c.ID_PATTERN for name in ("transaction_id", "customer_id", "product_id", "store_id")},
    c.CUSTOMERS: {"customer_id": c.ID_PATTERN, "email": c.EMAIL_PATTERN},
    c.PRODUCTS: {"product_id": c.ID_PATTERN},
    c.STORES: {"store_id": c.ID_PATTERN},
}

# The contract pattern each raw column's value must match (§3), per source: the checked columns' and the parsers'.
MATCHED: dict[str, dict[str, str]] = {
    source: {**checked, **{name: PARSER_PATTERNS[parse] for name, parse in PARSERS[source].items()
                           if parse in PARSER_PATTERNS}}
    for source, checked in _CHECKED.items()
}


def match_column(name: str) -> str:
    return f"_m_{name}"


def matched(name: str) -> Column:
    """Whether a raw column's value matches its pattern (MATCHED; False for a null value), from the parse tasks."""
    return F.col(match_column(name))


def pattern_matches(values: pa.Array, pattern: str) -> pa.Array:
    """Whether each value matches `pattern` (a contract pattern, `contract.full_match`), False for a null: RE2."""
    return pc.fill_null(pc.match_substring_regex(values, pattern), False)


def parsed(name: str) -> Column:
    """The typed value of a raw column (null when it does not parse); see `add_parsed_columns`."""
    return F.col(f"_p_{name}")


def _parse(name: str, parse: Parser) -> Column:
    return parse(F.col(name), matched(name)) if parse in PARSER_PATTERNS else parse(F.col(name))


def add_parsed_columns(bronze_df: DataFrame, source: str) -> DataFrame:
    """Records with their `_m_` columns (`bronze.records`) -> plus the parsed value of each column in PARSERS."""
    return bronze_df.select("*", *[_parse(name, parse).alias(f"_p_{name}")
                                   for name, parse in PARSERS[source].items()])
