"""Each Gold table has a base view whose OPENROWSET `WITH` columns and types are the Gold schema (contract §4)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from lakehouse.gold import tables as gold_tables
from lakehouse.sql.translate import SQL_DIR
from lakehouse.sql.tsql_types import STRING_COLLATION, string_bytes, tsql_type

GOLD_VIEWS = SQL_DIR / "04_gold_views"


def _balanced(text: str, start: int) -> tuple[str, int]:
    """The text inside the parentheses opening at `start`, and the index after the closing one."""
    depth = 0
    for index in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[index], 0)
        if depth == 0:
            return text[start + 1:index], index + 1
    raise AssertionError("unbalanced parentheses")


def with_column_defs(path: Path) -> list[exp.ColumnDef]:
    """The `WITH (...)` list following OPENROWSET(...), parsed by sqlglot as T-SQL column definitions.

    sqlglot cannot parse OPENROWSET(BULK ...) itself, so the list is cut out first and parsed on its own."""
    text = re.sub(r"--[^\n]*", "", path.read_text(encoding="utf-8"))
    opening = re.search(r"OPENROWSET\s*\(", text, re.IGNORECASE)
    assert opening, f"{path.name}: no OPENROWSET"
    arguments, after = _balanced(text, opening.end() - 1)
    assert re.search(r"FORMAT\s*=\s*'DELTA'", arguments, re.IGNORECASE), f"{path.name}: not FORMAT = 'DELTA'"
    with_clause = re.match(r"\s*WITH\s*\(", text[after:], re.IGNORECASE)
    assert with_clause, f"{path.name}: OPENROWSET without an explicit WITH column list"
    columns, _ = _balanced(text, after + with_clause.end() - 1)
    create = sqlglot.parse_one(f"CREATE TABLE t ({columns})", read="tsql")
    return list(create.find_all(exp.ColumnDef))


@pytest.mark.parametrize("table", gold_tables.ALL, ids=lambda t: t.name)
def test_base_view_with_columns_match_gold_schema(table):
    path = GOLD_VIEWS / f"gold.{table.name}.sql"
    assert path.is_file(), f"no base view for Gold table {table.name}"
    view = sqlglot.parse_one(re.sub(r"OPENROWSET\s*\(.*", "t", path.read_text(), flags=re.S | re.I), read="tsql")
    assert view.this.sql() == f"gold.{table.name}", "the view is gold.<table>"

    actual = [(c.name, c.kind, [k.sql("tsql") for k in c.constraints]) for c in with_column_defs(path)]
    expected = []
    for field in table.schema.fields:
        kind = sqlglot.parse_one(f"CREATE TABLE t (c {tsql_type(field.name, field.dataType)})", read="tsql")
        column = kind.find(exp.ColumnDef)
        expected.append((field.name, column.kind, [k.sql("tsql") for k in column.constraints]))
    assert actual == expected


def test_strings_are_sized_utf8_varchar():
    for table in gold_tables.ALL:
        for column in with_column_defs(GOLD_VIEWS / f"gold.{table.name}.sql"):
            if column.kind.this == exp.DataType.Type.VARCHAR:
                assert [k.sql("tsql") for k in column.constraints] == [f"COLLATE {STRING_COLLATION}"]
                assert column.kind.expressions, f"{table.name}.{column.name}: varchar without a size"


def test_generated_strings_fit_their_varchar_bytes(gold_rows):
    """varchar(n) holds n UTF-8 bytes; a longer value would be cut by Synapse."""
    for table in gold_tables.ALL:
        strings = [f.name for f in table.schema.fields if f.dataType.simpleString() == "string"]
        for row in gold_rows(table.name):
            for name in strings:
                value = row[name]
                assert value is None or len(value.encode("utf-8")) <= string_bytes(name), (table.name, name, value)
