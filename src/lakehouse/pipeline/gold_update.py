"""silver-to-gold's Spark work: rebuild the Gold slices that pending Silver rows affect (contract §4, §5), at a cost
that follows the new data, not the history.

Order matters and is the same on every run: dimensions first (the fact reads them as of each transaction), then
`fact_sales` for the affected dates and the daily aggregates of those dates, side by side from the same kept rows, and
last the segmentation (it reads the fact's committed version). What each step reads:
- a CDC dimension: the stored versions of the changed keys and their Silver changes since the day of their earliest
  new change (`gold.scd2_cdc.apply_cdc_scd2_since`; Silver's `commit_date` partitions prune the rest);
- `dim_store`: the stored versions and the snapshots from the earliest new snapshot date on
  (`gold.scd2_snapshot.update_dim_store`);
- the affected fact dates: the new transactions' dates, every date from the earliest new snapshot date, and the days
  the changed customers and products have sales on since their changes, found in Silver's key-dates index (Bloom
  filters per day, `silver.io.days_holding_keys`), not by reading those days;
- `customer_segmentation`: its stored rows moved on by the days of `fact_sales` that changed since the fact version it
  was computed from (read in that version and now) and the days that left the 365-day window
  (`gold.aggregates.update_customer_segmentation`); from the window only when that history is not available.

Each table gets at most one commit per run, keyed by the run and the exact set of pending files
(`storage.delta_tables.Commit`): a retry of the same run over the same files writes nothing twice, and a rerun with
more files pending is a new write. Every slice is computed from Silver and Gold's committed state, so a rerun after
a crash between two commits writes the same slices again and ends where an uninterrupted run would have. After each
write the table's log is checked for what Synapse serverless could not read (`storage.synapse_check`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from pathlib import Path

from pyspark import StorageLevel
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse import contract as c
from lakehouse.errors import UserError
from lakehouse.failpoints import failpoint
from lakehouse.gold import aggregates, impacts, tables
from lakehouse.gold.fact import build_fact_sales
from lakehouse.gold.scd2_cdc import replay_from, update_cdc_dimension
from lakehouse.gold.scd2_snapshot import update_dim_store
from lakehouse.gold.tables import GoldTable
from lakehouse.pipeline.context import RunContext
from lakehouse.pipeline.gold_pending import Pending
from lakehouse.pipeline.gold_report import JOB, GoldSummary
from lakehouse.pipeline.parallel import side_by_side
from lakehouse.pipeline.timing import timed, timed_step
from lakehouse.silver import io as silver_io
from lakehouse.spark import KEPT_BYTES_PER_SILVER_BYTE, keep, local_dataframe, release
from lakehouse.storage import delta_log
from lakehouse.storage.delta_tables import Commit, Rows
from lakehouse.storage.synapse_check import synapse_problems

log = logging.getLogger(__name__)
DATE = tables.FACT_SALES.partition_by[0]
FACT_VERSION = "fact_sales_version"  # segmentation commits note the fact version and as-of date they reflect
AS_OF = "as_of_date"
_NO_DATA_CHANGE = {"OPTIMIZE", "VACUUM START", "VACUUM END"}


def batch_key(run_id: str, pending: Pending) -> str:
    """The idempotency key of this run's Gold commits: the run and the exact files it consumes."""
    digest = hashlib.sha256("\n".join(sorted(file.path for file in pending.files)).encode()).hexdigest()[:16]
    return f"{JOB}:{run_id}:{digest}"


@dataclass
class GoldWriter:
    """Reads and writes Gold tables through the run's engine: one commit per table per run, checked for Synapse."""

    context: RunContext
    commit: Commit
    summary: GoldSummary
    check_lease: Callable[[], None]

    def path(self, table: GoldTable) -> Path:
        return self.context.layout.gold_table(table.name)

    def read(self, table: GoldTable, rows: Rows | None = None, version: int | None = None) -> DataFrame:
        return self.context.engine.read(self.path(table), table.schema, rows, version)

    def exists(self, table: GoldTable) -> bool:
        return self.context.engine.exists(self.path(table))

    def _written(self, table: GoldTable, note: str) -> None:
        problems = synapse_problems(self.path(table))
        if problems:
            raise UserError(f"gold table {table.name} is not readable by Synapse serverless: {'; '.join(problems)}")
        written = self.context.engine.rows_written(self.path(table))
        self.summary.rows_written[table.name] = written
        log.info("gold %s: %s rows written (%s)", table.name, written, note)
        failpoint(f"s2g:wrote:{table.name}")

    def _create_empty_if_missing(self, table: GoldTable) -> None:
        if not self.exists(table):
            self.replace(table, local_dataframe(self.context.spark, [], table.schema), Rows.all())

    def replace(self, table: GoldTable, df: DataFrame, rows: Rows, commit: Commit | None = None) -> None:
        """Replace `rows` of the table with `df`; when nothing is affected, only create a missing table, empty."""
        if rows.is_empty:
            self._create_empty_if_missing(table)
            return
        self.check_lease()
        self.context.engine.replace(df, self.path(table), table.schema, table.partition_by, rows,
                                    commit or self.commit, table.statistics_columns)
        self._written(table, "all" if rows.is_all else f"by {rows.column}")

    def replace_keys(self, table: GoldTable, df: DataFrame, key: str, keys_df: DataFrame, keys: int) -> None:
        """Replace every row of the keys in `keys_df` with `df` (a MERGE on the key, no key values in the log)."""
        if not keys:
            self._create_empty_if_missing(table)
            return
        self.check_lease()
        self.context.engine.replace_keys(df, self.path(table), table.schema, key, keys_df, self.commit)
        self._written(table, f"{keys} keys")


