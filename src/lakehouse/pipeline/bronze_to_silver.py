"""`lakehouse bronze-to-silver`: new Bronze files -> validated Silver batch + quarantine, committed atomically.

I/O and sequencing only; the rules live in `silver.rules`/`silver.classify`, the commit protocol in
`storage.silver_commit`, the run report in `jobs.b2s_report`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from pathlib import Path

from lakehouse.bronze.discovery import BronzeFile, discover_bronze_files
from lakehouse.bronze.staging import StagedFile, md5_hex, stage_bronze_files
from lakehouse.config import LakehouseConfig
from lakehouse.errors import RunFailed, UserError
from lakehouse.failpoints import failpoint
from lakehouse.pipeline import silver_report as report
from lakehouse.storage import ops_tables, silver_commit
from lakehouse.storage.layout import Layout
from lakehouse.storage.layout import check_root as layout_check_root
from lakehouse.storage.lock import locked_root

log = logging.getLogger(__name__)
JOB = report.JOB


def check_root(root: Path) -> None:
    layout_check_root(root)
    if not (root / "bronze").is_dir():
        raise UserError(f"root {root} has no bronze/ folder: generate or land data first "
                        f"(lakehouse generate --root {root})")


def split_new_files(layout: Layout, files: list[BronzeFile]) -> tuple[list[BronzeFile], list[str]]:
    """Files not yet processed (by path), and processed files whose bytes have changed since (reported only)."""
    manifest = ops_tables.read_ops_table(layout, ops_tables.FILE_MANIFEST).to_pylist()
    processed = {row["path"]: row for row in manifest}
    new_files, changed = [], []
    for file in files:
        seen = processed.get(file.path)
        if seen is None:
            new_files.append(file)
        elif (seen["size"], seen["mtime_ns"]) != (file.size, file.mtime_ns) and (
            seen["size"] != file.size or seen["md5"] != md5_hex((layout.root / file.path).read_bytes())
        ):
            changed.append(file.path)
    return new_files, changed


def run(config: LakehouseConfig) -> report.RunSummary:
    """Process every new Bronze file under the root; returns the summary also written to ops/pipeline_runs."""
    layout = Layout(config.root)
    check_root(config.root)
    with locked_root(layout, config.run_id, JOB):
        return _run_locked(config, layout)


def _record_run(layout: Layout, summary: report.RunSummary) -> None:
    ops_tables.append_ops_rows(layout, ops_tables.PIPELINE_RUNS, [report.run_row(summary)], summary.run_id)


def _run_locked(config: LakehouseConfig, layout: Layout) -> report.RunSummary:
    clock = time.monotonic()
    completed, discarded = silver_commit.recover(layout)
    files, passed_over = discover_bronze_files(config.root)
    new_files, changed = split_new_files(layout, files)
    context = report.RunContext(config, completed, discarded, changed, passed_over)
    for path in changed:
        log.warning("%s changed after it was processed; it is not processed again", path)
    if not new_files:
        summary = report.summarise(context, [], {}, time.monotonic() - clock, "succeeded", "no new files")
        _record_run(layout, summary)
        return summary
    try:
        staged = stage_bronze_files(config.root, new_files, layout.run_staging(config.run_id))
        failpoint("b2s:bronze_staged")
        return _process(config, layout, context, staged, clock)
    except RunFailed:
        silver_commit.discard(layout, config.run_id)
        raise
    except Exception as error:
        silver_commit.discard(layout, config.run_id)
        message = str(error) if isinstance(error, UserError) else f"{type(error).__name__}: {error}"
        _record_run(layout, report.summarise(context, [], {}, time.monotonic() - clock, "failed", message))
        raise


def _process(config: LakehouseConfig, layout: Layout, context: report.RunContext, staged: list[StagedFile],
             clock: float) -> report.RunSummary:
    from lakehouse.pipeline.silver_batch import split_and_validate

    outcome = split_and_validate(config, layout, staged)
    summary = report.summarise(context, staged, outcome.counts, time.monotonic() - clock, "succeeded", "")
    problems = report.gate_problems(summary, staged, outcome.counts, outcome.quality, config.max_quarantine_ratio)
    quality_rows = report.quality_rows(config, outcome.quality)
    if problems:
        message = "; ".join(problems)
        failed = replace(summary, status="failed", message=message)
        ops_tables.append_ops_rows(layout, ops_tables.QUALITY_RESULTS, quality_rows, config.run_id)
        _record_run(layout, failed)
        raise RunFailed(f"run {config.run_id} failed, nothing was committed: {message}")
    plan = silver_commit.CommitPlan(
        run_id=config.run_id,
        moves=outcome.moves,
        ops_rows={
            ops_tables.QUALITY_RESULTS: quality_rows,
            ops_tables.FILE_MANIFEST: report.manifest_rows(config, staged, outcome.counts),
            ops_tables.PIPELINE_RUNS: [report.run_row(summary)],
        },
    )
    failpoint("b2s:before_commit")
    silver_commit.write_plan(layout, plan)
    failpoint("b2s:plan_written")
    silver_commit.apply_plan(layout, plan)
    return summary
