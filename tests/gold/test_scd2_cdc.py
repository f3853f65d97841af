"""dim_customer / dim_product replay of CDC changes (DATA_CONTRACT.md §4.1, §7)."""

from __future__ import annotations

from datetime import date

from chispa import assert_df_equality

from lakehouse.gold.scd2_cdc import apply_cdc_scd2, build_dim_customer, build_dim_product
from tests.gold.rows import (
    DIM_CUSTOMER,
    DIM_PRODUCT,
    at,
    customer_change,
    customer_version,
    customers_df,
    dim_df,
    product_change,
    product_version,
    products_df,
)

DELETE, INSERT, BEFORE, AFTER = 1, 2, 3, 4


def assert_products(spark, changes, expected_versions):
    actual_df = build_dim_product(products_df(spark, changes))
    assert_df_equality(actual_df, dim_df(spark, expected_versions, DIM_PRODUCT), ignore_row_order=True)


def test_insert_opens_a_current_version(spark):
    """§4.1: an insert with no open version opens one from its commit_ts, carrying its start_lsn."""
    assert_products(spark, [product_change(1, INSERT, at(5))], [product_version(at(5), None, 1)])


def test_noop_update_makes_no_version(spark):
    """§4.1, §7: an after-image equal to the open version (typed: 1.0 = 1.00) changes nothing."""
    changes = [product_change(1, INSERT, at(5), price="1.00"), product_change(2, AFTER, at(6), price="1.0")]
    assert_products(spark, changes, [product_version(at(5), None, 1)])


def test_update_closes_and_opens(spark):
    """§4.1: different attributes close the open version at t and open a new one from t."""
    changes = [product_change(1, INSERT, at(5)), product_change(2, AFTER, at(6), price="2.50")]
    assert_products(spark, changes, [
        product_version(at(5), at(6), 1),
        product_version(at(6), None, 2, price="2.50"),
    ])


def test_delete_closes_and_delete_without_open_version_does_nothing(spark):
    """§4.1: 1 at t closes the open version at t, if any."""
    changes = [
        product_change(1, DELETE, at(4)),  # nothing open yet
        product_change(2, INSERT, at(5)),
        product_change(3, DELETE, at(6)),
        product_change(4, DELETE, at(7)),  # already closed
    ]
    assert_products(spark, changes, [product_version(at(5), at(6), 2)])


def test_delete_then_reinsert_same_attributes_reopens(spark):
    """§4.1: after a delete no version is open, so an insert equal to the deleted version opens a new one; a no-op
    compares with the open version, not with the previous change (A, A, delete, A -> two versions)."""
    changes = [
        product_change(1, INSERT, at(5)),
        product_change(2, AFTER, at(5, 12)),
        product_change(3, DELETE, at(6)),
        product_change(4, INSERT, at(7)),
    ]
    assert_products(spark, changes, [product_version(at(5), at(6), 1), product_version(at(7), None, 4)])


def test_return_to_earlier_attributes_is_a_change(spark):
    """§4.1: A, B, A gives three versions: the last A differs from the open version B."""
    changes = [
        product_change(1, INSERT, at(5)),
        product_change(2, AFTER, at(6), name="Ink pen"),
        product_change(3, AFTER, at(7)),
    ]
    assert_products(spark, changes, [
        product_version(at(5), at(6), 1),
        product_version(at(6), at(7), 2, name="Ink pen"),
        product_version(at(7), None, 3),
    ])


def test_late_change_gives_the_on_time_history(spark):
    """§4.1, §5: a change with a lower LSN landing in a later run takes its place in the history."""
    on_time = [
        product_change(1, INSERT, at(5)),
        product_change(2, AFTER, at(6), price="2.00"),
        product_change(3, AFTER, at(7), price="3.00"),
    ]
    late = [on_time[0], on_time[2], product_change(2, AFTER, at(6), price="2.00", ingest_day=9, source_file="z.csv")]
    expected = [
        product_version(at(5), at(6), 1),
        product_version(at(6), at(7), 2, price="2.00"),
        product_version(at(7), None, 3, price="3.00"),
    ]
    assert_products(spark, on_time, expected)
    assert_products(spark, late, expected)


