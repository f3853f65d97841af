"""`lakehouse run` beside the same work done by DuckDB (../shared/bench/duckdb_reference.py), on the same data, in one
sitting: the yardstick of the speed targets (full pipeline <= 4x DuckDB).

    .venv/bin/python bench/versus_duckdb.py [--transactions 2100000] [--days 20] [--data DIR] [--threads 2]
                                            [--delta-engine auto|delta-rs|delta-spark]

The Bronze data is generated once (1% faults) into --data (kept, so later sittings reuse it). Each measurement runs
on a fresh copy of it, as a real process: `lakehouse run` (wall time of the whole command, JVM start included, and
the two stages' own durations and steps from `ops/pipeline_runs`), then the DuckDB reference with the same number of
threads as local Spark's cores. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DUCKDB_REFERENCE = REPO.parent / "shared" / "bench" / "duckdb_reference.py"


def data_arguments(parser: argparse.ArgumentParser, transactions: int = 2_100_000) -> None:
    """--transactions, --days and --data: which generated data set a benchmark runs on (`generated`)."""
    parser.add_argument("--transactions", type=int, default=transactions)
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "lakehouse-bench-data")


def generated(data: Path, transactions: int, days: int) -> Path:
    root = data / f"tx{transactions}_d{days}"
    if not (root / "bronze").is_dir():
        from lakehouse.generate import generate

        generate(root, days=days, rows_per_day=transactions // days, start_date=date(2026, 1, 5), seed=7, faults=0.01)
    return root


def fresh_copy(root: Path, work: Path, name: str) -> Path:
    target = work / name
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(root / "bronze", target / "bronze")
    return target


def timed_process(command: list[str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, "GX_ANALYTICS_ENABLED": "false"}
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"{' '.join(command[:4])} failed:\n{result.stderr[-2000:]}")
    return elapsed


def duckdb_seconds(source: Path, work: Path, threads: str) -> float:
    """Wall time of the DuckDB reference on a fresh copy of `source`'s Bronze under `work`, as a process."""
    duck = fresh_copy(source, work, "duckdb")
    return timed_process([sys.executable, str(DUCKDB_REFERENCE), str(duck), str(work / "duck_out"), threads])


def stage_metrics(root: Path) -> dict[str, dict]:
    from lakehouse.storage import ops_tables
    from lakehouse.storage.layout import Layout

    runs = ops_tables.read_rows(Layout(root), ops_tables.PIPELINE_RUNS)
    return {row["job"]: {"duration_s": row["duration_s"], **json.loads(row["metrics_json"])} for row in runs}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    data_arguments(parser)
    parser.add_argument("--threads", default="2")
    parser.add_argument("--delta-engine", default="auto", help="passed to `lakehouse run` (auto: delta-spark here)")
    args = parser.parse_args()
    source = generated(args.data, args.transactions, args.days)
    size = sum(path.stat().st_size for path in (source / "bronze").rglob("*.csv")) / 2**20
    print(
        f"data: {args.transactions:,} transactions over {args.days} days plus CDC and snapshots, "
        f"{size:.0f} MiB of Bronze CSV ({source})",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="lakehouse-bench-") as work:
        lake = fresh_copy(source, Path(work), "lakehouse")
        lakehouse_s = timed_process(
            [sys.executable, "-m", "lakehouse.cli", "run", "--root", str(lake), "--max-quarantine-ratio", "1",
             "--delta-engine", args.delta_engine]
        )
        stages = stage_metrics(lake)
        duckdb_s = duckdb_seconds(source, Path(work), args.threads)
    silver, gold = stages.get("bronze_to_silver", {}), stages.get("silver_to_gold", {})
    print(f"lakehouse run (whole command)  {lakehouse_s:8.1f} s")
    print(f"  bronze-to-silver             {silver.get('duration_s', float('nan')):8.1f} s")
    print(
        f"  silver-to-gold               {gold.get('duration_s', float('nan')):8.1f} s  (engine {gold.get('engine')})"
    )
    print(f"duckdb reference ({args.threads} threads)    {duckdb_s:8.1f} s")
    print(f"ratio lakehouse / duckdb       {lakehouse_s / duckdb_s:8.2f}x")
    for name, metrics in (("bronze-to-silver", silver), ("silver-to-gold", gold)):
        steps = metrics.get("steps_s") or {}
        print(f"{name} steps: " + ", ".join(f"{step} {seconds:.1f}s" for step, seconds in steps.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
