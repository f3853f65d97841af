"""`lakehouse run`: bronze-to-silver, then silver-to-gold, under one run id (contract §5, §6).

Each stage takes the root lock on its own, so the Gold stage also picks up Silver batches that an earlier run
committed but did not carry to Gold (a crash, or a separate `bronze-to-silver`). A failed Silver stage commits
nothing and stops the run before Gold.
"""

from __future__ import annotations

from dataclasses import dataclass

from lakehouse.cli.output import print_b2s_summary, print_s2g_summary
from lakehouse.config import LakehouseConfig
from lakehouse.pipeline import bronze_to_silver, silver_to_gold
from lakehouse.pipeline.silver_report import RunSummary
from lakehouse.pipeline.silver_to_gold import GoldSummary


@dataclass(frozen=True)
class PipelineSummary:
    silver: RunSummary
    gold: GoldSummary


def run(config: LakehouseConfig, echo: bool = False) -> PipelineSummary:
    silver = bronze_to_silver.run(config)
    if echo:
        print_b2s_summary(silver)
    gold = silver_to_gold.run(config)
    if echo:
        print_s2g_summary(gold)
    return PipelineSummary(silver, gold)
