"""`lakehouse sql`: an analyst's T-SQL query over Gold and the analyst views, run locally in DuckDB."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from lakehouse.errors import UserError
from lakehouse.sql.catalog import load_gold
from lakehouse.sql.translate import ANALYTICS_SCHEMA, SQL_DIR, load_analyst_views, translate_query

FORMATS = ("table", "csv", "json")


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple]


def connect(root: Path, sql_dir: Path = SQL_DIR) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB holding `gold.<table>` for every Gold table and `analytics.<view>` for every analyst
    view of `sql_dir`, translated from T-SQL."""
    views = load_analyst_views(sql_dir)  # translate first: a bad view fails before Gold is read
    connection = duckdb.connect(":memory:")
    load_gold(connection, root)
    connection.execute(f"CREATE SCHEMA {ANALYTICS_SCHEMA}")
    for view in views:
        try:
            connection.execute(f"CREATE VIEW {ANALYTICS_SCHEMA}.{view.name} AS {view.duckdb_sql}")
        except duckdb.Error as error:
            raise UserError(f"{view.path.name}: DuckDB refused the translated view ({_first_line(error)})") from None
    return connection


def run_query(root: Path, tsql: str, sql_dir: Path = SQL_DIR) -> QueryResult:
    if not root.is_dir():
        raise UserError(f"root {root} is not a directory")
    duckdb_sql = translate_query(tsql)
    connection = connect(root, sql_dir)
    try:
        cursor = connection.execute(duckdb_sql)
        columns = [d[0] for d in cursor.description or []]
        return QueryResult(columns, cursor.fetchall())
    except duckdb.Error as error:
        raise UserError(f"query failed: {_first_line(error)}") from None
    finally:
        connection.close()


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0]


def _text(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"  # T-SQL's bit
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value)


def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)  # exact: a float would change money amounts
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def format_result(result: QueryResult, output_format: str = "table") -> str:
    if output_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows([["" if v is None else _text(v) for v in row] for row in result.rows])
        return buffer.getvalue()
    if output_format == "json":
        records = [{c: _json_value(v) for c, v in zip(result.columns, row, strict=True)} for row in result.rows]
        return json.dumps(records, indent=2) + "\n"
    if output_format == "table":
        return _aligned(result.columns, [[_text(v) for v in row] for row in result.rows], result.rows)
    raise UserError(f"unknown format {output_format!r} (one of {', '.join(FORMATS)})")


def _aligned(columns: list[str], cells: list[list[str]], rows: Sequence[tuple]) -> str:
    """Columns padded to their widest value; numbers right-aligned, as a SQL client shows them."""
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    numeric = [bool(rows) and all(isinstance(r[i], int | float | Decimal) and not isinstance(r[i], bool)
                                  for r in rows if r[i] is not None) for i in range(len(columns))]

    def line(values: list[str]) -> str:
        return "  ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric, strict=True))

    body = [line(columns), "  ".join("-" * w for w in widths), *(line(r) for r in cells)]
    noun = "row" if len(rows) == 1 else "rows"
    return "\n".join(text.rstrip() for text in body) + f"\n({len(rows)} {noun})\n"
