"""fact_sales: one row per Silver transaction with its dimension attributes as of `transaction_ts` (contract §4.3).

Each attribute comes from a left join of the transactions to the dimension's versions on the key and
valid_from <= transaction_ts < valid_to (an open version has no end), so a transaction that no version matches is
kept, with 'UNKNOWN'.

Which version is valid is decided by time and change order only, never by attribute values (§4.3). A key's
versions are consecutive: each ends where the next begins (or later, after a delete). Several changes at one instant
leave zero-length versions [t, t) followed by the version that is valid from t. Ordered by (valid_from, valid_to,
an open version last), a key's versions come in change order: among versions starting at t, the zero-length ones
(valid_to = t) come before the one that lasts.

Overlapping versions. The builders of §4.1 and §4.2 never make versions of one key overlap, so the join matches at
most one. The join must not fan out even if that were ever broken: a duplicated sale would be counted twice in every
aggregate, and failing the load would stop every later run over one bad dimension row. So, before joining, each
version is cut off where the key's next version (in the order above) starts: the intervals are then disjoint by
construction, the most recently started version wins, and a zero-length version stays zero-length. For contract data
the cut changes nothing. This costs one window over the (small) dimension, where picking one match per transaction
would cost an aggregation and a second join.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from lakehouse.gold import schemas
from lakehouse.silver.build import conform

UNKNOWN = "UNKNOWN"
TS = "transaction_ts"


def _is_in_version(ts: Column, valid_from: Column, valid_to: Column) -> Column:
    """valid_from <= ts < valid_to, an open version (null valid_to) having no end. A zero-length version
    (valid_from = valid_to) therefore never matches."""
    has_started = valid_from <= ts
    has_not_ended = valid_to.isNull() | (ts < valid_to)
    return has_started & has_not_ended


def _known(value: Column) -> Column:
    """No matching version, or a null value, is 'UNKNOWN' (§4.3)."""
    return F.coalesce(value, F.lit(UNKNOWN))


def _disjoint_versions(dim_df: DataFrame, key: str, attribute: str) -> DataFrame:
    """key, valid_from, valid_to, attribute, each version ending no later than the key's next version starts."""
    # Time order only (module docstring). Equal (valid_from, valid_to) happens only for zero-length versions at one
    # instant, which match no transaction whatever their order.
    by_start = Window.partitionBy(F.col(key)).orderBy(F.col("valid_from"), F.col("valid_to").asc_nulls_last())
    next_start = F.lead(F.col("valid_from")).over(by_start)  # row offset: its frame is fixed, so none is given
    valid_until = F.least(F.col("valid_to"), next_start)  # least skips nulls: open only when both are null
    return dim_df.select(F.col(key), F.col("valid_from"), valid_until.alias("valid_to"), F.col(attribute))


def with_as_of_attribute(transactions_df: DataFrame, dim_df: DataFrame, key: str, attribute: str) -> DataFrame:
    """The transactions, each once, plus `attribute` of the `key`'s version valid at `transaction_ts`, or
    'UNKNOWN'."""
    versions_df = _disjoint_versions(dim_df, key, attribute).alias("version")
    is_same_key = F.col(f"tx.{key}") == F.col(f"version.{key}")
    is_in_version = _is_in_version(F.col(f"tx.{TS}"), F.col("version.valid_from"), F.col("version.valid_to"))
    return (
        transactions_df.alias("tx")
        .join(versions_df, on=is_same_key & is_in_version, how="left")
        .select(
            *[F.col(f"tx.{name}") for name in transactions_df.columns],
            _known(F.col(f"version.{attribute}")).alias(attribute),
        )
    )


def build_fact_sales(
    transactions_df: DataFrame, dim_customer_df: DataFrame, dim_product_df: DataFrame, dim_store_df: DataFrame
) -> DataFrame:
    """fact_sales (§4.3) from Silver `transactions` rows and the three SCD2 dimensions (any versions, any keys):
    one row per transaction, with `category`, `loyalty_tier` and `region` as of its `transaction_ts`."""
    return (
        transactions_df
        .transform(with_as_of_attribute, dim_product_df, schemas.PRODUCT_KEY, "category")
        .transform(with_as_of_attribute, dim_customer_df, schemas.CUSTOMER_KEY, "loyalty_tier")
        .transform(with_as_of_attribute, dim_store_df, schemas.STORE_KEY, "region")
        .transform(conform, schemas.FACT_SALES)
    )
