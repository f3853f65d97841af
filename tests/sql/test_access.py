"""The analysts' permissions (synapse_sql/06_access) cover every analyst view and nothing in gold: the role reads
schema `analytics` as a whole, so each view file must create its view in that schema, and `data-analysts` (Power
BI's DirectQuery identity) is the role's member."""

from __future__ import annotations

import re

import pytest
import sqlglot
from sqlglot import exp

from lakehouse.sql.translate import SQL_DIR

ACCESS = SQL_DIR / "06_access"
README = SQL_DIR / "README.md"


def statements(name: str) -> list[str]:
    text = re.sub(r"--[^\n]*", "", (ACCESS / name).read_text(encoding="utf-8"))
    return [" ".join(s.split()) for s in text.split(";") if s.strip()]


def test_role_reads_analytics_and_not_gold():
    granted = statements("analytics_reader.sql")
    assert "GRANT SELECT ON SCHEMA::analytics TO analytics_reader" in granted
    assert "DENY SELECT ON SCHEMA::gold TO analytics_reader" in granted
    assert "ALTER ROLE analytics_reader ADD MEMBER [data-analysts]" in statements("data-analysts.sql")


@pytest.mark.parametrize("path", sorted(SQL_DIR.rglob("analytics.*.sql")), ids=lambda p: p.stem)
def test_every_analyst_view_is_in_the_granted_schema(path):
    create = sqlglot.parse_one(path.read_text(encoding="utf-8"), read="tsql")
    assert isinstance(create, exp.Create) and create.this.find(exp.Table).db == "analytics"
    assert {t.db for t in create.expression.find_all(exp.Table) if t.db} <= {"analytics", "gold"}


def test_deploy_order_names_the_data_quality_views():
    text = README.read_text(encoding="utf-8")
    assert "gold.data_quality" in text and "analytics.vw_data_quality" in text