def _dates(values: list[str]) -> list[date]:
    return sorted(date.fromisoformat(value) for value in values if value)


@dataclass(frozen=True)
class ChangedKeys:
    """The keys of one CDC dimension with new replayed changes: as a DataFrame (key, `impacts.FROM_TS`), the first
    day any of them changed, and, when few enough to probe the key-dates index with, each key's first day."""

    impacts_df: DataFrame
    count: int
    first_day: date | None
    days: dict[str, date] | None


MAX_PROBED_KEYS = 50_000  # more changed keys than this (an initial load) rebuild every date since the first change


def _changed_keys(writer: GoldWriter, pending: Pending, source: str) -> ChangedKeys:
    spark, layout = writer.context.spark, writer.context.layout
    key = c.SOURCE_SPECS[source].key
    new_changes_df = silver_io.read_silver_of_files(spark, layout, source, pending.run_ids(source),
                                                    pending.paths(source))
    impacts_df = impacts.cdc_impacts(new_changes_df, key)
    if not pending.paths(source):  # no new changes of this source: no key changed, and no Spark job to say so
        return ChangedKeys(impacts_df, 0, None, {})
    impacts_df = keep(impacts_df, StorageLevel.MEMORY_AND_DISK)
    writer.context.persisted.append(impacts_df)
    # Days are taken in Spark (session time zone UTC): Python would turn the instants into local time.
    days_df = impacts_df.select(F.col(key), F.to_date(impacts.FROM_TS).alias("_day"))
    count, first_day = days_df.agg(F.count("*"), F.min("_day")).collect()[0]
    days = {row[key]: row["_day"] for row in days_df.collect()} if count <= MAX_PROBED_KEYS else None
    return ChangedKeys(impacts_df, count, first_day, days)


def _update_cdc_dimension(writer: GoldWriter, pending: Pending, source: str) -> ChangedKeys:
    """Rebuild the versions of every key with new changes from its stored versions and its changes since the day of
    the earliest new one (late changes take their place)."""
    spark, layout = writer.context.spark, writer.context.layout
    key = c.SOURCE_SPECS[source].key
    table = tables.DIM_CUSTOMER if source == c.CUSTOMERS else tables.DIM_PRODUCT
    changed = _changed_keys(writer, pending, source)
    keys_df = changed.impacts_df.select(key)
    if changed.first_day is not None:
        replay_df = replay_from(changed.impacts_df, key)
        days = [day for day in silver_io.partition_values(layout, source) if day >= changed.first_day]
        changes_df = silver_io.read_silver_partitions(spark, layout, source, days)
        stored_df = writer.read(table).join(keys_df, on=key, how="left_semi")
        versions_df = update_cdc_dimension(source, stored_df, changes_df, replay_df)
        writer.replace_keys(table, versions_df, key, keys_df, changed.count)
    else:
        writer.replace_keys(table, local_dataframe(spark, [], table.schema), key, keys_df, 0)
    writer.summary.keys[table.name] = changed.count
    return changed


