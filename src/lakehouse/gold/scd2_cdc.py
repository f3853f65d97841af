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

from pyspark.sql import DataFrame
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
