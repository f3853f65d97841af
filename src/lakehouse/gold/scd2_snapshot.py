"""dim_store: SCD type 2 from daily full snapshots (contract §4.2, §7).

Approach. The applied snapshot dates are the dates with at least one valid Silver row (a snapshot with no valid
rows is not applied) minus the dates with a rejected file (an incomplete day is not applied). For each store and
each applied date from its first appearance on, the store is in one of three situations:
- present: it opens (or keeps) a version with the snapshot's attributes;
- missing, and a row with its store_id was quarantined that day (any reason): it "stays as it was", so the date is
  not an event for this store at all and is left out;
- missing otherwise: it is closed at that date (a no-op when it is already closed).
These events go through the shared state replay (`scd2_states`), ordered by date. Computed from every snapshot each
time, a late snapshot gives the same history as snapshots delivered in date order. Versions start and end at
00:00:00 UTC of the snapshot date, computed from the day number so the session time zone cannot shift them.
"""

from __future__ import annotations

from datetime import date

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lakehouse.gold import schemas
from lakehouse.gold.scd2_states import AT, IS_OPEN, versions_from_states
from lakehouse.silver.build import conform

KEY = schemas.STORE_KEY
ATTRIBUTES = schemas.STORE_ATTRIBUTES
DATE = "snapshot_date"


def _midnight_utc(day: Column) -> Column:
    return F.timestamp_seconds(F.unix_date(day).cast("long") * F.lit(86400))


def _applied_rows(snapshots_df: DataFrame, rejected_dates_df: DataFrame) -> DataFrame:
    """Valid snapshot rows of the dates that are applied: a day with a rejected file is incomplete (§7)."""
    rejected_df = rejected_dates_df.select(F.col(DATE)).distinct()
    return snapshots_df.join(rejected_df, on=DATE, how="left_anti").select(
        F.col(KEY), F.col(DATE), *[F.col(name) for name in ATTRIBUTES]
    )


def _missing_events(applied_df: DataFrame, quarantine_df: DataFrame, seen_before_df: DataFrame | None) -> DataFrame:
    """(store, date) pairs that close the store: applied dates after its first appearance where it is missing and
    no row with its store_id was quarantined that day (§4.2). Stores of `seen_before_df` appeared before every
    applied date given."""
    dates_df = applied_df.select(F.col(DATE)).distinct()
    first_seen_df = applied_df.groupBy(KEY).agg(F.min(DATE).alias("_first_seen"))
    if seen_before_df is not None:
        first_seen_df = first_seen_df.unionByName(
            seen_before_df.select(F.col(KEY), F.to_date(F.lit("0001-01-01")).alias("_first_seen"))
        ).groupBy(KEY).agg(F.min("_first_seen").alias("_first_seen"))
    candidates_df = first_seen_df.join(dates_df, on=F.col(DATE) > F.col("_first_seen"), how="inner")
    quarantined_df = quarantine_df.select(F.col("_key").alias(KEY), F.col("_ingest_date").alias(DATE)).distinct()
    return (
        candidates_df
        .join(applied_df.select(KEY, DATE), on=[KEY, DATE], how="left_anti")
        .join(quarantined_df, on=[KEY, DATE], how="left_anti")
        .select(F.col(KEY), F.col(DATE))
    )


def _store_states(snapshots_df: DataFrame, quarantine_df: DataFrame, rejected_dates_df: DataFrame,
                  seen_before_df: DataFrame | None = None) -> DataFrame:
    """One event per (store, date): open with the snapshot's attributes, or closed."""
    applied_df = _applied_rows(snapshots_df, rejected_dates_df)
    present_df = applied_df.select(F.col(KEY), F.col(DATE), F.lit(True).alias(IS_OPEN), *ATTRIBUTES)
    missing_df = _missing_events(applied_df, quarantine_df, seen_before_df).select(
        F.col(KEY), F.col(DATE), F.lit(False).alias(IS_OPEN),
        *[F.lit(None).cast(schemas.DIM_STORE[name].dataType).alias(name) for name in ATTRIBUTES],
    )
    return present_df.unionByName(missing_df).withColumn(AT, _midnight_utc(F.col(DATE)))


def update_dim_store(dim_df: DataFrame, snapshots_df: DataFrame, quarantine_df: DataFrame,
                     rejected_dates_df: DataFrame, from_date: date) -> DataFrame:
    """dim_store after snapshots from `from_date` on changed, from the stored versions and those snapshots only.

    Snapshot dates apply in order (§4.2), so the state just before `from_date` is what the stored versions say:
    versions closed before it stay; each version open just before it re-enters the replay as the store's first
    event (keeping its `valid_from`), and the store takes part in every applied date from `from_date` on, as a store
    seen before does. The result equals `build_dim_store` over every snapshot (tests/gold compare the two).

    `snapshots_df`, `quarantine_df`: Silver rows and stores quarantine rows of snapshot dates >= `from_date` (more
    may be given; they are filtered here); `rejected_dates_df`: the snapshot dates with a rejected file.
    """
    start = _midnight_utc(F.lit(from_date))
    is_closed_before = F.col("valid_to").isNotNull() & (F.col("valid_to") < start)
    started_before = F.col("valid_from") < start
    kept_df = dim_df.where(started_before & is_closed_before)
    resumed_df = dim_df.where(started_before & ~is_closed_before).select(
        F.col(KEY), F.to_date(F.col("valid_from")).alias(DATE), F.lit(True).alias(IS_OPEN), *ATTRIBUTES,
        F.col("valid_from").alias(AT),
    )
    since = F.col(DATE) >= F.lit(from_date)
    states_df = _store_states(
        snapshots_df.where(since), quarantine_df.where(F.col("_ingest_date") >= F.lit(from_date)), rejected_dates_df,
        seen_before_df=resumed_df.select(F.col(KEY)),
    ).unionByName(resumed_df)
    versions_df = versions_from_states(states_df, KEY, ATTRIBUTES, order_by=[F.col(DATE)])
    return conform(versions_df, schemas.DIM_STORE).unionByName(conform(kept_df, schemas.DIM_STORE))


def build_dim_store(snapshots_df: DataFrame, quarantine_df: DataFrame, rejected_dates_df: DataFrame) -> DataFrame:
    """dim_store (§4.2) from every Silver `stores_snapshots` row, the stores quarantine (its `_ingest_date` and
    `_key` columns) and the snapshot dates that had a rejected file (one `snapshot_date` column)."""
    states_df = _store_states(snapshots_df, quarantine_df, rejected_dates_df)
    # Silver accepts a store_id once per snapshot (§3.3 rule 7), so (store_id, date) orders a store's events.
    versions_df = versions_from_states(states_df, KEY, ATTRIBUTES, order_by=[F.col(DATE)])
    return conform(versions_df, schemas.DIM_STORE)
