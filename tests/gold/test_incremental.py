"""Gold's incremental rebuilds equal the full ones (DATA_CONTRACT.md §4.1, §4.2, §5 "incremental equals full").

The daily run replays a changed key from its stored versions and its changes since the day of its earliest new
change (`apply_cdc_scd2_since`), and dim_store from the stored versions and the snapshots from the earliest new date
(`update_dim_store`). Both are compared with the replay of everything, on random CDC histories (the model's
strategies, spread over three days so day boundaries fall between, on and beside commit instants) split into an
earlier batch and a later one that may carry late changes, and on random snapshot sequences.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import date, timedelta

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pyspark.sql import functions as F

from lakehouse.gold import impacts
from lakehouse.gold.scd2_cdc import apply_cdc_scd2, replay_from, update_cdc_dimension
from lakehouse.gold.scd2_snapshot import build_dim_store, update_dim_store
from lakehouse.gold.schemas import DIM_PRODUCT, PRODUCT_ATTRIBUTES, PRODUCT_KEY
from lakehouse.silver import schemas as silver
from tests.gold.rows import INGESTED_AT
from tests.model.history_strategies import HOUR, INSTANTS, histories, product_image
from tests.model.test_history_model import silver_change_row

SETTINGS = settings(
    max_examples=8, deadline=None, derandomize=True, database=None, phases=(Phase.explicit, Phase.generate),
    suppress_health_check=(HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example),
)
DAY0 = INSTANTS[0] - 10 * HOUR  # midnight of the strategies' first day
# The five commit instants spread, in order, over three days: the day boundaries then fall between instants, on one
# (midnight itself) and 1 µs from one.
SPREAD = {
    INSTANTS[0]: DAY0 + 10 * HOUR, INSTANTS[1]: DAY0 + 24 * HOUR - 1, INSTANTS[2]: DAY0 + 24 * HOUR,
    INSTANTS[3]: DAY0 + 24 * HOUR + 1, INSTANTS[4]: DAY0 + 62 * HOUR,
}


def spread(changes):
    return [dataclasses.replace(change, commit_ts=SPREAD[change.commit_ts]) for change in changes]


def versions(df) -> Counter:
    return Counter(tuple(row) for row in df.select(*DIM_PRODUCT.fieldNames()).collect())


@SETTINGS
@given(data=st.data())
def test_cdc_dimension_replayed_from_its_stored_versions_equals_the_full_replay(spark, data):
    """§4.1: keys with new changes (late ones included) rebuilt from their stored versions and their changes since
    the day of their earliest new change equal the replay of all their changes; other keys keep their versions."""
    changes = spread(data.draw(histories("P", product_image, 6), label="changes"))
    cut = data.draw(st.sampled_from(sorted(SPREAD.values())), label="first instant of the later batch")
    late = data.draw(st.sets(st.sampled_from(range(len(changes)))), label="earlier changes delivered late")
    earlier = [change for index, change in enumerate(changes) if change.commit_ts < cut and index not in late]
    later = [change for change in changes if change not in earlier]

    def rows(batch):
        return spark.createDataFrame([silver_change_row(change, PRODUCT_KEY, "products", (0, 0),
                                                        silver.PRODUCTS_CHANGES) for change in batch],
                                     silver.PRODUCTS_CHANGES)

    stored_df = apply_cdc_scd2(rows(earlier), PRODUCT_KEY, PRODUCT_ATTRIBUTES).localCheckpoint()
    impacts_df = impacts.cdc_impacts(rows(later), PRODUCT_KEY)
    changed_df = impacts_df.select(PRODUCT_KEY)
    rebuilt_df = update_cdc_dimension("products", stored_df, rows(changes), replay_from(impacts_df, PRODUCT_KEY))
    untouched_df = stored_df.join(changed_df, on=PRODUCT_KEY, how="left_anti")
    incremental = versions(rebuilt_df) + versions(untouched_df)
    full = versions(apply_cdc_scd2(rows(changes), PRODUCT_KEY, PRODUCT_ATTRIBUTES))
    assert incremental == full, (sorted(incremental - full, key=str), sorted(full - incremental, key=str))


STORES = ("S1", "S2", "S3")
DAYS = tuple(date(2026, 1, 5) + timedelta(days=offset) for offset in range(5))


@st.composite
def snapshot_days(draw):
    """Per day: the stores present with their region (a tiny alphabet: no-ops and changes), those quarantined, and
    whether the day has a rejected file or no valid row at all."""
    days = []
    for day in DAYS:
        present = draw(st.dictionaries(st.sampled_from(STORES), st.sampled_from(("North", "South")), max_size=3))
        quarantined = draw(st.sets(st.sampled_from(STORES), max_size=1))
        rejected = draw(st.integers(0, 5)) == 0
        days.append((day, present, quarantined, rejected))
    return days


@SETTINGS
@given(days=snapshot_days(), first=st.sampled_from(DAYS[1:]))
def test_dim_store_from_its_stored_versions_equals_the_replay_of_every_snapshot(spark, days, first):
    """§4.2, §7: snapshots from `first` on applied to the stored versions equal every snapshot applied in order,
    with missing stores closed unless quarantined that day, days with a rejected file or no valid row skipped."""
    snapshot_rows = [
        (store, f"Store {store}", "Leeds", region, "GB", "standard", None, day,
         f"bronze/stores/ingest_date={day}/s.csv", day, "r1", INGESTED_AT)
        for day, present, _, _ in days for store, region in present.items()
    ]
    quarantine_rows = [("invalid_store_type", f"bronze/stores/ingest_date={day}/s.csv", 1, "r1", INGESTED_AT, "[]",
                        day, store) for day, _, quarantined, _ in days for store in quarantined]
    snapshots_df = spark.createDataFrame(snapshot_rows, silver.STORES_SNAPSHOTS)
    quarantine_df = spark.createDataFrame(quarantine_rows, silver.QUARANTINE)
    rejected_df = spark.createDataFrame([(day,) for day, _, _, rejected in days if rejected], "snapshot_date date")
    before = F.col("snapshot_date") < F.lit(first)
    stored_df = build_dim_store(snapshots_df.where(before), quarantine_df.where(F.col("_ingest_date") < F.lit(first)),
                                rejected_df.where(before)).localCheckpoint()
    incremental = update_dim_store(stored_df, snapshots_df, quarantine_df, rejected_df, first)
    full = build_dim_store(snapshots_df, quarantine_df, rejected_df)
    assert Counter(map(tuple, incremental.collect())) == Counter(map(tuple, full.collect()))


def test_spread_instants_keep_their_order():
    """The remapping keeps commit_ts non-decreasing in LSN order (§3.2): it is increasing."""
    ordered = [SPREAD[instant] for instant in INSTANTS]
    assert ordered == sorted(ordered) and len(set(ordered)) == len(ordered)
