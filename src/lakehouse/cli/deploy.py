"""The `deploy` sub-command: connect, build the wheel, deploy, one line per step.

The modules imported here use only the standard library at import time, so `lakehouse --help` stays fast;
databricks-sdk is imported when a deploy runs.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from lakehouse.cli.args import seconds
from lakehouse.databricks.deploy.apply import DEFAULT_WHEEL_FOLDER, DeployOptions, deploy
from lakehouse.databricks.deploy.wheel import build_wheel
from lakehouse.databricks.deploy.workspace import connect
from lakehouse.paths import JOBS_DIR, REPO_ROOT

DEFAULT_TIMEOUT_SECONDS = 60


def add_deploy_parser(commands: Any) -> argparse.ArgumentParser:
    """Add `deploy` to the sub-command parsers of the `lakehouse` command line."""
    parser = commands.add_parser(
        "deploy", help="build the wheel and create or update the Databricks jobs of jobs/",
        description="Build the lakehouse wheel from this source tree, upload it to the workspace (skipped when that "
                    "exact wheel is there), and create or update each job of jobs/ by name, in place. Deploying "
                    "again changes nothing. Credentials: Databricks' standard chain (DATABRICKS_HOST and "
                    "DATABRICKS_TOKEN, a ~/.databrickscfg profile, Azure CLI, managed identity, ARM_* variables).",
    )
    parser.add_argument("--profile", help="profile of ~/.databrickscfg (default: environment, then DEFAULT)")
    parser.add_argument("--dry-run", action="store_true", help="print the plan; write nothing")
    parser.add_argument("--jobs-dir", type=Path, default=None, help="job definitions (default: jobs/ of the repo)")
    parser.add_argument("--root", help="default of the jobs' `root` parameter for this workspace "
                                       "(default: the job files', /Volumes/lakehouse/prod)")
    parser.add_argument("--wheel-folder", default=DEFAULT_WHEEL_FOLDER,
                        help=f"workspace folder for the wheel (default: {DEFAULT_WHEEL_FOLDER})")
    parser.add_argument("--notify", action="append", metavar="EMAIL",
                        help="address for failure e-mails, repeatable (default: the job files' placeholder)")
    parser.add_argument("--timeout", type=seconds(1), default=DEFAULT_TIMEOUT_SECONDS, metavar="SECONDS",
                        help="give up on an unreachable workspace after about this long "
                             f"(default: {DEFAULT_TIMEOUT_SECONDS})")
    return parser


def cmd_deploy(args: argparse.Namespace) -> None:
    options = DeployOptions(jobs_dir=args.jobs_dir or JOBS_DIR, wheel_folder=args.wheel_folder, root=args.root,
                            notify=tuple(args.notify or ()), dry_run=args.dry_run)
    workspace = connect(args.profile, args.timeout)  # before the build: no credentials fails at once
    with tempfile.TemporaryDirectory(prefix="lakehouse-deploy-") as tmp:
        deploy(workspace, build_wheel(REPO_ROOT, Path(tmp)), options)
