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
  too). A UserError it raises (a bad parameter included) fails the task with that error's sentence; any other
  exception, or a SystemExit with a non-zero status, fails it too, and is a bug in the job: its traceback is
  logged. A KeyboardInterrupt (the entry points raise it for Ctrl-C) is not a failure: it stops
  the run.
The job file is read and checked by `lakehouse.databricks.spec`, as deploy reads it.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Mapping
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

from lakehouse.adf.engine import ActivityFailed
from lakehouse.adf.expr_functions import to_text
from lakehouse.databricks import spec
from lakehouse.errors import UserError
from lakehouse.graph import dependency_order

JOB_PROPERTY = "databricksJob"
EntryPointCall = Callable[[str, list[str]], None]
log = logging.getLogger(__name__)


def job_name_of(activity: Mapping[str, Any]) -> str:
    for prop in activity.get("userProperties") or []:
        if isinstance(prop, Mapping) and prop.get("name") == JOB_PROPERTY and isinstance(prop.get("value"), str):
            return prop["value"]
    raise UserError(f"DatabricksJob activity {activity.get('name')} does not name its job: add "
                    f'userProperties [{{"name": "{JOB_PROPERTY}", "value": "<name of a jobs/ file>"}}]')


def job_parameters(job: Mapping[str, Any], given: Mapping[str, object]) -> dict[str, str]:
    declared = spec.declared_parameters(job)
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise UserError(f"Databricks job {job['name']} has no parameter {', '.join(unknown)} "
                        f"(its parameters: {', '.join(declared) or 'none'})")
    return {**declared, **{name: to_text(value) for name, value in given.items()}}


def task_order(job: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The job's tasks in an order that respects `depends_on` (declaration order among ready tasks)."""
    tasks = {task["task_key"]: task for task in job.get("tasks", [])}  # read_job checked the shape
    parents = {key: [d["task_key"] for d in task.get("depends_on", [])] for key, task in tasks.items()}
    ordered = dependency_order(parents)
    if len(ordered) < len(tasks):
        missing = sorted({key for keys in parents.values() for key in keys} - set(tasks))
        reason = f"depends on unknown tasks {missing}" if missing else "has a dependency cycle"
        raise UserError(f"Databricks job {job.get('name')} {reason}")
    return [tasks[key] for key in ordered]


def wheel_task_call(task: Mapping[str, Any], references: Mapping[str, str]) -> tuple[str, list[str]]:
    """(console script, arguments) of a `python_wheel_task`."""
    wheel = task.get("python_wheel_task")
    if not isinstance(wheel, Mapping):
        raise UserError(f"{spec.not_a_wheel_task(task)}: lakehouse adf-run runs python_wheel_task tasks only")
    arguments = [spec.substitute(str(argument), references) for argument in wheel.get("parameters") or []]
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


def call_entry_point(name: str, argv: list[str]) -> None:
    """Call console script `name` with `argv` in this process; raise ActivityFailed when it fails."""
    function = find_entry_point(name).load()
    try:
        function(argv)
    except SystemExit as exit_:
        if exit_.code in (0, None):
            return
        raise ActivityFailed(f"{name} exited with status {exit_.code}") from None
    except UserError as error:
        raise ActivityFailed(str(error)) from None
    except Exception as error:
        # A bug in the job: the task fails, as on Databricks (and the activity's retry policy applies), but the
        # traceback is logged at each attempt, not reduced to one line.
        log.exception("%s raised %s", name, type(error).__name__)
        raise ActivityFailed(f"{name} raised {type(error).__name__}: {error}") from None


def run_job(jobs_dir: Path, name: str, given: Mapping[str, object],
            call: EntryPointCall = call_entry_point) -> dict[str, Any]:
    """Run the job's tasks; the activity's output: job name, local run id, each task's status."""
    job = spec.load_job(jobs_dir, name)
    run_references = {"job.run_id": f"local-{uuid.uuid4().hex[:12]}", "job.name": name}
    # A parameter's value may itself hold references (the jobs' run_id defaults to {{job.run_id}}).
    parameters = {k: spec.substitute(v, run_references) for k, v in job_parameters(job, given).items()}
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
