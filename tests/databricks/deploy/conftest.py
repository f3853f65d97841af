"""Fixtures for `lakehouse deploy` tests: the wheel (built once), a local workspace server, the deploy command."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from lakehouse.cli import deploy as deploy_cli
from lakehouse.cli import main
from lakehouse.databricks.deploy.wheel import BuiltWheel, build_wheel
from lakehouse.paths import JOBS_DIR, REPO_ROOT
from tests.databricks.deploy.databricks_server import TOKEN, WorkspaceServer, WorkspaceState

NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
JOB_NAMES = ("lakehouse_bronze_to_silver", "lakehouse_daily", "lakehouse_maintain", "lakehouse_silver_to_gold")


@dataclass(frozen=True)
class DeployRun:
    status: int
    lines: list[str]  # stdout
    err: str
    requests: list[tuple[str, str]]  # what the server received during this run

    @property
    def writes(self) -> list[tuple[str, str]]:
        return [request for request in self.requests if request[0] != "GET"]


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> BuiltWheel:
    return build_wheel(REPO_ROOT, tmp_path_factory.mktemp("wheel"))


@pytest.fixture
def workspace() -> Iterator[WorkspaceServer]:
    server = WorkspaceServer(WorkspaceState())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No Databricks or Azure credentials from the machine: a clean environment and an empty home folder."""
    for name in list(os.environ):
        if name.startswith(("DATABRICKS_", "ARM_", "AZURE_")):
            monkeypatch.delenv(name)
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    return folder


@pytest.fixture
def jobs_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(JOBS_DIR, tmp_path / "jobs"))


@pytest.fixture
def run_deploy(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], built_wheel: BuiltWheel,
               home: Path, workspace: WorkspaceServer) -> Callable[..., DeployRun]:
    """`lakehouse deploy ARGS...` against the local workspace, with the session's wheel instead of a new build."""
    monkeypatch.setenv("DATABRICKS_HOST", workspace.url)
    monkeypatch.setenv("DATABRICKS_TOKEN", TOKEN)
    monkeypatch.setattr(deploy_cli, "build_wheel", lambda source_root, out_dir: built_wheel)

    def run(*args: str) -> DeployRun:
        before = len(workspace.state.requests)
        status = main(["deploy", "--timeout", "5", *args])
        captured = capsys.readouterr()
        return DeployRun(status, captured.out.splitlines(), captured.err, workspace.state.requests[before:])

    return run
