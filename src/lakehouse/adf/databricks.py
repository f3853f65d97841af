"""A DatabricksJob activity, run locally: the job of `jobs/<name>.json`, its wheel tasks called in this process.

ADF names the job by `jobId`, known only once the job is deployed; so each DatabricksJob activity also names its
job in `userProperties` (`{"name": "databricksJob", "value": "<jobs/ file stem>"}`), which ADF shows in the
monitor and otherwise ignores. The job file is a Databricks Jobs API JobSettings object. Locally:
- job parameters are the job's `parameters` defaults overridden by the activity's `jobParameters` (a name the job
  does not declare is an error, as in Databricks);
- tasks run in `depends_on` order, one at a time; the first failed task fails the job and its dependants do not
  run (Databricks' default `run_if: ALL_SUCCESS`); task retries and cluster settings are Databricks' business and
  are not emulated (the activity's own retry policy is, by the engine);
- a `python_wheel_task` calls the `console_scripts` entry point of its `entry_point` in this process (the Spark
  session is shared: much faster than a subprocess), with `{{job.parameters.X}}`, `{{job.run_id}}` (a local
  id), `{{job.name}}` and `{{task.name}}` substituted in its parameters (the run id and name in job parameters
  too). Its SystemExit with a non-zero status, or an exception, fails the task; the message is the last
  `lakehouse: error:` line it wrote to stderr, if any.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sys
import uuid
from collections.abc import Callable, Mapping, Sequence
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any, TextIO, cast

from lakehouse.adf.engine import ActivityFailed
from lakehouse.adf.expr_functions import to_text
from lakehouse.errors import UserError

JOB_PROPERTY = "databricksJob"
ERROR_PREFIX = "lakehouse: error:"  # how the lakehouse command line reports a user's error (lakehouse.cli)
_REFERENCE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
EntryPointCall = Callable[[str, list[str]], None]


def job_name_of(activity: Mapping[str, Any]) -> str:
    for prop in activity.get("userProperties") or []:
        if isinstance(prop, Mapping) and prop.get("name") == JOB_PROPERTY and isinstance(prop.get("value"), str):
            return prop["value"]
    raise UserError(f"DatabricksJob activity {activity.get('name')} does not name its job: add "
                    f'userProperties [{{"name": "{JOB_PROPERTY}", "value": "<name of a jobs/ file>"}}]')


def load_job(jobs_dir: Path, name: str) -> dict[str, Any]:
    path = jobs_dir / f"{name}.json"
    if not path.is_file():
        raise UserError(f"Databricks job {name} is referenced but {path} does not exist")
    try:
        job = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise UserError(f"{path} is not valid JSON (line {error.lineno}: {error.msg})") from None
    if not isinstance(job, dict) or job.get("name") != name:
        raise UserError(f"{path} must be a Databricks job settings object whose name is {name!r}")
    return job


def job_parameters(job: Mapping[str, Any], given: Mapping[str, object]) -> dict[str, str]:
    declared = {p["name"]: to_text(p.get("default", "")) for p in job.get("parameters") or []}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise UserError(f"Databricks job {job['name']} has no parameter {', '.join(unknown)} "
                        f"(its parameters: {', '.join(declared) or 'none'})")
    return {**declared, **{name: to_text(value) for name, value in given.items()}}


def task_order(job: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The job's tasks in an order that respects `depends_on` (declaration order among ready tasks)."""
    tasks = list(job.get("tasks") or [])
    keys = [task.get("task_key") for task in tasks]
    ordered: list[dict[str, Any]] = []
    while len(ordered) < len(tasks):
        done = {task["task_key"] for task in ordered}
        ready = [t for t in tasks if t["task_key"] not in done
                 and all(d.get("task_key") in done for d in t.get("depends_on") or [])]
        if not ready:
            missing = sorted(str(d.get("task_key")) for t in tasks for d in t.get("depends_on") or []
                             if d.get("task_key") not in keys)
            reason = f"depends on unknown tasks {missing}" if missing else "has a dependency cycle"
            raise UserError(f"Databricks job {job.get('name')} {reason}")
        ordered.append(ready[0])
    return ordered


