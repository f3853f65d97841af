"""Errors a user can cause end in one line on stderr and a non-zero exit (§6, CONVENTIONS rule 10)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.integration.helpers import REPO, cli, copy_bronze

pytestmark = pytest.mark.slow


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.startswith("lakehouse: error:")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_missing_root(tmp_path):
    assert_one_line_error(cli("bronze-to-silver", "--root", str(tmp_path / "nope")), "does not exist")


def test_root_is_a_file(tmp_path):
    (tmp_path / "file").write_text("x")
    assert_one_line_error(cli("bronze-to-silver", "--root", str(tmp_path / "file")), "not a directory")


def test_root_without_bronze(tmp_path):
    assert_one_line_error(cli("bronze-to-silver", "--root", str(tmp_path)), "no bronze/ folder")


def test_bad_run_id(fresh_root):
    assert_one_line_error(cli("bronze-to-silver", "--root", str(fresh_root), "--run-id", "a/b"), "run id")


def test_unwritable_root(generated):
    """A root the user cannot write to. Root ignores file modes, so as root the command runs as nobody."""
    base = Path(tempfile.mkdtemp(prefix="lakehouse-ro-"))
    try:
        os.chmod(base, 0o755)
        root = base / "root"
        copy_bronze(generated.root, root, generated.paths[:1])
        os.chmod(root, 0o555)
        command = [sys.executable, "-m", "lakehouse.cli", "bronze-to-silver", "--root", str(root)]
        if os.geteuid() == 0:
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        result = subprocess.run(command, capture_output=True, text=True, cwd="/", timeout=120,
                                env={**os.environ, "HOME": "/tmp", "PYTHONPATH": str(REPO / "src")})
        assert_one_line_error(result, "not writable")
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_missing_java(fresh_root, tmp_path):
    """No java on PATH and no JAVA_HOME: one sentence saying so, and nothing committed."""
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env["PATH"] = str(empty_bin)
    result = subprocess.run([sys.executable, "-m", "lakehouse.cli", "bronze-to-silver", "--root", str(fresh_root)],
                            capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert_one_line_error(result, "no Java runtime found")
    assert not (fresh_root / "silver" / "transactions").exists()


def test_generate_bad_arguments(tmp_path):
    result = cli("generate", "--root", str(tmp_path), "--start-date", "2026-02-30")
    assert result.returncode == 2 and "is not a date" in result.stderr
