"""Silver expectations as data (DATA_CONTRACT.md §3.1-§3.4): generated from the row rules' declarations, no GX or
Spark needed."""

from __future__ import annotations

import pytest

from lakehouse import contract as c
from lakehouse.quality import suites
from lakehouse.quality.suites import SilverExpectation, silver_expectations


def by_label(table: str, expected_rows: int = 5) -> dict[str, SilverExpectation]:
    return {spec.label(): spec for spec in silver_expectations(table, expected_rows)}


def test_every_silver_table_has_a_suite_ending_in_row_count_conservation():
    """§3.4: rows in Silver = records read - rows quarantined, checked per table as an exact row count."""
    assert set(suites.SILVER_TABLES) == {spec.silver_table for spec in c.SOURCE_SPECS.values()}
    for table in suites.SILVER_TABLES:
        last = silver_expectations(table, 7)[-1]
        assert (last.expectation, last.value, last.table) == (suites.ROW_COUNT, 7, table)


def test_transactions_key_ranges_and_value_sets_come_from_the_contract():
    """§3.1: key not null and unique; quantity 1..10000; money 0..1000000; payment_method and channel sets."""
    specs = by_label("transactions")
    assert "expect_column_values_to_be_unique(transaction_id)" in specs
    for column in ("transaction_id", "customer_id", "product_id", "store_id", "transaction_ts"):
        assert f"expect_column_values_to_not_be_null({column})" in specs
    quantity = specs["expect_column_values_to_be_between(quantity)"]
    assert (quantity.min_value, quantity.max_value) == (c.QUANTITY_MIN, c.QUANTITY_MAX)
    assert specs["expect_column_values_to_be_between(unit_price)"].max_value == 1_000_000
    assert specs["expect_column_values_to_be_between(discount)"].max_value is None
    assert specs["expect_column_values_to_be_in_set(payment_method)"].value_set == c.PAYMENT_METHODS
    assert specs["expect_column_values_to_be_in_set(channel)"].value_set == c.CHANNELS


def test_cdc_suites_check_compound_key_operation_and_attributes():
    """§3.2: (key, start_lsn, seqval, operation) unique; operation 1-4; tier set, country upper case, price range."""
    customers = by_label("customers_changes")
    compound = customers["expect_compound_columns_to_be_unique(customer_id, start_lsn, seqval, operation)"]
    assert compound.columns == ("customer_id", "start_lsn", "seqval", "operation")
    assert customers["expect_column_values_to_be_in_set(operation)"].value_set == c.CDC_OPERATIONS
    assert customers["expect_column_values_to_be_in_set(loyalty_tier)"].value_set == c.LOYALTY_TIERS
    assert customers["expect_column_values_to_match_regex(country)"].regex == r"^(?:[A-Z]{2})\z"  # §7: no trailing \n
    products = by_label("products_changes")
    assert "expect_compound_columns_to_be_unique(product_id, start_lsn, seqval, operation)" in products
    assert products["expect_column_values_to_be_between(list_price)"].min_value == 0
    for column in ("product_id", "start_lsn", "seqval", "operation", "commit_ts"):
        assert f"expect_column_values_to_not_be_null({column})" in products


def test_stores_suite_checks_one_row_per_store_per_snapshot():
    """§3.3: store_id, store_name, region, snapshot_date present; (snapshot_date, store_id) unique; store_type."""
    specs = by_label("stores_snapshots")
    assert "expect_compound_columns_to_be_unique(snapshot_date, store_id)" in specs
    assert specs["expect_column_values_to_be_in_set(store_type)"].value_set == c.STORE_TYPES
    for column in ("store_id", "store_name", "region"):
        assert f"expect_column_values_to_not_be_null({column})" in specs


def test_suites_come_from_the_rules_and_name_silver_columns():
    """One declaration per rule (silver.rules): every guarantee of a rule is in its table's suite, once, and names a
    column of that Silver table; ids are checked with the contract's own pattern."""
    from lakehouse.silver.rules import SOURCE_RULES
    from lakehouse.silver.schemas import SILVER_SCHEMAS

    for source, spec in c.SOURCE_SPECS.items():
        expectations = silver_expectations(spec.silver_table, 1)
        labels = [expectation.label() for expectation in expectations]
        assert len(labels) == len(set(labels))
        for rule in SOURCE_RULES[source]():
            for guarantee in rule.guarantees:
                assert suites.SilverExpectation.of(spec.silver_table, guarantee) in expectations, rule.reason
        columns = set(SILVER_SCHEMAS[source].fieldNames())
        for expectation in expectations[:-1]:
            assert {expectation.column, *expectation.columns} - {None} <= columns, expectation.label()
    ids = by_label("transactions")["expect_column_values_to_match_regex(customer_id)"]
    assert ids.regex == c.ID_PATTERN


def test_unknown_table_and_negative_count_are_refused():
    with pytest.raises(ValueError, match="unknown Silver table"):
        silver_expectations("nope", 1)
    with pytest.raises(ValueError, match="must be >= 0"):
        silver_expectations("transactions", -1)
