"""An upper bound: `lakehouse run` with Great Expectations' validation taken out, beside the real run and DuckDB.

    .venv/bin/python bench/without_validation.py [--repeat 2] [--transactions 2100000] [--days 20] [--data DIR]

Validation is the largest single step left in bronze-to-silver that is not Spark's own input and output (the
README's profile). This measures what making it free could gain at most: the same `lakehouse run` process, once as
it is and once with `lakehouse.quality.gx_runner.validate_silver_batches` replaced by a report that passes without
looking at the data (no Spark query, no Great Expectations or its import, no Data Docs), interleaved, each on a
fresh copy of the versus-DuckDB data, then the DuckDB reference on another copy. Not a configuration anyone should
run: the quality gate is part of the contract (§3, §5). Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from versus_duckdb import (  # noqa: E402
    data_arguments,
    duckdb_seconds,
    fresh_copy,
    generated,
    stage_metrics,
    timed_process,
)

# Run in the measured process: the pipeline imports validate_silver_batches and preload (GX's import in the
# background) from gx_runner when it uses them, so replacing the module's attributes before the command starts takes
# validation out of that run only.
WITHOUT_VALIDATION = """
import sys
from lakehouse.quality import gx_runner
from lakehouse.quality.report import QualityReport
gx_runner.validate_silver_batches = lambda *args, **kwargs: QualityReport(True, (), None)
gx_runner.preload = lambda: None
from lakehouse.cli.commands import main
sys.exit(main(sys.argv[1:]))
"""


def run_command(root: Path, validation: bool) -> list[str]:
    arguments = ["run", "--root", str(root), "--max-quarantine-ratio", "1"]
    if validation:
        return [sys.executable, "-m", "lakehouse.cli", *arguments]
    return [sys.executable, "-c", WITHOUT_VALIDATION, *arguments]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    data_arguments(parser)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--threads", default="2")
    args = parser.parse_args()
    source = generated(args.data, args.transactions, args.days)
    print(f"data: {args.transactions:,} transactions over {args.days} days ({source})", flush=True)
    with tempfile.TemporaryDirectory(prefix="lakehouse-without-") as work:
        walls: dict[bool, list[float]] = {True: [], False: []}
        for index in range(args.repeat):
            for validation in (True, False):
                label = "lakehouse run" if validation else "without validation"
                root = fresh_copy(source, Path(work), f"run{index}_{validation}")
                wall = timed_process(run_command(root, validation))
                stages = stage_metrics(root)
                shutil.rmtree(root)  # a copy and what the run made of it: about 350 MB
                silver, gold = stages.get("bronze_to_silver", {}), stages.get("silver_to_gold", {})
                validate = (silver.get("steps_s") or {}).get("validate")
                walls[validation].append(wall)
                print(f"{label:20} {wall:6.1f} s  (bronze-to-silver {silver.get('duration_s', float('nan')):.1f} s, "
                      f"validate {'-' if validate is None else f'{validate:.1f} s'}; "
                      f"silver-to-gold {gold.get('duration_s', float('nan')):.1f} s)", flush=True)
        duckdb_s = duckdb_seconds(source, Path(work), args.threads)
    print(f"duckdb reference ({args.threads} threads) {duckdb_s:6.1f} s")
    for validation, label in ((True, "lakehouse run"), (False, "without validation")):
        ratios = ", ".join(f"{wall / duckdb_s:.2f}x" for wall in walls[validation])
        print(f"ratio {label} / duckdb: {ratios}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
