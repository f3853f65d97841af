"""The order of a deploy: check, plan everything, then write; one line per step for a person.

Nothing is written before every job has a plan, so a refusal (a definition that does not check, two jobs of one
name) leaves the workspace as it was. Then the wheel is uploaded when its content-addressed path is not there yet,
and each job is created or reset. A second deploy of the same sources finds the wheel and every job unchanged and
makes no write at all; `--dry-run` stops after the plan.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from lakehouse.databricks.deploy.definitions import (
    Environment,
    check_definitions,
    load_definitions,
    placeholder_addresses,
    render,
)
from lakehouse.databricks.deploy.plan import CREATE, UPDATE, ExistingJob, JobPlan, describe, plan_jobs
from lakehouse.databricks.deploy.wheel import BuiltWheel
from lakehouse.errors import UserError

DEFAULT_WHEEL_FOLDER = "/Workspace/Shared/lakehouse/wheels"
WORKSPACE_PREFIX = "/Workspace/"


class Target(Protocol):
    """The workspace calls deploy makes (workspace.Workspace)."""

    def file_exists(self, path: str) -> bool: ...
    def upload_file(self, path: str, content: bytes) -> None: ...
    def find_jobs(self, name: str) -> list[ExistingJob]: ...
    def create_job(self, settings: dict[str, Any]) -> int: ...
    def reset_job(self, job_id: int, settings: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class DeployOptions:
    jobs_dir: Path
    wheel_folder: str = DEFAULT_WHEEL_FOLDER
    root: str | None = None  # default of the `root` job parameter; None keeps the files' default
    notify: tuple[str, ...] = ()  # failure e-mail addresses; () keeps the files' addresses
    dry_run: bool = False


@dataclass(frozen=True)
class DeployResult:
    wheel_path: str
    is_wheel_uploaded: bool  # False when it was there already (or on a dry run)
    jobs: list[JobPlan]


def wheel_workspace_path(folder: str, wheel: BuiltWheel) -> str:
    """`<folder>/<sha256 first 12>/<wheel file>`: new content, new path, so a path once written never changes."""
    if not folder.startswith(WORKSPACE_PREFIX):
        raise UserError(f"--wheel-folder {folder!r} is not a workspace folder: give a path under {WORKSPACE_PREFIX}")
    return f"{folder.rstrip('/')}/{wheel.sha256[:12]}/{wheel.filename}"


def _apply(target: Target, plan: JobPlan) -> JobPlan:
    if plan.action == CREATE:
        return dataclasses.replace(plan, job_id=target.create_job(plan.settings))
    if plan.action == UPDATE and plan.job_id is not None:
        target.reset_job(plan.job_id, plan.settings)
    return plan


def _warn(message: str) -> None:
    print(message, file=sys.stderr)


def deploy(target: Target, wheel: BuiltWheel, options: DeployOptions, echo: Callable[[str], None] = print,
           warn: Callable[[str], None] = _warn) -> DeployResult:
    definitions = load_definitions(options.jobs_dir)
    check_definitions(definitions, wheel.console_scripts())
    wheel_path = wheel_workspace_path(options.wheel_folder, wheel)
    environment = Environment(wheel_path, options.root, options.notify)
    wanted = {definition.name: render(definition, environment) for definition in definitions}
    is_wheel_there = target.file_exists(wheel_path)
    plans = plan_jobs(wanted, {name: target.find_jobs(name) for name in wanted})
    placeholders = sorted({address for settings in wanted.values() for address in placeholder_addresses(settings)})
    if placeholders:
        warn(f"note: failure e-mails go to the placeholder {', '.join(placeholders)}: pass --notify EMAIL")
    if options.dry_run:
        echo(f"wheel already at {wheel_path}" if is_wheel_there else f"would upload wheel to {wheel_path}")
        for plan in plans:
            echo(describe(plan, dry_run=True))
        return DeployResult(wheel_path, False, plans)
    if not is_wheel_there:
        target.upload_file(wheel_path, wheel.path.read_bytes())
    echo(f"wheel already at {wheel_path}" if is_wheel_there else f"uploaded wheel to {wheel_path}")
    applied = []
    for plan in plans:
        applied.append(_apply(target, plan))
        echo(describe(applied[-1], dry_run=False))
    return DeployResult(wheel_path, not is_wheel_there, applied)
