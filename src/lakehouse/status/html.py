"""`lakehouse status --html FILE`: the report as one self-contained page (inline CSS and SVG, no script, no
network), readable at a glance: the verdict on a coloured banner first, then three charts, then the tables."""

from __future__ import annotations

from datetime import date
from html import escape

from lakehouse import contract as c
from lakehouse.pipeline.gold_report import JOB as SILVER_TO_GOLD
from lakehouse.pipeline.silver_report import JOB as BRONZE_TO_SILVER
from lakehouse.status.charts import Bar, Series, bar_chart, line_chart, stacked_bar_chart
from lakehouse.status.report import ATTENTION, HEALTHY, StatusReport
from lakehouse.status.text import headline, human_bytes, percent

SOURCE_COLOURS = {c.TRANSACTIONS: "#1f77b4", c.CUSTOMERS: "#ff7f0e", c.PRODUCTS: "#2ca02c", c.STORES: "#9467bd"}
JOB_COLOURS = {BRONZE_TO_SILVER: "#4c78a8", SILVER_TO_GOLD: "#72b7b2"}
FAILED_COLOUR = "#d62728"
BANNER = {HEALTHY: ("#e6f4ea", "#1e7e34"), ATTENTION: ("#fff4e5", "#b35c00")}
EMPTY_BANNER = ("#eef1f5", "#4a5568")
CHART_RUNS = 30
TABLE_RUNS = 10
TABLE_DAYS = 14

STYLE = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 24px; color: #222;
       background: #fff; max-width: 1232px; }
