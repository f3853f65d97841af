"""`lakehouse forget` (contract §8): erase one customer from a root, Bronze to Gold, and keep only a salted hash.

Sequencing, under the root lease (one writer, §5):
1. leftovers of killed runs finished (a committed Silver batch, a published rebuild);
2. the erasure recorded first in `ops/erasures` (the salted hash, storage.erasures), so every later run drops the
   id's records (`erased_subject`) even if this command is killed before it ends;
3. Silver, quarantine and the key index rewritten without the id's rows (`silver.erase`);
4. Gold: the customer's dimension versions deleted (a MERGE on the key: no id in the log), and the fact, the daily
   aggregates of every day that may hold its sales (Silver's key-dates index) and the segmentation recomputed from
   the erased Silver, exactly as silver-to-gold computes them;
5. Bronze files rewritten without the id's records (`bronze.erase`): each new file is written beside the original
   under a name discovery skips (`_forget-...`), the manifest rows of those files are replaced with the new size,
   mtime, md5 and counts (so a run does not see changed files), then each file is renamed over the original;
6. every Gold table it changed vacuumed with no retention, so no version still holds the customer's rows.
Each step removes what is left of the id and is a no-op when nothing is, so `forget` run again after a kill (same
id) finishes the work. Nothing else changes: every other row keeps its values (lineage and record numbers too).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq

from lakehouse import contract as c
from lakehouse.bronze.discovery import BronzeFile, discover_bronze_files
from lakehouse.bronze.erase import Erased, erase_records
from lakehouse.config import LakehouseConfig
from lakehouse.errors import UserError
from lakehouse.failpoints import failpoint
from lakehouse.gold import tables as gold_tables
from lakehouse.pipeline.context import LeaseCheck, RunContext, run_leased
from lakehouse.pipeline.gold_report import GoldSummary
from lakehouse.pipeline.gold_update import GoldWriter, update_fact_and_daily_aggregates, update_segmentation
from lakehouse.pipeline.rebuild_publish import finish_rebuilds
from lakehouse.silver import erase as silver_erase
from lakehouse.silver import io as silver_io
from lakehouse.silver.classify import SUBJECT_COLUMN, SUBJECT_SOURCES
from lakehouse.spark import local_dataframe
from lakehouse.storage import delta_log, erasures, maintenance, ops_tables, silver_commit
from lakehouse.storage.delta_tables import Commit
from lakehouse.storage.layout import Layout, check_root

JOB = "forget"
SUBJECT_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}", re.ASCII)  # §3: identifier columns
GOLD_HOLDING = (gold_tables.DIM_CUSTOMER, gold_tables.FACT_SALES, gold_tables.CUSTOMER_SEGMENTATION)
GOLD_CHANGED = (gold_tables.DIM_CUSTOMER, gold_tables.FACT_SALES, *gold_tables.DAILY_AGGREGATES,
                gold_tables.CUSTOMER_SEGMENTATION)


@dataclass(frozen=True)
class ForgetPlan:
    root: Path
    already_erased: bool  # an earlier `forget` recorded this id (it may have been killed before it ended)
    bronze: dict[str, int]  # Bronze file -> records of the id
    silver: dict[str, int]  # Silver table, quarantine or key index -> rows of the id
    gold: dict[str, int]  # Gold table -> rows of the id

    @property
    def holds_anything(self) -> bool:
        return bool(self.bronze or self.silver or self.gold)


@dataclass
class ForgetSummary:
    run_id: str
    plan: ForgetPlan
    status: str = "succeeded"
    message: str = ""
    duration_s: float = 0.0
    silver_removed: dict[str, int] = field(default_factory=dict)
    bronze_rewritten: dict[str, int] = field(default_factory=dict)  # file -> records removed
    fact_dates: list[date] = field(default_factory=list)
    vacuumed: dict[str, int] = field(default_factory=dict)  # Gold table -> files deleted


def check_subject(subject: str) -> None:
    if not SUBJECT_PATTERN.fullmatch(subject):
        raise UserError(f"{subject!r} is not a customer id (contract §3: 1-64 of A-Z, a-z, 0-9, '_', '-'); "
                        "nothing changed")


def _subject_files(root: Path) -> list[BronzeFile]:
    files, _ = discover_bronze_files(root)
    return [file for file in files if file.source in SUBJECT_SOURCES]


def _erased_bronze(root: Path, file: BronzeFile, subject: str) -> Erased | None:
    """The file without the id's records, or None when it holds none (or none that can be told apart)."""
    data = (root / file.path).read_bytes()
    if subject.encode("ascii") not in data:
        return None
    erased = erase_records(data, c.SOURCE_SPECS[file.source].required_columns, SUBJECT_COLUMN, subject)
    return erased if erased and erased.records_erased else None


