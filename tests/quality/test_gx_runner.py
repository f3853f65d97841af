"""Great Expectations on Silver batches (DATA_CONTRACT.md §3.1-§3.4, §5): clean batches pass, each kind of broken
batch fails with a named expectation, and Data Docs accumulate under ops/data_docs without touching the cwd."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lakehouse import contract as c
from lakehouse.quality import gx_runner, validate_silver_batches
from tests.quality.silver_rows import (
    customer_change,
    product_change,
    silver_df,
    store_snapshot,
    table,
    transaction,
)

TX = table(c.TRANSACTIONS)


def clean_batches(spark) -> dict:
    """Every table with a null in a column where null is allowed (§3.2 attributes, §7 country)."""
    return {
        TX: silver_df(spark, c.TRANSACTIONS, [transaction(), transaction(transaction_id="T2", channel="online")]),
        table(c.CUSTOMERS): silver_df(spark, c.CUSTOMERS, [
            customer_change(),
            customer_change(operation=1, country=None, loyalty_tier=None),  # same key and LSN, other operation
        ]),
        table(c.PRODUCTS): silver_df(spark, c.PRODUCTS, [
            product_change(), product_change(product_id="P2", list_price=None, is_active=None),
        ]),
        table(c.STORES): silver_df(spark, c.STORES, [store_snapshot(), store_snapshot(store_id="S2", country=None)]),
    }


def run(batches: dict, tmp_path, run_id: str = "r1", expected: dict | None = None):
    expected = expected if expected is not None else {name: df.count() for name, df in batches.items()}
    return validate_silver_batches(batches, expected, docs_dir=str(tmp_path / "ops" / "data_docs"), run_id=run_id)


def test_clean_batches_pass_and_write_data_docs_outside_the_cwd(spark, tmp_path, monkeypatch, capfd):
    """§3: clean Silver batches meet every expectation; GX writes only under <root>/ops, stdout stays clean."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    report = run(clean_batches(spark), tmp_path)
    assert report.success, report.summary_line()
    assert report.failures() == ()
    assert {result.table for result in report.results} == {spec.silver_table for spec in c.SOURCE_SPECS.values()}
    assert report.summary_line().startswith("quality: ")
    assert report.data_docs_index == str(tmp_path / "ops" / "data_docs" / "index.html")
    assert (tmp_path / "ops" / "data_docs" / "index.html").is_file()
    assert sorted(path.name for path in (tmp_path / "ops").iterdir()) == ["data_docs", "gx"]
    assert list(cwd.iterdir()) == []
    assert capfd.readouterr().out == ""


def test_empty_batches_are_validated_and_pass_with_zero_expected_rows(spark, tmp_path):
    """§2: a file with a header and no rows is valid, so an empty Silver batch (0 == 0 rows) passes."""
    empty = {name: df.limit(0) for name, df in clean_batches(spark).items()}
    report = run(empty, tmp_path, expected={name: 0 for name in empty})
    assert report.success, report.summary_line()
    row_counts = [result for result in report.results if result.expectation == "expect_table_row_count_to_equal"]
    assert len(row_counts) == 4 and all(result.observed == "observed 0, expected 0" for result in row_counts)


BROKEN_TRANSACTIONS = {
    "null key": (
        [transaction(), transaction(transaction_id=None)],
        "expect_column_values_to_not_be_null", "transaction_id", 1,
    ),
    "duplicate key": (
        [transaction(), transaction(), transaction(transaction_id="T2")],
        "expect_column_values_to_be_unique", "transaction_id", 2,
    ),
    "value outside set": (
        [transaction(), transaction(transaction_id="T2", payment_method="CARD")],
        "expect_column_values_to_be_in_set", "payment_method", 1,
    ),
    "out of range": (
        [transaction(), transaction(transaction_id="T2", quantity=10001), transaction(transaction_id="T3", quantity=0)],
        "expect_column_values_to_be_between", "quantity", 2,
    ),
}


@pytest.mark.parametrize("case", BROKEN_TRANSACTIONS, ids=list(BROKEN_TRANSACTIONS))
def test_each_kind_of_broken_transaction_fails_by_name(spark, tmp_path, case):
    """§3.1: key not null and unique, value sets and ranges; the failure names expectation, column and count."""
    rows, expectation, column, unexpected = BROKEN_TRANSACTIONS[case]
    report = run({TX: silver_df(spark, c.TRANSACTIONS, rows)}, tmp_path)
    assert not report.success
    failed = [(result.expectation, result.column, result.unexpected_count) for result in report.failures()]
    assert failed == [(expectation, column, unexpected)]
    assert f"transactions: {expectation}({column}) failed ({unexpected} unexpected)" in report.summary_line()


def test_no_example_values_are_queried_yet_failures_are_counted(spark, tmp_path, monkeypatch):
    """§5: the report counts unexpected values and shows no examples. GX 1.x would still plan one `limit(0)` query
    per column expectation for example values it then drops (51 a run); none is planned, and counts are exact."""
    from pyspark.sql.classic.dataframe import DataFrame as ClassicDataFrame

    limits: list[int] = []
    original = ClassicDataFrame.limit
    monkeypatch.setattr(ClassicDataFrame, "limit", lambda self, num: limits.append(num) or original(self, num))
    rows, expectation, column, unexpected = BROKEN_TRANSACTIONS["duplicate key"]
    report = run({**clean_batches(spark), TX: silver_df(spark, c.TRANSACTIONS, rows)}, tmp_path)
    assert limits == []
    failed = [(result.expectation, result.column, result.unexpected_count) for result in report.failures()]
    assert failed == [(expectation, column, unexpected)]


