"""What a bronze-to-silver run reports: its summary, its `ops` rows and the gate that can fail it (§3.4, §5)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from lakehouse import contract as c
from lakehouse.bronze.records import ParsedFile
from lakehouse.config import LakehouseConfig
from lakehouse.gold.data_quality import build_data_quality_rows

if TYPE_CHECKING:
    from lakehouse.quality.gx_runner import QualityReport

JOB = "bronze_to_silver"


@dataclass(frozen=True)
class RunNotes:
    """What the stage found before the batch: recovered commits, changed and passed-over files."""

    config: LakehouseConfig
    recovered_runs: list[str]
    discarded_runs: list[str]
    changed_files: list[str]
    passed_over: list[str]
    steps: dict[str, float] = field(default_factory=dict)  # seconds per step, for the benchmarks and the profile


@dataclass
class SourceCounts:
    files: int = 0
    rejected_files: dict[str, str] = field(default_factory=dict)
    records_read: int = 0
    silver_rows: int = 0
    quarantined: Counter[str] = field(default_factory=Counter)
    extra_columns: list[str] = field(default_factory=list)
    erased_subject: int = 0  # records of erased customers, dropped before Silver (§8): neither Silver nor quarantine

    @property
    def quarantined_rows(self) -> int:
        return sum(self.quarantined.values())


@dataclass(frozen=True)
class RunSummary:
    notes: RunNotes
    status: str
    message: str
    duration_s: float
    sources: dict[str, SourceCounts]

    @property
    def run_id(self) -> str:
        return self.notes.config.run_id

    def total(self, name: str) -> int:
        return sum(getattr(counts, name) for counts in self.sources.values())

    @property
    def files_rejected(self) -> int:
        return sum(len(counts.rejected_files) for counts in self.sources.values())

    def metrics(self) -> dict[str, Any]:
        return {
            "sources": {
                source: {
                    "files": counts.files, "rejected_files": counts.rejected_files,
                    "records_read": counts.records_read, "silver_rows": counts.silver_rows,
                    "quarantined_by_reason": dict(sorted(counts.quarantined.items())),
                    "schema_drift_columns": counts.extra_columns,
                    c.ERASED_SUBJECT: counts.erased_subject,
                }
                for source, counts in self.sources.items()
            },
            "changed_files": self.notes.changed_files,
            "passed_over": self.notes.passed_over,
            "recovered_runs": self.notes.recovered_runs,
            "discarded_runs": self.notes.discarded_runs,
            "steps_s": {name: round(seconds, 3) for name, seconds in self.notes.steps.items()},
        }


def summarise(notes: RunNotes, files: list[ParsedFile], counts: dict[str, Counter[str | None]],
              duration_s: float, status: str, message: str) -> RunSummary:
    sources: dict[str, SourceCounts] = {}
    for item in files:
        source = sources.setdefault(item.file.source, SourceCounts())
        source.files += 1
        source.records_read += item.records_read
        if item.rejected_reason:
            source.rejected_files[item.file.path] = item.rejected_reason
        for name in item.extra_columns:
            if name not in source.extra_columns:
                source.extra_columns.append(name)
        for reason, rows in counts.get(item.file.path, Counter()).items():
            if reason is None:
                source.silver_rows += rows
            elif reason == c.ERASED_SUBJECT:
                source.erased_subject += rows
            else:
                source.quarantined[reason] += rows
    return RunSummary(notes, status, message, duration_s, sources)


def conservation_problems(files: list[ParsedFile], counts: dict[str, Counter[str | None]]) -> list[str]:
    """§3.4: for every processed file, records read = rows in Silver + rows in quarantine (+ records of erased
    customers, §8)."""
    problems = []
    for item in files:
        stored = sum(counts.get(item.file.path, Counter()).values())
        if item.rejected_reason is None and stored != item.records_read:
            problems.append(f"conservation broken for {item.file.path}: read {item.records_read}, stored {stored}")
    return problems


def ratio_problems(summary: RunSummary, limit: float) -> list[str]:
    problems = []
    for source, counts in summary.sources.items():
        if counts.records_read and counts.quarantined_rows / counts.records_read > limit:
            top = ", ".join(f"{reason} {rows}" for reason, rows in counts.quarantined.most_common(3))
            problems.append(
                f"{source}: {counts.quarantined_rows} of {counts.records_read} records quarantined "
                f"({counts.quarantined_rows / counts.records_read:.1%}, limit {limit:.1%}; {top})"
            )
    return problems


def gate_problems(summary: RunSummary, files: list[ParsedFile], counts: dict[str, Counter[str | None]],
                  quality: QualityReport | None, limit: float) -> list[str]:
    problems = conservation_problems(files, counts) + ratio_problems(summary, limit)
    if quality is not None and not quality.success:
        problems.append(f"data quality: {quality.summary_line()}")
    return problems


def run_row(summary: RunSummary) -> dict[str, Any]:
    config = summary.notes.config
    return {
        "run_id": config.run_id, "job": JOB, "status": summary.status, "started_at": config.started_at,
        "finished_at": config.started_at + timedelta(seconds=summary.duration_s),
        "duration_s": round(summary.duration_s, 3), "files_processed": summary.total("files"),
        "files_rejected": summary.files_rejected, "files_changed": len(summary.notes.changed_files),
        "records_read": summary.total("records_read"), "silver_rows": summary.total("silver_rows"),
        "quarantined_rows": summary.total("quarantined_rows"),
        "metrics_json": json.dumps(summary.metrics(), sort_keys=True), "message": summary.message,
    }


def manifest_rows(config: LakehouseConfig, files: list[ParsedFile],
                  counts: dict[str, Counter[str | None]]) -> list[dict[str, Any]]:
    rows = []
    for item in files:
        file_counts = counts.get(item.file.path, Counter())
        rows.append({
            "path": item.file.path, "source": item.file.source, "ingest_date": item.file.ingest_date,
            "size": item.file.size, "mtime_ns": item.file.mtime_ns, "md5": item.md5,
            "status": "rejected" if item.rejected_reason else "processed", "reason": item.rejected_reason,
            "records_read": item.records_read, "silver_rows": file_counts[None],
            "quarantined_rows": sum(file_counts.values()) - file_counts[None] - file_counts[c.ERASED_SUBJECT],
            "extra_columns": ",".join(item.extra_columns) or None, "run_id": config.run_id,
            "processed_at": config.started_at,
        })
    return rows


def quality_rows(config: LakehouseConfig, quality: QualityReport | None) -> list[dict[str, Any]]:
    if quality is None:
        return []
    return [
        {
            "run_id": config.run_id, "table": result.table, "expectation": result.expectation,
            "column": result.column, "success": result.success, "observed": result.observed,
            "unexpected_count": result.unexpected_count, "validated_at": config.started_at,
        }
        for result in quality.results
    ]


def data_quality_rows(summary: RunSummary) -> list[dict[str, Any]]:
    """The run's rows of Gold `data_quality` (contract §4.4), for the commit plan of a succeeded run."""
    return build_data_quality_rows(summary.run_id, summary.notes.config.started_at, summary.sources)
