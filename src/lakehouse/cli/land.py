"""The `land` sub-command: parse arguments, open the target, land, print one summary line per file."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from lakehouse import contract as c
from lakehouse.bronze.discovery import parse_ingest_date
from lakehouse.errors import UserError
from lakehouse.land.land import LandResult, land_files
from lakehouse.land.roots import open_target
from lakehouse.land.targets import Progress, RetrySettings

PROGRESS_MIN_BYTES = 8 << 20  # smaller files land in a moment; a bar would only flicker
DEFAULT_RETRY = RetrySettings()


def add_land_parser(commands: Any) -> argparse.ArgumentParser:
    """Add `land` to the sub-command parsers of the `lakehouse` command line."""
    parser = commands.add_parser(
        "land", help="copy source CSV extracts into Bronze (a local root or ADLS Gen2)",
        description="Copy CSV extracts into bronze/<source>/ingest_date=<date>/, atomically: a file appears under "
                    "its final name only once complete and verified. Landing the same file again is a no-op; "
                    "other content under a name already in Bronze is refused (Bronze is immutable).",
    )
    parser.add_argument("--root", required=True,
                        help="local root directory, or abfss://bronze@<account>.dfs.core.windows.net/ "
                             "(credentials: AZURE_STORAGE_CONNECTION_STRING, else DefaultAzureCredential)")
    parser.add_argument("--source", required=True, choices=c.SOURCES)
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="CSV extract(s) to land")
    parser.add_argument("--ingest-date", metavar="YYYY-MM-DD", help="ingest date folder (default: today, UTC)")
    parser.add_argument("--as-new-name", action="store_true",
                        help="when the name already holds other content, land as <stem>__<md5 first 8>.csv")
    parser.add_argument("--no-check", action="store_true",
                        help="skip the UTF-8 and header checks (the pipeline will still reject a bad file)")
    return parser


def ingest_date_argument(text: str | None) -> date:
    if text is None:
        return datetime.now(UTC).date()
    ingest_date = parse_ingest_date(f"ingest_date={text}")  # the pipeline's own rule for the folder name
    if ingest_date is None:
        raise UserError(f"--ingest-date {text!r} is not a real date written YYYY-MM-DD")
    return ingest_date


@contextlib.contextmanager
def terminal_progress(label: str, total: int) -> Iterator[Progress]:
    """A progress bar on stderr for a large file, when stderr is a terminal; nothing otherwise."""
    if total < PROGRESS_MIN_BYTES or not sys.stderr.isatty():
        yield lambda _bytes: None
        return
    from tqdm import tqdm

    with tqdm(total=total, desc=label, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr,
              leave=False) as bar:
        yield bar.update


def print_result(result: LandResult) -> None:
    print(result.summary_line(), flush=True)


def cmd_land(args: argparse.Namespace) -> None:
    ingest_date = ingest_date_argument(args.ingest_date)
    target = open_target(args.root, DEFAULT_RETRY)
    land_files(target, args.source, args.files, ingest_date, is_checked=not args.no_check,
               as_new_name=args.as_new_name, progress=terminal_progress, report=print_result)
