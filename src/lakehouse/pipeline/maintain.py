"""`lakehouse maintain` (contract §8): compact, checkpoint and vacuum every Gold and ops Delta table of a root.

Sequencing only: the table operations and their engine calls are `storage.maintenance`'s.
- Refusals come first, each one sentence: a vacuum retention below the 168-hour floor without `force` (the versions
  older than it could no longer be read), a root without Gold, and (the root lock's) a second writer.
- Under the root lock, every Gold table (in `gold.tables.ALL` order) and every Delta table under `ops/` (by name):
  compact, checkpoint, vacuum, the lease checked before each step that writes. Tables are independent, so up to
  `TABLES_AT_ONCE` are maintained side by side (`pipeline.parallel`), each engine call on a Spark session of its own
  (`storage.maintenance`); every table's work ends before a failure is raised, and results keep the table order.
- Then every table is checked as Synapse serverless reads it (`storage.synapse_check`); a problem fails the run.
- Last, the run is recorded in `ops/pipeline_runs` (job `maintain`, per-table metrics in `metrics_json`). That append
  is a new small file beside the table's freshly compacted one, until the next maintenance compacts both.
- A dry run asks the same questions and changes nothing: no commit, no deletion, no `ops` row.

Crash safety: each operation is idempotent (see `storage.maintenance`), so a run killed anywhere and run again ends
with the same tables. A compaction killed before its commit leaves unreferenced files; a vacuum removes them once they
are older than the retention.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from lakehouse.config import LakehouseConfig
from lakehouse.errors import UserError
from lakehouse.failpoints import failpoint
from lakehouse.gold import tables as gold_tables
from lakehouse.pipeline.context import RunContext, run_leased
from lakehouse.pipeline.parallel import side_by_side
from lakehouse.pipeline.rebuild_publish import finish_rebuilds
from lakehouse.storage import delta_log, maintenance, ops_tables
from lakehouse.storage.delta_tables import Commit, DeltaEngine
from lakehouse.storage.layout import Layout, check_root
from lakehouse.storage.synapse_check import synapse_problems

log = logging.getLogger(__name__)

JOB = "maintain"
# Tables maintained side by side: each is a few small Spark jobs and Delta commits, mostly driver latency that
# overlaps well (the runs' steps do the same: pipeline.parallel).
TABLES_AT_ONCE = 4
DEFAULT_RETAIN_HOURS = maintenance.RETENTION_FLOOR_HOURS


@dataclass(frozen=True)
class MaintainOptions:
    retain_hours: int = DEFAULT_RETAIN_HOURS
    force: bool = False  # allow a retention below the floor
    dry_run: bool = False
    target_file_bytes: int = maintenance.TARGET_FILE_BYTES


@dataclass(frozen=True)
class TableResult:
    name: str  # gold/<table> or ops/<table>
    files_before: int
    files_after: int  # planned, on a dry run
    partitions_compacted: int
    checkpoint: maintenance.Checkpoint
    vacuumed: tuple[str, ...]  # files deleted (to delete, on a dry run), relative to the table

    def metrics(self) -> dict[str, Any]:
        return {"files_before": self.files_before, "files_after": self.files_after,
                "partitions_compacted": self.partitions_compacted, "checkpoint_version": self.checkpoint.version,
                "checkpoint_written": self.checkpoint.written, "files_vacuumed": len(self.vacuumed)}


@dataclass
class MaintainSummary:
    run_id: str
    options: MaintainOptions
    engine: str = ""
    status: str = "succeeded"
    message: str = ""
    duration_s: float = 0.0
    tables: list[TableResult] = field(default_factory=list)

    def total(self, metric: str) -> int:
        return sum(int(table.metrics()[metric]) for table in self.tables)

    def metrics(self) -> dict[str, Any]:
        return {"engine": self.engine, "retain_hours": self.options.retain_hours, "forced": self.options.force,
                "target_file_bytes": self.options.target_file_bytes,
                "tables": {table.name: table.metrics() for table in self.tables}}


def check_retention(options: MaintainOptions) -> None:
    floor = maintenance.RETENTION_FLOOR_HOURS
    if options.retain_hours < 0:
        raise UserError(f"vacuum retention must be 0 hours or more, not {options.retain_hours}")
    if options.retain_hours < floor and not options.force:
        raise UserError(f"vacuum retention of {options.retain_hours} hours is below the {floor}-hour floor: table "
                        f"versions older than that could no longer be read; use --force to vacuum anyway")


def gold_tables_of(layout: Layout) -> list[tuple[str, Path]]:
    return [(f"gold/{table.name}", layout.gold_table(table.name)) for table in gold_tables.ALL
            if delta_log.is_delta_table(layout.gold_table(table.name))]


def ops_tables_of(layout: Layout) -> list[tuple[str, Path]]:
    ops_dir = layout.ops_table(ops_tables.PIPELINE_RUNS).parent
    if not ops_dir.is_dir():
        return []
    return [(f"ops/{child.name}", child) for child in sorted(ops_dir.iterdir())
            if child.is_dir() and delta_log.is_delta_table(child)]


def run(config: LakehouseConfig, options: MaintainOptions, context: RunContext | None = None) -> MaintainSummary:
    """Maintain every Gold and ops table of the root; returns the summary (recorded in ops/pipeline_runs unless a
    dry run)."""
    check_retention(options)
    layout = Layout(config.root)
    check_root(config.root)
    if not gold_tables_of(layout):
        raise UserError(f"root {config.root} has no Gold tables under {layout.gold}: nothing to maintain (run the "
                        f"pipeline first: lakehouse run --root {config.root})")
    return run_leased(config, JOB, context, lambda leased, check_lease: _run_locked(leased, options, check_lease))


def _run_locked(context: RunContext, options: MaintainOptions, check_lease: Callable[[], None]) -> MaintainSummary:
    layout = context.layout
    summary = MaintainSummary(context.config.run_id, options, engine=context.engine.name)
    clock = time.monotonic()
    if not options.dry_run:
        finish_rebuilds(layout, context.engine)  # a rebuild killed while publishing is completed first
    tables = gold_tables_of(layout) + ops_tables_of(layout)
    done: dict[int, TableResult] = {}

    def maintain_table(index: int, name: str, path: Path) -> None:
        done[index] = _maintain_table(context.engine, name, path, summary, check_lease)

    try:
        try:
            side_by_side([partial(maintain_table, index, name, path) for index, (name, path) in enumerate(tables)],
                         at_most=TABLES_AT_ONCE)
        finally:  # the tables maintained, in table order, also when one failed
            summary.tables = [done[index] for index in sorted(done)]
        problems = [problem for _, path in tables for problem in synapse_problems(path)]
        if problems:
            raise UserError(f"after maintenance {len(problems)} problem(s) would stop Synapse serverless from reading "
                            f"the tables correctly, the first: {problems[0]}")
    except Exception as error:
        summary.status = "failed"
        summary.message = str(error) if isinstance(error, UserError) else f"{type(error).__name__}: {error}"
        summary.duration_s = time.monotonic() - clock
        if not options.dry_run:
            _record(context, summary)
        raise
    summary.duration_s = time.monotonic() - clock
    if not options.dry_run:
        failpoint("maintain:before_record")
        check_lease()
        _record(context, summary)
    return summary


def _maintain_table(engine: DeltaEngine, name: str, path: Path, summary: MaintainSummary,
                    check_lease: Callable[[], None]) -> TableResult:
    options = summary.options
    commit = Commit(summary.run_id, JOB, f"{JOB}:{summary.run_id}:{name}")
    writes = not options.dry_run
    if writes:
        check_lease()
    compaction = maintenance.compact(engine, path, commit, options.target_file_bytes, options.dry_run)
    failpoint(f"maintain:compacted:{name}")
    if writes:
        check_lease()
    checkpoint = maintenance.checkpoint(engine, path, options.dry_run)
    if options.dry_run and compaction.plan.groups:  # the compaction's commit would come first, and need one
        checkpoint = maintenance.Checkpoint(checkpoint.version + 1, existed=False, written=False)
    failpoint(f"maintain:checkpointed:{name}")
    if writes:
        check_lease()
    vacuumed = maintenance.vacuum(engine, path, options.retain_hours, commit, options.dry_run)
    if options.dry_run and options.retain_hours == 0:
        # A real run's vacuum would also take the files its compaction had just replaced (their removal is not
        # older than no retention at all); a dry run has not replaced them yet.
        vacuumed = sorted({*vacuumed, *(unquote(file) for file in compaction.plan.files_replaced)})
    failpoint(f"maintain:vacuumed:{name}")
    log.info("%s: files %d -> %d, checkpoint v%d%s, %d files %s", name, compaction.plan.files_before,
             compaction.files_after, checkpoint.version, " written" if checkpoint.written else "", len(vacuumed),
             "to vacuum" if options.dry_run else "vacuumed")
    return TableResult(name, compaction.plan.files_before, compaction.files_after, compaction.plan.partitions,
                       checkpoint, tuple(vacuumed))


def run_row(config: LakehouseConfig, summary: MaintainSummary) -> dict[str, Any]:
    return {
        "run_id": config.run_id, "job": JOB, "status": summary.status, "started_at": config.started_at,
        "finished_at": config.started_at + timedelta(seconds=summary.duration_s),
        "duration_s": round(summary.duration_s, 3), "files_processed": 0, "files_rejected": 0, "files_changed": 0,
        "records_read": 0, "silver_rows": 0, "quarantined_rows": 0,
        "metrics_json": json.dumps(summary.metrics(), sort_keys=True), "message": summary.message,
    }


def _record(context: RunContext, summary: MaintainSummary) -> None:
    commit = Commit(summary.run_id, JOB, f"{JOB}:{summary.run_id}:run:{time.time_ns()}")
    ops_tables.append(context.engine, context.layout, ops_tables.PIPELINE_RUNS, [run_row(context.config, summary)],
                      commit)
