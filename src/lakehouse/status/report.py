"""What `lakehouse status` knows about a root (contract §8): gathered from files and Delta logs, without Spark.

It never takes the root's lease and only reads: Delta tables from their logs with pyarrow (`ops_tables.read_rows`),
Delta logs through `storage.delta_log`, Bronze through `bronze.discovery`. So it answers in about a second, also
while a run holds the root, and what it shows is each table's last committed version. The text and HTML views
(`status.text`, `status.html`) only format a `StatusReport`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from lakehouse import contract as c
from lakehouse.bronze.discovery import BronzeFile, discover_bronze_files
from lakehouse.bronze.records import md5_hex
from lakehouse.config import DEFAULT_MAX_QUARANTINE_RATIO
from lakehouse.errors import UserError
from lakehouse.gold import tables as gold_tables
from lakehouse.storage import delta_log, ops_tables
from lakehouse.storage.delta_tables import read_arrow
from lakehouse.storage.layout import Layout
from lakehouse.storage.lease import RootLease
from lakehouse.storage.synapse_check import synapse_problems

HEALTHY, ATTENTION, EMPTY = "healthy", "attention", "empty"
FROM_DATA_QUALITY = "gold.data_quality"
FROM_FILE_MANIFEST = "ops.file_manifest"
FAILED = "failed"


@dataclass(frozen=True)
class SourceStatus:
    source: str
    latest_ingest_date: date | None  # of the processed files
    processed_files: int  # in ops/file_manifest, rejected ones included
    not_processed: tuple[str, ...]  # landed in Bronze, not in ops/file_manifest (by path)
    not_in_gold: tuple[str, ...]  # in ops/file_manifest, not yet in ops/gold_manifest
    changed: tuple[str, ...]  # processed, then changed in Bronze: never processed again (§5)


@dataclass(frozen=True)
class RunStatus:
    run_id: str
    job: str
    status: str
    started_at: datetime | None
    duration_s: float | None
    files: int
    records_read: int  # bronze_to_silver: records read; silver_to_gold: Silver rows consumed
    quarantined_rows: int
    message: str | None

    @property
    def is_failed(self) -> bool:
        return self.status == FAILED


@dataclass(frozen=True)
class QuarantineDay:
    day: date  # run_date: the UTC day the Silver run started
    source: str
    records_read: int
    quarantined_rows: int
    rejected_files: int

    @property
    def rate(self) -> float | None:
        return self.quarantined_rows / self.records_read if self.records_read else None


@dataclass(frozen=True)
class RowsDay:
    ingest_date: date
    source: str
    silver_rows: int
    quarantined_rows: int


@dataclass(frozen=True)
class GoldStatus:
    name: str
    version: int | None  # None: not created yet
    files: int
    size_bytes: int
    problems: tuple[str, ...]  # why Synapse serverless could not read it (storage.synapse_check)


@dataclass(frozen=True)
class Verdict:
    level: str  # HEALTHY, ATTENTION or EMPTY
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class StatusReport:
    root: Path
    generated_at: datetime
    sources: tuple[SourceStatus, ...]
    runs: tuple[RunStatus, ...]  # newest first
    quarantine: tuple[QuarantineDay, ...]  # by day, then source
    quarantine_from: str  # FROM_DATA_QUALITY or FROM_FILE_MANIFEST
    rows_per_day: tuple[RowsDay, ...]  # by ingest_date, then source
    gold: tuple[GoldStatus, ...]
    lease_holder: str | None  # who holds the root's write lease now, if anyone
    verdict: Verdict

    @property
    def landed_files(self) -> int:
        return sum(s.processed_files + len(s.not_processed) for s in self.sources)


def gather(root: Path, now: datetime | None = None, quarantine_limit: float = DEFAULT_MAX_QUARANTINE_RATIO
           ) -> StatusReport:
    """Everything `lakehouse status` shows; an empty root is a report too (only a missing root is an error)."""
    if not root.is_dir():
        raise UserError(f"root {root} does not exist or is not a directory")
    layout = Layout(root)
    manifest = ops_tables.read_rows(layout, ops_tables.FILE_MANIFEST)
    runs = _runs(ops_tables.read_rows(layout, ops_tables.PIPELINE_RUNS))
    quarantine, quarantine_from = _quarantine(layout, manifest)
    sources = _sources(layout, manifest, ops_tables.read_rows(layout, ops_tables.GOLD_MANIFEST))
    gold = tuple(_gold_status(layout.gold_table(table.name), table.name) for table in gold_tables.ALL)
    lease_holder = _lease_holder(layout, now or datetime.now(UTC))
    verdict = _verdict(root, sources, runs, quarantine, gold, quarantine_limit, lease_holder is not None)
    return StatusReport(root, now or datetime.now(UTC), sources, runs, quarantine, quarantine_from,
                        _rows_per_day(manifest), gold, lease_holder, verdict)


def _sources(layout: Layout, manifest: list[dict[str, Any]], consumed: list[dict[str, Any]]
             ) -> tuple[SourceStatus, ...]:
    landed, _ = discover_bronze_files(layout.root)
    by_path = {file.path: file for file in landed}
    processed = {row["path"]: row for row in manifest}
    in_gold = {row["path"] for row in consumed}
    statuses = []
    for source in c.SOURCES:
        rows = [row for row in manifest if row["source"] == source]
        statuses.append(SourceStatus(
            source=source,
            latest_ingest_date=max((row["ingest_date"] for row in rows), default=None),
            processed_files=len(rows),
            not_processed=tuple(f.path for f in landed if f.source == source and f.path not in processed),
            not_in_gold=tuple(sorted(row["path"] for row in rows if row["path"] not in in_gold)),
            changed=tuple(sorted(row["path"] for row in rows
                                 if row["path"] in by_path and _has_changed(layout, row, by_path[row["path"]]))),
        ))
    return tuple(statuses)


def _has_changed(layout: Layout, row: dict[str, Any], file: BronzeFile) -> bool:
    """As bronze-to-silver decides (§5): another size, or another mtime and other bytes."""
    if row["size"] != file.size:
        return True
    return row["mtime_ns"] != file.mtime_ns and row["md5"] != md5_hex(layout.root / file.path)


def _runs(rows: list[dict[str, Any]]) -> tuple[RunStatus, ...]:
    runs = [
        RunStatus(run_id=row["run_id"], job=row["job"], status=row["status"], started_at=row["started_at"],
                  duration_s=row["duration_s"], files=row["files_processed"] or 0,
                  records_read=row["records_read"] or 0, quarantined_rows=row["quarantined_rows"] or 0,
                  message=row["message"] or None)
        for row in rows
    ]
    oldest = datetime.min.replace(tzinfo=UTC)
    return tuple(sorted(runs, key=lambda run: (run.started_at or oldest, run.job), reverse=True))


def _quarantine(layout: Layout, manifest: list[dict[str, Any]]) -> tuple[tuple[QuarantineDay, ...], str]:
    """Per (day, source): a run's counts from gold/data_quality (§4.4) when it holds the run, else from the
    manifest's per-file counts (runs from before the table existed). Both count the same rows on the same day:
    the manifest's `processed_at` is the run's start, as `run_started_at` is."""
    totals: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    per_run = _data_quality_runs(layout)
    for (day, source, _), (read, quarantined, rejected) in per_run.items():
        _add(totals[day, source], read, quarantined, rejected)
    in_data_quality = {run_id for _, _, run_id in per_run}
    older = [row for row in manifest if row["run_id"] not in in_data_quality]
    for row in older:
        _add(totals[row["processed_at"].astimezone(UTC).date(), row["source"]], row["records_read"] or 0,
             row["quarantined_rows"] or 0, 1 if row["status"] == "rejected" else 0)
    days = [QuarantineDay(day, source, *values) for (day, source), values in totals.items()]
    source_of_truth = " + ".join(name for name, used in ((FROM_DATA_QUALITY, bool(per_run)),
                                                            (FROM_FILE_MANIFEST, bool(older))) if used)
    return (tuple(sorted(days, key=lambda d: (d.day, c.SOURCES.index(d.source)))),
            source_of_truth or FROM_DATA_QUALITY)


def _data_quality_runs(layout: Layout) -> dict[tuple[date, str, str], list[int]]:
    """(run_date, source, run_id) -> [records read, quarantined rows, rejected files], from gold/data_quality."""
    path = layout.gold_table(gold_tables.DATA_QUALITY.name)
    per_run: dict[tuple[date, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    rows = read_arrow(path)
    if rows is None:
        return per_run
    for row in rows.to_pylist():
        # A source's run totals are repeated on each of its rows; a rejected file's row reads 0 (§4.4).
        run = per_run[row["run_date"], row["source"], row["run_id"]]
        run[0] = max(run[0], row["records_read"])
        run[1] += row["quarantined_rows"]
        run[2] += 1 if (row["reason"] or "").startswith("file_") else 0
    return per_run


def _add(total: list[int], *values: int) -> None:
    for index, value in enumerate(values):
        total[index] += value


def _rows_per_day(manifest: list[dict[str, Any]]) -> tuple[RowsDay, ...]:
    totals: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0])
    for row in manifest:
        _add(totals[row["ingest_date"], row["source"]], row["silver_rows"] or 0, row["quarantined_rows"] or 0)
    days = [RowsDay(day, source, *values) for (day, source), values in totals.items()]
    return tuple(sorted(days, key=lambda d: (d.ingest_date, c.SOURCES.index(d.source))))


def _gold_status(path: Path, name: str) -> GoldStatus:
    if not delta_log.is_delta_table(path):
        return GoldStatus(name, None, 0, 0, ())
    problems = tuple(problem.removeprefix(f"{path}: ") for problem in synapse_problems(path))
    try:
        snapshot = delta_log.read_snapshot(path)
    except delta_log.DeltaLogError:
        return GoldStatus(name, delta_log.latest_version(path), 0, 0, problems)
    return GoldStatus(name, snapshot.version, len(snapshot.files), sum(f.size for f in snapshot.files), problems)


def _lease_holder(layout: Layout, now: datetime) -> str | None:
    if not layout.lease_dir.is_dir():
        return None
    record = RootLease(layout, "status", "status", heartbeat=False).latest()
    if record is None or record.state != "held" or record.expires_at <= now:
        return None
    if record.is_partial or record.acquired_at is None:
        return record.describe()
    return (f"run {record.run_id} ({record.job}) since {record.acquired_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC, "
            f"pid {record.pid} on {record.host}")


def _verdict(root: Path, sources: tuple[SourceStatus, ...], runs: tuple[RunStatus, ...],
             quarantine: tuple[QuarantineDay, ...], gold: tuple[GoldStatus, ...], limit: float,
             is_running: bool) -> Verdict:
    not_processed = sum(len(s.not_processed) for s in sources)
    processed = sum(s.processed_files for s in sources)
    if not runs and not not_processed and not processed:
        return Verdict(EMPTY, (f"nothing landed and no run yet: land files under {root / 'bronze'}, then "
                               f"`lakehouse run --root {root}`",))
    reasons = []
    for job in sorted({run.job for run in runs}):
        last = next(run for run in runs if run.job == job)
        if last.is_failed:
            when = f" at {last.started_at:%Y-%m-%d %H:%M} UTC" if last.started_at else ""
            reasons.append(f"last {job} run {last.run_id} failed{when}: {last.message or 'no message'}")
    if not_processed:
        then = "a run is running now" if is_running else f"`lakehouse run --root {root}`"
        reasons.append(f"{not_processed} landed file(s) not processed yet ({then})")
    not_in_gold = sum(len(s.not_in_gold) for s in sources)
    if not_in_gold:
        then = "a run is running now" if is_running else f"`lakehouse silver-to-gold --root {root}`"
        reasons.append(f"{not_in_gold} processed file(s) not in Gold yet ({then})")
    changed = sum(len(s.changed) for s in sources)
    if changed:
        reasons.append(f"{changed} processed file(s) changed in Bronze since; they are not processed again")
    latest: dict[str, QuarantineDay] = {day.source: day for day in quarantine}  # sorted by day: the last one wins
    for source in c.SOURCES:
        day = latest.get(source)
        if day and day.rate is not None and day.rate > limit:
            reasons.append(f"{source}: {day.rate:.1%} of records quarantined on {day.day} (limit {limit:.0%})")
        if day and day.rejected_files:
            reasons.append(f"{source}: {day.rejected_files} file(s) rejected whole on {day.day}")
    reasons += [f"gold.{table.name} is not readable by Synapse serverless" for table in gold if table.problems]
    return Verdict(ATTENTION if reasons else HEALTHY, tuple(reasons))
