"""What `lakehouse forget` prints: the plan first (always), then what was erased. Counts and file names only."""

from __future__ import annotations

from lakehouse.pipeline.forget import ForgetPlan, ForgetSummary


def _counts(found: dict[str, int]) -> str:
    return ", ".join(f"{name} {rows}" for name, rows in sorted(found.items())) or "none"


def format_plan(plan: ForgetPlan) -> list[str]:
    files = sum(plan.bronze.values())
    lines = [f"forget plan for {plan.root}:",
             f"  Bronze: {files} records in {len(plan.bronze)} files, rewritten without them (manifest updated)",
             f"  Silver, quarantine and key index rows: {_counts(plan.silver)}",
             f"  Gold rows: {_counts(plan.gold)}; the days holding its sales recomputed; Gold vacuumed (retention 0: "
             "versions from before the erasure can no longer be read)",
             "  ops/erasures: a salted hash of the id (later records of it are dropped as erased_subject)"]
    if plan.already_erased:
        lines.append("  this id was erased before: what is left of it is removed")
    return lines


def print_plan(plan: ForgetPlan) -> None:
    print("\n".join(format_plan(plan)), flush=True)


def format_outcome(summary: ForgetSummary) -> str:
    records = sum(summary.bronze_rewritten.values())
    return (f"forget run {summary.run_id}: {summary.status} in {summary.duration_s:.1f}s; Bronze {records} records "
            f"in {len(summary.bronze_rewritten)} files; Silver {_counts(summary.silver_removed)}; "
            f"{len(summary.fact_dates)} fact dates recomputed; vacuumed {sum(summary.vacuumed.values())} Gold files")


def print_forget_summary(summary: ForgetSummary) -> None:
    print(format_outcome(summary))
