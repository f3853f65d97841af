"""Each raw column that needs parsing, with its parser, per source: parsed once per row into `_p_<column>`.

The rules (`silver.rules`) and the Silver builders (`silver.build`) both read these columns. Parsing once in its
own projection, rather than inside every rule condition and again in the builder, saves Spark from evaluating the
same regular expressions and timestamp parses several times per row (the rule chain is a lazy coalesce, which
Spark cannot share work across).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lakehouse import contract as c
from lakehouse.silver import columns as col_fn

Parser = Callable[[Column], Column]

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


def parsed(name: str) -> Column:
    """The typed value of a raw column (null when it does not parse); see `add_parsed_columns`."""
    return F.col(f"_p_{name}")


def add_parsed_columns(bronze_df: DataFrame, source: str) -> DataFrame:
    return bronze_df.select("*", *[parse(F.col(name)).alias(f"_p_{name}") for name, parse in PARSERS[source].items()])
