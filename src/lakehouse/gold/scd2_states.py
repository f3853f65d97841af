"""The replay shared by both SCD2 dimensions (contract §4.1, §4.2), written as window functions.

Both replays hold at most one open version per key, and each event leaves the key in a state that depends on that
event alone: "open with attributes A" (an insert/update image, or a store present in a snapshot) or "closed" (a
delete, or a store missing from a snapshot). The event is a no-op exactly when that state equals the state left by
the event before it (the initial state being "closed"); any other event closes the open version, if any, at its
time and, when its state is open, opens a new one. So the versions are the open states among the events that change
the state, each valid until the time of the next such event. Computing this from the key's whole ordered history
makes it independent of the order in which the events were delivered.
"""

from __future__ import annotations

from functools import reduce

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

IS_OPEN = "_is_open"
AT = "_at"


def _same_attributes(attributes: tuple[str, ...], previous: str) -> Column:
    """Typed comparison where null equals null (§4.1, §7)."""
    pairs = [F.col(name).eqNullSafe(F.col(f"{previous}{name}")) for name in attributes]
    return reduce(lambda left, right: left & right, pairs, F.lit(True))


def versions_from_states(
    states_df: DataFrame, key: str, attributes: tuple[str, ...], order_by: list[Column], carried: tuple[str, ...] = ()
) -> DataFrame:
    """One row per version: key, attributes, valid_from, valid_to, is_current, then the `carried` columns.

    `states_df` has one row per event: the key, `_is_open` (the state it leaves), the attributes (read only when
    `_is_open`), `_at` (its time) and whatever `order_by` needs; `order_by` must order a key's events totally.
    `carried` columns are taken from the event that opened the version (e.g. `start_lsn`).
    """
    # lag/lead are row-offset functions: their frame is fixed at one row before/after, so none is given.
    by_event = Window.partitionBy(key).orderBy(*order_by)
    previous = "_prev_"
    was_open = F.coalesce(F.lag(IS_OPEN).over(by_event), F.lit(False))
    is_same_open_state = F.col(IS_OPEN) & F.col(f"{previous}{IS_OPEN}") & _same_attributes(attributes, previous)
    is_same_closed_state = ~F.col(IS_OPEN) & ~F.col(f"{previous}{IS_OPEN}")
    changes_df = (
        states_df
        .select("*", was_open.alias(f"{previous}{IS_OPEN}"),
                *[F.lag(name).over(by_event).alias(f"{previous}{name}") for name in attributes])
        .where(~(is_same_open_state | is_same_closed_state))
    )
    valid_to = F.lead(AT).over(by_event)
    return (
        changes_df
        .select("*", valid_to.alias("valid_to"))
        .where(F.col(IS_OPEN))
        .select(
            F.col(key), *[F.col(name) for name in attributes],
            F.col(AT).alias("valid_from"), F.col("valid_to"), F.col("valid_to").isNull().alias("is_current"),
            *[F.col(name) for name in carried],
        )
    )
