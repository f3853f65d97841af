"""`lakehouse demo`: a fresh local root with a few weeks of generated data, run through the pipeline."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from lakehouse.config import LakehouseConfig
from lakehouse.jobs.console import format_b2s_summary

DEMO_DAYS = 21
DEMO_ROWS_PER_DAY = 2000
DEMO_FAULTS = 0.01


def _step(message: str) -> None:
    print(f"==> {message}", file=sys.stderr, flush=True)


def run_demo(root: Path) -> None:
    from lakehouse.generate import generate
    from lakehouse.jobs import bronze_to_silver

    _step(f"generating {DEMO_DAYS} days of data ({DEMO_ROWS_PER_DAY} transactions a day) under {root}/bronze")
    generated = generate(root, days=DEMO_DAYS, rows_per_day=DEMO_ROWS_PER_DAY, start_date=date(2026, 1, 5),
                         seed=42, faults=DEMO_FAULTS)
    _step(f"{len(generated.files_written)} new files, {len(generated.files_skipped)} already there")
    _step("bronze -> silver (starting Spark, validating with Great Expectations)")
    summary = bronze_to_silver.run(LakehouseConfig.create(root))
    print("\n".join(format_b2s_summary(summary)))
    print(f"Silver Parquet:   {root / 'silver'}")
    print(f"Quarantine:       {root / 'silver' / '_quarantine'}")
    print(f"Data Docs:        {root / 'ops' / 'data_docs' / 'index.html'}")
    print(f"Run history:      {root / 'ops' / 'pipeline_runs'} (Delta)")
