"""`lakehouse status` as plain text: one screen (at most about 40 lines of at most 120 columns), verdict first."""

from __future__ import annotations

import textwrap
from datetime import date

from lakehouse import contract as c
from lakehouse.status.report import EMPTY, HEALTHY, QuarantineDay, StatusReport

LAST_RUNS = 5
QUARANTINE_DAYS = 5
REASON_LINES = 6
WIDTH = 120


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.1%}"


def _clip(text: str, width: int = WIDTH) -> str:
    return text if len(text) <= width else text[:width - 3] + "..."


def headline(report: StatusReport) -> str:
    """The verdict in one line, as the page's banner says it too."""
    if report.verdict.level == EMPTY:
        return "EMPTY: nothing to report yet"
    if report.verdict.level == HEALTHY:
        return (f"HEALTHY: all {report.landed_files} landed files processed and in Gold; "
                "the last run of each job succeeded")
    return f"ATTENTION: {len(report.verdict.reasons)} thing(s) to look at"


def quarantine_days(report: StatusReport, limit: int) -> list[tuple[date, dict[str, QuarantineDay]]]:
    """The last `limit` days with their per-source figures, oldest first."""
    by_day: dict[date, dict[str, QuarantineDay]] = {}
    for day in report.quarantine:
        by_day.setdefault(day.day, {})[day.source] = day
    return sorted(by_day.items())[-limit:]


def _reason_lines(reasons: tuple[str, ...]) -> list[str]:
    """Each reason wrapped (a failure's message matters whole), within REASON_LINES lines in all."""
    lines: list[str] = []
    for index, reason in enumerate(reasons):
        wrapped = textwrap.wrap(reason, WIDTH, initial_indent="  - ", subsequent_indent="    ", max_lines=3,
                                placeholder=" ...", break_on_hyphens=False)
        if len(lines) + len(wrapped) > REASON_LINES:
            return lines + [f"  ... and {len(reasons) - index} more"]
        lines += wrapped
    return lines


def format_text(report: StatusReport) -> str:
    lines = [f"lakehouse status  {report.root}  ({report.generated_at:%Y-%m-%d %H:%M} UTC)", headline(report)]
    lines += _reason_lines(report.verdict.reasons)
    if report.lease_holder:
        lines.append(_clip(f"  running now: {report.lease_holder}"))
    if report.verdict.level == EMPTY:
        return "\n".join(lines) + "\n"

    lines += ["", f"{'Source':<14}{'latest ingest_date':>20}{'processed':>11}{'not processed':>15}{'not in Gold':>13}"]
    for source in report.sources:
        latest = source.latest_ingest_date.isoformat() if source.latest_ingest_date else "-"
        changed = f"  ({len(source.changed)} changed since)" if source.changed else ""
        lines.append(f"{source.source:<14}{latest:>20}{source.processed_files:>11}{len(source.not_processed):>15}"
                     f"{len(source.not_in_gold):>13}{changed}")

    lines += ["", f"{'Run started (UTC)':<18}{'job':<18}{'status':<11}{'duration':>9}{'files':>7}{'rows':>10}"
                  f"{'quarantined':>13}  run id"]
    for run in report.runs[:LAST_RUNS]:
        started = f"{run.started_at:%Y-%m-%d %H:%M}" if run.started_at else "-"
        duration = f"{run.duration_s:.1f}s" if run.duration_s is not None else "-"
        lines.append(_clip(f"{started:<18}{run.job:<18}{run.status:<11}{duration:>9}{run.files:>7}"
                           f"{run.records_read:>10,}{run.quarantined_rows:>13,}  {run.run_id}"))
    if not report.runs:
        lines.append("(no run yet)")

    days = quarantine_days(report, QUARANTINE_DAYS)
    lines += ["", f"{'Quarantined':<14}" + "".join(f"{s:>12}" for s in c.SOURCES)
              + f"  (by run date; {report.quarantine_from})"]
    for day, per_source in days:
        lines.append(f"{day.isoformat():<14}" + "".join(
            f"{percent(per_source[s].rate) if s in per_source else '':>12}" for s in c.SOURCES))
    if not days:
        lines.append("(no processed file yet)")

    lines += ["", f"{'Gold table':<30}{'version':>8}{'size':>12}  Synapse serverless"]
    for table in report.gold:
        if table.version is None:
            lines.append(f"{table.name:<30}{'-':>8}{'-':>12}  not created yet")
            continue
        synapse = "readable" if not table.problems else "NOT READABLE: " + "; ".join(table.problems)
        lines.append(_clip(f"{table.name:<30}{table.version:>8}{human_bytes(table.size_bytes):>12}  {synapse}"))
    return "\n".join(lines) + "\n"
