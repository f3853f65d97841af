"""What a stage works with: the run's configuration, the root's layout, Spark and the chosen Delta engine.

Made by each stage under its lease (`lakehouse run`'s two stages each take the lease and make one; Spark's session
is the process's, so it starts once per run), and every Delta table of the run, Gold and ops, is written by the same
engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from pyspark.sql import DataFrame, SparkSession

from lakehouse.bronze.discovery import bronze_bytes
from lakehouse.config import LakehouseConfig
from lakehouse.spark import get_spark, release
from lakehouse.storage.delta_tables import DeltaEngine, choose_engine
from lakehouse.storage.erasures import ErasedSubjects, erased_subjects
from lakehouse.storage.layout import Layout
from lakehouse.storage.lock import locked_root

T = TypeVar("T")
LeaseCheck = Callable[[], None]  # raises when the root's lease is no longer this run's


@dataclass
class RunContext:
    config: LakehouseConfig
    layout: Layout
    spark: SparkSession
    engine: DeltaEngine
    persisted: list[DataFrame] = field(default_factory=list)  # kept by a stage (`spark.keep`), released when it ends
    erased: ErasedSubjects | None = None  # customers erased from the root (§8): their later records are dropped

    @classmethod
    def start(cls, config: LakehouseConfig) -> RunContext:
        """Made under the root's lease: the erased subjects it reads cannot change while it is used."""
        spark = get_spark(input_bytes=lambda: bronze_bytes(config.root))
        layout = Layout(config.root)
        return cls(config, layout, spark, choose_engine(spark, config.delta_engine), erased=erased_subjects(layout))

    def release(self) -> None:
        for df in self.persisted:
            release(df)
        self.persisted.clear()


def run_leased(config: LakehouseConfig, job: str, context: RunContext | None,
               body: Callable[[RunContext, LeaseCheck], T]) -> T:
    """A job's work under the root's lease: `body` gets the given context (or a new one, released afterwards, as
    is a given one's persisted data) and the lease's check, to call before each commit."""
    with locked_root(Layout(config.root), config.run_id, job) as lease:
        context = context or RunContext.start(config)
        try:
            return body(context, lease.check)
        finally:
            context.release()
