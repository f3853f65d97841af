"""`lakehouse adf-run`'s core: run a pipeline of `adf/` locally from its JSON, and say how it ended.

Before anything runs, the root and the whole pipeline are checked (checks: activity types, containers, retry
policies, expressions, integration runtimes, the jobs of jobs/). Then the pipeline's activities run under ADF's
rules (engine) with local meanings (activities). The run's system variables: `pipeline().RunId` (`--run-id`,
default a new GUID, as ADF), `pipeline().TriggerTime` (`--trigger-time`, default now, UTC) and
`pipeline().Pipeline`. The local root stands for the lake's storage account and is also the default of the
pipeline's `lakeRoot` parameter, the root the Databricks jobs are given.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from lakehouse.adf import PIPELINE, databricks, dotnet_time
from lakehouse.adf.activities import LocalActivities
from lakehouse.adf.checks import check_pipeline, check_root
from lakehouse.adf.engine import FAILED, ActivityRun, Engine
from lakehouse.adf.factory import load_factory, parameter_values, parse_parameter
from lakehouse.errors import UserError
from lakehouse.paths import ADF_DIR, JOBS_DIR

ROOT_PARAMETER = "lakeRoot"  # the pipeline parameter that carries the root to the jobs


@dataclass(frozen=True)
class RunRequest:
    root: Path
    adf_dir: Path = ADF_DIR
    jobs_dir: Path = JOBS_DIR
    pipeline: str = PIPELINE
    params: Mapping[str, str] = field(default_factory=dict)  # --param NAME=VALUE, as text
    trigger_time: datetime | None = None
    run_id: str | None = None
    max_retry_wait: float | None = None  # cap on the wait between retries, in seconds


@dataclass(frozen=True)
class PipelineRun:
    pipeline: str
    run_id: str
    status: str
    message: str  # ADF's error of the failed leaf; empty on success
    runs: list[ActivityRun]
    duration: float

    def failed_activities(self) -> list[ActivityRun]:
        """Failed activities that do work (not the If or Fail activities that only pass a failure on)."""
        return [run for run in self.runs if run.status == FAILED and run.type not in ("IfCondition", "Fail")]


def pipeline_parameters(declared: Mapping, given: Mapping[str, str], root: Path, name: str) -> dict[str, object]:
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise UserError(f"pipeline {name} has no parameter {', '.join(unknown)} "
                        f"(its parameters: {', '.join(declared)})")
    typed = {key: parse_parameter(key, declared[key], text) for key, text in given.items()}
    if ROOT_PARAMETER in declared:
        typed.setdefault(ROOT_PARAMETER, str(root))
    return parameter_values(declared, typed, f"pipeline {name}")


def run_pipeline(request: RunRequest, report: Callable[[ActivityRun, str], None] = lambda run, note: None,
                 call_entry_point: databricks.EntryPointCall = databricks.call_entry_point,
                 sleep: Callable[[float], None] = time.sleep) -> PipelineRun:
    """Run the pipeline; `report(run, note)` hears of each activity as it is decided."""
    check_root(request.root)
    factory = load_factory(request.adf_dir)
    activities = check_pipeline(factory, request.pipeline, request.jobs_dir)
    declared = factory.pipeline(request.pipeline).get("parameters") or {}
    parameters = pipeline_parameters(declared, request.params, request.root, request.pipeline)
    run_id = request.run_id or str(uuid.uuid4())
    trigger_time = request.trigger_time or dotnet_time.now_utc()
    system = {"DataFactory": "local", "Pipeline": request.pipeline, "RunId": run_id, "TriggerType": "Manual",
              "TriggerName": "lakehouse adf-run", "TriggerTime": dotnet_time.format_timestamp(trigger_time),
              "parameters": parameters}
    local = LocalActivities(factory, system, request.root, request.jobs_dir, call_entry_point)
    runs: list[ActivityRun] = []

    def record(run: ActivityRun) -> None:
        runs.append(run)
        report(run, local.notes.get(run.path, ""))

    engine = Engine(local.execute, record, request.max_retry_wait, sleep)
    local.engine = engine
    started = time.monotonic()
    outcome = engine.run_container(activities, f"pipeline {request.pipeline}")
    message = outcome.failed.message if outcome.failed else ""
    return PipelineRun(request.pipeline, run_id, outcome.status, message, runs, time.monotonic() - started)
