"""`lakehouse silver-to-gold`: pending Silver rows -> Gold dimensions, fact and aggregates, incrementally.

Sequencing only: what is pending lives in `pipeline.gold_pending`, the Spark work in `pipeline.gold_update`, the
transformations in `gold`, the Delta engines in `storage.delta_tables`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from lakehouse.config import LakehouseConfig
from lakehouse.errors import UserError
from lakehouse.failpoints import failpoint
from lakehouse.pipeline.context import RunContext, run_leased
from lakehouse.pipeline.gold_pending import find_pending, gold_manifest_rows
from lakehouse.pipeline.gold_report import JOB, GoldSummary, run_row
from lakehouse.pipeline.gold_update import batch_key, update_gold
from lakehouse.pipeline.rebuild_publish import finish_rebuilds
from lakehouse.storage import ops_tables, silver_commit
from lakehouse.storage.delta_tables import Commit
from lakehouse.storage.layout import check_root

log = logging.getLogger(__name__)

__all__ = ["JOB", "GoldSummary", "run"]


def run(config: LakehouseConfig, context: RunContext | None = None) -> GoldSummary:
    """Bring Gold up to date with every committed Silver batch; returns the summary written to ops/pipeline_runs."""
    check_root(config.root)
    return run_leased(config, JOB, context, _run_locked)


def _record(context: RunContext, summary: GoldSummary) -> None:
    commit = Commit(summary.run_id, JOB, f"{JOB}:{summary.run_id}:run:{time.time_ns()}")
    ops_tables.append(context.engine, context.layout, ops_tables.PIPELINE_RUNS,
                      [run_row(context.config, summary)], commit)


def _run_locked(context: RunContext, check_lease: Callable[[], None]) -> GoldSummary:
    config, layout = context.config, context.layout
    clock = time.monotonic()
    finish_rebuilds(layout, context.engine)  # a rebuild killed while publishing is completed first
    recovered, _ = silver_commit.recover(layout, context.engine)  # never consume a half-written Silver batch (§5)
    pending = find_pending(context.engine, layout)
    summary = GoldSummary(config.run_id, files=len(pending.files), silver_rows=pending.total("silver_rows"),
                          recovered_runs=recovered, engine=context.engine.name)
    if not pending:
        summary.message = "no new Silver data"
        summary.duration_s = time.monotonic() - clock
        _record(context, summary)
        return summary
    try:
        update_gold(context, pending, summary, check_lease)
    except Exception as error:
        summary.status = "failed"
        summary.message = str(error) if isinstance(error, UserError) else f"{type(error).__name__}: {error}"
        summary.duration_s = time.monotonic() - clock
        _record(context, summary)
        raise
    failpoint("s2g:before_gold_manifest")
    check_lease()
    ops_tables.append(context.engine, layout, ops_tables.GOLD_MANIFEST,
                      gold_manifest_rows(pending, config.run_id, config.started_at),
                      Commit(config.run_id, JOB, batch_key(config.run_id, pending)))
    summary.duration_s = time.monotonic() - clock
    _record(context, summary)
    return summary
