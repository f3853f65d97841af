"""dim_customer and dim_product: SCD type 2 from CDC changes (contract §4.1, §7).

Called with every accepted Silver change of the keys concerned, from every run, so a late change (lower LSN than
changes already applied) simply takes its place in the key's history: the result is the on-time history.

Order of a key's changes: `start_lsn`, `seqval` (both `0x` + 20 upper-case hex digits in Silver, so string order is
numeric order), then `operation` (§7: equal (`start_lsn`, `seqval`) other than a before/after-image pair are ordered
by operation; the before-image, operation 3, is dropped first, which leaves its after-image alone), then landing
order. Silver keeps no record position, so landing order is `_ingest_date`, then `_source_file`. For contract data
it is never reached: §3.2 rule 7 makes (key, `start_lsn`, `seqval`, `operation`) unique among accepted changes (and
the Silver quality suite checks it), so the order is total without looking at attribute values, which never decide.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lakehouse import contract as c
from lakehouse.gold import schemas
from lakehouse.gold.scd2_states import AT, IS_OPEN, versions_from_states
from lakehouse.silver.build import conform

REPLAYED_OPERATIONS = (c.OP_DELETE, c.OP_INSERT, c.OP_AFTER_IMAGE)


def _change_states(changes_df: DataFrame, key: str, attributes: tuple[str, ...]) -> DataFrame:
    """One row per replayed change with the state it leaves: open with its attributes (2, 4) or closed (1)."""
    return (
        changes_df
        .where(F.col("operation").isin(*REPLAYED_OPERATIONS))
        .select(
            F.col(key), *[F.col(name) for name in attributes],
            (F.col("operation") != c.OP_DELETE).alias(IS_OPEN),
            F.col("commit_ts").alias(AT),
            F.col("start_lsn"), F.col("seqval"), F.col("operation"), F.col("_ingest_date"), F.col("_source_file"),
        )
    )


def apply_cdc_scd2(changes_df: DataFrame, key: str, attributes: tuple[str, ...]) -> DataFrame:
    """Versions of each key (§4.1): key, attributes, valid_from, valid_to, is_current, start_lsn.

    `changes_df` holds Silver change rows (key, start_lsn, seqval, operation, commit_ts, attributes, lineage).
    """
    order_by = [
        F.col("start_lsn"), F.col("seqval"), F.col("operation"), F.col("_ingest_date"), F.col("_source_file"),
    ]
    return versions_from_states(
        _change_states(changes_df, key, attributes), key, attributes, order_by, carried=("start_lsn",)
    )


def _midnight(instant: Column) -> Column:
    """00:00:00 UTC of an instant's UTC date (the session time zone is UTC)."""
    return F.to_timestamp(F.to_date(instant))


def replay_from(impacts_df: DataFrame, key: str) -> DataFrame:
    """Per changed key, where its replay restarts (`_from`): midnight UTC of the day of its earliest new change.
    Whole days, so the changes to read are whole `commit_date` partitions of Silver."""
    return impacts_df.select(F.col(key), _midnight(F.col("_from_ts")).alias("_from"))


def apply_cdc_scd2_since(dim_df: DataFrame, changes_df: DataFrame, replay_df: DataFrame, key: str,
                         attributes: tuple[str, ...]) -> DataFrame:
    """The versions of each key of `replay_df` (key, `_from`), from its stored versions and its changes since `_from`.

    §4.1's replay of all a key's changes, done from the middle: `commit_ts` never decreases in (`start_lsn`,
    `seqval`) order (§3.2), so every change before `_from` comes before every change at or after it, and the key's
    state just before `_from` is what the stored versions say. Versions closed before `_from` stay as they are; the
    version open just before `_from` (if any) re-enters the replay as its first event, keeping its `valid_from` and
    `start_lsn`; the changes at or after `_from` follow. The result equals `apply_cdc_scd2` over all the key's changes
    (tests/gold compare the two on random histories).

    `dim_df`: the stored versions (any keys); `changes_df`: Silver changes of these keys with `commit_ts >= _from`
    (more may be given; they are filtered here).
    """
    versions_df = dim_df.join(replay_df, on=key, how="inner")
    is_closed_before = F.col("valid_to").isNotNull() & (F.col("valid_to") < F.col("_from"))
    started_before = F.col("valid_from") < F.col("_from")
    kept_df = versions_df.where(started_before & is_closed_before)
    open_df = versions_df.where(started_before & ~is_closed_before)
    resumed_df = open_df.select(
        F.col(key), *[F.col(name) for name in attributes], F.lit(True).alias(IS_OPEN), F.col("valid_from").alias(AT),
        # Sorts before every change it precedes: its own start_lsn, and a seqval below any '0x...' one.
        F.col("start_lsn"), F.lit("").alias("seqval"), F.lit(0).alias("operation"),
        F.lit(None).cast("date").alias("_ingest_date"), F.lit(None).cast("string").alias("_source_file"),
    )
    since_df = changes_df.join(replay_df, on=key, how="inner").where(F.col("commit_ts") >= F.col("_from"))
    events_df = _change_states(since_df, key, attributes).unionByName(resumed_df)
    order_by = [F.col("start_lsn"), F.col("seqval"), F.col("operation"), F.col("_ingest_date"), F.col("_source_file")]
    replayed_df = versions_from_states(events_df, key, attributes, order_by, carried=("start_lsn",))
    return replayed_df.unionByName(kept_df.select(*replayed_df.columns))


def build_dim_customer(changes_df: DataFrame) -> DataFrame:
    """dim_customer from all accepted `customers_changes` rows of the keys concerned (§4.1)."""
    return changes_df.transform(
        apply_cdc_scd2, schemas.CUSTOMER_KEY, schemas.CUSTOMER_ATTRIBUTES
    ).transform(conform, schemas.DIM_CUSTOMER)


def build_dim_product(changes_df: DataFrame) -> DataFrame:
    """dim_product from all accepted `products_changes` rows of the keys concerned (§4.1)."""
    return changes_df.transform(
        apply_cdc_scd2, schemas.PRODUCT_KEY, schemas.PRODUCT_ATTRIBUTES
    ).transform(conform, schemas.DIM_PRODUCT)


DIMENSIONS = {  # source -> (key, attributes, schema): what the incremental rebuild needs per CDC dimension
    c.CUSTOMERS: (schemas.CUSTOMER_KEY, schemas.CUSTOMER_ATTRIBUTES, schemas.DIM_CUSTOMER),
    c.PRODUCTS: (schemas.PRODUCT_KEY, schemas.PRODUCT_ATTRIBUTES, schemas.DIM_PRODUCT),
}


def update_cdc_dimension(source: str, dim_df: DataFrame, changes_df: DataFrame, replay_df: DataFrame) -> DataFrame:
    """The new versions of the keys of `replay_df` for `source`'s dimension, in the dimension's schema (§4.1)."""
    key, attributes, schema = DIMENSIONS[source]
    return apply_cdc_scd2_since(dim_df, changes_df, replay_df, key, attributes).transform(conform, schema)
