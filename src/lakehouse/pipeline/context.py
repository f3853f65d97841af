"""What a stage works with: the run's configuration, the root's layout, Spark and the chosen Delta engine.

Made once per command (`lakehouse run` shares one between its two stages), so Spark starts once per run and every
Delta table of the run, Gold and ops, is written by the same engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyspark.sql import DataFrame, SparkSession

from lakehouse.config import LakehouseConfig
from lakehouse.spark import get_spark
from lakehouse.storage.delta_tables import DeltaEngine, choose_engine
from lakehouse.storage.layout import Layout


@dataclass
class RunContext:
    config: LakehouseConfig
    layout: Layout
    spark: SparkSession
    engine: DeltaEngine
    persisted: list[DataFrame] = field(default_factory=list)  # cached by a stage, released when it ends

    @classmethod
    def start(cls, config: LakehouseConfig) -> RunContext:
        spark = get_spark()
        return cls(config, Layout(config.root), spark, choose_engine(spark, config.delta_engine))

    def release(self) -> None:
        for df in self.persisted:
            df.unpersist()
        self.persisted.clear()
