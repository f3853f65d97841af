"""`lakehouse silver-to-gold`: pending Silver rows -> Gold dimensions, fact and aggregates, incrementally.

I/O and sequencing only: what is pending lives in `jobs.s2g_pending`, the Spark work in `jobs.s2g_spark`, the
transformations in `gold`, the Delta engines in `storage.delta_tables`.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from lakehouse.config import LakehouseConfig
from lakehouse.errors import UserError
from lakehouse.failpoints import failpoint
from lakehouse.pipeline.gold_pending import Pending, find_pending, gold_manifest_rows
from lakehouse.storage import ops_tables, silver_commit
from lakehouse.storage.layout import Layout, check_root
from lakehouse.storage.lock import locked_root

log = logging.getLogger(__name__)
JOB = "silver_to_gold"


@dataclass
class GoldSummary:
    run_id: str
    status: str
    message: str
    duration_s: float
    files: int = 0
    silver_rows: int = 0
    engine: str = ""
    rows_written: dict[str, int | None] = field(default_factory=dict)
    keys: dict[str, int] = field(default_factory=dict)
    dates: list[str] = field(default_factory=list)
    as_of_date: str | None = None
    recovered_runs: list[str] = field(default_factory=list)

    def metrics(self) -> dict[str, Any]:
        return {"engine": self.engine, "rows_written": self.rows_written, "keys_rebuilt": self.keys,
                "dates_rebuilt": self.dates, "as_of_date": self.as_of_date, "recovered_runs": self.recovered_runs}


def run(config: LakehouseConfig) -> GoldSummary:
    """Bring Gold up to date with every committed Silver batch; returns the summary written to ops/pipeline_runs."""
    layout = Layout(config.root)
    check_root(config.root)
    with locked_root(layout, config.run_id, JOB):
        return _run_locked(config, layout)


def run_row(config: LakehouseConfig, summary: GoldSummary) -> dict[str, Any]:
    return {
        "run_id": config.run_id, "job": JOB, "status": summary.status, "started_at": config.started_at,
        "finished_at": config.started_at + timedelta(seconds=summary.duration_s),
        "duration_s": round(summary.duration_s, 3), "files_processed": summary.files, "files_rejected": 0,
        "files_changed": 0, "records_read": summary.silver_rows, "silver_rows": summary.silver_rows,
        "quarantined_rows": 0, "metrics_json": json.dumps(summary.metrics(), sort_keys=True, default=str),
        "message": summary.message,
    }


def _record(layout: Layout, config: LakehouseConfig, summary: GoldSummary) -> None:
    ops_tables.append_ops_rows(layout, ops_tables.PIPELINE_RUNS, [run_row(config, summary)], config.run_id)


def _run_locked(config: LakehouseConfig, layout: Layout) -> GoldSummary:
    clock = time.monotonic()
    recovered, _ = silver_commit.recover(layout)  # never consume a half-written Silver batch (§5)
    pending = find_pending(layout)
    summary = GoldSummary(config.run_id, "succeeded", "", 0.0, files=len(pending.files),
                          silver_rows=pending.total("silver_rows"), recovered_runs=recovered)
    if not pending:
        summary.message = "no new Silver data"
        summary.duration_s = time.monotonic() - clock
        _record(layout, config, summary)
        return summary
    try:
        _update(config, layout, pending, summary)
    except Exception as error:
        summary.status = "failed"
        summary.message = str(error) if isinstance(error, UserError) else f"{type(error).__name__}: {error}"
        summary.duration_s = time.monotonic() - clock
        _record(layout, config, summary)
        raise
    failpoint("s2g:before_gold_manifest")
    ops_tables.append_ops_rows(layout, ops_tables.GOLD_MANIFEST,
                               gold_manifest_rows(pending, config.run_id, config.started_at), config.run_id)
    summary.duration_s = time.monotonic() - clock
    _record(layout, config, summary)
    return summary


def _update(config: LakehouseConfig, layout: Layout, pending: Pending, summary: GoldSummary) -> None:
    from lakehouse.pipeline.gold_update import update_gold

    outcome = update_gold(config, layout, pending)
    summary.engine = outcome.engine
    summary.rows_written = outcome.rows_written
    summary.keys = outcome.keys
    summary.dates = [day.isoformat() for day in outcome.dates]
    summary.as_of_date = outcome.as_of_date.isoformat() if outcome.as_of_date else None
