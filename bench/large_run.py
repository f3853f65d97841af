"""One `lakehouse run` over many transactions (default 20M, with their CDC and snapshots): does it finish on this
machine, how long each stage takes, and how much memory the driver and the JVM hold at most.

    .venv/bin/python bench/large_run.py [--transactions 20000000] [--days 20] [--data DIR]

The data is generated once into --data (1% faults) and reused; each measurement runs on a fresh root whose bronze/
holds hard links to it. `lakehouse run` is a real process: the Python driver reports its own peak RSS at exit
(`VmHWM`), the JVM's own `VmHWM` is read from /proc while it runs. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fixed_costs import _PEAK_WRAPPER, run_with_jvm_peak  # noqa: E402
from versus_duckdb import data_arguments, generated, stage_metrics  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    data_arguments(parser, transactions=20_000_000)
    args = parser.parse_args()

    source = generated(args.data, args.transactions, args.days)
    size = sum(path.stat().st_size for path in (source / "bronze").rglob("*.csv")) / 2**20
    with tempfile.TemporaryDirectory(prefix="lakehouse-large-", dir=args.data) as scratch:
        root = Path(scratch) / "root"
        shutil.copytree(source / "bronze", root / "bronze", copy_function=os.link)
        peak_file = Path(scratch) / "peak_kb"
        elapsed, jvm_mb = run_with_jvm_peak([sys.executable, "-c", _PEAK_WRAPPER, str(peak_file), "run", "--root",
                                             str(root), "--max-quarantine-ratio", "1"])
        driver_mb = int(peak_file.read_text()) / 1024
        print(f"{args.transactions:,} transactions ({size:,.0f} MiB of Bronze CSV, all sources) in one "
              f"`lakehouse run`: {elapsed:.0f} s wall; Python driver peak RSS {driver_mb:.0f} MB; "
              f"JVM peak RSS {jvm_mb:.0f} MB", flush=True)
        for job, metrics in stage_metrics(root).items():
            slowest = sorted(metrics.get("steps_s", {}).items(), key=lambda item: -item[1])[:6]
            top = ", ".join(f"{name} {seconds:.0f}" for name, seconds in slowest)
            print(f"  {job}: {metrics['duration_s']:.0f} s; slowest steps (s): {top}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
