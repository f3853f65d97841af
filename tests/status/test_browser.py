"""The status page in a real browser: headless Chromium (Debian's `chromium`, installed by scripts/bootstrap.sh)
loads the page, and the charts must be drawn: SVG elements with a non-zero size in the DOM Chromium built, and
pixels of the series' colours in screenshots. Without Chromium this test fails: it does not skip.

The page and the screenshot come from `lakehouse.status.screenshot`, the same code that makes the README's
screenshot (`python -m lakehouse.status.screenshot`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from lakehouse.status.html import FAILED_COLOUR, JOB_COLOURS, SOURCE_COLOURS
from lakehouse.status.screenshot import WINDOW, dump_dom, find_chromium, take_screenshot, write_page_and_screenshot
from tests.status.png import Image, read_png
from tests.status.roots import DAY1, RootBuilder, healthy_root

CHARTS = ("quarantine-rate", "rows-per-day", "run-durations")
LEGEND_PIXELS = 10 * 10  # one legend square per series


@dataclass
class Chart:
    kind: str
    markup: list[str] = field(default_factory=list)  # the SVG as Chromium serialised it
    shapes: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # drawn marks: bars, lines, points


class ChartCollector(HTMLParser):
    """Every <svg data-chart=...> of a DOM dump, with its marks and its own markup."""

    def __init__(self) -> None:
        super().__init__()
        self.charts: dict[str, Chart] = {}
        self.current: Chart | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "svg" and "data-chart" in values:
            self.current = self.charts[values["data-chart"]] = Chart(values["data-chart"])
        if self.current is None:
            return
        self.current.markup.append(self.get_starttag_text() or "")
        if values.get("class") in ("bar", "series", "point"):
            self.current.shapes.append((tag, values))

    def handle_endtag(self, tag: str) -> None:
        if self.current is not None:
            self.current.markup.append(f"</{tag}>")
            if tag == "svg":
                self.current = None

    def handle_data(self, data: str) -> None:
        if self.current is not None:
            self.current.markup.append(data)


def has_size(tag: str, attrs: dict[str, str]) -> bool:
    if tag == "rect":
        return float(attrs["width"]) > 0 and float(attrs["height"]) > 0
    if tag == "circle":
        return float(attrs["r"]) > 0
    if tag == "polyline":
        points = [tuple(map(float, pair.split(","))) for pair in attrs["points"].split()]
        xs, ys = [x for x, _ in points], [y for _, y in points]
        return max(xs) - min(xs) > 0 or max(ys) - min(ys) > 0
    return False


def near(colour: tuple[int, int, int], target: str, tolerance: int = 40) -> bool:
    wanted = tuple(int(target[i:i + 2], 16) for i in (1, 3, 5))
    return sum(abs(a - b) for a, b in zip(colour, wanted, strict=True)) <= tolerance


def pixels_near(image: Image, colours: list[str]) -> int:
    return sum(count for colour, count in image.rgb_counts().items() if any(near(colour, c) for c in colours))


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> tuple[Path, Path, Path]:
    """A root with five days of runs, one failed run and pending files: every chart and table has something."""
    find_chromium()  # fails, not skips, where Chromium is missing
    root = tmp_path_factory.mktemp("status_page") / "root"
    healthy_root(root, days=5)
    builder = RootBuilder(root)
    builder.land("transactions", DAY1 + timedelta(days=5), "transactions_6")
    builder.ops("pipeline_runs", [builder.run_row("run-6", "bronze_to_silver", datetime(2026, 1, 11, 2, tzinfo=UTC),
                                                  7.5, status="failed",
                                                  message="transactions: 9.0% quarantined (limit 5.0%)")])
    html_path, png_path = root.parent / "status.html", root.parent / "status.png"
    write_page_and_screenshot(root, html_path, png_path)
    return root, html_path, png_path


@pytest.fixture(scope="module")
def charts(page) -> dict[str, Chart]:
    """The charts of the DOM Chromium built from the page."""
    _, html_path, _ = page
    collector = ChartCollector()
    collector.feed(dump_dom(html_path))
    return collector.charts


def test_charts_are_in_the_dom_with_drawn_marks_of_non_zero_size(charts):
    assert sorted(charts) == sorted(CHARTS)
    for kind, chart in charts.items():
        drawn = [shape for shape in chart.shapes if has_size(*shape)]
        assert drawn, f"{kind}: no mark with a non-zero size"
    lines = [a for tag, a in charts["quarantine-rate"].shapes if tag == "polyline"]
    assert {a["data-series"] for a in lines} == set(SOURCE_COLOURS)  # one line per source
    bars = [a for tag, a in charts["run-durations"].shapes if tag == "rect"]
    assert len(bars) == 11 and sum(a["fill"] == FAILED_COLOUR for a in bars) == 1  # 5 days x 2 jobs + the failure


def test_screenshot_is_not_blank(page):
    _, _, png_path = page
    image = read_png(png_path.read_bytes())
    assert (image.width, image.height) == WINDOW
    counts = image.rgb_counts(step=2)
    white = counts.get((255, 255, 255), 0) / sum(counts.values())
    assert len(counts) > 100 and white < 0.95, (len(counts), white)
    banner = "#fff4e5"  # the ATTENTION banner's background: the verdict is on the screen
    assert pixels_near(image, [banner]) > 2000


@pytest.mark.parametrize("kind", CHARTS)
def test_each_chart_is_painted(charts, tmp_path, kind):
    """Each chart alone, as Chromium parsed it, painted: its series' colours cover more than their legend."""
    single = tmp_path / f"{kind}.html"
    single.write_text("<!DOCTYPE html><html><body style='margin:0;background:#fff'>"
                      + "".join(charts[kind].markup) + "</body></html>", encoding="utf-8")
    image = read_png(take_screenshot(single, tmp_path / f"{kind}.png").read_bytes())
    colours = list(SOURCE_COLOURS.values()) if kind != "run-durations" else [*JOB_COLOURS.values(), FAILED_COLOUR]
    painted = pixels_near(image, colours)
    assert painted > LEGEND_PIXELS * len(colours) + 200, (kind, painted)