def _update_dim_store(writer: GoldWriter, pending: Pending) -> date | None:
    """dim_store from the earliest snapshot date with new files on, from the stored versions before it; returns
    that date (None when no snapshot date has new files)."""
    spark, layout = writer.context.spark, writer.context.layout
    if not pending.snapshot_dates:
        writer.replace(tables.DIM_STORE, local_dataframe(spark, [], tables.DIM_STORE.schema), Rows.nothing())
        return None
    first = pending.snapshot_dates[0]
    rejected_df = local_dataframe(spark, [(day,) for day in pending.rejected_snapshot_dates], "snapshot_date date")
    days = [day for day in silver_io.partition_values(layout, c.STORES) if day >= first]
    snapshots_df = silver_io.read_silver_partitions(spark, layout, c.STORES, days)
    dim_df = update_dim_store(writer.read(tables.DIM_STORE), snapshots_df,
                              silver_io.read_quarantine(spark, layout, c.STORES), rejected_df, first)
    writer.replace(tables.DIM_STORE, dim_df, Rows.all())
    return first


def _affected_dates(writer: GoldWriter, pending: Pending, changed: list[ChangedKeys], store_from: date | None
                    ) -> list[date]:
    """The fact dates to rebuild: the new transactions' dates, every date from the earliest new snapshot date, and the
    days the changed customers and products have sales on since their changes (§4.3)."""
    spark, layout = writer.context.spark, writer.context.layout
    stored_dates = silver_io.partition_values(layout, c.TRANSACTIONS)
    dates: set[date] = set()
    if pending.paths(c.TRANSACTIONS):
        new_df = silver_io.read_silver_of_files(spark, layout, c.TRANSACTIONS, pending.run_ids(c.TRANSACTIONS),
                                                pending.paths(c.TRANSACTIONS))
        dates = {row[0] for row in new_df.select(DATE).distinct().collect()}
    if store_from is not None:
        dates |= {day for day in stored_dates if day >= store_from}
    for dimension, keys in zip(("customer_id", "product_id"), changed, strict=True):
        if keys.days is not None:
            dates |= silver_io.days_holding_keys(spark, layout, dimension, keys.days)
        elif keys.first_day is not None:
            dates |= {day for day in stored_dates if day >= keys.first_day}
    return sorted(dates & set(stored_dates))


def update_fact_and_daily_aggregates(writer: GoldWriter, dates: list[date]) -> None:
    spark, layout = writer.context.spark, writer.context.layout
    silver_files = silver_io.partition_files(layout, c.TRANSACTIONS, dates)
    fact_df = keep(build_fact_sales(
        silver_io.read_silver_files(spark, layout, c.TRANSACTIONS, silver_files),
        writer.read(tables.DIM_CUSTOMER), writer.read(tables.DIM_PRODUCT), writer.read(tables.DIM_STORE),
    ), StorageLevel.MEMORY_AND_DISK, object_bytes=silver_io.files_bytes(silver_files) * KEPT_BYTES_PER_SILVER_BYTE)
    try:
        by_date = Rows.where_in(DATE, dates)
        # The fact's slice and the aggregates of its dates are all written from the kept rows, side by side: while
        # one write's last task runs, the others use the idle core (this step at 2.1M: 18.6 s -> 17.9 s).
        slices = [(tables.FACT_SALES, fact_df), *(
            (table, build(fact_df))
            for table, build in ((tables.DAILY_SALES_SUMMARY, aggregates.build_daily_sales_summary),
                                 (tables.PRODUCT_CATEGORY_PERFORMANCE, aggregates.build_product_category_performance),
                                 (tables.STORE_PERFORMANCE, aggregates.build_store_performance))
        )]
        side_by_side([partial(writer.replace, table, slice_df, by_date) for table, slice_df in slices])
    finally:
        release(fact_df)


@dataclass(frozen=True)
class SegmentationState:
    fact_version: int  # the fact_sales version the stored segmentation reflects
    as_of: date


def segmentation_state(path: Path) -> SegmentationState | None:
    """What the stored segmentation was computed from, from its latest commit that changed data (None if unknown)."""
    listing = delta_log.list_log(path)
    for info in reversed(delta_log.commit_infos(path, since_version=min(listing.commits, default=0))):
        if info.operation in _NO_DATA_CHANGE:
            continue
        notes = json.loads(info.user_metadata or "{}")
        if FACT_VERSION not in notes or AS_OF not in notes:
            return None
        return SegmentationState(int(notes[FACT_VERSION]), date.fromisoformat(notes[AS_OF]))
    return None


def _files_present(path: Path, version: int, days: list[date]) -> bool:
    """Whether the data files of those days at that version are still there (not vacuumed)."""
    wanted = {day.isoformat() for day in days}
    snapshot = delta_log.read_snapshot(path, version)
    return all((path / add.path).exists() for add in snapshot.files if add.partition_values.get(DATE) in wanted)


