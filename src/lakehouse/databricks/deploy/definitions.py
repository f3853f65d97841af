"""The job definitions of `jobs/`: read, checked, and filled in for one deploy.

Each `jobs/<name>.json` is a Jobs API 2.2 JobSettings object, exactly what `jobs/create` takes, whose `name` is the
file's stem; `databricks.spec` reads and checks it, as for `lakehouse adf-run`. Deploy also checks that each task
installs the wheel and that databricks-sdk would send every field. Three things are left to deploy:
- WHEEL_PLACEHOLDER, as `{"whl": WHEEL_PLACEHOLDER}` in each task's libraries: replaced by the workspace path of the
  wheel this deploy built (content-addressed, see apply.wheel_workspace_path);
- the default of the `root` job parameter: kept, or `--root` (one workspace per environment);
- `email_notifications.on_failure`: kept (a placeholder address at PLACEHOLDER_DOMAIN), or the `--notify` addresses.

Deploy also sets the tag DEFINITION_TAG to a hash of everything else it sends. Comparing a job with its definition
looks only at the fields the definition sets (the workspace adds defaults), which cannot see a field removed from a
file; the hash changes then, so the job is still updated.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lakehouse.databricks import spec
from lakehouse.errors import UserError

WHEEL_PLACEHOLDER = "${LAKEHOUSE_WHEEL}"
WHEEL_LIBRARY = {"whl": WHEEL_PLACEHOLDER}
PLACEHOLDER_DOMAIN = "example.com"
DEFINITION_TAG = "lakehouse_definition"


@dataclass(frozen=True)
class JobDefinition:
    name: str  # the file's stem, which must be the job's name
    path: Path
    settings: dict[str, Any]


@dataclass(frozen=True)
class Environment:
    """What one deploy fills in: the uploaded wheel, and the per-environment options."""

    wheel_path: str
    root: str | None = None
    notify: tuple[str, ...] = ()


def read_definition(path: Path) -> JobDefinition:
    return JobDefinition(path.stem, path, spec.read_job(path))


def load_definitions(jobs_dir: Path) -> list[JobDefinition]:
    if not jobs_dir.is_dir():
        raise UserError(f"jobs folder {jobs_dir} does not exist")
    paths = sorted(jobs_dir.glob("*.json"))
    if not paths:
        raise UserError(f"no job definitions (*.json) in {jobs_dir}")
    return [read_definition(path) for path in paths]


def library_problems(settings: dict[str, Any]) -> list[str]:
    return [f"task {task.get('task_key')} lacks the library {json.dumps(WHEEL_LIBRARY)}, so its cluster would not "
            "install this wheel"
            for task in settings.get("tasks", []) if WHEEL_LIBRARY not in task.get("libraries", [])]


def lost_fields(wanted: Any, sent: Any, path: str = "") -> Iterator[str]:
    """Paths of `wanted` that are missing or different in `sent`."""
    if isinstance(wanted, dict):
        for key, value in wanted.items():
            where = f"{path}.{key}" if path else key
            if not isinstance(sent, dict) or key not in sent:
                yield where
            else:
                yield from lost_fields(value, sent[key], where)
    elif isinstance(wanted, list):
        if not isinstance(sent, list) or len(sent) != len(wanted):
            yield path
        else:
            for index, (item, sent_item) in enumerate(zip(wanted, sent, strict=True)):
                yield from lost_fields(item, sent_item, f"{path}[{index}]")
    elif wanted != sent:
        yield path


def sdk_problems(settings: dict[str, Any]) -> list[str]:
    """Fields databricks-sdk would not send: unknown to its JobSettings (a typo), an unknown enum value, or empty."""
    from databricks.sdk.service.jobs import JobSettings

    lost = list(lost_fields(settings, JobSettings.from_dict(settings).as_dict()))
    if not lost:
        return []
    return [f"{', '.join(lost)} would not be sent by databricks-sdk (an unknown or empty field or value)"]


def definition_problems(definition: JobDefinition, scripts: Collection[str]) -> list[str]:
    """What stops a definition from deploying as intended; `scripts` are the wheel's console scripts."""
    settings = definition.settings
    problems = spec.job_problems(settings, definition.name, scripts, "the wheel")
    if spec.shape_problems(settings):
        return problems
    return problems + library_problems(settings) + sdk_problems(settings)


def check_definitions(definitions: Collection[JobDefinition], scripts: Collection[str]) -> None:
    problems = [f"{d.path.name}: {problem}" for d in definitions for problem in definition_problems(d, scripts)]
    if problems:
        raise UserError(f"job definitions not deployable: {'; '.join(problems)}")


def fingerprint(settings: dict[str, Any]) -> str:
    canonical = json.dumps(settings, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()[:12]


def render(definition: JobDefinition, environment: Environment) -> dict[str, Any]:
    """The settings deploy sends for `definition` in `environment`."""
    settings = copy.deepcopy(definition.settings)
    wheel = {"whl": environment.wheel_path}
    for task in settings["tasks"]:
        task["libraries"] = [wheel if library == WHEEL_LIBRARY else library for library in task.get("libraries", [])]
    if environment.root is not None:
        for parameter in settings["parameters"]:
            if parameter["name"] == "root":
                parameter["default"] = environment.root
    if environment.notify:
        settings.setdefault("email_notifications", {})["on_failure"] = list(environment.notify)
    tags = {key: value for key, value in settings.pop("tags", {}).items() if key != DEFINITION_TAG}
    settings["tags"] = {**tags, DEFINITION_TAG: fingerprint({**settings, "tags": tags})}
    return settings


def placeholder_addresses(settings: dict[str, Any]) -> list[str]:
    addresses = settings.get("email_notifications", {}).get("on_failure", [])
    return [address for address in addresses if address.lower().endswith(f"@{PLACEHOLDER_DOMAIN}")]
