"""Inline SVG charts for the status page: plain strings, no library, no script, so the page needs no network.

Three shapes cover the page: lines over days (quarantine rate per source), stacked bars over days (rows per
source), and one bar per item (run durations). Each chart has a title-less frame (the page titles it), a y axis
with round ticks and a label, x labels (thinned when crowded), a legend, and `data-chart`/`class` attributes that
the browser test looks for. An empty series gives a frame that says "no data yet" rather than a blank box.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 372, 250
LEFT, RIGHT, TOP, BOTTOM = 58, 12, 34, 50
AXIS_COLOUR, GRID_COLOUR, TEXT_COLOUR = "#444", "#e3e3e3", "#222"


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    values: Sequence[float | None]


def nice_step(span: float, ticks: int = 4) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) that divides `span` into about `ticks` parts."""
    if span <= 0:
        return 1.0
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _frame(kind: str, body: list[str], label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="{kind}" width="{WIDTH}" '
            f'height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(label)}">'
            + "".join(body) + "</svg>")


def _text(x: float, y: float, text: str, anchor: str = "middle", size: int = 11, extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{TEXT_COLOUR}" text-anchor="{anchor}"'
            f'{extra}>{escape(text)}</text>')


class _Plot:
    """The plotting area of one chart: maps values to pixels and draws the axes."""

    def __init__(self, count: int, top_value: float) -> None:
        self.count = max(count, 1)
        self.step = nice_step(top_value)
        self.top_value = max(self.step * math.ceil(top_value / self.step), self.step)
        self.x0, self.x1, self.y0, self.y1 = LEFT, WIDTH - RIGHT, HEIGHT - BOTTOM, TOP

    @property
    def slot(self) -> float:
        return (self.x1 - self.x0) / self.count

    def x(self, index: int) -> float:
        return self.x0 + self.slot * (index + 0.5)

    def y(self, value: float) -> float:
        return self.y0 - (self.y0 - self.y1) * value / self.top_value

    def axes(self, labels: Sequence[str], y_label: str, y_format: Callable[[float], str],
             max_labels: int = 6) -> list[str]:
        parts = []
        for tick in range(int(round(self.top_value / self.step)) + 1):
            value = tick * self.step
            y = self.y(value)
            parts.append(f'<line class="grid" x1="{self.x0}" y1="{y:.1f}" x2="{self.x1}" y2="{y:.1f}" '
                         f'stroke="{GRID_COLOUR}"/>')
            parts.append(_text(self.x0 - 6, y + 4, y_format(value), anchor="end", size=10))
        parts.append(f'<line class="axis" x1="{self.x0}" y1="{self.y0}" x2="{self.x1}" y2="{self.y0}" '
                     f'stroke="{AXIS_COLOUR}"/>')
        parts.append(f'<line class="axis" x1="{self.x0}" y1="{self.y0}" x2="{self.x0}" y2="{self.y1}" '
                     f'stroke="{AXIS_COLOUR}"/>')
        every = max(1, math.ceil(len(labels) / max_labels))
        for index, label in enumerate(labels):
            if index % every == 0:
                parts.append(_text(self.x(index), self.y0 + 16, label, size=10))
        parts.append(_text(14, (self.y0 + self.y1) / 2, y_label, size=11,
                           extra=f' transform="rotate(-90 14 {(self.y0 + self.y1) / 2:.1f})"'))
        return parts


def _legend(series: Sequence[Series]) -> list[str]:
    parts, x = [], 12.0
    for item in series:
        parts.append(f'<rect class="legend" x="{x:.1f}" y="10" width="10" height="10" fill="{item.colour}"/>')
        parts.append(_text(x + 14, 19, item.name, anchor="start", size=10))
        x += 24 + 6 * len(item.name)
    return parts


def _empty(kind: str, label: str) -> str:
    body = [f'<rect class="frame" x="{LEFT}" y="{TOP}" width="{WIDTH - LEFT - RIGHT}" '
            f'height="{HEIGHT - TOP - BOTTOM}" fill="#fafafa" stroke="{GRID_COLOUR}"/>',
            _text(WIDTH / 2, HEIGHT / 2, "no data yet", size=13)]
    return _frame(kind, body, label)


