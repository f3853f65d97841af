"""The status page as headless Chromium renders it: a PNG screenshot and the DOM after layout.

Used by the browser test (tests/status) and to make the README's screenshot, so both come from one code path:

    python -m lakehouse.status.screenshot --root DIR --html status.html --png docs/status.png

Chromium is Debian's `chromium` package (scripts/bootstrap.sh installs it). It runs with a throw-away profile and
everything that would reach the network switched off; the page itself references nothing outside the file.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from lakehouse.errors import UserError

CHROMIUM_NAMES = ("chromium", "chromium-browser")
WINDOW = (1280, 1600)
TIMEOUT_S = 120.0


def find_chromium() -> str:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise UserError("Chromium not found on PATH: install Debian's chromium package (scripts/bootstrap.sh does)")


def _run_chromium(page: Path, extra: list[str], timeout_s: float) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="lakehouse-chromium-") as profile:
        command = [
            find_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-default-apps", "--disable-extensions", "--hide-scrollbars", "--force-device-scale-factor=1",
            f"--user-data-dir={profile}", f"--window-size={WINDOW[0]},{WINDOW[1]}", *extra,
            page.resolve().as_uri(),
        ]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=False)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise UserError(f"chromium failed on {page} (exit {result.returncode}): {last}")
    return result


def take_screenshot(page: Path, png: Path, timeout_s: float = TIMEOUT_S) -> Path:
    """Render `page` in headless Chromium at WINDOW size and write the screenshot to `png`."""
    png.parent.mkdir(parents=True, exist_ok=True)
    png.unlink(missing_ok=True)
    _run_chromium(page, [f"--screenshot={png.resolve()}"], timeout_s)
    if not png.is_file() or png.stat().st_size == 0:
        raise UserError(f"chromium wrote no screenshot to {png}")
    return png


def dump_dom(page: Path, timeout_s: float = TIMEOUT_S) -> str:
    """The page's DOM as Chromium serialises it after loading (what it parsed, not the file's text)."""
    return _run_chromium(page, ["--dump-dom"], timeout_s).stdout


def write_page_and_screenshot(root: Path, html_path: Path, png_path: Path) -> None:
    from lakehouse.status.html import format_html
    from lakehouse.status.report import gather

    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(format_html(gather(root)), encoding="utf-8")
    take_screenshot(html_path, png_path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lakehouse.status.screenshot",
                                     description="write a root's status page and a Chromium screenshot of it")
    parser.add_argument("--root", required=True, type=Path)
    parser.add_argument("--html", required=True, type=Path, help="where the page is written")
    parser.add_argument("--png", required=True, type=Path, help="where the screenshot is written")
    args = parser.parse_args(argv)
    try:
        write_page_and_screenshot(args.root, args.html, args.png)
    except UserError as error:
        print(f"lakehouse: error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {args.html} and {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
