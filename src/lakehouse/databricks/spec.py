"""The job definitions of `jobs/`, read and checked one way for `lakehouse deploy` (which sends them to Databricks)
and `lakehouse adf-run` (which runs their tasks locally).

Each `jobs/<name>.json` is a Jobs API 2.2 JobSettings object whose `name` is the file's stem. What both commands
rely on:
- shape: `parameters` are `{"name", "default"}` objects of strings with distinct names; `tasks` are objects with
  distinct string `task_key`s, `depends_on` lists of `{"task_key"}`, and a `python_wheel_task` (when present) with a
  string `entry_point` and `package_name` and a list of string `parameters`. A file that breaks this is refused as
  it is read, naming the file and the field;
- content: the name is the stem, `root` and `run_id` are declared, and every task is a `python_wheel_task` of the
  `lakehouse` package calling one of its console scripts with job parameters it declares (`{{job.parameters.X}}`).
  These problems are listed, so deploy can report them all at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from lakehouse.errors import UserError
from lakehouse.graph import repeated

PACKAGE = "lakehouse"
REQUIRED_PARAMETERS = ("root", "run_id")
REFERENCE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")  # a dynamic value reference: {{job.run_id}}, {{job.parameters.X}}
PARAMETER_PREFIX = "job.parameters."


def _is_strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _objects_problems(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        return [f"{where} must be a list of objects"]
    return []


def _keyed_problems(items: list[dict[str, Any]], where: str, key: str) -> list[str]:
    problems = [f"{where}[{index}].{key} must be a non-empty string"
                for index, item in enumerate(items) if not isinstance(item.get(key), str) or not item[key]]
    twice = repeated(item[key] for item in items if isinstance(item.get(key), str))
    return problems + [f"{where}: {key} {name!r} is used twice" for name in twice]


def _parameter_shape(parameters: object) -> list[str]:
    problems = _objects_problems(parameters, "parameters")
    if problems:
        return problems
    assert isinstance(parameters, list)
    problems = _keyed_problems(parameters, "parameters", "name")
    return problems + [f"parameters[{index}].default must be a string"
                       for index, parameter in enumerate(parameters)
                       if not isinstance(parameter.get("default", ""), str)]


def _task_shape(task: dict[str, Any], where: str) -> list[str]:
    problems = _objects_problems(task.get("depends_on", []), f"{where}.depends_on")
    if not problems:
        problems = [f"{where}.depends_on[{index}].task_key must be a string"
                    for index, dependency in enumerate(task.get("depends_on", []))
                    if not isinstance(dependency.get("task_key"), str)]
    wheel = task.get("python_wheel_task")
    if wheel is None:
        return problems
    if not isinstance(wheel, dict):
        return [*problems, f"{where}.python_wheel_task must be an object"]
    problems += [f"{where}.python_wheel_task.{key} must be a string"
                 for key in ("package_name", "entry_point") if not isinstance(wheel.get(key), str)]
    if not _is_strings(wheel.get("parameters", [])):
        problems.append(f"{where}.python_wheel_task.parameters must be a list of strings")
    return problems


def shape_problems(settings: Mapping[str, Any]) -> list[str]:
    """The fields of the wrong type (see the module's docstring), each named by its path."""
    problems = [] if isinstance(settings.get("name"), str) else ["name must be a string"]
    problems += _parameter_shape(settings.get("parameters", []))
    tasks = settings.get("tasks", [])
    task_problems = _objects_problems(tasks, "tasks")
    if not task_problems:
        task_problems = _keyed_problems(tasks, "tasks", "task_key")
        task_problems += [problem for index, task in enumerate(tasks)
                          for problem in _task_shape(task, f"tasks[{index}]")]
    return problems + task_problems


def read_job(path: Path) -> dict[str, Any]:
    """The JobSettings of a job file; a file that is not JSON or not of the right shape is refused."""
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise UserError(f"{path}: not valid JSON ({error.msg} at line {error.lineno})") from None
    if not isinstance(settings, dict):
        raise UserError(f"{path}: not a JSON object (a Jobs API JobSettings)")
    problems = shape_problems(settings)
    if problems:
        raise UserError(f"{path}: {'; '.join(problems)}")
    return settings


def name_problems(settings: Mapping[str, Any], stem: str) -> list[str]:
    name = settings.get("name")
    return [] if name == stem else [f"name is {name!r}, not the file's stem {stem!r}"]


def load_job(jobs_dir: Path, name: str) -> dict[str, Any]:
    """The job `name` of a jobs folder: `<jobs_dir>/<name>.json`, read and named after its file."""
    path = jobs_dir / f"{name}.json"
    if not path.is_file():
        raise UserError(f"Databricks job {name} is referenced but {path} does not exist")
    settings = read_job(path)
    problems = name_problems(settings, name)
    if problems:
        raise UserError(f"{path}: {problems[0]}")
    return settings


def declared_parameters(settings: Mapping[str, Any]) -> dict[str, str]:
    """The job parameters' defaults, by name."""
    return {parameter["name"]: parameter.get("default", "") for parameter in settings.get("parameters", [])}


def referenced_parameters(values: Iterable[object]) -> set[str]:
    """The job parameters that `{{job.parameters.X}}` references in `values` name."""
    return {reference.removeprefix(PARAMETER_PREFIX) for value in values
            for reference in REFERENCE.findall(str(value)) if reference.startswith(PARAMETER_PREFIX)}


def substitute(text: str, values: Mapping[str, str]) -> str:
    """`{{reference}}`s of a task parameter replaced by their values; an unknown one is an error naming it."""
    def replace(match: re.Match[str]) -> str:
        if match.group(1) not in values:
            raise UserError(f"dynamic value reference {match.group()} is not supported by lakehouse adf-run "
                            f"(it supports {', '.join('{{' + name + '}}' for name in values)})")
        return values[match.group(1)]

    return REFERENCE.sub(replace, text)


def not_a_wheel_task(task: Mapping[str, Any]) -> str:
    kinds = sorted(name for name in task if name.endswith("_task"))
    return f"task {task.get('task_key')} is not a python_wheel_task ({', '.join(kinds) or 'it has no task type'})"


def task_problems(task: Mapping[str, Any], scripts: Collection[str], declared: Collection[str],
                  owner: str) -> list[str]:
    """What stops a task from running its wheel entry point; `scripts` are those `owner` has."""
    key, wheel = task.get("task_key"), task.get("python_wheel_task")
    if not isinstance(wheel, Mapping):
        return [not_a_wheel_task(task)]
    problems = []
    if wheel.get("package_name") != PACKAGE:
        problems.append(f"task {key} runs package {wheel.get('package_name')!r}, not {PACKAGE!r}")
    if wheel.get("entry_point") not in scripts:
        problems.append(f"task {key} calls entry point {wheel.get('entry_point')!r}, which {owner} does not have "
                        f"(it has {', '.join(sorted(scripts)) or 'none'})")
    undeclared = referenced_parameters(wheel.get("parameters", [])) - set(declared)
    if undeclared:
        problems.append(f"task {key} uses undeclared job parameter(s) {', '.join(sorted(undeclared))}")
    return problems


def job_problems(settings: Mapping[str, Any], stem: str, scripts: Collection[str], owner: str) -> list[str]:
    """Everything that stops the job of file `<stem>.json` from running as intended (shape first)."""
    shape = shape_problems(settings)
    if shape:
        return shape
    problems = name_problems(settings, stem)
    declared = declared_parameters(settings)
    missing = [name for name in REQUIRED_PARAMETERS if name not in declared]
    if missing:
        problems.append(f"job parameter(s) {', '.join(missing)} not declared")
    tasks = settings.get("tasks", [])
    if not tasks:
        problems.append("no tasks")
    return problems + [problem for task in tasks for problem in task_problems(task, scripts, declared, owner)]


def installed_scripts() -> list[str]:
    """The console scripts of the installed `lakehouse` distribution: what a wheel task can call locally."""
    return [script.name for script in entry_points(group="console_scripts")
            if script.dist is not None and script.dist.name == PACKAGE]
