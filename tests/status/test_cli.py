"""`lakehouse status` as a user runs it (contract §6, §8): exit 0 and one screen in each state, `--html`, a
one-line error for a missing root, and no Spark."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tests.integration.helpers import REPO, cli
from tests.status.roots import FAILURE, failed_root, healthy_root, pending_root

STATES = {
    "empty": (lambda root: None, "EMPTY: nothing to report yet"),
    "healthy": (healthy_root, "HEALTHY: all 13 landed files processed and in Gold"),
    "pending": (pending_root, "ATTENTION: 2 thing(s) to look at"),
    "failed": (failed_root, "ATTENTION: 2 thing(s) to look at"),
}


@pytest.mark.parametrize("state", list(STATES))
def test_each_state_fits_one_screen_and_exits_0(tmp_path, state):
    build, verdict = STATES[state]
    build(tmp_path)
    result = cli("status", "--root", str(tmp_path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"lakehouse status  {tmp_path}")
    assert lines[1].startswith(verdict)
    assert len(lines) <= 40 and max(map(len, lines)) <= 120, result.stdout
    if state == "failed":
        assert "last bronze_to_silver run run-4 failed" in lines[2] and FAILURE[-20:] in result.stdout


def test_html_page_is_written(tmp_path):
    failed_root(tmp_path / "root")
    page = tmp_path / "status.html"
    result = cli("status", "--root", str(tmp_path / "root"), "--html", str(page))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f"status page: {page}"
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_missing_root_is_one_line(tmp_path):
    result = cli("status", "--root", str(tmp_path / "nowhere"))
    assert result.returncode == 1
    assert result.stderr == f"lakehouse: error: root {tmp_path / 'nowhere'} does not exist or is not a directory\n"


def test_status_starts_no_spark(tmp_path):
    """Status reads Delta logs and tables without Spark: no JVM is started (it answers fast, and during a run)."""
    healthy_root(tmp_path)
    script = textwrap.dedent(f"""
        import io, contextlib
        from lakehouse.cli import main
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["status", "--root", {str(tmp_path)!r}]) == 0
        from pyspark import SparkContext
        assert SparkContext._gateway is None and SparkContext._active_spark_context is None
        print("no spark")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "no spark", result.stderr
