"""The analyst views follow the DirectQuery rules of issue 4, checked on their parsed T-SQL (no Gold needed)."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from lakehouse.sql.translate import SQL_DIR

VIEW_FILES = sorted(SQL_DIR.rglob("analytics.*.sql"))


def parsed(path) -> exp.Create:
    return sqlglot.parse_one(path.read_text(encoding="utf-8"), read="tsql")


@pytest.mark.parametrize("path", VIEW_FILES, ids=lambda p: p.stem)
def test_no_select_star(path):
    stars = [s for s in parsed(path).find_all(exp.Star) if not isinstance(s.parent, exp.Count)]  # COUNT(*) is fine
    assert not stars


@pytest.mark.parametrize("path", VIEW_FILES, ids=lambda p: p.stem)
def test_order_by_only_with_top(path):
    for select in parsed(path).find_all(exp.Select):
        if select.args.get("order"):
            assert select.args.get("limit"), f"{path.name}: ORDER BY without TOP"


@pytest.mark.parametrize("path", VIEW_FILES, ids=lambda p: p.stem)
def test_fact_sales_reads_filter_on_its_partition_column(path):
    for select in parsed(path).find_all(exp.Select):
        facts = [t for t in select.args["from_"].find_all(exp.Table)] if select.args.get("from_") else []
        facts += [t for join in select.args.get("joins") or [] for t in join.find_all(exp.Table)]
        for table in facts:
            if table.db == "gold" and table.name == "fact_sales":
                conditions = [j.args.get("on") for j in select.args.get("joins") or []] + [select.args.get("where")]
                columns = {c.name for cond in conditions if cond is not None for c in cond.find_all(exp.Column)
                           if c.table == table.alias_or_name}
                assert "transaction_date" in columns, f"{path.name}: fact_sales read without a partition filter"
