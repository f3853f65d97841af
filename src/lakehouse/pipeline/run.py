"""`lakehouse run`: bronze-to-silver, then silver-to-gold, under one run id (contract §5, §6).

Each stage takes the root lock on its own, so the Gold stage also picks up Silver batches that an earlier run
committed but did not carry to Gold (a crash, or a separate `bronze-to-silver`). A failed Silver stage commits
nothing and stops the run before Gold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lakehouse.config import LakehouseConfig
from lakehouse.pipeline import bronze_to_silver, silver_to_gold
from lakehouse.pipeline.silver_report import RunSummary
from lakehouse.pipeline.silver_to_gold import GoldSummary


@dataclass(frozen=True)
class PipelineSummary:
    silver: RunSummary
    gold: GoldSummary


def run(config: LakehouseConfig, on_silver: Callable[[RunSummary], None] | None = None,
        on_gold: Callable[[GoldSummary], None] | None = None) -> PipelineSummary:
    """Both stages; `on_silver`/`on_gold` see each stage's summary as soon as it ends (the command line prints it)."""
    silver = bronze_to_silver.run(config)
    if on_silver:
        on_silver(silver)
    gold = silver_to_gold.run(config)
    if on_gold:
        on_gold(gold)
    return PipelineSummary(silver, gold)