def _gold_rows(layout: Layout, subject: str) -> dict[str, int]:
    """Rows of the id in the Gold tables that name customers, from their current files (pyarrow, one column)."""
    found = {}
    for table in GOLD_HOLDING:
        path = layout.gold_table(table.name)
        if not delta_log.is_delta_table(path):
            continue
        rows = 0
        for add in delta_log.read_snapshot(path).files:
            column = pq.ParquetFile(path / add.path).read(columns=[SUBJECT_COLUMN]).column(0)
            rows += pc.sum(pc.equal(column, subject)).as_py() or 0
        if rows:
            found[table.name] = rows
    return found


def _is_erased(layout: Layout, subject: str) -> bool:
    salt = erasures.read_salt(layout)
    erased = erasures.erased_subjects(layout)
    return bool(salt and erased and erasures.subject_hash(salt, subject) in erased.hashes)


def make_plan(root: Path, subject: str) -> ForgetPlan:
    """Where the id is under the root, found without Spark and without changing anything."""
    check_root(root)
    check_subject(subject)
    layout = Layout(root)
    bronze = {file.path: erased.records_erased for file in _subject_files(root)
              if (erased := _erased_bronze(root, file, subject))}
    silver = {what: sum(counts.values()) for what, counts in silver_erase.find(layout, subject).items()}
    return ForgetPlan(root, _is_erased(layout, subject), bronze, silver, _gold_rows(layout, subject))


def run(config: LakehouseConfig, subject: str, confirmed: bool,
        on_plan: Callable[[ForgetPlan], None] | None = None) -> ForgetSummary:
    """Erase the customer when `confirmed` and found; otherwise show the plan and refuse, changing nothing."""
    plan = make_plan(config.root, subject)
    if not plan.holds_anything and not plan.already_erased:
        raise UserError(f"customer id {subject} is nowhere under {config.root}: nothing changed")
    if on_plan:
        on_plan(plan)
    if not confirmed:
        raise UserError("forget not started, nothing changed: it deletes the customer's records from Bronze, Silver, "
                        "the quarantine and Gold, and vacuums every version that held them; add --yes to confirm")
    return run_leased(config, JOB, None, lambda context, check_lease: _run_locked(context, plan, subject, check_lease))


def _run_locked(context: RunContext, plan: ForgetPlan, subject: str, check_lease: LeaseCheck) -> ForgetSummary:
    config, layout, engine = context.config, context.layout, context.engine
    clock = time.monotonic()
    summary = ForgetSummary(config.run_id, plan)
    try:
        silver_commit.recover(layout, engine)
        finish_rebuilds(layout, engine)
        digest = erasures.subject_hash(erasures.ensure_salt(layout), subject)
        check_lease()
        ops_tables.append(engine, layout, ops_tables.ERASURES,
                          [{"subject_hash": digest, "run_id": config.run_id, "erased_at": config.started_at}],
                          Commit(config.run_id, JOB, f"{JOB}:{digest}"))
        failpoint("forget:recorded")
        summary.silver_removed = silver_erase.erase(layout, subject)
        failpoint("forget:silver_erased")
        summary.fact_dates = _erase_gold(context, subject, check_lease)
        failpoint("forget:gold_erased")
        summary.bronze_rewritten = _erase_bronze(context, subject, check_lease)
        failpoint("forget:bronze_erased")
        summary.vacuumed = _vacuum(context, check_lease)
    except Exception as error:
        summary.status, summary.message = "failed", str(error) if isinstance(error, UserError) else repr(error)
        summary.duration_s = time.monotonic() - clock
        _record(context, summary)
        raise
    summary.duration_s = time.monotonic() - clock
    _record(context, summary)
    return summary


def _erase_gold(context: RunContext, subject: str, check_lease: LeaseCheck) -> list[date]:
    """The customer's versions deleted; the fact, the daily aggregates and the segmentation of the days that may hold
    its sales recomputed from Silver (already erased), as silver-to-gold computes them."""
    spark, layout = context.spark, context.layout
    summary = GoldSummary(context.config.run_id, engine=context.engine.name)
    writer = GoldWriter(context, Commit(context.config.run_id, JOB, f"{JOB}:{context.config.run_id}:gold"), summary,
                        check_lease)
    if not writer.exists(gold_tables.DIM_CUSTOMER):
        return []
    dim = gold_tables.DIM_CUSTOMER
    keys_df = local_dataframe(spark, [(subject,)], f"{SUBJECT_COLUMN} string")
    writer.replace_keys(dim, local_dataframe(spark, [], dim.schema), SUBJECT_COLUMN, keys_df, 1)
    fact_days = silver_io.partition_values(layout, c.TRANSACTIONS)
    dates = sorted(silver_io.days_holding_keys(spark, layout, SUBJECT_COLUMN, {subject: min(fact_days)})
                   & set(fact_days)) if fact_days else []
    if dates:
        update_fact_and_daily_aggregates(writer, dates)
    update_segmentation(writer)
    return dates


