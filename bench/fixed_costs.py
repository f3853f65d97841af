"""A tiny run's wall time, and the driver's peak memory on one large file: the fixed costs of `lakehouse run`.

    .venv/bin/python bench/fixed_costs.py [--tiny-repeat 3] [--large-rows 2000000] [--data DIR] [--only tiny|memory]

Tiny: one day of 200 transactions (plus that day's CDC and snapshot), a fresh root each time, `lakehouse run` as a
real process (JVM start, Spark session, Delta, Great Expectations and both stages included); the median of
`--tiny-repeat` wall times is printed.

Memory: one ingest day holding a single transactions file of `--large-rows` rows (the generator splits a day into
two files, so a day of twice that many is generated once into --data, reused, and its second file left out), then
`lakehouse bronze-to-silver` as a process whose Python driver reports its own peak resident set (`VmHWM` of
/proc/self/status, read at exit). The JVM is a child process with its own heap limit (Spark's driver memory),
reported apart (its own `VmHWM`, read from /proc while the command runs). Figures are printed, never
asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ENV = {**os.environ, "GX_ANALYTICS_ENABLED": "false"}
START = date(2026, 1, 5)

# Runs the command line in this interpreter and writes the process's peak RSS (kB) to argv[1] at exit.
_PEAK_WRAPPER = """
import atexit, sys
out = sys.argv.pop(1)
def peak():
    with open('/proc/self/status') as status:
        hwm = next(line.split()[1] for line in status if line.startswith('VmHWM:'))
    with open(out, 'w') as target:
        target.write(hwm)
atexit.register(peak)
from lakehouse.cli import main
sys.argv = ['lakehouse', *sys.argv[1:]]
sys.exit(main())
"""


def _descendants(pid: int) -> list[int]:
    """The processes under `pid` now; one that ends while it is read (a Python worker, a shell) is passed over."""
    found, pending = [], [pid]
    while pending:
        parent = pending.pop()
        with contextlib.suppress(OSError):  # the process ended: its /proc folder went while being listed
            for children in list(Path(f"/proc/{parent}/task").glob("*/children")):
                with contextlib.suppress(OSError):
                    for child in map(int, children.read_text().split()):
                        found.append(child)
                        pending.append(child)
    return found


def _jvm_peak_kb(pid: int) -> int:
    """The largest `VmHWM` (a process's own peak RSS) among the Java processes under `pid`, 0 if none."""
    peak = 0
    for child in _descendants(pid):
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{child}/status").read_text().splitlines()
            if status[0].split()[-1] == "java":
                peak = max(peak, int(next(line.split()[1] for line in status if line.startswith("VmHWM:"))))
    return peak


def run_with_jvm_peak(command: list[str]) -> tuple[float, float]:
    """(wall seconds, the JVM's peak RSS in MB) of `command`. The JVM outlives its Python parent's last wait, so its
    rusage never reaches ours: its own `VmHWM` is read from /proc every half second while the command runs."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as stderr:  # a file, not a pipe: a long run's log cannot fill it and stall
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, text=True, env=ENV,
                                   start_new_session=True)
        peak_kb = 0
        try:
            while process.poll() is None:
                peak_kb = max(peak_kb, _jvm_peak_kb(process.pid))
                time.sleep(0.5)
        finally:  # a sampler that fails must not leave the measured run (and its JVM) behind
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        elapsed = time.perf_counter() - started
        if process.returncode != 0:
            stderr.seek(0)
            sys.exit(f"{' '.join(command[:5])} failed after {elapsed:.0f} s:\n{stderr.read()[-3000:]}")
    return elapsed, peak_kb / 1024


def run_process(command: list[str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=ENV)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"{' '.join(command[:5])} failed:\n{result.stderr[-2000:]}")
    return elapsed


def tiny(work: Path, repeat: int) -> None:
    from lakehouse.generate import generate

    times = []
    for attempt in range(repeat):
        root = work / f"tiny_{attempt}"
        generate(root, days=1, rows_per_day=200, start_date=START, seed=attempt, faults=0.01)
        times.append(run_process([sys.executable, "-m", "lakehouse.cli", "run", "--root", str(root),
                                  "--max-quarantine-ratio", "1"]))
        shutil.rmtree(root)
    print(f"tiny run (1 day x 200 transactions), wall time of `lakehouse run`: median {statistics.median(times):.1f} s "
          f"of {repeat} ({', '.join(f'{t:.1f}' for t in times)})", flush=True)


def large_day(data: Path, rows: int) -> Path:
    source = data / f"one_file_{rows}"
    if not (source / "bronze").is_dir():
        from lakehouse.generate import generate

        generate(source, days=1, rows_per_day=2 * rows, start_date=START, seed=11, faults=0.01)
        for second in (source / "bronze").rglob("transactions_*_02.csv"):
            second.unlink()
    return source


def memory(work: Path, data: Path, rows: int) -> None:
    source = large_day(data, rows)
    largest = max((source / "bronze").rglob("transactions*.csv"), key=lambda path: path.stat().st_size)
    size = largest.stat().st_size / 2**20
    root = work / "memory"
    shutil.copytree(source / "bronze", root / "bronze")
    peak_file = work / "peak_kb"
    elapsed, jvm_mb = run_with_jvm_peak([sys.executable, "-c", _PEAK_WRAPPER, str(peak_file), "bronze-to-silver",
                                         "--root", str(root), "--max-quarantine-ratio", "1"])
    driver_mb = int(peak_file.read_text()) / 1024
    print(f"one transactions file of about {rows:,} rows ({size:.0f} MiB, with the day's CDC and snapshot): "
          f"bronze-to-silver "
          f"{elapsed:.1f} s; Python driver peak RSS {driver_mb:.0f} MB; JVM peak RSS {jvm_mb:.0f} MB", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny-repeat", type=int, default=3)
    parser.add_argument("--large-rows", type=int, default=2_000_000)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "lakehouse-bench-data")
    parser.add_argument("--only", choices=("tiny", "memory"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lakehouse-bench-") as scratch:
        if args.only != "memory":
            tiny(Path(scratch), args.tiny_repeat)
        if args.only != "tiny":
            memory(Path(scratch), args.data, args.large_rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
