"""The Silver quality suites (DATA_CONTRACT.md §3, §5), generated from the row rules' declarations.

Each rule of `silver.rules` says what it guarantees about every row that reaches Silver; a table's suite is those
guarantees, the uniqueness `duplicate_key` guarantees, and the row count conservation asks for (§3.4). So the
quarantine split and the quality gate cannot drift apart: there is one declaration of each rule. Nothing here imports
Great Expectations (`gx_translate` turns these records into GX 1.x expectations) or needs Spark.
"""

from __future__ import annotations

from dataclasses import dataclass

from lakehouse.contract import SOURCE_SPECS
from lakehouse.silver.rules import (
    BETWEEN,
    COMPOUND_UNIQUE,
    IN_SET,
    MATCH_REGEX,
    NOT_NULL,
    SOURCE_RULES,
    UNIQUE,
    Guarantee,
    Number,
    duplicate_key_guarantee,
)

ROW_COUNT = "expect_table_row_count_to_equal"
__all__ = ["BETWEEN", "COMPOUND_UNIQUE", "IN_SET", "MATCH_REGEX", "NOT_NULL", "ROW_COUNT", "UNIQUE",
           "SILVER_TABLES", "SilverExpectation", "silver_expectations"]


@dataclass(frozen=True)
class SilverExpectation:
    """One expectation on one Silver table. Column map expectations ignore nulls unless they test for them."""

    table: str
    expectation: str  # one of the GX names of silver.rules, or ROW_COUNT
    column: str | None = None
    columns: tuple[str, ...] = ()  # compound uniqueness
    value_set: tuple[object, ...] | None = None
    min_value: Number | None = None
    max_value: Number | None = None
    regex: str | None = None
    value: int | None = None  # expected row count

    @classmethod
    def of(cls, table: str, guarantee: Guarantee) -> SilverExpectation:
        return cls(table, guarantee.expectation, guarantee.column, guarantee.columns, guarantee.value_set,
                   guarantee.min_value, guarantee.max_value, guarantee.regex)

    def label(self) -> str:
        """`expect_column_values_to_be_unique(transaction_id)`: how reports name this expectation."""
        target = self.column if self.column is not None else ", ".join(self.columns)
        return f"{self.expectation}({target})"

    def target(self) -> str | None:
        """The column (or comma-joined columns) the expectation looks at; None for table-level ones."""
        if self.column is not None:
            return self.column
        return ", ".join(self.columns) if self.columns else None


_SOURCE_OF_TABLE = {spec.silver_table: source for source, spec in SOURCE_SPECS.items()}
SILVER_TABLES = tuple(_SOURCE_OF_TABLE)


def silver_expectations(table: str, expected_rows: int) -> list[SilverExpectation]:
    """The suite for one Silver table, in rule order, ending with row-count conservation (§3.4)."""
    if table not in _SOURCE_OF_TABLE:
        raise ValueError(f"unknown Silver table {table!r}; expected one of {', '.join(SILVER_TABLES)}")
    if expected_rows < 0:
        raise ValueError(f"expected_rows for {table!r} must be >= 0, got {expected_rows}")
    source = _SOURCE_OF_TABLE[table]
    guarantees = [guarantee for rule in SOURCE_RULES[source]() for guarantee in rule.guarantees]
    guarantees.append(duplicate_key_guarantee(source))
    unique = list(dict.fromkeys(guarantees))  # one rule's guarantee may repeat another's (country, per source)
    return [*(SilverExpectation.of(table, guarantee) for guarantee in unique),
            SilverExpectation(table, ROW_COUNT, value=expected_rows)]
