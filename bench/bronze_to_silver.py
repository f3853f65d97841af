"""Bronze -> Silver throughput at two sizes, in one process (Spark already warm), printed as rows per second.

    .venv/bin/python bench/bronze_to_silver.py [--small 200000] [--large 2000000] [--keep DIR]

Each size gets a fresh root with generated data (1% faults); the time covers the whole `bronze-to-silver` job
(discovery, parsing, rules, staging, Great Expectations, commit). A tiny warm-up run goes first so that JVM and
GX start-up are not charged to the first size.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from lakehouse.config import LakehouseConfig  # noqa: E402
from lakehouse.generate import generate  # noqa: E402
from lakehouse.pipeline import bronze_to_silver  # noqa: E402

ROWS_PER_DAY = 100_000


def measure(base: Path, transactions: int) -> tuple[float, int, float]:
    root = base / f"rows_{transactions}"
    rows_per_day = min(ROWS_PER_DAY, transactions)
    days = max(1, transactions // rows_per_day)
    started = time.perf_counter()
    generate(root, days=days, rows_per_day=rows_per_day, start_date=date(2026, 1, 5), seed=7, faults=0.01)
    generated_s = time.perf_counter() - started
    started = time.perf_counter()
    summary = bronze_to_silver.run(LakehouseConfig.create(root, max_quarantine_ratio=1.0))  # throughput, not the gate
    elapsed = time.perf_counter() - started
    return elapsed, summary.total("records_read"), generated_s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=200_000)
    parser.add_argument("--large", type=int, default=2_000_000)
    parser.add_argument("--keep", type=Path, help="keep the roots in this directory")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="lakehouse-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    measure(base, 2_000)  # warm-up: JVM, Spark, Great Expectations
    results = {}
    for transactions in (args.small, args.large):
        elapsed, records, generated_s = measure(base, transactions)
        results[transactions] = records / elapsed
        print(f"{transactions:>9} transactions: {records:>9} records (all sources) in {elapsed:6.1f} s "
              f"= {records / elapsed:>9,.0f} records/s   (generation {generated_s:.1f} s)", flush=True)
    small, large = results[args.small], results[args.large]
    print(f"throughput ratio large/small: {large / small:.2f} (above 1 means fixed costs dominate the small run)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
