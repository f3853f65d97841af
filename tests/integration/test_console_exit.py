"""The console script ends without the interpreter's teardown, and loses nothing by it (src/lakehouse/cli/commands.py:
`exit_without_teardown`): threads are waited for, exit handlers run, buffered output is written, the status is the
command's."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.integration.helpers import REPO

PROGRAM = textwrap.dedent("""
    import atexit, sys, tempfile, threading, time
    from concurrent.futures import ThreadPoolExecutor
    from lakehouse.cli.commands import exit_without_teardown

    scratch = tempfile.TemporaryDirectory(prefix="lakehouse-exit-test-")  # removed by an exit handler
    print(scratch.name)
    atexit.register(lambda: print("handler ran", flush=False))
    go = threading.Event()
    threading.Thread(target=lambda: (go.wait(), time.sleep(0.3), print("thread done"))).start()  # waited for
    ThreadPoolExecutor(max_workers=1).submit(lambda: None).result()  # never shut down: must not hang the exit
    sys.stdout.write("buffered, no newline")
    go.set()  # the thread prints after this write, while the exit has begun
    class Finalised:
        def __del__(self):
            print("teardown ran")
    kept = Finalised()  # freed by the teardown only
    exit_without_teardown(3)
    print("not reached")
""")


def test_exit_handlers_run_and_output_is_flushed_but_the_teardown_is_skipped():
    result = subprocess.run([sys.executable, "-c", PROGRAM], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 3, result.stderr
    lines = result.stdout.splitlines()
    scratch = lines[0]
    assert lines[1:] == ["buffered, no newlinethread done", "handler ran"]  # the thread ended before the handlers
    assert "teardown ran" not in result.stdout and "not reached" not in result.stdout
    assert not Path(scratch).exists()  # tempfile's exit handler removed it


def test_python_m_lakehouse_cli_is_the_console_script(tmp_path):
    """`python -m lakehouse.cli` ends through `console`: no teardown, and a user's error keeps its line and status."""
    program = textwrap.dedent("""
        import runpy, sys
        class Finalised:
            def __del__(self):
                print("teardown ran", flush=True)
        kept = Finalised()  # printed by a usual exit's teardown (sys.exit(main()))
        sys.argv = ["lakehouse", "status", "--root", sys.argv[1]]
        runpy.run_module("lakehouse.cli", run_name="__main__")
    """)
    result = subprocess.run([sys.executable, "-c", program, str(tmp_path / "nope")], cwd=REPO, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("lakehouse: error:"), result.stderr
    assert "teardown ran" not in result.stdout
