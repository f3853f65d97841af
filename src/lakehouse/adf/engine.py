"""How ADF runs the activities of one container (a pipeline, or a branch of an If): dependencies, retries, status.

The rules followed, from ADF's documentation of pipeline execution and failure:
- An activity runs when every activity it depends on has finished with one of the listed conditions (several
  dependencies are an AND); `Completed` means Succeeded or Failed. Otherwise it is Skipped.
- An activity may depend only on siblings of its container; a cycle is an error.
- A failed attempt is retried `policy.retry` times, `policy.retryIntervalInSeconds` apart (`max_retry_wait`
  caps the wait, so tests and local runs need not sleep). A fault of the definitions themselves (a UserError: an
  expression that cannot be evaluated, a missing file) fails at once: locally it is certain to recur.
- An `Inactive` activity is not run and takes the status `onInactiveMarkAs` (default Succeeded).
- The container's status is decided by its leaves (activities nothing depends on): a skipped leaf is replaced by
  its parents, recursively; the container succeeds if and only if every leaf so evaluated succeeded.
Activities run one at a time, in declaration order among those ready (ADF runs independent ones in parallel; the
outcome does not depend on it here). What an activity does is the `execute` callable's business.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lakehouse.errors import UserError

SUCCEEDED = "Succeeded"
FAILED = "Failed"
SKIPPED = "Skipped"
COMPLETED = "Completed"
CONDITIONS = (SUCCEEDED, FAILED, SKIPPED, COMPLETED)
Activity = Mapping[str, Any]


class ActivityFailed(Exception):
    """Raised by an activity's execution: the activity failed with this message (and ADF error code)."""

    def __init__(self, message: str, code: str = "ActivityFailed") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class ActivityRun:
    name: str
    type: str
    status: str
    path: str  # container path and name, e.g. IfNewBronzeFiles/BronzeToSilver
    output: Any = None
    error_code: str = ""
    message: str = ""
    duration: float = 0.0
    attempts: int = 0

    def error(self) -> dict[str, str]:
        """`activity(name).error` as ADF gives it: empty strings unless the activity failed."""
        failure_type = "UserError" if self.status == FAILED else ""
        return {"errorCode": self.error_code, "message": self.message, "failureType": failure_type,
                "target": self.name}


@dataclass(frozen=True)
class Outcome:
    status: str
    failed: ActivityRun | None = None  # the leaf run that made the container fail


def dependencies(activity: Activity) -> list[tuple[str, set[str]]]:
    """(activity name, accepted statuses) for each dependency; Completed expanded to Succeeded and Failed."""
    found = []
    for dependency in activity.get("dependsOn") or []:
        conditions = set(dependency.get("dependencyConditions") or [])
        if COMPLETED in conditions:
            conditions |= {SUCCEEDED, FAILED}
        found.append((dependency.get("activity"), conditions))
    return found


def check_container(activities: list[Activity], where: str) -> None:
    """Names unique among siblings, dependencies on siblings with known conditions, no cycle."""
    for activity in activities:
        if not isinstance(activity.get("name"), str) or not isinstance(activity.get("type"), str):
            raise UserError(f"{where}: every activity needs a name and a type")
    names = [activity["name"] for activity in activities]
    duplicates = sorted({name for name in names if names.count(name) > 1}, key=str)
    if duplicates:
        raise UserError(f"{where}: activity name {duplicates[0]!r} is used twice")
    for activity in activities:
        for dependency in activity.get("dependsOn") or []:
            target, conditions = dependency.get("activity"), dependency.get("dependencyConditions") or []
            if target not in names:
                raise UserError(f"{where}: {activity['name']} depends on {target!r}, which is not an activity "
                                "of the same container")
            if not conditions or set(conditions) - set(CONDITIONS):
                raise UserError(f"{where}: {activity['name']} depends on {target} with conditions {conditions}; "
                                f"use {', '.join(CONDITIONS)}")
    decided: set[str] = set()
    while len(decided) < len(activities):
        ready = [a["name"] for a in activities
                 if a["name"] not in decided and all(d in decided for d, _ in dependencies(a))]
        if not ready:
            raise UserError(f"{where}: the dependencies of {sorted(map(str, set(names) - decided))} form a cycle")
        decided.update(ready)


def container_outcome(activities: list[Activity], runs: Mapping[str, ActivityRun]) -> Outcome:
    """The container's status by ADF's leaf rule (see the module's docstring)."""
    parents = {activity["name"]: [name for name, _ in dependencies(activity)] for activity in activities}
    depended_on = {name for names in parents.values() for name in names}

    def evaluated(name: str) -> list[ActivityRun]:
        run = runs[name]
        if run.status != SKIPPED or not parents[name]:
            return [run]
        return [found for parent in parents[name] for found in evaluated(parent)]

    leaves = [run for name in parents if name not in depended_on for run in evaluated(name)]
    failed = next((run for run in leaves if run.status == FAILED), None)
    return Outcome(FAILED if failed else SUCCEEDED, failed)


@dataclass
class Engine:
    execute: Callable[[Activity, str], Any]  # (activity, its path) -> output; raises ActivityFailed or UserError
    report: Callable[[ActivityRun], None] = lambda run: None
    max_retry_wait: float | None = None
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    runs: dict[str, ActivityRun] = field(default_factory=dict)  # every decided activity of the pipeline run

    def run_container(self, activities: list[Activity], where: str, prefix: str = "") -> Outcome:
        check_container(activities, where)
        local: dict[str, ActivityRun] = {}
        pending = list(activities)
        while pending:
            activity = next(a for a in pending if all(d in local for d, _ in dependencies(a)))
            pending.remove(activity)
            path = f"{prefix}{activity['name']}"
            if all(local[name].status in accepted for name, accepted in dependencies(activity)):
                run = self._run(activity, path)
            else:
                run = ActivityRun(activity["name"], activity.get("type", ""), SKIPPED, path)
            local[run.name] = self.runs[run.name] = run
            self.report(run)
        return container_outcome(activities, local)

    def _run(self, activity: Activity, path: str) -> ActivityRun:
        name, kind = activity["name"], activity.get("type", "")
        if activity.get("state") == "Inactive":
            return ActivityRun(name, kind, activity.get("onInactiveMarkAs") or SUCCEEDED, path)
        policy = activity.get("policy") or {}
        retries, interval = int(policy.get("retry", 0)), float(policy.get("retryIntervalInSeconds", 30))
        started, attempt = self.clock(), 0
        while True:
            attempt += 1
            try:
                output = self.execute(activity, path)
            except (ActivityFailed, UserError) as error:
                if attempt <= retries and isinstance(error, ActivityFailed):
                    self.sleep(interval if self.max_retry_wait is None else min(interval, self.max_retry_wait))
                    continue
                code = error.code if isinstance(error, ActivityFailed) else "UserError"
                return ActivityRun(name, kind, FAILED, path, None, code, str(error), self.clock() - started, attempt)
            return ActivityRun(name, kind, SUCCEEDED, path, output, "", "", self.clock() - started, attempt)

    def reference(self, name: str) -> dict[str, Any]:
        """What `activity(name)` gives an expression: the output and error of a run that has finished."""
        run = self.runs.get(name)
        if run is None:
            raise KeyError(f"activity {name!r} has not run (yet) in this pipeline run")
        if run.status == SKIPPED:
            raise KeyError(f"activity {name!r} was skipped, so it has no output")
        return {"output": run.output if run.output is not None else {}, "error": run.error()}
