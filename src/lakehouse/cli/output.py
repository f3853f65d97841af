"""Human-readable run summaries for the command line (stdout)."""

from __future__ import annotations

from lakehouse.pipeline.silver_report import RunSummary
from lakehouse.pipeline.silver_to_gold import GoldSummary


def format_b2s_summary(summary: RunSummary) -> list[str]:
    lines = [
        f"bronze-to-silver run {summary.run_id}: {summary.status}"
        f"{' (' + summary.message + ')' if summary.message else ''} in {summary.duration_s:.1f}s",
    ]
    for source, counts in summary.sources.items():
        reasons = ", ".join(f"{reason} {rows}" for reason, rows in sorted(counts.quarantined.items()))
        lines.append(
            f"  {source:<12} files {counts.files:>4}  read {counts.records_read:>9}  silver {counts.silver_rows:>9}"
            f"  quarantined {counts.quarantined_rows:>7}{'  (' + reasons + ')' if reasons else ''}"
        )
        for path, reason in counts.rejected_files.items():
            lines.append(f"    rejected {path}: {reason}")
        if counts.extra_columns:
            lines.append(f"    schema drift, extra columns ignored: {', '.join(counts.extra_columns)}")
    notes = summary.notes
    for path in notes.changed_files:
        lines.append(f"  warning: {path} changed after it was processed; not processed again")
    if notes.recovered_runs:
        lines.append(f"  completed the interrupted commit of run(s) {', '.join(notes.recovered_runs)}")
    if notes.discarded_runs:
        lines.append(f"  discarded the uncommitted work of run(s) {', '.join(notes.discarded_runs)}")
    return lines


def print_b2s_summary(summary: RunSummary) -> None:
    print("\n".join(format_b2s_summary(summary)))


def format_s2g_summary(summary: GoldSummary) -> list[str]:
    lines = [
        f"silver-to-gold run {summary.run_id}: {summary.status}"
        f"{' (' + summary.message + ')' if summary.message else ''} in {summary.duration_s:.1f}s",
    ]
    if summary.files:
        dates = summary.dates
        span = f"{dates[0]}..{dates[-1]}" if len(dates) > 1 else (dates[0] if dates else "none")
        lines.append(f"  consumed {summary.files} files ({summary.silver_rows} Silver rows) with {summary.engine}; "
                     f"fact dates rebuilt: {len(dates)} ({span})")
        for table, rows in summary.rows_written.items():
            lines.append(f"  {table:<30} {'?' if rows is None else rows:>9} rows written")
    if summary.recovered_runs:
        lines.append(f"  completed the interrupted Silver commit of run(s) {', '.join(summary.recovered_runs)}")
    return lines


def print_s2g_summary(summary: GoldSummary) -> None:
    print("\n".join(format_s2g_summary(summary)))
