"""Spark's own floor on the versus-DuckDB data: the input and output that any Spark implementation of the pipeline
pays, with none of the pipeline's work, beside the DuckDB reference, in one sitting.

    .venv/bin/python bench/spark_floor.py [--transactions 2100000] [--days 20] [--data DIR] [--threads 2]

The floor is a real process, started like `lakehouse run` (a local[2] session from `lakehouse.spark.get_spark`,
with Delta and the same JVM and session settings), that
- reads every source's Bronze CSV with Spark's own reader (header, multiLine, every column a string: no record
  numbers, raw text, file rejections or field-count checks) and writes it as Parquet, one folder per source;
- reads the transactions back and writes them as one Delta table partitioned by day (the shape of `fact_sales`).
No validation, dedupe, key index, quarantine, Great Expectations, SCD2, as-of join, aggregate or ops table. The
same data gets the DuckDB reference (../shared/bench/duckdb_reference.py), which does the whole pipeline's work. The
ratio floor / DuckDB is how much of the 4x budget Spark's input and output alone take on this machine. Figures are
printed, never asserted.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from versus_duckdb import data_arguments, duckdb_seconds, fresh_copy, generated  # noqa: E402


def floor(root: Path, out: Path) -> None:
    """The floor's work on `root` (a copy of the data), written under `out`; prints its own phases."""
    from pyspark.sql import functions as F

    from lakehouse import contract as c
    from lakehouse.spark import get_spark

    started = time.perf_counter()
    bronze_bytes = sum(path.stat().st_size for path in (root / "bronze").rglob("*.csv"))
    spark = get_spark("lakehouse-floor", input_bytes=lambda: bronze_bytes)
    session_s = time.perf_counter() - started
    for source in c.SOURCES:
        files = str(root / "bronze" / source / "*" / "*.csv")
        (spark.read.option("header", "true").option("multiLine", "true").csv(files)
         .withColumn("_source_file", F.input_file_name())
         .write.mode("overwrite").parquet(str(out / "silver" / source)))
    csv_s = time.perf_counter() - started - session_s
    ts = F.col("transaction_ts")
    day = F.when(ts.rlike(r"^\d{4}-\d{2}-\d{2}T"), F.substring(ts, 1, 10)).otherwise(F.lit("unknown"))
    (spark.read.parquet(str(out / "silver" / c.TRANSACTIONS)).withColumn("transaction_date", day)
     .write.format("delta").mode("overwrite").partitionBy("transaction_date").save(str(out / "gold" / "fact_sales")))
    delta_s = time.perf_counter() - started - session_s - csv_s
    print(f"session {session_s:.1f} s, Bronze CSV -> Parquet {csv_s:.1f} s, transactions -> Delta {delta_s:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    data_arguments(parser)
    parser.add_argument("--threads", default="2")
    parser.add_argument("--floor-only", nargs=2, type=Path, metavar=("ROOT", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor_only:
        floor(*args.floor_only)
        return 0
    source = generated(args.data, args.transactions, args.days)
    with tempfile.TemporaryDirectory(prefix="lakehouse-floor-") as work:
        floor_root = fresh_copy(source, Path(work), "floor")
        started = time.perf_counter()
        result = subprocess.run([sys.executable, __file__, "--floor-only", str(floor_root), str(Path(work) / "out")],
                                capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"the floor failed:\n{result.stderr[-2000:]}")
        phases = result.stdout.strip()
        floor_s = time.perf_counter() - started
        shutil.rmtree(Path(work) / "out", ignore_errors=True)
        duckdb_s = duckdb_seconds(source, Path(work), args.threads)
    print(f"data: {args.transactions:,} transactions over {args.days} days ({source})")
    print(f"spark floor (whole process)    {floor_s:8.1f} s  ({phases})")
    print(f"duckdb reference ({args.threads} threads)    {duckdb_s:8.1f} s")
    print(f"ratio floor / duckdb           {floor_s / duckdb_s:8.2f}x  (the target allows 4x for the whole run)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
