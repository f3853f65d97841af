"""The Gold tables (contract §4): name, schema and partitioning, declared once for the job, the views and tests."""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql.types import StructType

from lakehouse.gold import schemas


@dataclass(frozen=True)
class GoldTable:
    name: str
    schema: StructType
    partition_by: tuple[str, ...] = ()
    # Delta's file statistics (min, max, null count) for the first this many columns only, set when the table is
    # created; None: Delta's default, 32.
    statistics_columns: int | None = None


DIM_CUSTOMER = GoldTable("dim_customer", schemas.DIM_CUSTOMER)
DIM_PRODUCT = GoldTable("dim_product", schemas.DIM_PRODUCT)
DIM_STORE = GoldTable("dim_store", schemas.DIM_STORE)
# Statistics of its ids and transaction_ts, what a query picks sales by besides the date (the partition); collecting
# them for all 17 columns was a tenth of silver-to-gold's JVM time at 2.1M transactions (JFR).
FACT_SALES = GoldTable("fact_sales", schemas.FACT_SALES, (schemas.FACT_PARTITION,), statistics_columns=5)
DAILY_SALES_SUMMARY = GoldTable("daily_sales_summary", schemas.DAILY_SALES_SUMMARY)
PRODUCT_CATEGORY_PERFORMANCE = GoldTable("product_category_performance", schemas.PRODUCT_CATEGORY_PERFORMANCE)
STORE_PERFORMANCE = GoldTable("store_performance", schemas.STORE_PERFORMANCE)
CUSTOMER_SEGMENTATION = GoldTable("customer_segmentation", schemas.CUSTOMER_SEGMENTATION)
# Written by bronze-to-silver with each committed run, not by silver-to-gold: one row per run, source and reason.
DATA_QUALITY = GoldTable("data_quality", schemas.DATA_QUALITY, (schemas.DATA_QUALITY_PARTITION,))

DIMENSIONS = (DIM_CUSTOMER, DIM_PRODUCT, DIM_STORE)
DAILY_AGGREGATES = (DAILY_SALES_SUMMARY, PRODUCT_CATEGORY_PERFORMANCE, STORE_PERFORMANCE)
ALL = (*DIMENSIONS, FACT_SALES, *DAILY_AGGREGATES, CUSTOMER_SEGMENTATION, DATA_QUALITY)
# The tables silver-to-gold derives from Silver: equal however the files were split into runs (§5). data_quality is
# a per-run record, so a different split gives different rows by design.
FROM_SILVER = tuple(table for table in ALL if table is not DATA_QUALITY)