def _moved_on_segmentation(writer: GoldWriter, state: SegmentationState, fact_version: int,
                           as_of: date) -> DataFrame | None:
    """The segmentation moved on from `state` to the current fact version, or None when that cannot be done exactly
    (the fact's log or files of that version are gone, the window moved back, or a day lost a customer's sales)."""
    fact_path = writer.path(tables.FACT_SALES)
    changed = delta_log.changed_partition_values(fact_path, DATE, state.fact_version)
    if changed is None or as_of < state.as_of:
        return None
    changed_days = _dates([value for value in changed if value is not None])
    window_start = aggregates.segmentation_window_start
    new_start, old_start = window_start(as_of), window_start(state.as_of)
    added_days = [day for day in changed_days if new_start <= day <= as_of]
    old_changed_days = [day for day in changed_days if old_start <= day <= state.as_of]
    left_days = [old_start + timedelta(days=offset) for offset in range((new_start - old_start).days)]
    left_days = [day for day in left_days if day not in set(changed_days)]
    if old_changed_days and not _files_present(fact_path, state.fact_version, old_changed_days):
        return None
    totals = aggregates.customer_day_totals
    added_df = totals(writer.read(tables.FACT_SALES, Rows.where_in(DATE, added_days), fact_version))
    removed_df = totals(writer.read(tables.FACT_SALES, Rows.where_in(DATE, old_changed_days), state.fact_version)) \
        .unionByName(totals(writer.read(tables.FACT_SALES, Rows.where_in(DATE, left_days), fact_version)))
    kept_days = [day for day in added_days if day in set(old_changed_days)]
    if aggregates.has_lost_purchase_days(added_df, removed_df, kept_days):
        return None
    stored_df = writer.read(tables.CUSTOMER_SEGMENTATION)
    return aggregates.update_customer_segmentation(stored_df, added_df, removed_df, as_of)


def update_segmentation(writer: GoldWriter) -> None:
    """customer_segmentation as of the latest fact date (§4.4), whenever fact_sales moved past the version it reflects
    (`as_of_date` moves every customer's recency)."""
    table = tables.CUSTOMER_SEGMENTATION
    fact_path = writer.path(tables.FACT_SALES)
    fact_version = writer.context.engine.version(fact_path)
    state = segmentation_state(writer.path(table)) if writer.exists(table) else None
    if state is not None and state.fact_version == fact_version:
        return
    fact_dates = _dates(writer.context.engine.partition_values(fact_path, DATE)) if fact_version is not None else []
    if fact_version is None or not fact_dates:  # no sale yet: no customer to segment
        writer.replace(table, local_dataframe(writer.context.spark, [], table.schema), Rows.all())
        return
    as_of = max(fact_dates)
    segmentation_df = _moved_on_segmentation(writer, state, fact_version, as_of) if state else None
    how = "moved on"
    if segmentation_df is None:
        how = "from its window"
        start = aggregates.segmentation_window_start(as_of)
        window_df = writer.read(tables.FACT_SALES, Rows.where_in(DATE, [d for d in fact_dates if d >= start]),
                                fact_version)
        segmentation_df = aggregates.build_customer_segmentation(window_df, as_of)
    log.info("gold %s: %s", table.name, how)
    writer.summary.segmentation = how
    commit = writer.commit.noting(**{FACT_VERSION: str(fact_version), AS_OF: as_of.isoformat()})
    writer.replace(table, segmentation_df, Rows.all(), commit)
    writer.summary.as_of_date = as_of


def update_gold(context: RunContext, pending: Pending, summary: GoldSummary, check_lease: Callable[[], None]) -> None:
    """Every Gold table brought up to date with the pending Silver rows; what was done goes into `summary`."""
    commit = Commit(context.config.run_id, JOB, batch_key(context.config.run_id, pending))
    writer = GoldWriter(context, commit, summary, check_lease)
    summary.engine = context.engine.name
    # The three dimensions read and write nothing of each other: they are updated side by side.
    customers: ChangedKeys
    products: ChangedKeys
    store_from: date | None
    customers, products, store_from = side_by_side([
        timed_step(summary.steps, "dim_customer", partial(_update_cdc_dimension, writer, pending, c.CUSTOMERS)),
        timed_step(summary.steps, "dim_product", partial(_update_cdc_dimension, writer, pending, c.PRODUCTS)),
        timed_step(summary.steps, "dim_store", partial(_update_dim_store, writer, pending)),
    ])
    with timed(summary.steps, "affected_dates"):
        dates = _affected_dates(writer, pending, [customers, products], store_from)
    summary.dates = dates
    with timed(summary.steps, "fact_and_daily_aggregates"):
        update_fact_and_daily_aggregates(writer, dates)
    with timed(summary.steps, "customer_segmentation"):
        update_segmentation(writer)