def line_chart(kind: str, labels: Sequence[str], series: Sequence[Series], y_label: str,
               y_format: Callable[[float], str], x_label: str, least_top: float = 0.0) -> str:
    """One polyline per series over the labels (days); a missing value breaks the line. The y axis reaches at
    least `least_top`, so a flat line at zero sits at the bottom rather than in a scale of nothing."""
    values = [v for s in series for v in s.values if v is not None]
    if not labels or not values:
        return _empty(kind, y_label)
    plot = _Plot(len(labels), max(*values, least_top))
    body = plot.axes(labels, y_label, y_format) + _legend(series)
    for item in series:
        runs: list[list[tuple[float, float, str]]] = [[]]
        for index, value in enumerate(item.values):
            if value is None:
                runs.append([])
            else:
                runs[-1].append((plot.x(index), plot.y(value), f"{item.name} {labels[index]}: {y_format(value)}"))
        for points in (run for run in runs if run):
            text = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
            body.append(f'<polyline class="series" data-series="{escape(item.name)}" points="{text}" fill="none" '
                        f'stroke="{item.colour}" stroke-width="2"/>')
            body += [f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{item.colour}">'
                     f'<title>{escape(tip)}</title></circle>' for x, y, tip in points]
    body.append(_text((plot.x0 + plot.x1) / 2, HEIGHT - 8, x_label, size=11))
    return _frame(kind, body, y_label)


def stacked_bar_chart(kind: str, labels: Sequence[str], series: Sequence[Series], y_label: str,
                      y_format: Callable[[float], str], x_label: str) -> str:
    """One bar per label, stacked by series in order (bottom first)."""
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(labels))]
    if not labels or not any(totals):
        return _empty(kind, y_label)
    plot = _Plot(len(labels), max(totals))
    body = plot.axes(labels, y_label, y_format) + _legend(series)
    width = max(plot.slot * 0.7, 1.0)
    for index in range(len(labels)):
        base = 0.0
        for item in series:
            value = item.values[index] or 0
            if value <= 0:
                continue
            top, bottom = plot.y(base + value), plot.y(base)
            body.append(f'<rect class="bar" data-series="{escape(item.name)}" x="{plot.x(index) - width / 2:.1f}" '
                        f'y="{top:.1f}" width="{width:.1f}" height="{max(bottom - top, 0.5):.1f}" '
                        f'fill="{item.colour}"><title>{escape(f"{item.name} {labels[index]}: {y_format(value)}")}'
                        f'</title></rect>')
            base += value
    body.append(_text((plot.x0 + plot.x1) / 2, HEIGHT - 8, x_label, size=11))
    return _frame(kind, body, y_label)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    colour: str
    tooltip: str


def bar_chart(kind: str, bars: Sequence[Bar], legend: Sequence[Series], y_label: str,
              y_format: Callable[[float], str], x_label: str) -> str:
    """One bar per item, each with its own colour (e.g. by job, red when failed) and a hover title."""
    if not bars:
        return _empty(kind, y_label)
    plot = _Plot(len(bars), max(max(bar.value for bar in bars), 0.1))
    body = plot.axes([bar.label for bar in bars], y_label, y_format, max_labels=4) + _legend(legend)
    width = max(plot.slot * 0.7, 1.0)
    for index, bar in enumerate(bars):
        top = plot.y(bar.value)
        body.append(f'<rect class="bar" x="{plot.x(index) - width / 2:.1f}" y="{top:.1f}" width="{width:.1f}" '
                    f'height="{max(plot.y0 - top, 1.0):.1f}" fill="{bar.colour}"><title>{escape(bar.tooltip)}'
                    f'</title></rect>')
    body.append(_text((plot.x0 + plot.x1) / 2, HEIGHT - 8, x_label, size=11))
    return _frame(kind, body, y_label)
