"""The models themselves against examples read straight from DATA_CONTRACT.md (§2, §3, §4.1, §4.3, §7), without
Spark: a model that misread the contract would make every comparison with Spark meaningless."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.model import row_model as m
from tests.model.history_model import UNKNOWN, Change, as_of, scd2_versions
from tests.model.history_strategies import histories, micros, product_image


@pytest.mark.parametrize(("raw", "cleaned"), [
    (" \tP1\r\n\x0b\x0c", "P1"), ("   ", None), ("", None), (None, None),
    ("P1\u2028", "P1\u2028"), ("\u00a0P1", "\u00a0P1"), ("P1\u3000", "P1\u3000"), ("P\n1", "P\n1"),
])
def test_trim_removes_ascii_whitespace_only(raw, cleaned):
    """§2: every value is trimmed, empty is null; §7: ASCII whitespace only."""
    assert m.clean(raw) == cleaned


@pytest.mark.parametrize(("text", "instant"), [
    ("2026-01-05T23:30:00-02:00", datetime(2026, 1, 6, 1, 30, tzinfo=UTC)),
    ("2026-01-05T10:00:00.5Z", datetime(2026, 1, 5, 10, 0, 0, 500000, tzinfo=UTC)),
    ("2026-01-05T10:00:00+18:00", datetime(2026, 1, 4, 16, 0, tzinfo=UTC)),
    ("2024-02-29T00:00:00Z", datetime(2024, 2, 29, tzinfo=UTC)),
    ("2026-02-30T10:00:00Z", None), ("2025-02-29T10:00:00Z", None), ("2026-01-05T24:00:00Z", None),
    ("2026-01-05T10:60:00Z", None), ("2026-01-05T10:00:60Z", None), ("2026-01-05T10:00:00+18:01", None),
    ("2026-01-05T10:00:00+05:60", None), ("2026-01-05T10:00:00.1234567Z", None), ("2026-01-05T10:00:00z", None),
    ("2026-01-05 10:00:00Z", None), ("2026-01-05T10:00:00Z\u2028", None), ("２026-01-05T10:00:00Z", None),
])
def test_timestamps_are_real_instants(text, instant):
    """§3, §7: the pattern, a real calendar instant, hour 00-23, second 00-59, offsets up to ±18:00."""
    assert m.parse_timestamp(text) == (None if instant is None else micros(instant))


@pytest.mark.parametrize(("source", "changes", "malformed", "reason"), [
    ("transactions", {}, True, "malformed_row"),
    ("transactions", {"customer_id": " ", "product_id": "bad id"}, False, "missing_value:customer_id"),
    ("transactions", {"discount": ""}, False, None),  # discount may be null
    ("transactions", {"product_id": "P" * 65}, False, "invalid_id:product_id"),
    ("transactions", {"quantity": "+0005"}, False, None),
    ("transactions", {"quantity": "10001"}, False, "invalid_quantity"),
    ("transactions", {"unit_price": "1000000.01"}, False, "invalid_price"),
    ("transactions", {"discount": "20.01"}, False, "invalid_discount"),  # > 2 × 10.00
    ("transactions", {"discount": "20.00"}, False, None),
    ("transactions", {"payment_method": " CASH "}, False, None),
    ("transactions", {"channel": "fax"}, False, "invalid_channel"),
    ("customers", {"__$operation": " 2 "}, False, None),
    ("customers", {"__$operation": "02"}, False, "invalid_operation"),
    ("customers", {"__$seqval": "0X0000000000000000000B"}, False, "invalid_lsn"),
    ("customers", {"__$start_lsn": "0x0000000000000000000a\u2028"}, False, "invalid_lsn"),
    ("customers", {"commit_ts": "2026-13-01T00:00:00Z", "customer_id": "C 1"}, False, "invalid_timestamp"),
    ("customers", {"email": "nope", "__$operation": "3"}, False, None),  # 1 and 3: attributes not checked
    ("customers", {"email": "nope"}, False, "invalid_email"),
    ("customers", {"email": "a@b.c\u2028"}, False, None),  # ASCII \s: U+2028 is an ordinary character
    ("customers", {"country": "", "loyalty_tier": "", "signup_date": ""}, False, None),
    ("customers", {"country": "GB\u2028"}, False, "invalid_country"),
    ("products", {"category": ""}, False, "missing_value:category"),
    ("products", {"category": "", "__$operation": "1"}, False, None),
    ("products", {"is_active": "TRUE", "list_price": ""}, False, None),
    ("products", {"is_active": "yes"}, False, "invalid_flag"),
    ("stores", {"store_type": ""}, False, "invalid_store_type"),  # §7: null store_type is invalid
    ("stores", {"country": ""}, False, None),  # §7: country may be null
    ("stores", {"region": "", "store_id": "S 1"}, False, "missing_value:region"),  # rule 2 before rule 3
])
def test_row_reason_examples(source, changes, malformed, reason):
    """§3.1-§3.3 in rule order, with the §7 fine points."""
    good = {
        "transactions": {"transaction_id": "T1", "customer_id": "C1", "product_id": "P1", "store_id": "S1",
                         "transaction_ts": "2026-01-05T10:00:00Z", "quantity": "2", "unit_price": "10.00",
                         "discount": "1.00", "payment_method": "card", "channel": "store"},
        "customers": {"__$start_lsn": "0x0000000000000000000a", "__$seqval": "0x0000000000000000000b",
                      "__$operation": "2", "__$update_mask": "x", "commit_ts": "2026-01-05T10:00:00Z",
                      "customer_id": "C1", "first_name": "Ada", "last_name": "L", "email": "a@b.co", "city": "X",
                      "country": "gb", "loyalty_tier": "Gold", "signup_date": "2025-12-01"},
        "products": {"__$start_lsn": "0x0000000000000000000a", "__$seqval": "0x0000000000000000000b",
                     "__$operation": "4", "__$update_mask": "x", "commit_ts": "2026-01-05T10:00:00Z",
                     "product_id": "P1", "product_name": "Kettle", "category": "Kitchen", "subcategory": None,
                     "list_price": "29.90", "is_active": "1"},
        "stores": {"store_id": "S1", "store_name": "Main", "city": "Leeds", "region": "North", "country": "GB",
                   "store_type": "Flagship", "opened_date": "2020-03-01"},
    }[source]
    assert m.row_reason(source, {**good, **changes}, malformed) == reason


def test_a_rejected_row_never_claims_a_key():
    """§3: the first accepted row claims the key; a quarantined row before it does not."""
    def row(transaction_id: str) -> tuple[dict, None]:
        return {name: None for name in m.COLUMNS["transactions"]} | {"transaction_id": transaction_id}, None

    rows = [row("T1"), row(" T1 "), row("T1")]  # trimmed, all three are T1
    reasons = m.mark_duplicates("transactions", rows, ["invalid_quantity", None, None])
    assert reasons == ["invalid_quantity", None, "duplicate_key"]


def change(lsn: int, operation: int, hour: int, category: str, seqval: int = 0) -> Change:
    at = micros(datetime(2026, 1, 5, hour, tzinfo=UTC))
    return Change("P1", f"0x{lsn:020x}", f"0x{seqval:020X}", operation, at, (("category", category),))


def test_replay_noop_delete_reinsert_and_zero_length():
    """§4.1: A, A (no-op), delete, A (reopens), then B and C at one instant (B kept as zero-length)."""
    changes = [change(1, 2, 10, "A"), change(2, 4, 11, "A"), change(3, 1, 12, "A"), change(4, 2, 13, "A"),
               change(5, 4, 15, "B"), change(5, 4, 15, "C", seqval=1)]
    spans = [(v.value("category"), v.valid_from, v.valid_to, v.is_current, v.start_lsn)
             for v in scd2_versions(reversed(changes))]
    hours = {hour: micros(datetime(2026, 1, 5, hour, tzinfo=UTC)) for hour in (10, 12, 13, 15)}
    assert spans == [
        ("A", hours[10], hours[12], False, f"0x{1:020x}"), ("A", hours[13], hours[15], False, f"0x{4:020x}"),
        ("B", hours[15], hours[15], False, f"0x{5:020x}"), ("C", hours[15], None, True, f"0x{5:020x}"),
    ]
    at = [("P1", hours[10]), ("P1", hours[12]), ("P1", hours[15]), ("P1", hours[15] - 1), ("P9", hours[15])]
    assert as_of(at, scd2_versions(changes), "category") == ["A", UNKNOWN, "C", "A", UNKNOWN]


@settings(max_examples=200, derandomize=True, database=None)
@given(data=st.data())
def test_model_replay_is_independent_of_delivery_order(data):
    """§4.1: a late change gives the same history as if on time."""
    changes = data.draw(histories("P", product_image, 4))
    assert scd2_versions(data.draw(st.permutations(changes))) == scd2_versions(changes)


@settings(max_examples=200, derandomize=True, database=None)
@given(changes=histories("P", product_image, 4))
def test_generated_histories_are_within_the_contract(changes):
    """§3.2: accepted changes are unique by (key, start_lsn, seqval, operation), commit_ts never decreases in
    (start_lsn, seqval) order, and operations 2 and 4 carry product_name and category. Data outside this is out of
    contract, so the generator must not produce it."""
    assert len({(c.key, c.start_lsn, c.seqval, c.operation) for c in changes}) == len(changes)
    for key in {c.key for c in changes}:
        ordered = sorted((c for c in changes if c.key == key), key=lambda c: (c.start_lsn, c.seqval))
        assert all(a.commit_ts <= b.commit_ts for a, b in zip(ordered, ordered[1:], strict=False))
    for change in changes:
        if change.operation in (2, 4):
            values = dict(change.attributes)
            assert values["product_name"] is not None and values["category"] is not None
