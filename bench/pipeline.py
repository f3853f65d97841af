"""Full pipeline (bronze-to-silver, then silver-to-gold) in one process: throughput at two sizes, and the cost of
one new day on top of 10, 60 and 180 days of history, per Gold step.

    .venv/bin/python bench/pipeline.py [--small 100000] [--large 1000000] [--rows-per-day 5000] [--repeat 1]
                                       [--histories 10,60,180] [--only throughput|incremental] [--keep DIR]

Throughput: each size gets a fresh root with generated data (1% faults) and one `lakehouse run`
(`jobs.pipeline.run`); the figures are the whole run and each stage (`duration_s` of the Silver and Gold summaries),
all as records read (all sources) per second. Incremental: two roots hold 10 and 60 days of `--rows-per-day`
transactions (one root per --histories entry), fully run first (timed apart as "history build"); then one more day
is generated on each (days=11, 61, 181: prefix-stable) and one run is timed for it, with the Gold stage's own steps
(`steps_s`). With `--repeat N` the new day is added N times (day 11, 12, ...
and 61, 62, ...) and the median is reported; the two roots alternate so that machine noise hits both alike. The
ratios (large/small, after-N/after-10) are taken within one run because absolute times on a shared machine drift.
A tiny warm-up run goes first so that JVM, Spark, Delta and Great Expectations start-up are not charged to anything.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from lakehouse.config import LakehouseConfig  # noqa: E402
from lakehouse.generate import generate  # noqa: E402
from lakehouse.pipeline import run as pipeline  # noqa: E402

ROWS_PER_DAY = 100_000  # throughput roots: days of at most this many transactions, as bench/bronze_to_silver.py
START = date(2026, 1, 5)
SEED = 7
FAULTS = 0.01
HISTORIES = (10, 60, 180)


@dataclass
class Timing:
    label: str
    total_s: float
    silver_s: float
    gold_s: float
    records: int  # records read by the Silver stage, all sources
    silver_rows: int  # Silver rows the Gold stage consumed
    dates: int = 0  # Gold fact dates rebuilt
    rows_written: dict[str, int | None] = field(default_factory=dict)
    engine: str = ""  # Gold's Delta engine
    gold_steps: dict[str, float] = field(default_factory=dict)  # seconds per Gold step

    def rate(self, seconds: float) -> float:
        return self.records / seconds if seconds else float("nan")


def fresh_root(base: Path, name: str) -> Path:
    root = base / name
    if root.exists() and any(root.iterdir()):
        raise SystemExit(f"{root} is not empty: give --keep a new directory (a rerun would find nothing to do)")
    return root


def timed_run(root: Path, label: str) -> Timing:
    config = LakehouseConfig.create(root, max_quarantine_ratio=1.0)  # throughput, not the quarantine gate
    started = time.perf_counter()
    summary = pipeline.run(config)
    elapsed = time.perf_counter() - started
    silver, gold = summary.silver, summary.gold
    if silver.status != "succeeded" or gold.status != "succeeded":
        raise SystemExit(f"{label}: run {config.run_id} did not succeed: {silver.message} {gold.message}")
    return Timing(label, elapsed, silver.duration_s, gold.duration_s, silver.total("records_read"),
                  gold.silver_rows, len(gold.dates), dict(gold.rows_written), gold.engine, dict(gold.steps))


def warm_up(base: Path) -> str:
    root = fresh_root(base, "warm_up")
    generate(root, days=2, rows_per_day=1_000, start_date=START, seed=SEED, faults=FAULTS)
    return timed_run(root, "warm-up").engine


def print_timing(timing: Timing, extra: str = "") -> None:
    print(f"{timing.label:<22} {timing.records:>9,} records  total {timing.total_s:6.1f} s "
          f"(Silver {timing.silver_s:6.1f} s, Gold {timing.gold_s:6.1f} s)  "
          f"records/s: pipeline {timing.rate(timing.total_s):>7,.0f}, Silver {timing.rate(timing.silver_s):>7,.0f}, "
          f"Gold {timing.rate(timing.gold_s):>7,.0f}{extra}", flush=True)


def throughput(base: Path, sizes: tuple[int, int]) -> list[Timing]:
    results = []
    for transactions in sizes:
        root = fresh_root(base, f"throughput_{transactions}")
        rows_per_day = min(ROWS_PER_DAY, transactions)
        days = max(1, transactions // rows_per_day)
        started = time.perf_counter()
        generate(root, days=days, rows_per_day=rows_per_day, start_date=START, seed=SEED, faults=FAULTS)
        generated_s = time.perf_counter() - started
        timing = timed_run(root, f"{transactions:,} transactions")
        print_timing(timing, f"  ({days} x {rows_per_day:,}/day, generation {generated_s:.1f} s)")
        results.append(timing)
    small, large = results
    ratios = [large.rate(getattr(large, stage)) / small.rate(getattr(small, stage))
              for stage in ("total_s", "silver_s", "gold_s")]
    print(f"throughput ratio large/small (records/s): pipeline {ratios[0]:.2f}, Silver {ratios[1]:.2f}, "
          f"Gold {ratios[2]:.2f}  (above 1: fixed costs weigh on the small run)", flush=True)
    return results


def median_timing(label: str, timings: list[Timing]) -> Timing:
    """Medians of each figure; rows written and dates are those of the run with the median total."""
    middle = sorted(timings, key=lambda t: t.total_s)[(len(timings) - 1) // 2]
    steps = {step for t in timings for step in t.gold_steps}
    return Timing(label, statistics.median(t.total_s for t in timings), statistics.median(t.silver_s for t in timings),
                  statistics.median(t.gold_s for t in timings), middle.records, middle.silver_rows, middle.dates,
                  middle.rows_written, middle.engine,
                  {step: statistics.median(t.gold_steps.get(step, 0.0) for t in timings) for step in sorted(steps)})


def incremental(base: Path, rows_per_day: int, repeat: int, histories: tuple[int, ...]) -> dict[int, Timing]:
    roots = {days: fresh_root(base, f"history_{days}d") for days in histories}
    for days, root in roots.items():
        started = time.perf_counter()
        generate(root, days=days, rows_per_day=rows_per_day, start_date=START, seed=SEED, faults=FAULTS)
        generated_s = time.perf_counter() - started
        print_timing(timed_run(root, f"history build {days} d"), f"  (generation {generated_s:.1f} s)")
    runs: dict[int, list[Timing]] = {days: [] for days in histories}
    for step in range(1, repeat + 1):
        order = histories if step % 2 else tuple(reversed(histories))  # alternate who goes first
        for days in order:
            day = days + step
            generate(roots[days], days=day, rows_per_day=rows_per_day, start_date=START, seed=SEED, faults=FAULTS)
            timing = timed_run(roots[days], f"day {day} after {day - 1} d")
            print_timing(timing, f"  fact dates rebuilt {timing.dates}")
            runs[days].append(timing)
    medians = {days: median_timing(f"new day after {days} d", runs[days]) for days in histories}
    what = f"median of {repeat}" if repeat > 1 else "one run"
    few = medians[histories[0]]
    for days in histories[1:]:
        many = medians[days]
        print(f"new day after {days} d / after {histories[0]} d ({what}): total {many.total_s / few.total_s:.2f}, "
              f"Silver {many.silver_s / few.silver_s:.2f}, Gold {many.gold_s / few.gold_s:.2f}", flush=True)
    return medians


def print_tables(sizes: list[Timing], news: dict[int, Timing], rows_per_day: int, repeat: int) -> None:
    print("\n| run | records read | total s | Silver s | Gold s | records/s (pipeline / Silver / Gold) |")
    print("|---|---:|---:|---:|---:|---|")
    for t in sizes + list(news.values()):
        print(f"| {t.label} | {t.records:,} | {t.total_s:.1f} | {t.silver_s:.1f} | {t.gold_s:.1f} | "
              f"{t.rate(t.total_s):,.0f} / {t.rate(t.silver_s):,.0f} / {t.rate(t.gold_s):,.0f} |")
    if len(sizes) == 2:
        small, large = sizes
        print(f"\nlarge/small records/s: {large.rate(large.total_s) / small.rate(small.total_s):.2f}")
    if news:
        histories = list(news)
        what = f"median of {repeat} new days" if repeat > 1 else "one new day"
        print(f"\nnew day of {rows_per_day:,} transactions ({what}), ratio to after {histories[0]} d: "
              + ", ".join(f"after {days} d total {news[days].total_s / news[histories[0]].total_s:.2f} "
                          f"Gold {news[days].gold_s / news[histories[0]].gold_s:.2f}" for days in histories[1:]) + "\n")
        print("| Gold | " + " | ".join(f"after {days} d" for days in histories) + " |")
        print("|---|" + "---:|" * len(histories))
        print("| Silver stage s | " + " | ".join(f"{news[days].silver_s:.1f}" for days in histories) + " |")
        print("| Gold stage s | " + " | ".join(f"{news[days].gold_s:.1f}" for days in histories) + " |")
        for step in sorted({step for timing in news.values() for step in timing.gold_steps}):
            print(f"| step: {step} s | " + " | ".join(f"{news[days].gold_steps.get(step, 0.0):.1f}"
                                                     for days in histories) + " |")
        print("| fact dates rebuilt | " + " | ".join(str(news[days].dates) for days in histories) + " |")
        for table in sorted({table for timing in news.values() for table in timing.rows_written}):
            print(f"| rows written: {table} | " + " | ".join(_rows(news[days].rows_written.get(table))
                                                          for days in histories) + " |")


def _rows(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=100_000, help="transactions in the small throughput run")
    parser.add_argument("--large", type=int, default=1_000_000, help="transactions in the large throughput run")
    parser.add_argument("--rows-per-day", type=int, default=5_000, help="transactions per day, incremental part")
    parser.add_argument("--repeat", type=int, default=1, help="new days measured per history (median reported)")
    parser.add_argument("--histories", default=",".join(map(str, HISTORIES)),
                        help="days of history before the new day, comma-separated, smallest first")
    parser.add_argument("--only", choices=("throughput", "incremental"), help="run only one part")
    parser.add_argument("--keep", type=Path, help="keep the roots in this directory (must not hold earlier roots)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    histories = tuple(sorted(int(days) for days in args.histories.split(",")))
    if len(histories) < 2 or histories[0] < 1:
        parser.error("--histories needs two or more positive day counts")
    with tempfile.TemporaryDirectory(prefix="lakehouse-bench-") as scratch:
        base = args.keep or Path(scratch)
        base.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        engine = warm_up(base)  # JVM, Spark, Delta, Great Expectations
        print(f"warm-up {time.perf_counter() - started:.1f} s (Gold Delta engine: {engine})", flush=True)
        sizes = [] if args.only == "incremental" else throughput(base, (args.small, args.large))
        news = {} if args.only == "throughput" else incremental(base, args.rows_per_day, args.repeat, histories)
        print_tables(sizes, news, args.rows_per_day, args.repeat)
        print(f"\nbenchmark wall time {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
