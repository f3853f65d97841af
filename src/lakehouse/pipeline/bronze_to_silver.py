"""`lakehouse bronze-to-silver`: new Bronze files -> validated Silver batch + quarantine, committed atomically.

Sequencing only: the Spark work lives in `pipeline.silver_batch`, the rules in `silver.rules`/`silver.classify`,
the commit protocol in `storage.silver_commit`, the run report in `pipeline.silver_report`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from pyspark.sql import functions as F

from lakehouse.bronze.discovery import BronzeFile, discover_bronze_files
from lakehouse.bronze.records import md5_hex
from lakehouse.config import LakehouseConfig
from lakehouse.errors import RunFailed, UserError
from lakehouse.failpoints import failpoint
from lakehouse.pipeline import silver_report as report
from lakehouse.pipeline.context import RunContext, run_leased
from lakehouse.pipeline.rebuild_publish import finish_rebuilds
from lakehouse.pipeline.timing import timed
from lakehouse.spark import local_dataframe
from lakehouse.storage import ops_tables, silver_commit
from lakehouse.storage.delta_tables import Commit
from lakehouse.storage.layout import check_bronze_root

log = logging.getLogger(__name__)
JOB = report.JOB


def check_root(root: Path) -> None:
    check_bronze_root(root, f": generate or land data first (lakehouse generate --root {root})")


def split_new_files(context: RunContext, files: list[BronzeFile]) -> tuple[list[BronzeFile], list[str]]:
    """Files not yet processed (by path), and processed files whose bytes have changed since (reported only).

    The comparison with the manifest runs in Spark: only the new files and the processed files whose size or
    modification time differ come back to the driver.
    """
    if not files:
        return [], []
    if not context.engine.exists(context.layout.ops_table(ops_tables.FILE_MANIFEST)):
        return list(files), []  # nothing processed yet (a new root): every file is new, no Spark job needed
    found_df = local_dataframe(context.spark, [(file.path, file.size, file.mtime_ns) for file in files],
                                             "path string, size long, mtime_ns long")
    manifest_df = ops_tables.read(context.engine, context.layout, ops_tables.FILE_MANIFEST)
    is_new = F.col("seen.path").isNull()
    differs = (F.col("seen.size") != F.col("found.size")) | (F.col("seen.mtime_ns") != F.col("found.mtime_ns"))
    rows = (
        found_df.alias("found")
        .join(manifest_df.select("path", "size", "mtime_ns", "md5").alias("seen"),
              on=F.col("found.path") == F.col("seen.path"), how="left")
        .where(is_new | differs)
        .select(F.col("found.path").alias("path"), is_new.alias("is_new"), F.col("seen.size").alias("seen_size"),
                F.col("seen.md5").alias("seen_md5"))
        .collect()
    )
    new_paths = {row["path"] for row in rows if row["is_new"]}
    by_path = {file.path: file for file in files}
    changed = sorted(
        row["path"] for row in rows if not row["is_new"] and (
            row["seen_size"] != by_path[row["path"]].size
            or row["seen_md5"] != md5_hex(context.config.root / row["path"])
        )
    )
    return [file for file in files if file.path in new_paths], changed


def run(config: LakehouseConfig, context: RunContext | None = None) -> report.RunSummary:
    """Process every new Bronze file under the root; returns the summary also written to ops/pipeline_runs."""
    check_root(config.root)
    return run_leased(config, JOB, context, _run_locked)


def _record_run(context: RunContext, summary: report.RunSummary) -> None:
    commit = Commit(summary.run_id, JOB, f"{JOB}:{summary.run_id}:run:{time.time_ns()}")
    ops_tables.append(context.engine, context.layout, ops_tables.PIPELINE_RUNS, [report.run_row(summary)], commit)


def _run_locked(context: RunContext, check_lease: Callable[[], None]) -> report.RunSummary:
    config, layout = context.config, context.layout
    clock = time.monotonic()
    steps: dict[str, float] = {}
    with timed(steps, "recover"):
        finish_rebuilds(layout, context.engine)  # a rebuild killed while publishing is completed first
        completed, discarded = silver_commit.recover(layout, context.engine)
    with timed(steps, "discover"):
        files, passed_over = discover_bronze_files(config.root)
        new_files, changed = split_new_files(context, files)
    notes = report.RunNotes(config, completed, discarded, changed, passed_over, steps)
    for path in changed:
        log.warning("%s changed after it was processed; it is not processed again", path)
    if not new_files:
        summary = report.summarise(notes, [], {}, time.monotonic() - clock, "succeeded", "no new files")
        _record_run(context, summary)
        return summary
    try:
        failpoint("b2s:bronze_staged")
        return _process(context, notes, new_files, clock, check_lease)
    except RunFailed:
        silver_commit.discard(layout, config.run_id)
        raise
    except Exception as error:
        silver_commit.discard(layout, config.run_id)
        message = str(error) if isinstance(error, UserError) else f"{type(error).__name__}: {error}"
        _record_run(context, report.summarise(notes, [], {}, time.monotonic() - clock, "failed", message))
        raise


def _process(context: RunContext, notes: report.RunNotes, files: list[BronzeFile], clock: float,
             check_lease: Callable[[], None]) -> report.RunSummary:
    from lakehouse.pipeline.silver_batch import split_and_validate

    config, layout = context.config, context.layout
    outcome = split_and_validate(context, files, notes.steps)
    summary = report.summarise(notes, outcome.files, outcome.counts, time.monotonic() - clock, "succeeded", "")
    problems = report.gate_problems(summary, outcome.files, outcome.counts, outcome.quality,
                                    config.max_quarantine_ratio)
    quality_rows = report.quality_rows(config, outcome.quality)
    if problems:
        message = "; ".join(problems)
        failed = replace(summary, status="failed", message=message)
        commit = Commit(config.run_id, JOB, f"{JOB}:{config.run_id}:gate:{time.time_ns()}")
        ops_tables.append(context.engine, layout, ops_tables.QUALITY_RESULTS, quality_rows, commit)
        _record_run(context, failed)
        raise RunFailed(f"run {config.run_id} failed, nothing was committed: {message}")
    plan = silver_commit.CommitPlan(
        run_id=config.run_id,
        moves=outcome.moves,
        ops_rows={
            ops_tables.QUALITY_RESULTS: quality_rows,
            ops_tables.FILE_MANIFEST: report.manifest_rows(config, outcome.files, outcome.counts),
            ops_tables.PIPELINE_RUNS: [report.run_row(summary)],
        },
        data_quality_rows=report.data_quality_rows(summary),
    )
    failpoint("b2s:before_commit")
    check_lease()  # still the root's one writer (storage.lease), just before the commit
    silver_commit.write_plan(layout, plan)
    failpoint("b2s:plan_written")
    with timed(notes.steps, "commit"):
        silver_commit.apply_plan(layout, plan, context.engine)
    return summary
