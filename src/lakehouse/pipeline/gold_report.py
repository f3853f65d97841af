"""What a silver-to-gold run reports: its one result object and its `ops/pipeline_runs` row (contract §5)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from lakehouse.config import LakehouseConfig

JOB = "silver_to_gold"


@dataclass
class GoldSummary:
    run_id: str
    status: str = "succeeded"
    message: str = ""
    duration_s: float = 0.0
    files: int = 0
    silver_rows: int = 0
    engine: str = ""
    rows_written: dict[str, int | None] = field(default_factory=dict)  # table -> rows this run's commit added
    keys: dict[str, int] = field(default_factory=dict)  # dimension -> keys rebuilt
    dates: list[date] = field(default_factory=list)  # fact dates rebuilt
    as_of_date: date | None = None
    segmentation: str | None = None  # how customer_segmentation was brought up to date: "moved on" or "from its window"
    recovered_runs: list[str] = field(default_factory=list)
    steps: dict[str, float] = field(default_factory=dict)  # seconds per step, for the benchmarks and the profile

    def metrics(self) -> dict[str, Any]:
        return {"engine": self.engine, "rows_written": self.rows_written, "keys_rebuilt": self.keys,
                "dates_rebuilt": [day.isoformat() for day in self.dates],
                "as_of_date": self.as_of_date.isoformat() if self.as_of_date else None,
                "segmentation": self.segmentation,
                "recovered_runs": self.recovered_runs, "steps_s": {k: round(v, 3) for k, v in self.steps.items()}}


def run_row(config: LakehouseConfig, summary: GoldSummary) -> dict[str, Any]:
    return {
        "run_id": config.run_id, "job": JOB, "status": summary.status, "started_at": config.started_at,
        "finished_at": config.started_at + timedelta(seconds=summary.duration_s),
        "duration_s": round(summary.duration_s, 3), "files_processed": summary.files, "files_rejected": 0,
        "files_changed": 0, "records_read": summary.silver_rows, "silver_rows": summary.silver_rows,
        "quarantined_rows": 0, "metrics_json": json.dumps(summary.metrics(), sort_keys=True, default=str),
        "message": summary.message,
    }
