"""What deploy does to each job, decided from the wanted settings and the workspace's jobs of the same name. Pure.

Jobs are matched by exact name, never by a remembered id, so a deploy from any machine finds the same jobs (the
workspace's name filter ignores case, so `workspace.find_jobs` keeps only the exact matches: a job whose name differs
in case is another job):
- no job of that name: create;
- one: unchanged when its settings cover every value the definition sets, else update it in place (`jobs/reset`
  with the full settings: the job keeps its id, its run history and its permissions);
- more than one: refuse, naming their ids, before anything is written. Deploy never guesses which to keep and never
  adds another.

"Cover" compares only what the definition sets, because the workspace fills in defaults of its own (`format`,
`run_if`, `queue`...) and leaves out fields at their zero value (false, 0, ""). Lists of named items (tasks by
`task_key`, clusters by `job_cluster_key`, parameters by `name`) are matched by name, others by position.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lakehouse.errors import UserError

CREATE = "create"
UPDATE = "update"
UNCHANGED = "unchanged"
IDENTITY_KEYS = ("task_key", "job_cluster_key", "environment_key", "name")
_VERBS = {CREATE: ("would create", "created"), UPDATE: ("would update", "updated"),
          UNCHANGED: ("unchanged", "unchanged")}


@dataclass(frozen=True)
class ExistingJob:
    job_id: int
    settings: dict[str, Any]  # as the workspace returns them (jobs/get)


@dataclass(frozen=True)
class JobPlan:
    name: str
    action: str  # CREATE, UPDATE or UNCHANGED
    settings: dict[str, Any]  # the full settings to send
    job_id: int | None = None  # None until a created job has one
    changed: tuple[str, ...] = ()  # top-level fields that differ, for UPDATE


def _same_scalar(existing: Any, wanted: Any) -> bool:
    if existing is None:
        return wanted is not None and not wanted  # left out by the workspace at its zero value
    return isinstance(existing, bool) == isinstance(wanted, bool) and bool(existing == wanted)


def _pairs(existing: list[Any], wanted: list[Any]) -> list[tuple[Any, Any]]:
    key = next((k for k in IDENTITY_KEYS if all(isinstance(item, dict) and k in item for item in wanted)), None)
    if key is None:
        return list(zip(existing, wanted, strict=True))
    by_key = {item.get(key): item for item in existing if isinstance(item, dict)}
    return [(by_key.get(item[key]), item) for item in wanted]


def covers(existing: Any, wanted: Any) -> bool:
    """Whether `existing` holds every value `wanted` sets (extra fields in `existing` are the workspace's)."""
    if isinstance(wanted, dict):
        existing = {} if existing is None else existing
        return isinstance(existing, dict) and all(covers(existing.get(k), v) for k, v in wanted.items())
    if isinstance(wanted, list):
        existing = [] if existing is None else existing
        return (isinstance(existing, list) and len(existing) == len(wanted)
                and all(covers(e, w) for e, w in _pairs(existing, wanted)))
    return _same_scalar(existing, wanted)


def changed_fields(wanted: Mapping[str, Any], existing: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(key for key, value in wanted.items() if not covers(existing.get(key), value))


def plan_job(name: str, wanted: dict[str, Any], existing: Sequence[ExistingJob]) -> JobPlan:
    if not existing:
        return JobPlan(name, CREATE, wanted)
    (job,) = existing  # plan_jobs refuses duplicates first
    changed = changed_fields(wanted, job.settings)
    return JobPlan(name, UPDATE if changed else UNCHANGED, wanted, job.job_id, changed)


def plan_jobs(wanted: Mapping[str, dict[str, Any]], existing: Mapping[str, Sequence[ExistingJob]]) -> list[JobPlan]:
    """One plan per wanted job, in the order given; refuses when any name matches several jobs."""
    duplicates = [f"{name!r} (jobs {', '.join(str(job.job_id) for job in existing[name])})"
                  for name in wanted if len(existing.get(name, ())) > 1]
    if duplicates:
        raise UserError(f"more than one job with the name {'; '.join(duplicates)} in the workspace: deploy updates "
                        "one job per name and will not pick one; delete the extra jobs, then deploy again")
    return [plan_job(name, settings, existing.get(name, ())) for name, settings in wanted.items()]


def describe(plan: JobPlan, *, dry_run: bool) -> str:
    """One line for a person: `created lakehouse_daily (job 12)`, `would update ... : tasks, tags changed`."""
    verb = _VERBS[plan.action][0 if dry_run else 1]
    job = f" (job {plan.job_id})" if plan.job_id is not None else ""
    detail = f": {', '.join(plan.changed)} changed" if plan.action == UPDATE else ""
    return f"{verb} {plan.name}{job}{detail}"