def substitute(text: str, values: Mapping[str, str]) -> str:
    """`{{reference}}`s of a task parameter replaced by their values; an unknown one is an error naming it."""
    def replace(match: re.Match[str]) -> str:
        if match.group(1) not in values:
            raise UserError(f"dynamic value reference {match.group()} is not supported by lakehouse adf-run "
                            f"(it supports {', '.join('{{' + name + '}}' for name in values)})")
        return values[match.group(1)]

    return _REFERENCE.sub(replace, text)


def wheel_task_call(task: Mapping[str, Any], references: Mapping[str, str]) -> tuple[str, list[str]]:
    """(console script, arguments) of a `python_wheel_task`."""
    wheel = task.get("python_wheel_task")
    if not isinstance(wheel, Mapping):
        kinds = sorted(key for key in task if key.endswith("_task"))
        raise UserError(f"task {task.get('task_key')}: lakehouse adf-run runs python_wheel_task tasks only, "
                        f"not {', '.join(kinds) or 'a task without a type'}")
    arguments = [substitute(str(argument), references) for argument in wheel.get("parameters") or []]
    return str(wheel.get("entry_point")), arguments


def find_entry_point(name: str, package: str | None = None) -> EntryPoint:
    """The installed `console_scripts` entry point `name` (of distribution `package`, when given)."""
    found = list(entry_points(group="console_scripts", name=name))
    if package is not None:
        found = [ep for ep in found if ep.dist is None or _normal(ep.dist.name) == _normal(package)]
    if not found:
        owner = f" of package {package}" if package else ""
        raise UserError(f"console script {name}{owner} is not installed (pip install -e . installs them)")
    return found[0]


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


class _Tee(io.StringIO):
    """Writes through to a stream while keeping a copy."""

    def __init__(self, through: TextIO) -> None:
        super().__init__()
        self.through = through

    def write(self, text: str) -> int:
        self.through.write(text)
        return super().write(text)

    def flush(self) -> None:
        self.through.flush()


def call_entry_point(name: str, argv: list[str]) -> None:
    """Call console script `name` with `argv` in this process; raise ActivityFailed when it fails."""
    function = find_entry_point(name).load()
    tee = _Tee(sys.stderr)
    try:
        with contextlib.redirect_stderr(cast(TextIO, tee)):
            function(argv)
    except SystemExit as exit_:
        if exit_.code in (0, None):
            return
        raise ActivityFailed(_failure_line(tee.getvalue()) or f"{name} exited with status {exit_.code}") from None
    except Exception as error:  # a job may fail any way; the activity reports it, as Databricks would
        raise ActivityFailed(f"{name} raised {type(error).__name__}: {error}") from None


def _failure_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line.removeprefix(ERROR_PREFIX).strip() for line in lines if line.startswith(ERROR_PREFIX)]
    return (errors or lines or [""])[-1]


def run_job(jobs_dir: Path, name: str, given: Mapping[str, object],
            call: EntryPointCall = call_entry_point) -> dict[str, Any]:
    """Run the job's tasks; the activity's output: job name, local run id, each task's status."""
    job = load_job(jobs_dir, name)
    run_references = {"job.run_id": f"local-{uuid.uuid4().hex[:12]}", "job.name": name}
    # A parameter's value may itself hold references (the jobs' run_id defaults to {{job.run_id}}).
    parameters = {k: substitute(v, run_references) for k, v in job_parameters(job, given).items()}
    statuses: dict[str, str] = {}
    for task in task_order(job):
        key = task["task_key"]
        references = {f"job.parameters.{k}": v for k, v in parameters.items()}
        references.update({**run_references, "task.name": key})
        entry_point, argv = wheel_task_call(task, references)
        try:
            call(entry_point, argv)
        except ActivityFailed as failure:
            raise ActivityFailed(f"job {name}, task {key} failed: {failure.message}", "DatabricksJobFailed") from None
        statuses[key] = "SUCCESS"
    return {"jobName": name, "jobRunId": run_references["job.run_id"], "tasks": statuses}


def wheel_entry_points(tasks: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """(package_name, entry_point) of each task, for checks; a task that is not a wheel task is an error."""
    calls = []
    for task in tasks:
        wheel = task.get("python_wheel_task")
        if not isinstance(wheel, Mapping):
            wheel_task_call(task, {})  # raises, naming the task's type
            continue
        calls.append((str(wheel.get("package_name")), str(wheel.get("entry_point"))))
    return calls
