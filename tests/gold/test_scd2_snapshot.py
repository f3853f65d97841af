"""dim_store replay of daily full snapshots (DATA_CONTRACT.md §4.2, §7)."""

from __future__ import annotations

from chispa import assert_df_equality

from lakehouse.gold.scd2_snapshot import build_dim_store
from tests.gold.rows import (
    DIM_STORE,
    dim_df,
    quarantine_df,
    quarantined,
    rejected_dates_df,
    store_row,
    store_version,
    stores_df,
)


def dim_store(spark, snapshots, quarantine=(), rejected_days=()):
    return build_dim_store(
        stores_df(spark, list(snapshots)), quarantine_df(spark, list(quarantine)),
        rejected_dates_df(spark, list(rejected_days)),
    )


def assert_stores(spark, expected_versions, snapshots, quarantine=(), rejected_days=()):
    actual_df = dim_store(spark, snapshots, quarantine, rejected_days)
    assert_df_equality(actual_df, dim_df(spark, expected_versions, DIM_STORE), ignore_row_order=True)


def test_new_store_opens_at_midnight_utc_of_its_first_snapshot(spark):
    """§4.2, §7: a store with no open version gets one from the snapshot date, 00:00:00 UTC; an unchanged store in
    later snapshots keeps it (null country equals null)."""
    snapshots = [store_row(5, country=None), store_row(6, country=None), store_row(6, store_id="S2")]
    assert_stores(spark, [store_version(5, None, country=None), store_version(6, None, store_id="S2")], snapshots)


def test_attribute_change_closes_and_opens(spark):
    """§4.2: different attributes close the open version at the date and open a new one from it."""
    snapshots = [store_row(5), store_row(6), store_row(7, region="South")]
    assert_stores(spark, [store_version(5, 7), store_version(7, None, region="South")], snapshots)


def test_store_missing_from_snapshot_is_closed(spark):
    """§4.2: an open store missing from an applied snapshot is closed at that date."""
    snapshots = [store_row(5), store_row(5, store_id="S2"), store_row(6, store_id="S2")]
    assert_stores(spark, [store_version(5, 6), store_version(5, None, store_id="S2")], snapshots)


def test_missing_but_quarantined_store_stays_as_it_was(spark):
    """§4.2, §7: a row with its store_id quarantined that day (any reason, even malformed) keeps the store open;
    the next snapshot missing it without such a row closes it."""
    snapshots = [store_row(5), store_row(5, store_id="S2"), store_row(6, store_id="S2"),
                 store_row(7, store_id="S2"), store_row(8, store_id="S2")]
    quarantine = [quarantined(6, "S1", reason="invalid_country"), quarantined(7, "S1", reason="malformed_row")]
    assert_stores(spark, [store_version(5, 8), store_version(5, None, store_id="S2")], snapshots, quarantine)


def test_quarantine_of_another_day_or_store_does_not_hold(spark):
    """§4.2: only a quarantined row of this store_id in this snapshot holds it; a closed store stays closed."""
    snapshots = [store_row(5), store_row(5, store_id="S2"), store_row(6, store_id="S2"), store_row(7, store_id="S2")]
    quarantine = [quarantined(5, "S1"), quarantined(6, "S9"), quarantined(6, None), quarantined(7, "S1")]
    assert_stores(spark, [store_version(5, 6), store_version(5, None, store_id="S2")], snapshots, quarantine)


def test_snapshot_with_no_valid_rows_is_not_applied(spark):
    """§4.2: a day whose rows were all quarantined closes nobody (S1's own rows were never in that snapshot)."""
    snapshots = [store_row(5), store_row(7)]
    quarantine = [quarantined(6, "S9", reason="invalid_store_type")]
    assert_stores(spark, [store_version(5, None)], snapshots, quarantine)


def test_day_with_a_rejected_file_is_not_applied(spark):
    """§7: a snapshot day with a rejected file is incomplete: its valid rows neither close nor open anything."""
    snapshots = [store_row(5), store_row(6, store_id="S2"), store_row(7), store_row(7, store_id="S2")]
    assert_stores(spark, [store_version(5, None), store_version(7, None, store_id="S2")], snapshots,
                  rejected_days=[6])


def test_late_snapshot_gives_the_in_order_history(spark):
    """§4.2, §5: a snapshot for an earlier date landing after later ones changes the history as if on time."""
    in_order = [store_row(5), store_row(6, name="Main Street"), store_row(7, name="Main Street")]
    before_late = [in_order[0], in_order[2]]
    expected = [store_version(5, 6), store_version(6, None, name="Main Street")]
    assert_stores(spark, [store_version(5, 7), store_version(7, None, name="Main Street")], before_late)
    assert_stores(spark, expected, list(reversed(in_order)))


def test_store_reappearing_after_closure_gets_a_new_version(spark):
    """§4.2: a store back in the snapshot with no open version opens one, even with the same attributes."""
    snapshots = [store_row(5), store_row(5, store_id="S2"), store_row(6, store_id="S2"), store_row(7)]
    assert_stores(spark, [
        store_version(5, 6), store_version(7, None),
        store_version(5, 7, store_id="S2"),
    ], snapshots)


def test_empty_input_gives_an_empty_dimension(spark):
    """§4.2: no snapshots, no versions; the schema is the declared one."""
    actual_df = dim_store(spark, [])
    assert actual_df.schema == DIM_STORE
    assert actual_df.count() == 0
