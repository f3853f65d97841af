"""The wall time of `lakehouse maintain` on a root after several small incremental runs.

    .venv/bin/python bench/maintain.py [--days 4] [--rows 300] [--repeat 2] [--work DIR]

A root is generated (--days ingest days of --rows transactions, with CDC and snapshots) and run one ingest day per
`lakehouse run` (real processes), so every Gold and ops table holds the small files of several runs: what
`lakehouse maintain` is for. Then `lakehouse maintain --vacuum-retain-hours 0 --force` runs as a process on a fresh
copy of that root, --repeat times (compaction, checkpoint and vacuum of every table, the Synapse check, its ops
row); the median wall time is printed. The root is kept in --work for a second sitting (say, another commit through
PYTHONPATH=<worktree>/src): the same root gives comparable figures. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fixed_costs import run_process  # noqa: E402


def built_root(work: Path, days: int, rows: int) -> Path:
    """The generated files landed and run one ingest day at a time (made once per --work folder)."""
    root = work / f"root_{days}x{rows}"
    if (root / "gold").is_dir():
        return root
    from lakehouse.generate import generate

    source = work / "generated"
    shutil.rmtree(source, ignore_errors=True)
    generate(source, days=days, rows_per_day=rows, start_date=date(2026, 1, 5), seed=5, faults=0.01)
    building = work / "building"
    shutil.rmtree(building, ignore_errors=True)
    for day in sorted({path.parent.name for path in (source / "bronze").rglob("ingest_date=*/*.csv")}):
        for file in (source / "bronze").rglob(f"{day}/*.csv"):
            target = building / file.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, target)
        run_process([sys.executable, "-m", "lakehouse.cli", "run", "--root", str(building),
                     "--max-quarantine-ratio", "1"])
    building.rename(root)
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=4)
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "lakehouse-bench-maintain")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    root = built_root(args.work, args.days, args.rows)
    times = []
    for attempt in range(args.repeat):
        copy = args.work / f"maintained_{attempt}"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(root, copy)
        times.append(run_process([sys.executable, "-m", "lakehouse.cli", "maintain", "--root", str(copy),
                                  "--vacuum-retain-hours", "0", "--force"]))
        shutil.rmtree(copy)
    print(f"lakehouse maintain after {args.days} one-day runs of {args.rows} transactions: median "
          f"{statistics.median(times):.1f} s of {args.repeat} ({', '.join(f'{t:.1f}' for t in times)})", flush=True)


if __name__ == "__main__":
    main()
