"""`lakehouse rebuild` (contract §8): every Bronze file (or those of an `ingest_date` range) processed again, as if
landed into an empty root.

After a rule fix, or damage to Silver or Gold, the immutable Bronze is the truth. Sequencing:
- the plan (files per source, ingest dates, the Gold tables that get a new version) is made first and shown; without
  confirmation the rebuild refuses with one line and changes nothing;
- under the root lease: leftovers of killed runs finished (a committed Silver batch, a published rebuild), then the
  Bronze files linked (hard links, copies where links are impossible) into a scratch root under `ops/_rebuild/`, and
  the usual two stages run there, in landing order (one batch: incremental equals full, §5), sharing this run's
  Spark and Delta engine;
- a range rebuild starts the scratch root from the root's Silver, quarantine and file manifest less the range's
  files (`silver.carve`; the key indexes derived from the carved rows), so the range's files are judged against the
  keys the other files were accepted with, and the files outside the range keep their rows as they are; Gold is
  computed again from all of it;
- then published (`pipeline.rebuild_publish`): Silver and quarantine replaced, Gold tables overwritten in new
  versions (history kept), the manifests replaced, the runs' records appended.
A failure before the publish mark deletes the scratch root and changes nothing; after it, any later job of the root
completes the publish. The root's own lease is held throughout, so no other run interleaves (§5, one writer).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pyspark.sql import functions as F

from lakehouse import contract as c
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
from lakehouse.silver import carve
from lakehouse.silver import io as silver_io
from lakehouse.storage import delta_log, ops_tables, silver_commit
from lakehouse.storage.delta_tables import Commit, Rows
from lakehouse.storage.layout import Layout, check_bronze_root


@dataclass(frozen=True)
class RebuildPlan:
    root: Path
    files: dict[str, int]  # Bronze input files to process again, per source
    first_ingest_date: date
    last_ingest_date: date
    gold_versions: dict[str, int | None]  # each Gold table's current version (None: not there yet)
    ingest_range: tuple[date | None, date | None] | None = None  # the range asked for (None: every file)
    kept_files: int = 0  # processed files outside the range, whose Silver and quarantine rows are kept

    @property
    def total_files(self) -> int:
        return sum(self.files.values())

    def selects(self, file: BronzeFile) -> bool:
        if self.ingest_range is None:
            return True
        first, last = self.ingest_range
        return (first is None or file.ingest_date >= first) and (last is None or file.ingest_date <= last)


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


def make_plan(root: Path, first: date | None = None, last: date | None = None) -> RebuildPlan:
    """What a rebuild of the root (of the files ingested from `first` to `last`, when either is given) would do."""
    check_bronze_root(root, f": there is nothing to rebuild from (lakehouse generate or land, then run --root {root})")
    if first is not None and last is not None and first > last:
        raise UserError(f"--from-ingest-date {first} is after --to-ingest-date {last}: there is nothing to rebuild")
    files, _ = discover_bronze_files(root)
    if not files:
        raise UserError(f"root {root} has no Bronze input files: there is nothing to rebuild from")
    layout = Layout(root)
    plan = RebuildPlan(root, {}, files[0].ingest_date, files[-1].ingest_date,
                       {table.name: delta_log.latest_version(layout.gold_table(table.name))
                        for table in gold_tables.ALL},
                       None if first is None and last is None else (first, last))
    selected = [file for file in files if plan.selects(file)]
    if not selected:
        raise UserError(f"root {root} has no Bronze input files ingested from {first or 'the first day'} to "
                        f"{last or 'the last day'}: there is nothing to rebuild")
    paths = {file.path for file in selected}
    kept = 0 if plan.ingest_range is None else sum(
        1 for row in ops_tables.read_rows(layout, ops_tables.FILE_MANIFEST) if row["path"] not in paths)
    return replace(plan, files=dict(sorted(Counter(file.source for file in selected).items())),
                   first_ingest_date=selected[0].ingest_date,
                   last_ingest_date=max(file.ingest_date for file in selected), kept_files=kept)


def run(config: LakehouseConfig, confirmed: bool, on_plan: Callable[[RebuildPlan], None] | None = None,
        context: RunContext | None = None, first: date | None = None, last: date | None = None) -> RebuildSummary:
    """Rebuild the root (the files ingested from `first` to `last`, when either is given) from Bronze when
    `confirmed`; otherwise show the plan and refuse, changing nothing."""
    plan = make_plan(config.root, first, last)
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
    files = [file for file in files if plan.selects(file)]
    scratch = scratch_of(layout, config.run_id)
    try:
        _link_bronze(config.root, scratch, files)
        failpoint("rebuild:bronze_linked")
        scratch_config = replace(config, root=scratch)
        scratch_context = RunContext(scratch_config, Layout(scratch), context.spark, engine, erased=context.erased)
        if plan.ingest_range is not None:
            _start_from_the_rest(context, scratch_context.layout, frozenset(file.path for file in files))
            failpoint("rebuild:carved")
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


def _start_from_the_rest(context: RunContext, scratch: Layout, dropped: frozenset[str]) -> None:
    """The scratch root given the root's Silver, quarantine, key indexes and file manifest less the rows of the
    `dropped` Bronze files (those the range rebuild processes again)."""
    carve.carve(context.layout, scratch, dropped)
    for source in c.SOURCES:
        silver_io.index_silver(context.spark, scratch, source)
    manifest = ops_tables.FILE_MANIFEST
    kept_df = ops_tables.read(context.engine, context.layout, manifest).where(~F.col("path").isin(sorted(dropped)))
    commit = Commit(context.config.run_id, JOB, f"{JOB}:{context.config.run_id}:carved-manifest")
    context.engine.replace(kept_df.coalesce(1), scratch.ops_table(manifest), ops_tables.SCHEMAS[manifest], (),
                           Rows.all(), commit)


def _link_bronze(root: Path, scratch: Path, files: list[BronzeFile]) -> None:
    """The files under the scratch root's bronze/, as hard links (copies where the file system has none), so that
    sizes, modification times and contents (the manifest's) are the originals'."""
    for file in files:
        target = scratch / file.path
        target.parent.mkdir(parents=True, exist_ok=True)
        carve.link_or_copy(root / file.path, target)


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
        "metrics_json": json.dumps({"files": summary.plan.files, "kept_files": summary.plan.kept_files,
                                    "ingest_range": [str(day) if day else None for day in summary.plan.ingest_range]
                                    if summary.plan.ingest_range else None,
                                    "gold_versions_before": summary.plan.gold_versions,
                                    "gold_versions_after": summary.published.gold_versions if summary.published
                                    else None}, sort_keys=True),
        "message": summary.message,
    }


def _record(context: RunContext, summary: RebuildSummary) -> None:
    commit = Commit(summary.run_id, JOB, f"{JOB}:{summary.run_id}:run:{time.time_ns()}")
    ops_tables.append(context.engine, context.layout, ops_tables.PIPELINE_RUNS, [run_row(context.config, summary)],
                      commit)
