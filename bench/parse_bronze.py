"""Parsing one large Bronze transactions file: `open_csv` + `records_chunk` (the reference) against `parse_bronze`.

    .venv/bin/python bench/parse_bronze.py [--rows 2100000] [--file PATH] [--keep DIR] [--no-variants]

Without --file, one day of 2 x ROWS transactions is generated (2% faults) and its first file (ROWS records) is used.
Two variants of that file are measured too: an irregular quote (`x"y`, out of RFC 4180 form) in one record of every
thousand, and in every record (the worst case for parse_bronze, which then hands most of the file to Python's csv).
Each parser runs once per file in a fresh child process, consuming Arrow and dropping it as staging does; the child
reports wall and CPU time of the parse and its peak RSS (VmHWM), the file's bytes and the imports included.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository, for tests.bronze.reference_records


def child(parser: str, path: Path) -> None:
    from tests.bronze.reference_records import reference_tables

    from lakehouse import contract as c
    from lakehouse.bronze.fast_csv import parse_bronze

    required = c.SOURCE_SPECS[c.TRANSACTIONS].required_columns
    data = path.read_bytes()
    rss_before = _status_kib("VmRSS")
    wall, cpu = time.perf_counter(), time.process_time()
    count = 0
    if parser == "open_csv":
        _, tables = reference_tables(data, required)
        for table in tables:
            count += table.num_rows
    else:
        _, batches = parse_bronze(data, required)
        for batch in batches:
            count += batch.num_rows
    result = {"records": count, "wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu,
              "rss_before_mib": rss_before / 1024, "peak_rss_mib": _status_kib("VmHWM") / 1024}
    print(json.dumps(result))


def _status_kib(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def measure(parser: str, path: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", parser, str(path)], check=True, capture_output=True,
                         text=True).stdout
    return dict(json.loads(out.splitlines()[-1]))


def transactions_file(rows: int, base: Path) -> Path:
    from lakehouse.generate import generate

    root = base / f"rows_{rows}"
    generate(root, days=1, rows_per_day=2 * rows, start_date=date(2026, 1, 5), seed=7, faults=0.02)
    return sorted(root.glob("bronze/transactions/*/*_01.csv"))[0]


def with_irregular_quotes(path: Path, every: int) -> Path:
    """A copy with `"` after the first byte of one record in `every`: a quote in the middle of an unquoted field."""
    counter = itertools.count()
    line_start = re.compile(rb"\n([^\r\n,\"])")
    data = line_start.sub(lambda m: m.group() + b'"' if next(counter) % every == 0 else m.group(), path.read_bytes())
    target = path.with_name(f"{path.stem}_irregular_{every}.csv")
    target.write_bytes(data)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_100_000)
    parser.add_argument("--file", type=Path, help="a transactions CSV file to use instead of generating one")
    parser.add_argument("--keep", type=Path, help="generate into this directory and keep it")
    parser.add_argument("--no-variants", action="store_true", help="skip the files with irregular quotes")
    parser.add_argument("--child", nargs=2, metavar=("PARSER", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return 0
    base = args.keep or Path(tempfile.mkdtemp(prefix="parse-bronze-bench-"))
    path = args.file or transactions_file(args.rows, base)
    files = {"as generated": path}
    if not args.no_variants:
        variants = base if args.file is None else Path(tempfile.mkdtemp(prefix="parse-bronze-bench-"))
        copy = variants / path.name
        if copy != path:
            copy.write_bytes(path.read_bytes())
        files["1 irregular quote / 1000 records"] = with_irregular_quotes(copy, 1000)
        files["irregular quote in every record"] = with_irregular_quotes(copy, 1)
    print(f"file: {path} ({path.stat().st_size / 2**20:.0f} MiB)")
    print(f"{'file':34} {'parser':13} {'records':>9} {'wall s':>7} {'CPU s':>6} {'RSS before':>10} {'peak RSS':>9}")
    for label, file in files.items():
        for name in ("open_csv", "parse_bronze"):
            r = measure(name, file)
            print(f"{label:34} {name:13} {r['records']:>9,.0f} {r['wall_s']:>7.2f} {r['cpu_s']:>6.2f} "
                  f"{r['rss_before_mib']:>7.0f} MiB {r['peak_rss_mib']:>5.0f} MiB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
