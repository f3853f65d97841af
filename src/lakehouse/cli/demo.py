"""`lakehouse demo`: a local root with a few weeks of generated data, run through the whole pipeline, then a short
report of what landed in Gold. Rerunning it on the same root adds nothing and shows the same report."""

from __future__ import annotations

import sys
from collections import Counter
from datetime import date
from pathlib import Path

from lakehouse import contract as c
from lakehouse.cli.demo_sizes import DEMO_DAYS, DEMO_FAULTS, DEMO_ROWS_PER_DAY
from lakehouse.cli.output import format_b2s_summary, format_s2g_summary
from lakehouse.config import DEFAULT_MAX_QUARANTINE_RATIO, LakehouseConfig
from lakehouse.gold import tables as gold_tables
from lakehouse.silver.io import quarantine_reasons
from lakehouse.storage.delta_tables import read_arrow
from lakehouse.storage.layout import Layout


def _step(message: str) -> None:
    print(f"==> {message}", file=sys.stderr, flush=True)


def _gold_rows(layout: Layout, table: gold_tables.GoldTable) -> list[dict]:
    rows = read_arrow(layout.gold_table(table.name))
    return [] if rows is None else rows.to_pylist()


def _quarantine_by_reason(layout: Layout) -> Counter[str]:
    counts: Counter[str] = Counter()
    for source in c.SOURCES:
        counts.update(f"{source}: {reason}" for reason in quarantine_reasons(layout, source))
    return counts


def format_gold_report(layout: Layout) -> list[str]:
    lines = ["", "Revenue by day (gold.daily_sales_summary):",
             f"  {'date':<10} {'revenue':>12} {'transactions':>12} {'customers':>9} {'avg value':>9}"]
    for row in sorted(_gold_rows(layout, gold_tables.DAILY_SALES_SUMMARY), key=lambda r: r["transaction_date"]):
        lines.append(f"  {row['transaction_date']} {row['total_revenue']:>12} {row['total_transactions']:>12} "
                     f"{row['unique_customers']:>9} {row['avg_transaction_value']:>9}")
    segments = _gold_rows(layout, gold_tables.CUSTOMER_SEGMENTATION)
    if segments:
        counts = Counter(row["segment"] for row in segments)
        spend = {name: sum(row["total_spend_365d"] for row in segments if row["segment"] == name) for name in counts}
        lines += ["", f"Customer segments as of {segments[0]['as_of_date']} (gold.customer_segmentation):"]
        lines += [f"  {name:<7} {counts[name]:>6} customers  {spend[name]:>12} spent in 365 days"
                  for name in ("HIGH", "MEDIUM", "LOW") if name in counts]
    quarantined = _quarantine_by_reason(layout)
    lines += ["", f"Quarantined rows by reason ({sum(quarantined.values())} in all):"]
    lines += [f"  {reason:<48} {rows:>5}" for reason, rows in sorted(quarantined.items())]
    return lines


def run_demo(root: Path, days: int = DEMO_DAYS, rows_per_day: int = DEMO_ROWS_PER_DAY,
             max_quarantine_ratio: float = DEFAULT_MAX_QUARANTINE_RATIO) -> None:
    from lakehouse.generate import generate
    from lakehouse.pipeline import bronze_to_silver, silver_to_gold

    _step(f"generating {days} days of data ({rows_per_day} transactions a day) under {root}/bronze")
    generated = generate(root, days=days, rows_per_day=rows_per_day, start_date=date(2026, 1, 5),
                         seed=42, faults=DEMO_FAULTS)
    _step(f"{len(generated.files_written)} new files, {len(generated.files_skipped)} already there")
    config = LakehouseConfig.create(root, max_quarantine_ratio=max_quarantine_ratio)
    _step(f"run {config.run_id}: bronze -> silver (starting Spark, validating with Great Expectations)")
    print("\n".join(format_b2s_summary(bronze_to_silver.run(config))))
    _step("silver -> gold (SCD2 dimensions, fact_sales as of each transaction, aggregates)")
    print("\n".join(format_s2g_summary(silver_to_gold.run(config))))
    layout = Layout(root)
    print("\n".join(format_gold_report(layout)))
    print()
    print(f"Gold Delta tables: {root / 'gold'}")
    print(f"Silver Parquet:    {root / 'silver'}  (quarantine: {root / 'silver' / '_quarantine'})")
    print(f"Data Docs:         {layout.data_docs / 'index.html'}")
    print(f"Run history:       {layout.ops_table('pipeline_runs')} (Delta)")
