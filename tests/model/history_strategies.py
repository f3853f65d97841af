"""Hypothesis strategies for CDC histories (DATA_CONTRACT.md §3.2, §4.1, §7) and the as-of probe instants (§4.3).

A key's history is a run of events (insert, update as a before/after-image pair, lone after-image, no-op update,
delete, delete and insert at one (start_lsn, seqval)), with (start_lsn, seqval) strictly increasing and commit_ts
non-decreasing along it (§3.2: anything else is out of contract). Instants come from a small set so several
changes often share one, and attributes from tiny alphabets so both sort orders of two same-instant values occur.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from tests.model.history_model import AFTER_IMAGE, BEFORE_IMAGE, DELETE, INSERT, Change

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
HOUR = 3_600_000_000


def micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def moment(epoch_micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=epoch_micros)


_DAY = micros(datetime(2026, 1, 5, tzinfo=UTC))
# Commit instants: ties are common (several draws of one instant), and two are 1 µs apart.
INSTANTS = (_DAY + 10 * HOUR, _DAY + 12 * HOUR, _DAY + 15 * HOUR, _DAY + 15 * HOUR + 1, _DAY + 24 * HOUR)

PRODUCT_ATTRIBUTES = ("product_name", "category", "subcategory", "list_price", "is_active")
CUSTOMER_ATTRIBUTES = ("first_name", "last_name", "email", "city", "country", "loyalty_tier", "signup_date")


def _named(names: Sequence[str]):
    return lambda *values: tuple(zip(names, values, strict=True))


# Images of operations 2 and 4 hold valid typed values (§3.2 rule 6); the first value of a pool is the likeliest.
product_image = st.builds(
    _named(PRODUCT_ATTRIBUTES),
    st.sampled_from(["Kettle", "Kettle", "Pan"]),
    st.sampled_from(["Toys", "Beauty", "Sports"]),
    st.sampled_from([None, None, "Mini"]),
    st.sampled_from([Decimal("1.00"), Decimal("1.00"), Decimal("2.50"), None]),
    st.sampled_from([True, True, False, None]),
)
customer_image = st.builds(
    _named(CUSTOMER_ATTRIBUTES),
    st.just("Ada"),
    st.sampled_from(["Lovelace", "Lovelace", "Byron"]),
    st.sampled_from([None, "ada@example.com"]),
    st.just("London"),
    st.sampled_from(["GB", "GB", "FR", None]),
    st.sampled_from(["gold", "bronze", "silver", "platinum", None]),
    st.sampled_from([None, None, date(2025, 12, 1)]),
)


def _null_image(image):
    """Operations 1 and 3 are not checked (§3.2), and what does not parse is null in Silver (§7)."""
    return tuple((name, None) for name, _ in image)


EVENT_KINDS = ("insert", "update", "update", "lone_after", "noop", "delete", "delete_insert", "tied", "lone_before")


@st.composite
def key_history(draw: st.DrawFn, key: str, image: st.SearchStrategy) -> list[Change]:
    changes: list[Change] = []
    lsn, seqval, instant = 0, 0, draw(st.integers(0, 1))
    last_image = None
    for index in range(draw(st.integers(1, 7))):
        if index > 0 and draw(st.integers(0, 3)) == 0:  # next statement of the same transaction
            seqval += draw(st.integers(1, 3))
        else:
            lsn += draw(st.sampled_from([1, 2, 255, 4096, 2**40]))
            seqval = draw(st.integers(0, 3))
            instant = min(instant + draw(st.sampled_from([0, 0, 1, 2])), len(INSTANTS) - 1)
        kind = draw(st.sampled_from(EVENT_KINDS))
        attributes = last_image if kind == "noop" and last_image is not None else draw(image)
        old = last_image if last_image is not None and draw(st.booleans()) else draw(image | image.map(_null_image))

        if kind == "insert":
            images = [(INSERT, attributes)]
        elif kind == "update":
            images = [(BEFORE_IMAGE, old), (AFTER_IMAGE, attributes)]
        elif kind in ("lone_after", "noop"):
            images = [(AFTER_IMAGE, attributes)]
        elif kind == "delete":
            images = [(DELETE, old)]
        elif kind == "delete_insert":  # §7: equal (start_lsn, seqval), not an image pair: ordered by operation
            images = [(DELETE, old), (INSERT, attributes)]
        elif kind == "tied":  # the same, for any two replayed operations
            first, second = draw(st.sampled_from([(DELETE, AFTER_IMAGE), (INSERT, AFTER_IMAGE), (DELETE, INSERT)]))
            images = [(first, draw(image)), (second, attributes)]
        else:  # a before-image alone: Gold ignores it (§3.2)
            images = [(BEFORE_IMAGE, old)]
        changes += [
            Change(key, f"0x{lsn:020X}", f"0x{seqval:020X}", operation, INSTANTS[instant], values)
            for operation, values in images
        ]
        if kind == "delete":  # a later no-op re-inserts the deleted image, unless it was a null (unparsed) one
            last_image = old if any(value is not None for _, value in old) else last_image
        elif kind != "lone_before":
            last_image = attributes
    return changes


class Changes(list):
    """A list of changes that Hypothesis prints in one line (the assertions print what matters)."""

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(f"<{len(self)} changes>")


def histories(prefix: str, image: st.SearchStrategy, max_keys: int) -> st.SearchStrategy[list[Change]]:
    """The changes of 2..max_keys keys, concatenated."""
    return st.integers(2, max_keys).flatmap(
        lambda count: st.tuples(*[key_history(f"{prefix}{number}", image) for number in range(count)])
    ).map(lambda per_key: Changes(change for changes in per_key for change in changes))


def probe_instants() -> list[int]:
    """§4.3 edges: every commit instant, 1 µs either side, halfway between, well before and well after."""
    probes = {INSTANTS[0] - 24 * HOUR, INSTANTS[-1] + 24 * HOUR}
    for first, second in zip(INSTANTS, INSTANTS[1:], strict=False):
        probes.add((first + second) // 2)
    for instant in INSTANTS:
        probes.update((instant - 1, instant, instant + 1))
    return sorted(probes)
