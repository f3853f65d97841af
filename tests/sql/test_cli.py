"""`lakehouse sql` as a user runs it (contract §6): output formats and one-line errors."""

from __future__ import annotations

import csv
import io
import json

from tests.integration.helpers import cli

QUERY = "SELECT TOP 3 category, revenue FROM analytics.vw_top_categories_last_30_days ORDER BY revenue DESC"


def test_table_format_is_aligned(gold_root):
    result = cli("sql", "--root", str(gold_root), QUERY)
    assert result.returncode == 0, result.stderr
    header, rule, *rows, footer = result.stdout.splitlines()
    assert header.split() == ["category", "revenue"]
    assert set(rule.replace(" ", "")) == {"-"}
    assert len(rows) == 3 and footer == "(3 rows)"
    revenue_end = len(rule)  # numbers are right-aligned to the column's end
    assert all(len(row) == revenue_end for row in rows)


def test_csv_and_json_formats_agree(gold_root):
    as_csv = cli("sql", "--root", str(gold_root), "--format", "csv", QUERY)
    as_json = cli("sql", "--root", str(gold_root), "--format", "json", QUERY)
    assert as_csv.returncode == 0 and as_json.returncode == 0, as_csv.stderr + as_json.stderr
    csv_rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert csv_rows == json.loads(as_json.stdout)  # decimals are exact strings in both
    revenues = [float(r["revenue"]) for r in csv_rows]
    assert len(revenues) == 3 and revenues == sorted(revenues, reverse=True)


def test_untranslatable_function_is_named(gold_root):
    result = cli("sql", "--root", str(gold_root), "SELECT PATINDEX('%a%', category) AS p FROM gold.fact_sales")
    assert result.returncode == 1
    assert result.stderr.strip() == "lakehouse: error: query: T-SQL function PATINDEX cannot be translated to DuckDB"


def test_openrowset_is_refused_by_name(gold_root):
    query = "SELECT TOP 1 * FROM OPENROWSET(BULK 'fact_sales/', DATA_SOURCE = 'gold_lake', FORMAT = 'DELTA') AS r"
    result = cli("sql", "--root", str(gold_root), query)
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1 and "OPENROWSET cannot be translated" in result.stderr


def test_untranslatable_construct_in_a_view_names_file_and_construct(gold_root, tmp_path):
    (tmp_path / "analytics.vw_bad.sql").write_text(
        "CREATE OR ALTER VIEW analytics.vw_bad\nAS\nSELECT SOUNDEX(f.category) AS s\nFROM gold.fact_sales AS f;\n")
    result = cli("sql", "--root", str(gold_root), "--sql-dir", str(tmp_path), "SELECT 1 AS one")
    assert result.returncode == 1
    assert "analytics.vw_bad.sql" in result.stderr and "SOUNDEX" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_root_without_gold_is_one_line(tmp_path):
    result = cli("sql", "--root", str(tmp_path), "SELECT 1 AS one")
    assert result.returncode == 1
    assert result.stderr.startswith("lakehouse: error: Gold table ") and len(result.stderr.splitlines()) == 1
