"""What new Silver rows change in Gold, so a run recomputes only that (contract §4, §5 "incremental equals full").

A dimension key's versions are a replay of its changes in (`start_lsn`, `seqval`) order (§4.1), and `commit_ts`
never decreases in that order (§3.2). So new changes of a key, late ones included, leave every version instant
before their earliest `commit_ts` as it was: the as-of attributes of §4.3 can differ only for transactions of that
key at or after that instant. Snapshots work the same way by date (§4.2): a new (or late, or newly incomplete)
snapshot date can alter any store from 00:00 UTC of that date on. Together with the dates of the new transactions
themselves, these are the fact dates a run must rebuild; every other date of `fact_sales` stays as it is.
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.gold.scd2_cdc import REPLAYED_OPERATIONS

FROM_TS = "_from_ts"
DATE = "transaction_date"


def cdc_impacts(new_changes_df: DataFrame, key: str) -> DataFrame:
    """One row per key with new replayed changes: the key and the earliest instant they can alter (`_from_ts`)."""
    return (
        new_changes_df
        .where(F.col("operation").isin(*REPLAYED_OPERATIONS))
        .groupBy(F.col(key))
        .agg(F.min(F.col("commit_ts")).alias(FROM_TS))
        .select(F.col(key), F.col(FROM_TS))
    )


def _dates_touched_by(transactions_df: DataFrame, impacts_df: DataFrame, key: str) -> DataFrame:
    joined_df = transactions_df.alias("tx").join(
        impacts_df.alias("impact"),
        on=(F.col(f"tx.{key}") == F.col(f"impact.{key}"))
        & (F.col("tx.transaction_ts") >= F.col(f"impact.{FROM_TS}")),
        how="left_semi",
    )
    return joined_df.select(F.col(DATE))


def impacted_transaction_dates(transactions_df: DataFrame, customer_impacts_df: DataFrame,
                               product_impacts_df: DataFrame) -> DataFrame:
    """Distinct `transaction_date`s holding a transaction whose customer or product as-of attributes may change."""
    return (
        _dates_touched_by(transactions_df, customer_impacts_df, "customer_id")
        .unionByName(_dates_touched_by(transactions_df, product_impacts_df, "product_id"))
        .distinct()
    )
