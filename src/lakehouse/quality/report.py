"""What a quality check found, as plain values the pipeline can log, store in `ops` and print (§5)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExpectationResult:
    """One expectation's outcome on one Silver batch."""

    table: str
    expectation: str  # GX name, e.g. expect_column_values_to_be_unique
    column: str | None  # the column, comma-joined columns for compound keys, None for table-level checks
    success: bool
    observed: str  # short human text: "3 unexpected of 100 rows, e.g. ['T1', 'T2']", "observed 7"
    unexpected_count: int | None  # None for table-level expectations (row count) or when GX raised

    def label(self) -> str:
        target = "" if self.column is None else self.column
        return f"{self.expectation}({target})"

    def describe(self) -> str:
        """`transactions: expect_column_values_to_be_unique(transaction_id) failed (3 unexpected)`."""
        detail = self.observed if self.unexpected_count is None else f"{self.unexpected_count} unexpected"
        return f"{self.table}: {self.label()} failed ({detail})"


@dataclass(frozen=True)
class QualityReport:
    """All expectation results of one validation call; `success` only when every one passed."""

    success: bool
    results: tuple[ExpectationResult, ...]
    data_docs_index: str | None  # path of the Data Docs index.html written, None when none was built

    def failures(self) -> tuple[ExpectationResult, ...]:
        return tuple(result for result in self.results if not result.success)

    def summary_line(self) -> str:
        """One line: every failed expectation, or a short all-passed note."""
        failed = self.failures()
        if not failed:
            tables = sorted({result.table for result in self.results})
            return f"quality: {len(self.results)} expectations passed on {', '.join(tables) or 'no tables'}"
        return "; ".join(result.describe() for result in failed)
