"""The root behind the README's "Status page" section: a week of the daily schedule, replayed on this machine.

Each day's generated files land, then `lakehouse run` processes them with the clock of the ADF trigger (02:00 UTC
the next day), so `lakehouse status` has runs on several days to chart. The last day lands and is not run, so
the status has pending files to report. Then the text status and the page's screenshot, made by the same code as
the browser test (lakehouse.status.screenshot):

    .venv/bin/python scripts/status_demo.py --root /tmp/status_demo --png docs/status.png
"""

from __future__ import annotations

import argparse
import shutil
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from lakehouse.config import LakehouseConfig
from lakehouse.generate import generate
from lakehouse.pipeline import run as pipeline
from lakehouse.status.report import gather
from lakehouse.status.screenshot import write_page_and_screenshot
from lakehouse.status.text import format_text

START = date(2026, 1, 5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, required=True, help="emptied first")
    parser.add_argument("--png", type=Path, required=True)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--rows-per-day", type=int, default=400)
    args = parser.parse_args()
    shutil.rmtree(args.root, ignore_errors=True)
    args.root.mkdir(parents=True)
    for day in range(1, args.days + 1):
        generate(args.root, days=day, rows_per_day=args.rows_per_day, start_date=START, seed=7, faults=0.02)
        if day == args.days:
            break  # landed, not run: pending
        trigger = datetime.combine(START + timedelta(days=day), time(2), tzinfo=UTC)
        config = LakehouseConfig(args.root, f"daily-{trigger:%Y%m%d}", trigger, max_quarantine_ratio=0.5)
        pipeline.run(config)
    print(format_text(gather(args.root)), end="")
    write_page_and_screenshot(args.root, args.root / "status.html", args.png)


if __name__ == "__main__":
    main()