h1 { font-size: 26px; margin: 0 0 4px 0; } h2 { font-size: 17px; margin: 0 0 8px 0; }
.meta { color: #555; margin-bottom: 16px; }
.banner { border-left: 8px solid; padding: 12px 16px; border-radius: 4px; margin-bottom: 20px; }
.banner .level { font-size: 22px; font-weight: 700; } .banner ul { margin: 6px 0 0 0; padding-left: 20px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; margin-bottom: 20px; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 10px; background: #fff; }
table { border-collapse: collapse; margin-bottom: 20px; font-size: 13px; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e5e5e5; text-align: left; }
th { background: #f5f5f5; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.failed { color: #d62728; font-weight: 600; } .ok { color: #1e7e34; } .warn { color: #b35c00; font-weight: 600; }
.tables { display: flex; flex-wrap: wrap; gap: 24px; }
"""


def _cells(values: list[str], numeric: set[int] | None = None, tag: str = "td") -> str:
    numeric = numeric or set()
    return "<tr>" + "".join(f'<{tag}{" class=num" if i in numeric else ""}>{v}</{tag}>'
                            for i, v in enumerate(values)) + "</tr>"


def _table(title: str, header: list[str], rows: list[str], numeric: set[int]) -> str:
    body = "".join(rows) or _cells(["none yet"] + [""] * (len(header) - 1))
    return (f'<div class="card"><h2>{escape(title)}</h2><table>{_cells(header, numeric, "th")}{body}'
            f"</table></div>")


def _banner(report: StatusReport) -> str:
    background, colour = BANNER.get(report.verdict.level, EMPTY_BANNER)
    reasons = "".join(f"<li>{escape(reason)}</li>" for reason in report.verdict.reasons)
    running = f"<p>Running now: {escape(report.lease_holder)}</p>" if report.lease_holder else ""
    return (f'<div class="banner" data-level="{report.verdict.level}" style="background:{background};'
            f'border-color:{colour}"><div class="level" style="color:{colour}">{escape(headline(report))}</div>'
            f"{'<ul>' + reasons + '</ul>' if reasons else ''}{running}</div>")


def _days(report: StatusReport) -> list[date]:
    return sorted({day.day for day in report.quarantine})


def _quarantine_chart(report: StatusReport) -> str:
    days = _days(report)
    rates = {(d.day, d.source): d.rate for d in report.quarantine}
    series = [Series(source, SOURCE_COLOURS[source], [rates.get((day, source)) for day in days])
              for source in c.SOURCES]
    return line_chart("quarantine-rate", [f"{day:%m-%d}" for day in days], series, "quarantined share of records",
                      lambda v: f"{v:.1%}" if v < 0.1 else f"{v:.0%}", "run date (UTC)", least_top=0.01)


def _rows_chart(report: StatusReport) -> str:
    days = sorted({d.ingest_date for d in report.rows_per_day})
    rows = {(d.ingest_date, d.source): d.silver_rows + d.quarantined_rows for d in report.rows_per_day}
    series = [Series(source, SOURCE_COLOURS[source], [rows.get((day, source), 0) for day in days])
              for source in c.SOURCES]
    return stacked_bar_chart("rows-per-day", [f"{day:%m-%d}" for day in days], series, "records read",
                             lambda v: f"{v:,.0f}", "ingest_date")


def _durations_chart(report: StatusReport) -> str:
    runs = list(reversed(report.runs[:CHART_RUNS]))  # oldest first, left to right
    bars = [Bar(f"{run.started_at:%m-%d %H:%M}" if run.started_at else "?", run.duration_s or 0.0,
                FAILED_COLOUR if run.is_failed else JOB_COLOURS.get(run.job, "#888"),
                f"{run.job} {run.run_id}: {run.status}, {run.duration_s or 0:.1f}s") for run in runs]
    legend = [Series(job, colour, []) for job, colour in JOB_COLOURS.items()] + [Series("failed", FAILED_COLOUR, [])]
    return bar_chart("run-durations", bars, legend, "seconds", lambda v: f"{v:g}", "run start (UTC), oldest first")


def _sources_table(report: StatusReport) -> str:
    rows = []
    for s in report.sources:
        counts = [len(s.not_processed), len(s.not_in_gold), len(s.changed)]
        marked = [f'<span class="{"warn" if count else "ok"}">{count}</span>' for count in counts]
        rows.append(_cells([escape(s.source), str(s.latest_ingest_date or "-"), str(s.processed_files), *marked],
                           {2, 3, 4, 5}))
    return _table("Sources", ["source", "latest ingest_date", "processed", "not processed", "not in Gold",
                              "changed since"], rows, {2, 3, 4, 5})


def _runs_table(report: StatusReport) -> str:
    rows = []
    for run in report.runs[:TABLE_RUNS]:
        status = f'<span class="{"failed" if run.is_failed else "ok"}">{escape(run.status)}</span>'
        rows.append(_cells([f"{run.started_at:%Y-%m-%d %H:%M}" if run.started_at else "-", escape(run.job), status,
                            f"{run.duration_s:.1f}s" if run.duration_s is not None else "-", f"{run.records_read:,}",
                            f"{run.quarantined_rows:,}", escape(run.run_id),
                            escape(run.message or "") if run.is_failed else ""], {3, 4, 5}))
    return _table("Last runs", ["started (UTC)", "job", "status", "duration", "rows", "quarantined", "run id",
                                "message"], rows, {3, 4, 5})


def _quarantine_table(report: StatusReport) -> str:
    by_key = {(d.day, d.source): d for d in report.quarantine}
    rows = [_cells([str(day)] + [percent(by_key[day, s].rate) if (day, s) in by_key else "" for s in c.SOURCES],
                   set(range(1, 5))) for day in reversed(_days(report)[-TABLE_DAYS:])]
    return _table(f"Quarantined share per run date (from {report.quarantine_from})", ["run date", *c.SOURCES],
                  rows, set(range(1, 5)))


def _gold_table(report: StatusReport) -> str:
    rows = []
    for table in report.gold:
        if table.version is None:
            rows.append(_cells([escape(table.name), "-", "-", "-", "not created yet"], {1, 2, 3}))
            continue
        synapse = ('<span class="ok">readable</span>' if not table.problems
                   else f'<span class="failed">{escape("; ".join(table.problems))}</span>')
        rows.append(_cells([escape(table.name), str(table.version), str(table.files), human_bytes(table.size_bytes),
                            synapse], {1, 2, 3}))
    return _table("Gold tables", ["table", "version", "files", "size", "Synapse serverless"], rows, {1, 2, 3})


def _card(title: str, chart: str) -> str:
    return f'<div class="card"><h2>{escape(title)}</h2>{chart}</div>'


def format_html(report: StatusReport) -> str:
    charts = (_card("Quarantine rate per source", _quarantine_chart(report))
              + _card("Records read per ingest day", _rows_chart(report))
              + _card(f"Run durations (last {CHART_RUNS} runs)", _durations_chart(report)))
    tables = _sources_table(report) + _runs_table(report) + _quarantine_table(report) + _gold_table(report)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Lakehouse status: {escape(report.verdict.level.upper())}</title><style>{STYLE}</style></head>"
        f"<body><h1>Lakehouse status</h1><div class=\"meta\">root <code>{escape(str(report.root))}</code>, "
        f"{report.generated_at:%Y-%m-%d %H:%M} UTC</div>{_banner(report)}"
        f'<div class="charts">{charts}</div><div class="tables">{tables}</div></body></html>\n'
    )
