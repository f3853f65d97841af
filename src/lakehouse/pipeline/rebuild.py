"""`lakehouse rebuild` (contract §8): every Bronze file processed again, as if landed into an empty root.

After a rule fix, or damage to Silver or Gold, the immutable Bronze is the truth. Sequencing:
- the plan (files per source, ingest dates, the Gold tables that get a new version) is made first and shown; without
  confirmation the rebuild refuses with one line and changes nothing;
- under the root lease: leftovers of killed runs finished (a committed Silver batch, a published rebuild), then the
  Bronze files linked (hard links, copies where links are impossible) into a scratch root under `ops/_rebuild/`, and
  the usual two stages run there, in landing order (one batch: incremental equals full, §5), sharing this run's
  Spark and Delta engine;
- then published (`pipeline.rebuild_publish`): Silver and quarantine replaced, Gold tables overwritten in new
  versions (history kept), the manifests replaced, the runs' records appended.
A failure before the publish mark deletes the scratch root and changes nothing; after it, any later job of the root
completes the publish. The root's own lease is held throughout, so no other run interleaves (§5, one writer).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from lakehouse.bronze.discovery import BronzeFile, discover_bronze_files
from lakehouse.config import LakehouseConfig
from lakehouse.errors import UserError
from lakehouse.failpoints import failpoint
from lakehouse.gold import tables as gold_tables
from lakehouse.pipeline import bronze_to_silver, silver_to_gold
from lakehouse.pipeline.context import RunContext, run_leased
from lakehouse.pipeline.gold_report import GoldSummary
from lakehouse.pipeline.rebuild_publish import (
    JOB,
    Published,
    finish_rebuilds,
    mark_published,
    publish,
    remove_scratch,
    scratch_of,
)
from lakehouse.pipeline.silver_report import RunSummary
from lakehouse.storage import delta_log, ops_tables, silver_commit
from lakehouse.storage.delta_tables import Commit
from lakehouse.storage.layout import Layout, check_bronze_root


@dataclass(frozen=True)
class RebuildPlan:
    root: Path
    files: dict[str, int]  # Bronze input files per source
    first_ingest_date: date
    last_ingest_date: date
    gold_versions: dict[str, int | None]  # each Gold table's current version (None: not there yet)

    @property
    def total_files(self) -> int:
        return sum(self.files.values())


@dataclass
class RebuildSummary:
    run_id: str
    plan: RebuildPlan
    status: str = "succeeded"
    message: str = ""
    duration_s: float = 0.0
    silver: RunSummary | None = None
    gold: GoldSummary | None = None
    published: Published | None = None


def make_plan(root: Path) -> RebuildPlan:
    check_bronze_root(root, f": there is nothing to rebuild from (lakehouse generate or land, then run --root {root})")
    files, _ = discover_bronze_files(root)
    if not files:
        raise UserError(f"root {root} has no Bronze input files: there is nothing to rebuild from")
    layout = Layout(root)
    return RebuildPlan(root, dict(sorted(Counter(file.source for file in files).items())), files[0].ingest_date,
                       max(file.ingest_date for file in files),
                       {table.name: delta_log.latest_version(layout.gold_table(table.name))
                        for table in gold_tables.ALL})


def run(config: LakehouseConfig, confirmed: bool, on_plan: Callable[[RebuildPlan], None] | None = None,
        context: RunContext | None = None) -> RebuildSummary:
    """Rebuild the root from Bronze when `confirmed`; otherwise show the plan and refuse, changing nothing."""
    plan = make_plan(config.root)
    if on_plan:
        on_plan(plan)
    if not confirmed:
        raise UserError("rebuild not started, nothing changed: it replaces Silver, quarantine and every Gold table's "
                        "rows; add --yes to confirm")
    return run_leased(config, JOB, context, lambda leased, check_lease: _run_locked(leased, plan, check_lease))


def _run_locked(context: RunContext, plan: RebuildPlan, check_lease: Callable[[], None]) -> RebuildSummary:
    config, layout, engine = context.config, context.layout, context.engine
    clock = time.monotonic()
    summary = RebuildSummary(config.run_id, plan)
    silver_commit.recover(layout, engine)
    finish_rebuilds(layout, engine)
    files, _ = discover_bronze_files(config.root)  # again, under the lease: what is there now
    scratch = scratch_of(layout, config.run_id)
    try:
        _link_bronze(config.root, scratch, files)
        failpoint("rebuild:bronze_linked")
        scratch_config = replace(config, root=scratch)
        scratch_context = RunContext(scratch_config, Layout(scratch), context.spark, engine, erased=context.erased)
        summary.silver = bronze_to_silver.run(scratch_config, scratch_context)
        summary.gold = silver_to_gold.run(scratch_config, scratch_context)
        check_lease()
        mark_published(scratch, config.run_id)
    except BaseException as error:
        remove_scratch(layout, scratch)
        if isinstance(error, Exception):
            summary.status, summary.message = "failed", str(error) if isinstance(error, UserError) else repr(error)
            summary.duration_s = time.monotonic() - clock
            _record(context, summary)
        raise
    failpoint("rebuild:marked")
    summary.published = publish(layout, engine, config.run_id)
    summary.duration_s = time.monotonic() - clock
    _record(context, summary)
    return summary


def _link_bronze(root: Path, scratch: Path, files: list[BronzeFile]) -> None:
    """The files under the scratch root's bronze/, as hard links (copies where the file system has none), so that
    sizes, modification times and contents (the manifest's) are the originals'."""
    for file in files:
        target = scratch / file.path
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(root / file.path, target)
        except OSError:
            shutil.copy2(root / file.path, target)


def run_row(config: LakehouseConfig, summary: RebuildSummary) -> dict[str, Any]:
    silver = summary.silver
    return {
        "run_id": config.run_id, "job": JOB, "status": summary.status, "started_at": config.started_at,
        "finished_at": config.started_at + timedelta(seconds=summary.duration_s),
        "duration_s": round(summary.duration_s, 3), "files_processed": summary.plan.total_files,
        "files_rejected": silver.files_rejected if silver else 0, "files_changed": 0,
        "records_read": silver.total("records_read") if silver else 0,
        "silver_rows": silver.total("silver_rows") if silver else 0,
        "quarantined_rows": silver.total("quarantined_rows") if silver else 0,
        "metrics_json": json.dumps({"files": summary.plan.files, "gold_versions_before": summary.plan.gold_versions,
                                    "gold_versions_after": summary.published.gold_versions if summary.published
                                    else None}, sort_keys=True),
        "message": summary.message,
    }


def _record(context: RunContext, summary: RebuildSummary) -> None:
    commit = Commit(summary.run_id, JOB, f"{JOB}:{summary.run_id}:run:{time.time_ns()}")
    ops_tables.append(context.engine, context.layout, ops_tables.PIPELINE_RUNS, [run_row(context.config, summary)],
                      commit)
