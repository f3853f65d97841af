"""How ADF runs the activities of one container (a pipeline, or a branch of an If): dependencies, retries, status.

The rules followed, from ADF's documentation of pipeline execution and failure:
- An activity runs when every activity it depends on has finished with one of the listed conditions (several
  dependencies are an AND); `Completed` means Succeeded or Failed. Otherwise it is Skipped.
- An activity may depend only on siblings of its container; a cycle is an error.
- A failed attempt is retried `policy.retry` times, `policy.retryIntervalInSeconds` apart (`max_retry_wait`
  caps the wait, so tests and local runs need not sleep). A fault of the definitions themselves (a UserError: an
  expression that cannot be evaluated, a missing file) fails at once: locally it is certain to recur.
- An `Inactive` activity is not run and takes the status `onInactiveMarkAs` (default Succeeded).
- An expression may read `activity('X')` only of an activity upstream of it (`ancestors`, checked before the run).
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
from lakehouse.graph import dependency_order, repeated

SUCCEEDED = "Succeeded"
FAILED = "Failed"
SKIPPED = "Skipped"
COMPLETED = "Completed"
CONDITIONS = (SUCCEEDED, FAILED, SKIPPED, COMPLETED)
ACTIVE, INACTIVE = "Active", "Inactive"
INACTIVE_STATUSES = (SUCCEEDED, FAILED, SKIPPED)  # what onInactiveMarkAs may give
DEFAULT_RETRY_INTERVAL = 30  # seconds, ADF's default retryIntervalInSeconds
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


def _parents(activities: list[Activity]) -> dict[str, list[str]]:
    return {activity["name"]: [name for name, _ in dependencies(activity)] for activity in activities}


def _is_number(value: object, minimum: float) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= minimum


def policy_problems(activity: Activity) -> list[str]:
    """What the engine cannot follow in an activity's retry policy and state (ADF's types and values)."""
    policy = {} if activity.get("policy") is None else activity["policy"]
    if not isinstance(policy, Mapping):
        return ["policy must be an object"]
    problems = []
    retry = policy.get("retry", 0)
    if not _is_number(retry, 0) or not float(retry).is_integer():
        problems.append(f"policy.retry must be a whole number of at least 0, not {retry!r}")
    interval = policy.get("retryIntervalInSeconds", DEFAULT_RETRY_INTERVAL)
    if not _is_number(interval, 0):
        problems.append(f"policy.retryIntervalInSeconds must be a number of seconds, not {interval!r}")
    if activity.get("state", ACTIVE) not in (ACTIVE, INACTIVE):
        problems.append(f"state must be {ACTIVE} or {INACTIVE}, not {activity.get('state')!r}")
    if activity.get("onInactiveMarkAs", SUCCEEDED) not in INACTIVE_STATUSES:
        problems.append(f"onInactiveMarkAs must be one of {', '.join(INACTIVE_STATUSES)}, "
                        f"not {activity.get('onInactiveMarkAs')!r}")
    return problems


def _shape_problems(activity: Activity) -> list[str]:
    if not isinstance(activity, Mapping) or not isinstance(activity.get("name"), str) \
            or not isinstance(activity.get("type"), str):
        return ["every activity needs a name and a type"]
    where = f"activity {activity['name']}"
    if not isinstance(activity.get("typeProperties", {}), Mapping | None):
        return [f"{where}: typeProperties must be an object"]
    depends_on = activity.get("dependsOn") or []
    if not isinstance(depends_on, list) or not all(isinstance(d, Mapping) for d in depends_on):
        return [f"{where}: dependsOn must be a list of objects"]
    return [f"{where}: {problem}" for problem in policy_problems(activity)]


def check_container(activities: list[Activity], where: str) -> None:
    """Well-formed activities, names unique among siblings, dependencies on siblings with known conditions, no
    cycle."""
    for activity in activities:
        problems = _shape_problems(activity)
        if problems:
            raise UserError(f"{where}: {problems[0]}")
    names = [activity["name"] for activity in activities]
    duplicates = repeated(names)
    if duplicates:
        raise UserError(f"{where}: activity name {duplicates[0]!r} is used twice")
    for activity in activities:
        for dependency in activity.get("dependsOn") or []:
            target, conditions = dependency.get("activity"), dependency.get("dependencyConditions") or []
            if target not in names:
                raise UserError(f"{where}: {activity['name']} depends on {target!r}, which is not an activity "
                                "of the same container")
            if not isinstance(conditions, list) or not conditions or set(conditions) - set(CONDITIONS):
                raise UserError(f"{where}: {activity['name']} depends on {target} with conditions {conditions}; "
                                f"use {', '.join(CONDITIONS)}")
    ordered = dependency_order(_parents(activities))
    if len(ordered) < len(activities):
        raise UserError(f"{where}: the dependencies of {sorted(set(names) - set(ordered))} form a cycle")


def ancestors(activities: list[Activity]) -> dict[str, set[str]]:
    """Each activity's name -> the activities it depends on, directly or through others (a checked container)."""
    parents = _parents(activities)
    found: dict[str, set[str]] = {}
    for name in dependency_order(parents):
        found[name] = {p for parent in parents[name] for p in (parent, *found[parent])}
    return found


def container_outcome(activities: list[Activity], runs: Mapping[str, ActivityRun]) -> Outcome:
    """The container's status by ADF's leaf rule (see the module's docstring)."""
    parents = _parents(activities)
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
        by_name = {activity["name"]: activity for activity in activities}
        local: dict[str, ActivityRun] = {}
        for activity in [by_name[name] for name in dependency_order(_parents(activities))]:
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
        if activity.get("state") == INACTIVE:
            return ActivityRun(name, kind, activity.get("onInactiveMarkAs", SUCCEEDED), path)
        policy = activity.get("policy") or {}  # checked by check_container
        retries = int(policy.get("retry", 0))
        interval = float(policy.get("retryIntervalInSeconds", DEFAULT_RETRY_INTERVAL))
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
