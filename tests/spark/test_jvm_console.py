"""A local JVM's console goes to its log file, never into the command's output (contract §6: stdout is the report,
stderr one line on failure). A process started in `lakehouse.spark._jvm_console_to` stands in for the JVM (HotSpot
writes its own warnings, a full code cache for one, to stdout)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent("""
    import subprocess, sys
    from pathlib import Path
    from lakehouse.spark import _jvm_console_to

    print("before")
    with _jvm_console_to(Path(sys.argv[1])):
        subprocess.run(["sh", "-c", "echo jvm-out; echo jvm-err >&2"], check=True)
    print("report")
    print("error line", file=sys.stderr)
""")


def test_a_process_started_in_the_block_writes_stdout_and_stderr_to_the_log(tmp_path: Path) -> None:
    log = tmp_path / "spark.log"
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(log)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (result.stdout, result.stderr) == ("before\nreport\n", "error line\n")
    assert log.read_text() == "jvm-out\njvm-err\n"
