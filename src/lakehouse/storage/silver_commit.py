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
from pathlib import Path
from typing import Any

import pyarrow as pa

from lakehouse.failpoints import failpoint
from lakehouse.storage import ops_tables
from lakehouse.storage.layout import Layout

PLAN_FILE = "_COMMIT.json"


@dataclass
class CommitPlan:
    run_id: str
    moves: list[tuple[str, str]] = field(default_factory=list)  # root-relative (staged, final)
    ops_rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # ops table -> rows
    # Marks this plan's ops commits, so a replay skips exactly those (a run id alone can recur: a retried
    # orchestrator run may reuse it after a failed attempt that already wrote ops rows).
    commit_id: str = field(default_factory=lambda: uuid.uuid4().hex)


def _json_default(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in a commit plan")


def _revive(row: dict[str, Any], schema: pa.Schema) -> dict[str, Any]:
    """Dates and timestamps come back from JSON as text; give them their types again."""
    revived = dict(row)
    for schema_field in schema:
        value = revived.get(schema_field.name)
        if isinstance(value, str) and pa.types.is_date(schema_field.type):
            revived[schema_field.name] = date.fromisoformat(value)
        elif isinstance(value, str) and pa.types.is_timestamp(schema_field.type):
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
    payload = {"run_id": plan.run_id, "commit_id": plan.commit_id, "moves": plan.moves, "ops_rows": plan.ops_rows}
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
    )


def _move(root: Path, staged: str, final: str) -> None:
    source, target = root / staged, root / final
    if not source.exists():
        if target.exists():
            return  # moved before the crash
        raise FileNotFoundError(f"commit plan names {staged}, which is neither staged nor in place")
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)


def apply_plan(layout: Layout, plan: CommitPlan) -> None:
    """Make the batch visible and record it; safe to repeat after a crash at any point."""
    for index, (staged, final) in enumerate(plan.moves):
        _move(layout.root, staged, final)
        if index == len(plan.moves) // 2:
            failpoint("commit:half_moved")
    for name in (ops_tables.QUALITY_RESULTS, ops_tables.FILE_MANIFEST, ops_tables.PIPELINE_RUNS):
        rows = plan.ops_rows.get(name, [])
        if rows and not ops_tables.has_commit(layout, name, plan.commit_id):
            ops_tables.append_ops_rows(layout, name, rows, plan.run_id, plan.commit_id)
            failpoint(f"commit:appended:{name}")
    shutil.rmtree(layout.run_staging(plan.run_id), ignore_errors=True)


def recover(layout: Layout) -> tuple[list[str], list[str]]:
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
            apply_plan(layout, plan)
            completed.append(plan.run_id)
    return completed, discarded


def discard(layout: Layout, run_id: str) -> None:
    shutil.rmtree(layout.run_staging(run_id), ignore_errors=True)
