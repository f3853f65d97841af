"""The Gold stage on both Delta engines, on the same Silver, in one sitting (issue 13's benchmark line).

    .venv/bin/python bench/gold_engines.py [--transactions 2100000] [--days 20] [--data DIR]

The Bronze data is bench/versus_duckdb.py's (generated once into --data, 1% faults). One `lakehouse
bronze-to-silver` builds Silver; the root is then copied once per engine and `lakehouse silver-to-gold
--delta-engine E` runs on each copy as a real process (JVM start included in the wall time; the stage's own
duration and steps come from `ops/pipeline_runs`). Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from versus_duckdb import data_arguments, fresh_copy, generated, stage_metrics, timed_process  # noqa: E402

ENGINES = ("delta-spark", "delta-rs")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    data_arguments(parser)
    args = parser.parse_args()
    source = generated(args.data, args.transactions, args.days)
    with tempfile.TemporaryDirectory(prefix="lakehouse-bench-") as work:
        silver = fresh_copy(source, Path(work), "silver")
        silver_s = timed_process([sys.executable, "-m", "lakehouse.cli", "bronze-to-silver", "--root", str(silver),
                                  "--max-quarantine-ratio", "1"])
        print(f"{args.transactions:,} transactions: bronze-to-silver {silver_s:.1f} s (shared by both engines)",
              flush=True)
        for engine in ENGINES:
            root = Path(work) / engine
            shutil.copytree(silver, root)
            wall = timed_process([sys.executable, "-m", "lakehouse.cli", "silver-to-gold", "--root", str(root),
                                  "--delta-engine", engine])
            gold = stage_metrics(root).get("silver_to_gold", {})
            steps = ", ".join(f"{step} {seconds:.1f}s" for step, seconds in (gold.get("steps_s") or {}).items())
            stage_s = gold.get("duration_s", float("nan"))
            print(f"silver-to-gold on {engine:<11} wall {wall:6.1f} s, stage {stage_s:6.1f} s; steps: {steps}",
                  flush=True)
            shutil.rmtree(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
