"""What `lakehouse maintain` prints: a heading, one line per table, a summary (stdout)."""

from __future__ import annotations

from lakehouse.pipeline.maintain import MaintainSummary, TableResult


def _checkpoint(table: TableResult, dry_run: bool) -> str:
    checkpoint = table.checkpoint
    state = "kept" if checkpoint.existed else ("to write" if dry_run else "written")
    return f"checkpoint v{checkpoint.version} {state}"


def table_line(table: TableResult, dry_run: bool) -> str:
    vacuum = "to vacuum" if dry_run else "vacuumed"
    return (f"  {table.name:<36} files {table.files_before:>4} -> {table.files_after:<4}  "
            f"{_checkpoint(table, dry_run):<24}  {vacuum} {len(table.vacuumed):>4} files")


def format_maintain_summary(summary: MaintainSummary) -> list[str]:
    options = summary.options
    dry_run = options.dry_run
    heading = (f"maintain run {summary.run_id}{' (dry run: nothing changed)' if dry_run else ''}: {summary.status} "
               f"in {summary.duration_s:.1f}s with {summary.engine}, vacuum retention {options.retain_hours} h"
               f"{' (forced below the floor)' if options.force else ''}")
    written = sum(1 for table in summary.tables if table.checkpoint.written)
    to_write = sum(1 for table in summary.tables if not table.checkpoint.existed and not table.checkpoint.written)
    checkpoints = f"{to_write} checkpoints to write" if dry_run else f"{written} checkpoints written"
    total = (f"  {len(summary.tables)} tables: files {summary.total('files_before')} -> "
             f"{summary.total('files_after')}, {checkpoints}, {summary.total('files_vacuumed')} files "
             f"{'to vacuum' if dry_run else 'vacuumed'}; Synapse check passed")
    return [heading, *(table_line(table, dry_run) for table in summary.tables), total]


def print_maintain_summary(summary: MaintainSummary) -> None:
    print("\n".join(format_maintain_summary(summary)))