def _erase_bronze(context: RunContext, subject: str, check_lease: LeaseCheck) -> dict[str, int]:
    """Bronze files without the id's records: new files staged, the manifest updated, then the files renamed."""
    root = context.config.root
    staged: list[tuple[BronzeFile, Path, Erased]] = []
    for file in _subject_files(root):
        erased = _erased_bronze(root, file, subject)
        if erased is None:
            continue
        temporary = (root / file.path).with_name(f"_forget-{Path(file.path).name}")  # discovery skips `_` names
        with open(temporary, "wb") as handle:
            handle.write(erased.data)
            handle.flush()
            os.fsync(handle.fileno())
        staged.append((file, temporary, erased))
    if not staged:
        return {}
    _update_manifest(context, staged, check_lease)
    failpoint("forget:manifest_updated")
    for file, temporary, _ in staged:
        os.replace(temporary, root / file.path)
    return {file.path: erased.records_erased for file, _, erased in staged}


def _update_manifest(context: RunContext, staged: list[tuple[BronzeFile, Path, Erased]],
                     check_lease: LeaseCheck) -> None:
    """The rewritten files' manifest rows as their new contents: size, mtime, md5, and records read = records left,
    Silver and quarantine rows as Silver holds them now (so §3.4's conservation still holds per file)."""
    layout, engine, spark = context.layout, context.engine, context.spark
    paths = {file.path: (temporary, erased) for file, temporary, erased in staged}
    manifest_df = ops_tables.read(engine, layout, ops_tables.FILE_MANIFEST)
    rows = [row.asDict() for row in manifest_df.where(manifest_df["path"].isin(sorted(paths))).collect()]
    if not rows:  # none processed yet: a run reads the rewritten files as they are
        return
    counts = {source: silver_erase.rows_per_file(layout, source) for source in SUBJECT_SOURCES}
    for row in rows:
        temporary, erased = paths[row["path"]]
        info = temporary.stat()
        silver_rows, quarantined_rows = counts[row["source"]]
        row.update(size=info.st_size, mtime_ns=info.st_mtime_ns,
                   md5=hashlib.md5(erased.data, usedforsecurity=False).hexdigest())
        if row["status"] == "processed":
            row.update(records_read=erased.records_kept, silver_rows=silver_rows[row["path"]],
                       quarantined_rows=quarantined_rows[row["path"]])
    schema = ops_tables.SCHEMAS[ops_tables.FILE_MANIFEST]
    rows_df = local_dataframe(spark, [tuple(row[name] for name in schema.fieldNames()) for row in rows], schema)
    check_lease()
    commit = Commit(context.config.run_id, JOB, f"{JOB}:{context.config.run_id}:manifest")
    engine.replace_keys(rows_df.coalesce(1), layout.ops_table(ops_tables.FILE_MANIFEST), schema, "path",
                        rows_df.select("path"), commit)


def _vacuum(context: RunContext, check_lease: LeaseCheck) -> dict[str, int]:
    """No retention: the versions before the erasure can no longer be read (their files held the customer)."""
    vacuumed = {}
    for table in GOLD_CHANGED:
        path = context.layout.gold_table(table.name)
        if not delta_log.is_delta_table(path):
            continue
        check_lease()
        commit = Commit(context.config.run_id, JOB, f"{JOB}:{context.config.run_id}:vacuum:{table.name}")
        vacuumed[table.name] = len(maintenance.vacuum(context.engine, path, 0, commit))
    return vacuumed


def run_row(config: LakehouseConfig, summary: ForgetSummary) -> dict[str, Any]:
    """The run's record: counts only, never the id (nor a file name: a Bronze file may be named after it)."""
    metrics = {"bronze_files": len(summary.bronze_rewritten), "bronze_records": sum(summary.bronze_rewritten.values()),
               "silver_rows": summary.silver_removed, "fact_dates": len(summary.fact_dates),
               "vacuumed_files": summary.vacuumed}
    return {
        "run_id": config.run_id, "job": JOB, "status": summary.status, "started_at": config.started_at,
        "finished_at": config.started_at + timedelta(seconds=summary.duration_s),
        "duration_s": round(summary.duration_s, 3), "files_processed": 0, "files_rejected": 0,
        "files_changed": 0, "records_read": 0, "silver_rows": 0, "quarantined_rows": 0,
        "metrics_json": json.dumps(metrics, sort_keys=True), "message": summary.message,
    }


def _record(context: RunContext, summary: ForgetSummary) -> None:
    commit = Commit(summary.run_id, JOB, f"{JOB}:{summary.run_id}:run:{time.time_ns()}")
    ops_tables.append(context.engine, context.layout, ops_tables.PIPELINE_RUNS, [run_row(context.config, summary)],
                      commit)
