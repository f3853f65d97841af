"""silver-to-gold's Spark work: rebuild the Gold slices that pending Silver rows affect (contract §4, §5).

Order matters and is the same on every run: dimensions first (the fact reads them as of each transaction), then
`fact_sales` for the affected dates, the daily aggregates of those dates from the same rows, and last the
segmentation, which depends on the whole 365-day window. Each table gets at most one commit per run. Every slice is
computed from Silver (and Gold tables written earlier in the same run) alone, so a rerun after a crash between two
commits writes the same slices again and ends where an uninterrupted run would have.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse import contract as c
from lakehouse.config import LakehouseConfig
from lakehouse.failpoints import failpoint
from lakehouse.gold import aggregates, impacts, tables
from lakehouse.gold.fact import build_fact_sales
from lakehouse.gold.scd2_cdc import build_dim_customer, build_dim_product
from lakehouse.gold.scd2_snapshot import build_dim_store
from lakehouse.gold.tables import GoldTable
from lakehouse.pipeline.gold_pending import Pending
from lakehouse.pipeline.silver_to_gold import JOB
from lakehouse.silver import io as silver_io
from lakehouse.spark import get_spark
from lakehouse.storage.delta_tables import DeltaEngine, Rows, choose_engine
from lakehouse.storage.layout import Layout

log = logging.getLogger(__name__)
DATE = tables.FACT_SALES.partition_by[0]


@dataclass
class GoldOutcome:
    engine: str = ""
    rows_written: dict[str, int | None] = field(default_factory=dict)  # table -> rows in this run's commit
    keys: dict[str, int] = field(default_factory=dict)  # dimension -> keys rebuilt
    dates: list[date] = field(default_factory=list)  # fact dates rebuilt
    as_of_date: date | None = None


@dataclass
class GoldWriter:
    """Writes Gold tables through the chosen engine: one commit per table per run, the run id in its metadata."""

    spark: SparkSession
    engine: DeltaEngine
    layout: Layout
    run_id: str
    outcome: GoldOutcome

    def read(self, table: GoldTable, rows: Rows | None = None) -> DataFrame:
        return self.engine.read(self.spark, self.layout.gold_table(table.name), table.schema, rows)

    def exists(self, table: GoldTable) -> bool:
        return self.engine.exists(self.spark, self.layout.gold_table(table.name))

    def replace(self, table: GoldTable, df: DataFrame, rows: Rows) -> None:
        """Replace `rows` of the table with `df`; when nothing is affected, only create a missing table, empty."""
        if rows.is_empty:
            if self.exists(table):
                return
            df, rows = self.spark.createDataFrame([], table.schema), Rows.all()
        written = self.engine.replace(df, self.layout.gold_table(table.name), table.schema, table.partition_by,
                                      rows, {"run_id": self.run_id, "job": JOB})
        self.outcome.rows_written[table.name] = written
        log.info("gold %s: %s rows written (%s)", table.name, written, "all" if rows.is_all else rows.column)
        failpoint(f"s2g:wrote:{table.name}")


def _collect(df: DataFrame, column: str) -> list:
    return sorted(row[0] for row in df.select(column).distinct().collect())


def _update_cdc_dimension(writer: GoldWriter, pending: Pending, source: str) -> DataFrame:
    """Rebuild the versions of every key with new changes, from all its changes (late ones take their place)."""
    spark, layout = writer.spark, writer.layout
    key = c.SOURCE_SPECS[source].key
    new_changes_df = silver_io.read_silver_of_files(spark, layout, source, pending.run_ids(source),
                                                    pending.paths(source))
    impacts_df = impacts.cdc_impacts(new_changes_df, key).persist(StorageLevel.MEMORY_AND_DISK)
    keys = _collect(impacts_df, key)
    table, build = (tables.DIM_CUSTOMER, build_dim_customer) if source == c.CUSTOMERS else \
        (tables.DIM_PRODUCT, build_dim_product)
    changes_df = silver_io.read_silver(spark, layout, source).join(
        impacts_df.select(key), on=key, how="left_semi"
    )
    writer.replace(table, changes_df.transform(build), Rows.where_in(key, keys))
    writer.outcome.keys[table.name] = len(keys)
    return impacts_df


def _update_dim_store(writer: GoldWriter, pending: Pending) -> date | None:
    """dim_store from every snapshot when a snapshot date has new files; returns the earliest such date."""
    if not pending.snapshot_dates:
        writer.replace(tables.DIM_STORE, writer.spark.createDataFrame([], tables.DIM_STORE.schema), Rows.nothing())
        return None
    spark, layout = writer.spark, writer.layout
    rejected_df = spark.createDataFrame([(day,) for day in pending.rejected_snapshot_dates], "snapshot_date date")
    dim_df = build_dim_store(silver_io.read_silver(spark, layout, c.STORES),
                             silver_io.read_quarantine(spark, layout, c.STORES), rejected_df)
    writer.replace(tables.DIM_STORE, dim_df, Rows.all())
    return pending.snapshot_dates[0]


def _affected_dates(writer: GoldWriter, pending: Pending, customer_impacts_df: DataFrame,
                    product_impacts_df: DataFrame, store_from: date | None) -> list[date]:
    spark, layout = writer.spark, writer.layout
    stored_dates = silver_io.partition_values(layout, c.TRANSACTIONS)
    new_df = silver_io.read_silver_of_files(spark, layout, c.TRANSACTIONS, pending.run_ids(c.TRANSACTIONS),
                                            pending.paths(c.TRANSACTIONS))
    dates = set(_collect(new_df, DATE))
    if store_from is not None:
        dates |= {day for day in stored_dates if day >= store_from}
    # The date is taken in Spark (session time zone UTC): Python would convert the instant to local time.
    earliest = customer_impacts_df.select(impacts.FROM_TS).unionByName(
        product_impacts_df.select(impacts.FROM_TS)).agg(F.to_date(F.min(impacts.FROM_TS))).collect()[0][0]
    if earliest is not None:
        candidates_df = silver_io.read_silver_partitions(
            spark, layout, c.TRANSACTIONS, [day for day in stored_dates if day >= earliest])
        dates |= set(_collect(
            impacts.impacted_transaction_dates(candidates_df, customer_impacts_df, product_impacts_df), DATE))
    return sorted(dates)


def _update_fact_and_daily_aggregates(writer: GoldWriter, dates: list[date]) -> None:
    spark, layout = writer.spark, writer.layout
    fact_df = build_fact_sales(
        silver_io.read_silver_partitions(spark, layout, c.TRANSACTIONS, dates),
        writer.read(tables.DIM_CUSTOMER), writer.read(tables.DIM_PRODUCT), writer.read(tables.DIM_STORE),
    ).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        by_date = Rows.where_in(DATE, dates)
        writer.replace(tables.FACT_SALES, fact_df, by_date)
        writer.replace(tables.DAILY_SALES_SUMMARY, aggregates.build_daily_sales_summary(fact_df), by_date)
        writer.replace(tables.PRODUCT_CATEGORY_PERFORMANCE,
                       aggregates.build_product_category_performance(fact_df), by_date)
        writer.replace(tables.STORE_PERFORMANCE, aggregates.build_store_performance(fact_df), by_date)
    finally:
        fact_df.unpersist()


def _update_segmentation(writer: GoldWriter, changed: bool) -> None:
    """Recomputed whenever fact_sales changed: `as_of_date` moves every customer's recency (§4.4)."""
    table = tables.CUSTOMER_SEGMENTATION
    if not changed and writer.exists(table):
        return
    fact_path = writer.layout.gold_table(tables.FACT_SALES.name)
    fact_dates = writer.engine.partition_values(writer.spark, fact_path, DATE)
    if not fact_dates:
        writer.replace(table, writer.spark.createDataFrame([], table.schema), Rows.all())
        return
    as_of = max(fact_dates)
    start = aggregates.segmentation_window_start(as_of)
    window_df = writer.read(tables.FACT_SALES, Rows.where_in(DATE, [day for day in fact_dates if day >= start]))
    writer.replace(table, aggregates.build_customer_segmentation(window_df, as_of), Rows.all())
    writer.outcome.as_of_date = as_of


def update_gold(config: LakehouseConfig, layout: Layout, pending: Pending) -> GoldOutcome:
    spark = get_spark()
    engine = choose_engine(spark, config.delta_engine)
    writer = GoldWriter(spark, engine, layout, config.run_id, GoldOutcome(engine=engine.name))
    customer_impacts_df = _update_cdc_dimension(writer, pending, c.CUSTOMERS)
    product_impacts_df = _update_cdc_dimension(writer, pending, c.PRODUCTS)
    store_from = _update_dim_store(writer, pending)
    dates = _affected_dates(writer, pending, customer_impacts_df, product_impacts_df, store_from)
    customer_impacts_df.unpersist()
    product_impacts_df.unpersist()
    writer.outcome.dates = dates
    _update_fact_and_daily_aggregates(writer, dates)
    _update_segmentation(writer, changed=bool(dates))
    return writer.outcome