def test_example_values_asked_for_still_come_from_gx(spark, tmp_path, monkeypatch):
    """A result format that asks for examples gets them from GX's own Spark query."""
    monkeypatch.setattr(gx_runner, "RESULT_FORMAT", {"result_format": "BASIC", "partial_unexpected_count": 5})
    report = run({TX: silver_df(spark, c.TRANSACTIONS, BROKEN_TRANSACTIONS["value outside set"][0])}, tmp_path)
    (failure,) = report.failures()
    assert failure.observed == "1 unexpected of 2 rows, e.g. ['CARD']"


def test_wrong_row_count_fails_conservation(spark, tmp_path):
    """§3.4: records read = Silver + quarantine, so Silver rows must equal read - quarantined."""
    batch = {TX: silver_df(spark, c.TRANSACTIONS, [transaction()])}
    report = run(batch, tmp_path, expected={TX: 3})
    assert not report.success
    (failure,) = report.failures()
    assert (failure.expectation, failure.column, failure.unexpected_count) == (
        "expect_table_row_count_to_equal", None, None)
    assert failure.observed == "observed 1, expected 3"
    assert report.summary_line() == "transactions: expect_table_row_count_to_equal() failed (observed 1, expected 3)"


def test_cdc_and_snapshot_failures_are_reported_per_table(spark, tmp_path):
    """§3.2 compound CDC key, operation 1-4, upper-case country, price range; §3.3 one row per store and date."""
    batches = {
        table(c.CUSTOMERS): silver_df(spark, c.CUSTOMERS, [
            customer_change(), customer_change(), customer_change(customer_id="C2", country="gb", operation=5),
        ]),
        table(c.PRODUCTS): silver_df(spark, c.PRODUCTS, [product_change(list_price=Decimal("2000000.00"))]),
        table(c.STORES): silver_df(spark, c.STORES, [
            store_snapshot(), store_snapshot(store_type="mall"), store_snapshot(store_id="S2", store_name=None),
        ]),
    }
    report = run(batches, tmp_path)
    assert not report.success
    assert {(result.table, result.label()) for result in report.failures()} == {
        ("customers_changes",
         "expect_compound_columns_to_be_unique(customer_id, start_lsn, seqval, operation)"),
        ("customers_changes", "expect_column_values_to_be_in_set(operation)"),
        ("customers_changes", "expect_column_values_to_match_regex(country)"),
        ("products_changes", "expect_column_values_to_be_between(list_price)"),
        ("stores_snapshots", "expect_compound_columns_to_be_unique(snapshot_date, store_id)"),
        ("stores_snapshots", "expect_column_values_to_be_in_set(store_type)"),
        ("stores_snapshots", "expect_column_values_to_not_be_null(store_name)"),
    }
    line = report.summary_line()
    assert "stores_snapshots: expect_column_values_to_be_in_set(store_type) failed (1 unexpected)" in line
    assert "\n" not in line


def test_data_docs_index_accumulates_runs(spark, tmp_path):
    """§5 runs append: the Data Docs index keeps earlier runs and tables the latest run did not validate."""
    first = run(clean_batches(spark), tmp_path, run_id="run-one")
    second = run({TX: silver_df(spark, c.TRANSACTIONS, [transaction()])}, tmp_path, run_id="run-two",
                 expected={TX: 2})
    assert first.success and not second.success
    assert first.data_docs_index == second.data_docs_index
    index_html = (tmp_path / "ops" / "data_docs" / "index.html").read_text()
    assert "run-one" in index_html and "run-two" in index_html
    assert "expectations/silver_stores_snapshots.html" in index_html
    assert (tmp_path / "ops" / "data_docs" / "expectations" / "silver_stores_snapshots.html").is_file()


def test_no_batches_is_an_empty_success_without_data_docs(tmp_path):
    """§5: a run with nothing new to process has nothing to validate."""
    report = validate_silver_batches({}, {}, docs_dir=str(tmp_path / "ops" / "data_docs"), run_id="r1")
    assert (report.success, report.results, report.data_docs_index) == (True, (), None)
    assert not (tmp_path / "ops").exists()


def test_unknown_tables_and_missing_counts_are_refused(spark, tmp_path):
    batch = silver_df(spark, c.TRANSACTIONS, [transaction()])
    with pytest.raises(ValueError, match="no expectations"):
        validate_silver_batches({"nope": batch}, {"nope": 1}, docs_dir=str(tmp_path), run_id="r")
    with pytest.raises(ValueError, match="no count for transactions"):
        validate_silver_batches({TX: batch}, {}, docs_dir=str(tmp_path), run_id="r")


def test_a_batch_missing_a_column_fails_with_the_gx_error(spark, tmp_path):
    """§3.1: the Silver schema is a contract; an expectation GX cannot evaluate counts as failed, not passed."""
    batch = silver_df(spark, c.TRANSACTIONS, [transaction()]).drop("channel")
    report = validate_silver_batches(
        {TX: batch}, {TX: 1}, docs_dir=str(tmp_path / "ops" / "data_docs"), run_id="r1", parallel=False
    )
    assert not report.success
    failures = report.failures()  # every expectation of the suite on `channel` (generated from its rules)
    assert "expect_column_values_to_be_in_set(channel)" in {failure.label() for failure in failures}
    for failure in failures:
        assert failure.label().endswith("(channel)")
        assert failure.observed.startswith("error: ") and "channel" in failure.observed