def test_changes_at_the_same_commit_ts_keep_a_zero_length_version(spark):
    """§4.1: two changes at the same t leave a version with valid_from = valid_to."""
    changes = [product_change(1, INSERT, at(5)), product_change(2, AFTER, at(5), price="2.00")]
    assert_products(spark, changes, [
        product_version(at(5), at(5), 1),
        product_version(at(5), None, 2, price="2.00"),
    ])


def test_before_image_is_ignored(spark):
    """§3.2, §4.1: operation 3 rows are in Silver but Gold does not replay them, whatever they hold."""
    changes = [
        product_change(1, INSERT, at(5)),
        product_change(2, BEFORE, at(6), name="Something else", price=None),
        product_change(3, AFTER, at(7)),
    ]
    assert_products(spark, changes, [product_version(at(5), None, 1)])


def test_before_after_pair_with_equal_lsn_and_seqval(spark):
    """§7: a before/after-image pair shares (start_lsn, seqval); the pair is one update to the after-image, whatever
    its landing order."""
    changes = [
        product_change(1, INSERT, at(5)),
        product_change(2, AFTER, at(6), price="2.00", source_file="a.csv"),
        product_change(2, BEFORE, at(6), source_file="b.csv"),
    ]
    assert_products(spark, changes, [
        product_version(at(5), at(6), 1),
        product_version(at(6), None, 2, price="2.00"),
    ])


def test_equal_lsn_and_seqval_ordered_by_operation_before_landing_order(spark):
    """§7: other changes with equal (start_lsn, seqval) are ordered by operation (delete 1 before insert 2), not
    by landing order, and a higher seqval comes after a lower one within one start_lsn."""
    changes = [
        product_change(1, INSERT, at(5)),
        product_change(2, INSERT, at(6), price="2.00", ingest_day=6),
        product_change(2, DELETE, at(6), ingest_day=7),
        product_change(3, AFTER, at(7), price="3.00", seq_number=9),
        product_change(3, AFTER, at(7), price="4.00", seq_number=8),
    ]
    assert_products(spark, changes, [
        product_version(at(5), at(6), 1),
        product_version(at(6), at(7), 2, price="2.00"),
        product_version(at(7), at(7), 3, price="4.00"),
        product_version(at(7), None, 3, price="3.00"),
    ])


def test_null_equals_null_in_noop_detection(spark):
    """§4.1: null equals null, so an update repeating null email/signup_date is a no-op; null -> value is not."""
    changes = [
        customer_change(1, INSERT, at(5)),
        customer_change(2, AFTER, at(6)),
        customer_change(3, AFTER, at(7), signup_date=date(2025, 3, 1)),
        customer_change(4, AFTER, at(8), signup_date=date(2025, 3, 1), tier=None),
    ]
    expected = [
        customer_version(at(5), at(7), 1),
        customer_version(at(7), at(8), 3, signup_date=date(2025, 3, 1)),
        customer_version(at(8), None, 4, signup_date=date(2025, 3, 1), tier=None),
    ]
    actual_df = build_dim_customer(customers_df(spark, changes))
    assert_df_equality(actual_df, dim_df(spark, expected, DIM_CUSTOMER), ignore_row_order=True)


def test_keys_are_replayed_independently(spark):
    """§4.1: "for one key": another key's changes never close or reopen this key's versions."""
    changes = [
        product_change(1, INSERT, at(5)),
        product_change(2, INSERT, at(6), product_id="P2"),
        product_change(3, DELETE, at(7), product_id="P2"),
    ]
    assert_products(spark, changes, [
        product_version(at(5), None, 1),
        product_version(at(6), at(7), 2, product_id="P2"),
    ])


def test_apply_cdc_scd2_is_generic_in_key_and_attributes(spark):
    """§4.1: the replay only knows the attributes it is given; columns outside them are not compared."""
    changes = [product_change(1, INSERT, at(5)), product_change(2, AFTER, at(6), price="9.99")]
    versions = apply_cdc_scd2(products_df(spark, changes), "product_id", ("product_name", "category")).collect()
    assert [(row["product_name"], row["valid_to"], row["is_current"], row["start_lsn"]) for row in versions] == [
        ("Pen", None, True, "0x00000000000000000001"),
    ]


def test_empty_input_gives_an_empty_dimension(spark):
    """§4.1: no changes, no versions; the schema is still the declared one."""
    actual_df = build_dim_product(products_df(spark, []))
    assert actual_df.schema == DIM_PRODUCT
    assert actual_df.count() == 0
