"""T-SQL to DuckDB with sqlglot, for the analyst views of `synapse_sql/` and for analysts' own queries.

Only what runs the same on both engines is translated; anything else is refused with its name, so a query that
works locally is one Synapse also accepts. The Gold base views (`gold.*`, over OPENROWSET) are not translated:
locally `gold.<table>` is the Delta table itself (see catalog.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, UnsupportedError

from lakehouse.errors import UserError
from lakehouse.paths import SQL_DIR

ANALYTICS_SCHEMA = "analytics"

# Synapse reads external data through these; locally there is no storage behind them.
EXTERNAL_READERS = ("OPENROWSET", "OPENDATASOURCE", "OPENQUERY", "OPENJSON", "OPENXML")
_EXTERNAL = re.compile(r"\b(" + "|".join(EXTERNAL_READERS) + r")\s*\(", re.IGNORECASE)


class UntranslatableError(UserError):
    """T-SQL that has no DuckDB equivalent here; the message names the construct."""


@dataclass(frozen=True)
class AnalystView:
    name: str  # without schema
    path: Path
    duckdb_sql: str  # the view's query, in DuckDB SQL
    depends_on: frozenset[str]  # other analyst views it reads


def _refuse_external_readers(tsql: str, where: str) -> None:
    match = _EXTERNAL.search(tsql)
    if match:
        raise UntranslatableError(
            f"{where}: {match.group(1).upper()} cannot be translated (locally gold.<table> is the Delta table "
            "itself: query gold.<table> or an analytics view)")


def _parse(tsql: str, where: str) -> list[exp.Expr]:
    _refuse_external_readers(tsql, where)
    try:
        statements = [s for s in sqlglot.parse(tsql, read="tsql") if s is not None]
    except ParseError as error:
        detail = error.errors[0]["description"] if error.errors else str(error).splitlines()[0]
        raise UntranslatableError(f"{where}: not T-SQL that can be translated ({detail})") from None
    for statement in statements:
        unknown = sorted({node.name.upper() for node in statement.find_all(exp.Anonymous)})
        if unknown:
            raise UntranslatableError(f"{where}: T-SQL function {', '.join(unknown)} cannot be translated to DuckDB")
    return statements


def to_duckdb(node: exp.Expr, where: str) -> str:
    try:
        return node.sql(dialect="duckdb", unsupported_level=ErrorLevel.RAISE)
    except UnsupportedError as error:
        raise UntranslatableError(f"{where}: T-SQL construct cannot be translated to DuckDB ({error})") from None


def translate_query(tsql: str) -> str:
    """An analyst's query (one SELECT, T-SQL) as DuckDB SQL."""
    statements = _parse(tsql, "query")
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise UntranslatableError("query: give exactly one SELECT statement")
    return to_duckdb(statements[0], "query")


def _analyst_view(path: Path) -> AnalystView | None:
    """The analyst view a file creates, or None when the file holds no `analytics.*` view."""
    statements = _parse(path.read_text(encoding="utf-8"), path.name)
    views = [s for s in statements if isinstance(s, exp.Create) and str(s.args.get("kind", "")).upper() == "VIEW"]
    analytics = [v for v in views if v.this.find(exp.Table) and v.this.find(exp.Table).db == ANALYTICS_SCHEMA]
    if not analytics:
        return None
    view = analytics[0]
    table = view.this.find(exp.Table)
    query = view.expression
    depends = frozenset(t.name for t in query.find_all(exp.Table) if t.db == ANALYTICS_SCHEMA) - {table.name}
    return AnalystView(table.name, path, to_duckdb(query, path.name), depends)


def analyst_view_files(sql_dir: Path) -> list[Path]:
    """The files that may hold analyst views: every .sql file except the Gold base views, which read storage."""
    if not sql_dir.is_dir():
        raise UserError(f"T-SQL folder {sql_dir} not found (pass --sql-dir)")
    return sorted(p for p in sql_dir.rglob("*.sql") if p.name.lower().startswith(f"{ANALYTICS_SCHEMA}."))


def load_analyst_views(sql_dir: Path = SQL_DIR) -> list[AnalystView]:
    """Every analyst view of `sql_dir`, translated, in an order that creates a view after those it reads."""
    views = {v.name: v for v in (_analyst_view(p) for p in analyst_view_files(sql_dir)) if v is not None}
    graph = {name: {d for d in view.depends_on if d in views} for name, view in views.items()}
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as error:
        raise UserError(f"analyst views read each other in a cycle: {error.args[1]}") from None
    return [views[name] for name in order]
