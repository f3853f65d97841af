"""Atomic Silver batches (contract §5, crash safety).

A run writes its Silver and quarantine files under `silver/_staging/<run_id>/`, which no reader looks at. It
commits by writing one plan file, atomically (write, fsync, rename): the plan lists every file move and every
`ops` row of the run. Applying a plan is idempotent, so:
- killed before the plan exists: the next run deletes the staging folder (nothing happened);
- killed after it: the next run applies the plan again (the batch happens exactly once).
Every job takes the root lock and recovers before it reads Silver, so no job ever consumes a half-moved batch.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

from pyspark.sql.types import DateType, StructType, TimestampType

from lakehouse.errors import UserError
from lakehouse.failpoints import failpoint
from lakehouse.gold.tables import DATA_QUALITY
from lakehouse.pipeline.parallel import side_by_side
from lakehouse.spark import local_dataframe
from lakehouse.storage import ops_tables
from lakehouse.storage.delta_tables import Commit, DeltaEngine
from lakehouse.storage.layout import Layout
from lakehouse.storage.synapse_check import synapse_problems

PLAN_FILE = "_COMMIT.json"


JOB = "bronze_to_silver"


@dataclass
class CommitPlan:
    run_id: str
    moves: list[tuple[str, str]] = field(default_factory=list)  # root-relative (staged, final)
    ops_rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # ops table -> rows
    data_quality_rows: list[dict[str, Any]] = field(default_factory=list)  # the run's rows of Gold data_quality
    # The idempotency key of this plan's ops commits, so a replay skips exactly those (a run id alone can recur: a
    # retried orchestrator run may reuse it after a failed attempt that already wrote ops rows).
    commit_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def commit(self) -> Commit:
        return Commit(self.run_id, JOB, f"silver-commit:{self.commit_id}")


def _json_default(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in a commit plan")


def _revive(row: dict[str, Any], schema: StructType) -> dict[str, Any]:
    """Dates and timestamps come back from JSON as text; give them their types again."""
    revived = dict(row)
    for schema_field in schema.fields:
        value = revived.get(schema_field.name)
        if isinstance(value, str) and isinstance(schema_field.dataType, DateType):
            revived[schema_field.name] = date.fromisoformat(value)
        elif isinstance(value, str) and isinstance(schema_field.dataType, TimestampType):
            revived[schema_field.name] = datetime.fromisoformat(value)
    return revived


def write_atomically(path: Path, payload: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(payload)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def write_plan(layout: Layout, plan: CommitPlan) -> None:
    payload = {"run_id": plan.run_id, "commit_id": plan.commit_id, "moves": plan.moves, "ops_rows": plan.ops_rows,
               "data_quality_rows": plan.data_quality_rows}
    staging = layout.run_staging(plan.run_id)
    staging.mkdir(parents=True, exist_ok=True)
    write_atomically(staging / PLAN_FILE, json.dumps(payload, default=_json_default).encode())


def read_plan(staging_dir: Path) -> CommitPlan | None:
    plan_path = staging_dir / PLAN_FILE
    if not plan_path.exists():
        return None
    payload = json.loads(plan_path.read_bytes())
    return CommitPlan(
        run_id=payload["run_id"],
        commit_id=payload["commit_id"],
        moves=[(source, target) for source, target in payload["moves"]],
        ops_rows={
            name: [_revive(row, ops_tables.SCHEMAS[name]) for row in rows]
            for name, rows in payload["ops_rows"].items()
        },
        data_quality_rows=[_revive(row, DATA_QUALITY.schema) for row in payload.get("data_quality_rows", [])],
    )


def _move(root: Path, staged: str, final: str) -> None:
    source, target = root / staged, root / final
    if not source.exists():
        if target.exists():
            return  # moved before the crash
        raise FileNotFoundError(f"commit plan names {staged}, which is neither staged nor in place")
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)


def apply_plan(layout: Layout, plan: CommitPlan, engine: DeltaEngine) -> None:
    """Make the batch visible and record it; safe to repeat after a crash at any point (each ops append carries the
    plan's idempotency key, so a replay skips the appends that were made).

    The quality results, the file manifest and the Gold data_quality rows go to three tables that share nothing, so
    they are committed side by side (each Delta commit is about a second of driver work, most of a small run's
    commit); the run's row goes last, once everything it reports is recorded."""
    for index, (staged, final) in enumerate(plan.moves):
        _move(layout.root, staged, final)
        if index == len(plan.moves) // 2:
            failpoint("commit:half_moved")
    side_by_side([
        partial(_append_ops, layout, plan, engine, ops_tables.QUALITY_RESULTS),
        partial(_append_ops, layout, plan, engine, ops_tables.FILE_MANIFEST),
        partial(_append_data_quality, layout, plan, engine),
    ])
    _append_ops(layout, plan, engine, ops_tables.PIPELINE_RUNS)
    shutil.rmtree(layout.run_staging(plan.run_id), ignore_errors=True)


def _append_ops(layout: Layout, plan: CommitPlan, engine: DeltaEngine, name: str) -> None:
    rows = plan.ops_rows.get(name, [])
    if rows:
        ops_tables.append(engine, layout, name, rows, plan.commit())
        failpoint(f"commit:appended:{name}")


def _append_data_quality(layout: Layout, plan: CommitPlan, engine: DeltaEngine) -> None:
    """The run's quality figures, served as Gold (§4.4), appended once with the batch they describe."""
    if not plan.data_quality_rows:
        return
    schema = DATA_QUALITY.schema
    path = layout.gold_table(DATA_QUALITY.name)
    df = local_dataframe(
        engine.spark, [tuple(row.get(name) for name in schema.fieldNames()) for row in plan.data_quality_rows], schema)
    engine.append(df.coalesce(1), path, schema, plan.commit(), DATA_QUALITY.partition_by)  # a few rows: one file
    problems = synapse_problems(path)
    if problems:
        raise UserError(f"gold table {DATA_QUALITY.name} is not readable by Synapse serverless: {'; '.join(problems)}")
    failpoint("commit:appended:data_quality")


def recover(layout: Layout, engine: DeltaEngine) -> tuple[list[str], list[str]]:
    """Finish committed batches and drop uncommitted ones: (completed run ids, discarded run ids)."""
    completed: list[str] = []
    discarded: list[str] = []
    if not layout.staging.is_dir():
        return completed, discarded
    for staging_dir in sorted(layout.staging.iterdir()):
        plan = read_plan(staging_dir)
        if plan is None:
            shutil.rmtree(staging_dir, ignore_errors=True)
            discarded.append(staging_dir.name)
        else:
            apply_plan(layout, plan, engine)
            completed.append(plan.run_id)
    return completed, discarded


def discard(layout: Layout, run_id: str) -> None:
    shutil.rmtree(layout.run_staging(run_id), ignore_errors=True)
