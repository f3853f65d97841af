"""fact_sales: one row per Silver transaction with as-of dimension attributes (DATA_CONTRACT.md §4.3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from chispa import assert_df_equality

from lakehouse.gold.fact import build_fact_sales
from lakehouse.gold.schemas import FACT_SALES
from tests.gold.fact_rows import transaction, transactions_df, ts
from tests.gold.rows import (
    DIM_CUSTOMER,
    DIM_PRODUCT,
    DIM_STORE,
    at,
    customer_version,
    dim_df,
    midnight,
    product_version,
    store_version,
)

ATTRIBUTES = "transaction_id string, category string, loyalty_tier string, region string"
OFFICE_GOLD_NORTH = ("office", "gold", "North")
U = "UNKNOWN"


def fact(spark, transactions, customers=(), products=(), stores=()):
    return build_fact_sales(
        transactions_df(spark, list(transactions)), dim_df(spark, list(customers), DIM_CUSTOMER),
        dim_df(spark, list(products), DIM_PRODUCT), dim_df(spark, list(stores), DIM_STORE),
    )


def assert_attributes(spark, expected: dict[str, tuple], transactions, customers=(), products=(), stores=()):
    """The fact has exactly the expected (category, loyalty_tier, region) per transaction_id."""
    actual_df = fact(spark, transactions, customers, products, stores).select(
        "transaction_id", "category", "loyalty_tier", "region"
    )
    expected_rows = [(transaction_id, *values) for transaction_id, values in expected.items()]
    expected_df = spark.createDataFrame(expected_rows, ATTRIBUTES)
    assert_df_equality(actual_df, expected_df, ignore_row_order=True, ignore_nullable=True)


ALWAYS_GOLD = [customer_version(at(1), None, 1)]
ALWAYS_NORTH = [store_version(1, None)]
ALWAYS_OFFICE = [product_version(at(1), None, 1)]


def test_output_is_one_row_per_transaction_with_business_and_lineage_columns(spark):
    """§4.3: every business column of the Silver row, the three attributes, then `_source_file` and `_ingest_date`
    (not `_run_id`/`_ingested_at`: Gold does not depend on how files were split into runs, §5)."""
    row = transaction("T1", ts(5), quantity=3, unit_price="2.50", discount="0.50")
    actual_df = fact(spark, [row], ALWAYS_GOLD, ALWAYS_OFFICE, ALWAYS_NORTH)
    expected = (*row[:12], *OFFICE_GOLD_NORTH, *row[12:14])
    assert actual_df.schema == FACT_SALES
    assert_df_equality(actual_df, spark.createDataFrame([expected], FACT_SALES), ignore_row_order=True)
    assert expected[9] == Decimal("7.00")


def test_product_version_boundaries(spark):
    """§4.3: valid_from <= ts < valid_to: ts == valid_from matches; ts == valid_to belongs to the next version;
    before the first version -> UNKNOWN; the open version has no end."""
    products = [product_version(at(5), at(7), 1), product_version(at(7), None, 2, category="furniture")]
    transactions = [
        transaction("T_before", at(5) - timedelta(microseconds=1)),
        transaction("T_from", at(5)),
        transaction("T_last_instant", at(7) - timedelta(microseconds=1)),
        transaction("T_to", at(7)),
        transaction("T_open", datetime(2030, 1, 1, tzinfo=UTC)),
    ]
    assert_attributes(spark, {
        "T_before": (U, "gold", "North"),
        "T_from": OFFICE_GOLD_NORTH,
        "T_last_instant": OFFICE_GOLD_NORTH,
        "T_to": ("furniture", "gold", "North"),
        "T_open": ("furniture", "gold", "North"),
    }, transactions, ALWAYS_GOLD, products, ALWAYS_NORTH)


def test_after_a_closing_delete_is_unknown(spark):
    """§4.1, §4.3: a deleted customer has no version from the delete on (ts == valid_to of the last one)."""
    customers = [customer_version(at(5), at(7), 1)]
    transactions = [transaction("T_open", at(6)), transaction("T_at_delete", at(7)), transaction("T_later", at(9))]
    assert_attributes(spark, {
        "T_open": OFFICE_GOLD_NORTH,
        "T_at_delete": ("office", U, "North"),
        "T_later": ("office", U, "North"),
    }, transactions, customers, ALWAYS_OFFICE, ALWAYS_NORTH)


def test_null_attribute_is_unknown(spark):
    """§4.3: a matching version whose value is null gives 'UNKNOWN', for each of the three attributes."""
    transactions = [transaction("T1", at(5))]
    assert_attributes(spark, {"T1": (U, U, U)}, transactions,
                      [customer_version(at(1), None, 1, tier=None)],
                      [product_version(at(1), None, 1, category=None)],
                      [store_version(1, None, region=None)])


def test_key_absent_from_dimension_is_unknown(spark):
    """§4.3: no version at all for the key (another key's versions never match)."""
    transactions = [
        transaction("T_known", at(5)),
        transaction("T_new_product", at(5), product_id="P9"),
        transaction("T_new_store", at(5), store_id="S9"),
        transaction("T_new_customer", at(5), customer_id="C9"),
    ]
    assert_attributes(spark, {
        "T_known": OFFICE_GOLD_NORTH,
        "T_new_product": (U, "gold", "North"),
        "T_new_store": ("office", "gold", U),
        "T_new_customer": ("office", U, "North"),
    }, transactions, ALWAYS_GOLD, ALWAYS_OFFICE, ALWAYS_NORTH)


def test_zero_length_version_never_matches(spark):
    """§4.1, §4.3: a version with valid_from == valid_to holds no instant: at that instant the next version
    applies, and a zero-length version alone leaves the transaction UNKNOWN."""
    products = [
        product_version(at(5), at(5), 1, category="ghost"),
        product_version(at(5), None, 2),
        product_version(at(6), at(6), 3, product_id="P2", category="ghost"),
    ]
    transactions = [transaction("T1", at(5)), transaction("T2", at(6), product_id="P2")]
    assert_attributes(spark, {"T1": OFFICE_GOLD_NORTH, "T2": (U, "gold", "North")},
                      transactions, ALWAYS_GOLD, products, ALWAYS_NORTH)


def test_each_dimension_is_matched_independently(spark):
    """§4.3: each attribute comes from its own dimension's version at the same transaction_ts: the customer's tier,
    the product's category and the store's region change at different instants (stores at 00:00 UTC, §7)."""
    customers = [customer_version(at(1), at(5, 12), 1), customer_version(at(5, 12), None, 2, tier="platinum")]
    products = [product_version(at(1), at(6), 1), product_version(at(6), None, 2, category="toys")]
    stores = [store_version(1, 5), store_version(5, None, region="South")]
    transactions = [
        transaction("T4", at(4)), transaction("T5_midnight", midnight(5)), transaction("T5_noon", at(5, 12)),
        transaction("T6", at(6)),
    ]
    assert_attributes(spark, {
        "T4": OFFICE_GOLD_NORTH,
        "T5_midnight": ("office", "gold", "South"),
        "T5_noon": ("office", "platinum", "South"),
        "T6": ("toys", "platinum", "South"),
    }, transactions, customers, products, stores)


def test_row_count_equals_transaction_count_even_with_overlapping_versions(spark):
    """§4.3: one row per Silver transaction. Versions of a key never overlap by construction (§4.1); if they did,
    the transaction is still not duplicated: the most recently started version wins, and of two starting at once
    the one that lasts longer (time decides, never the attribute value)."""
    products = [
        product_version(at(1), None, 1),
        product_version(at(3), None, 2, category="toys"),
        product_version(at(3), at(9), 3, category="games"),
    ]
    transactions = [transaction("T1", at(2)), transaction("T2", at(5)), transaction("T3", at(5)),
                    transaction("T4", at(10))]
    assert fact(spark, transactions, ALWAYS_GOLD, products, ALWAYS_NORTH).count() == len(transactions)
    assert_attributes(spark, {
        "T1": OFFICE_GOLD_NORTH,
        "T2": ("toys", "gold", "North"),  # games and toys both start at(3): toys is open, so it is valid from then
        "T3": ("toys", "gold", "North"),
        "T4": ("toys", "gold", "North"),
    }, transactions, ALWAYS_GOLD, products, ALWAYS_NORTH)


def test_empty_input_gives_an_empty_fact_with_the_declared_schema(spark):
    """§4.3: no transactions, no rows; the schema is still FACT_SALES."""
    actual_df = fact(spark, [], ALWAYS_GOLD, ALWAYS_OFFICE, ALWAYS_NORTH)
    assert actual_df.schema == FACT_SALES
    assert actual_df.count() == 0
