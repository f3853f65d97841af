"""Gold `data_quality` (contract §4.4): a committed Silver run's quality counts as rows analysts can query.

Pure: the run's id, clock and per-source counts come in, rows go out; the bronze-to-silver stage appends them to
`gold/data_quality` in the same commit plan as its Silver batch, so the table holds exactly the committed runs.
A row per (run, source, reason) rather than one per run keeps the table narrow and additive: a day's quarantine
rate is a sum over rows, and a new reason code needs no new column.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from lakehouse import contract as c


class SourceQuality(Protocol):
    """One source's counts in one run (pipeline.silver_report.SourceCounts has this shape)."""

    @property
    def records_read(self) -> int: ...

    @property
    def silver_rows(self) -> int: ...

    @property
    def quarantined(self) -> Mapping[str, int]: ...  # quarantined rows by reason code (§3)

    @property
    def rejected_files(self) -> Mapping[str, str]: ...  # path -> file reason code (§2)


def _source_order(source: str) -> tuple[int, str]:
    return (c.SOURCES.index(source) if source in c.SOURCES else len(c.SOURCES), source)


def build_data_quality_rows(run_id: str, run_started_at: datetime,
                            sources: Mapping[str, SourceQuality]) -> list[dict[str, Any]]:
    """The `data_quality` rows of one committed run (contract §4.4), for the sources that had files in it.

    - One row per quarantined reason of a source, with its `quarantined_rows`; `records_read` and `silver_rows` are
      the source's totals in the run, repeated on each of its rows.
    - A source with no quarantined row has one row with `reason` null and `quarantined_rows` 0.
    - Each rejected file adds one row with its reason (`file_...`), `records_read` 0 and `quarantined_rows` 0.
      Reading of §4.4: `silver_rows` is not named for these rows, so it stays "the source's total in that run,
      repeated on each of its rows", like on the source's other rows; `records_read` is 0 as the contract says (a
      rejected file has no rows read, §2). So per (run, source) MAX(records_read) and MAX(silver_rows) are the
      source's totals whichever rows exist, and SUM(quarantined_rows) is its quarantined total. Two rejected files
      with the same reason give two rows: the key (run_id, source, reason) is unique except for those.
      Rejected files do not count as "quarantined rows", so a source whose only problem is a rejected file still
      has its null-reason row.

    `run_date` is the UTC date of `run_started_at` (the Silver run's start), the table's partition column.
    Rows come in a fixed order: sources in the contract's order, reasons and rejected paths sorted.
    """
    if run_started_at.tzinfo is None:
        raise ValueError("run_started_at must carry a time zone (the run's clock is UTC)")
    started = run_started_at.astimezone(UTC)
    rows: list[dict[str, Any]] = []

    def row(source: str, reason: str | None, records_read: int, silver_rows: int, quarantined_rows: int) -> None:
        rows.append({
            "run_date": started.date(), "run_id": run_id, "run_started_at": started, "source": source,
            "reason": reason, "records_read": records_read, "silver_rows": silver_rows,
            "quarantined_rows": quarantined_rows,
        })

    for source in sorted(sources, key=_source_order):
        counts = sources[source]
        quarantined = {reason: count for reason, count in counts.quarantined.items() if count}
        for reason in sorted(quarantined):
            row(source, reason, counts.records_read, counts.silver_rows, quarantined[reason])
        if not quarantined:
            row(source, None, counts.records_read, counts.silver_rows, 0)
        for path in sorted(counts.rejected_files):
            row(source, counts.rejected_files[path], 0, counts.silver_rows, 0)
    return rows
