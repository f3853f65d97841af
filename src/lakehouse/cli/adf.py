"""The `adf-run` sub-command: parse arguments, run the pipeline of adf/ locally, print one line per activity.

The runner is imported when the command runs, so `lakehouse --help` stays fast.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lakehouse.adf import PIPELINE, dotnet_time
from lakehouse.cli.args import seconds
from lakehouse.errors import UserError
from lakehouse.graph import repeated

if TYPE_CHECKING:
    from lakehouse.adf.engine import ActivityRun

# ADF waits each activity's retryIntervalInSeconds (300 s for the stages) between attempts; locally a failure is
# mostly deterministic, so a run should not sit for minutes before saying so.
LOCAL_MAX_RETRY_WAIT = 5.0


def _param(text: str) -> tuple[str, str]:
    name, is_set, value = text.partition("=")
    if not is_set or not name.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE")
    return name.strip(), value


def _timestamp(text: str) -> datetime:
    try:
        return dotnet_time.parse_timestamp(text)
    except dotnet_time.TimeFormatError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_adf_run_parser(commands: Any) -> argparse.ArgumentParser:
    """Add `adf-run` to the sub-command parsers of the `lakehouse` command line."""
    parser = commands.add_parser(
        "adf-run", help="run the Data Factory pipeline of adf/ locally, from its JSON",
        description="Run an ADF pipeline of adf/ on a local root: activities follow their dependsOn conditions, "
                    "retry policies and ADF's rule for the pipeline's status; GetMetadata reads the root, "
                    "DatabricksJob runs the job of jobs/ it names, WebActivity makes real HTTP requests. "
                    "Exits non-zero when the pipeline fails.",
    )
    parser.add_argument("--root", required=True, type=Path,
                        help="local root standing for the lake's storage account; also the default of lakeRoot")
    parser.add_argument("--param", action="append", type=_param, default=[], metavar="NAME=VALUE",
                        help="set a pipeline parameter (repeatable)")
    parser.add_argument("--trigger-time", type=_timestamp, metavar="ISO",
                        help="pipeline().TriggerTime, e.g. 2026-01-08T02:00:00Z (default: now)")
    parser.add_argument("--run-id", help="pipeline().RunId, also the jobs' run id (default: a new GUID)")
    parser.add_argument("--pipeline", default=PIPELINE, help=f"pipeline to run (default: {PIPELINE})")
    parser.add_argument("--adf-dir", type=Path, default=None, help="the factory's folder (default: adf/)")
    parser.add_argument("--jobs-dir", type=Path, default=None, help="Databricks job definitions (default: jobs/)")
    parser.add_argument("--max-retry-wait", type=seconds(0), default=LOCAL_MAX_RETRY_WAIT, metavar="SECONDS",
                        help=f"wait at most this long between retries (default: {LOCAL_MAX_RETRY_WAIT:g}, where ADF "
                             "waits the activity's retryIntervalInSeconds, 300 for the stages; a value at least "
                             "that large gives ADF's waits)")
    return parser


def activity_line(run: ActivityRun, note: str) -> str:
    details = [note] if note else []
    if run.attempts > 1:
        details.append(f"{run.attempts} attempts")
    if run.message:
        details.append(run.message)
    return f"{run.path:<46} {run.status:<9} {run.duration:7.1f}s  {'; '.join(details)}".rstrip()


def cmd_adf_run(args: argparse.Namespace) -> None:
    from lakehouse.adf.runner import RunRequest, run_pipeline
    from lakehouse.paths import ADF_DIR, JOBS_DIR

    twice = repeated(name for name, _ in args.param)
    if twice:
        raise UserError(f"--param {twice[0]} is given twice")
    request = RunRequest(args.root, args.adf_dir or ADF_DIR, args.jobs_dir or JOBS_DIR, args.pipeline,
                         dict(args.param), args.trigger_time, args.run_id, args.max_retry_wait)
    result = run_pipeline(request, lambda run, note: print(activity_line(run, note), flush=True))
    print(f"pipeline {result.pipeline} run {result.run_id}: {result.status} in {result.duration:.1f}s")
    if result.status != "Succeeded":
        causes = "; ".join(f"{run.name}: {run.message}" for run in result.failed_activities())
        raise UserError(f"pipeline {result.pipeline} run {result.run_id} failed: {causes or result.message}")
