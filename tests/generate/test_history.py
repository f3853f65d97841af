"""The valid history is consistent and realistic: CDC order and pairs (§3.2), snapshots (§3.3), and sales that only
reference what exists, so Gold's as-of lookups (§4.3) find a version."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from decimal import Decimal

import pytest

from tests.generate.conftest import DataSet
from tests.generate.reference import normal_lsn, parse_instant

CDC = ("customers", "products")
Values = dict[str, str | None]


def valid_by_file(data: DataSet, source: str) -> dict[str, list[Values]]:
    files: dict[str, list[Values]] = defaultdict(list)
    for path, _, values in data.reading.valid[source]:
        files[path].append(values)
    return files


def order_key(row: Values) -> tuple[str, str, str]:
    return normal_lsn(row["__$start_lsn"]), normal_lsn(row["__$seqval"]), row["__$operation"] or ""


def instant(value: str | None) -> datetime:
    parsed = parse_instant(value)
    assert parsed is not None
    return parsed


@pytest.mark.parametrize("source", CDC)
def test_lsn_strictly_increases_within_a_file_except_update_pairs(faulty: DataSet, clean: DataSet,
                                                                    source: str) -> None:
    """LSN/seqval are 0x + 20 hex digits, increasing; both images of an update share start_lsn and seqval."""
    for data in (faulty, clean):
        for path, rows in valid_by_file(data, source).items():
            for before, after in zip(rows, rows[1:], strict=False):
                pair = (before["__$operation"], after["__$operation"]) == ("3", "4")
                if order_key(before)[:2] == order_key(after)[:2]:
                    assert pair and before[c_key(source)] == after[c_key(source)], path
                else:
                    assert order_key(before)[:2] < order_key(after)[:2], path


@pytest.mark.parametrize("source", CDC)
def test_regular_files_continue_the_lsn_sequence(clean: DataSet, source: str) -> None:
    """Over the whole history the LSNs increase from one daily export to the next."""
    files = sorted(valid_by_file(clean, source).items())
    for (_, earlier), (_, later) in zip(files, files[1:], strict=False):
        assert max(map(order_key, earlier)) < min(map(order_key, later))


@pytest.mark.parametrize("source", CDC)
def test_commit_ts_never_decreases_in_lsn_order(faulty: DataSet, clean: DataSet, source: str) -> None:
    """§3.2: within the data, commit_ts never decreases in (start_lsn, seqval) order, late files included."""
    for data in (faulty, clean):
        rows = sorted((row for rows in valid_by_file(data, source).values() for row in rows), key=order_key)
        instants = [instant(row["commit_ts"]) for row in rows]
        assert instants == sorted(instants)


@pytest.mark.parametrize("source", CDC)
def test_updates_come_as_adjacent_before_and_after_images(faulty: DataSet, source: str) -> None:
    """§3.2 operations 3 and 4: every valid before-image is followed by its after-image (same start_lsn, seqval)."""
    for path, rows in valid_by_file(faulty, source).items():
        for i, row in enumerate(rows):
            if row["__$operation"] == "3":
                after = rows[i + 1]
                assert after["__$operation"] == "4" and order_key(after)[:2] == order_key(row)[:2], path
            if row["__$operation"] == "4":
                assert rows[i - 1]["__$operation"] == "3", path


@pytest.mark.parametrize("source", CDC)
def test_a_late_file_brings_lower_lsns_than_changes_already_landed(faulty: DataSet, source: str) -> None:
    """§4.1 late changes: a delayed extract lands a day late with LSNs below those already landed; valid rows."""
    files = valid_by_file(faulty, source)
    late = [path for path in files if path.endswith("_delayed.csv")]
    assert late == [f"bronze/{source}/ingest_date=2026-01-07/{source}_20260106_delayed.csv"]
    assert not [f for f in faulty.summary.expected_faults if f.source_file == late[0]]  # all rows valid
    landed_before = [order_key(row) for path, rows in files.items() if path < f"bronze/{source}/ingest_date=2026-01-07"
                     for row in rows]
    late_keys = [order_key(row) for row in files[late[0]]]
    assert late_keys and max(late_keys) < max(landed_before)
    assert not set(late_keys) & set(landed_before)


@pytest.mark.parametrize("source", CDC)
def test_cdc_history_holds_the_interesting_cases(clean: DataSet, source: str) -> None:
    """Initial inserts on day 1; then updates, no-op updates, deletes, re-inserts of deleted keys, several changes of
    one key in a day and two changes at the same commit_ts."""
    key = c_key(source)
    files = sorted(valid_by_file(clean, source).items())
    assert {row["__$operation"] for row in files[0][1]} == {"2"}
    later = [row for _, rows in files[1:] for row in rows]
    assert {row["__$operation"] for row in later} == {"1", "2", "3", "4"}
    attributes = [column for column in later[0] if column not in ("__$start_lsn", "__$seqval", "__$operation",
                                                                  "__$update_mask", "commit_ts", key)]
    pairs = [(a, b) for a, b in zip(later, later[1:], strict=False)
             if (a["__$operation"], b["__$operation"]) == ("3", "4")]
    assert any(all(a[col] == b[col] for col in attributes) for a, b in pairs)  # no-op update
    deleted, reinserted = set(), set()
    for row in sorted((row for _, rows in files for row in rows), key=order_key):
        if row["__$operation"] == "1":
            deleted.add(row[key])
        elif row["__$operation"] == "2" and row[key] in deleted:
            reinserted.add(row[key])
    assert reinserted
    day2 = files[1][1]  # one change of each kind is scripted on day 2
    changes_per_key = Counter(row[key] for row in day2 if row["__$operation"] == "4")
    assert max(changes_per_key.values()) >= 2
    commits = Counter(instant(row["commit_ts"]) for row in day2 if row["__$operation"] != "3")
    assert max(commits.values()) >= 2


def test_stores_open_close_and_change(clean: DataSet) -> None:
    """§3.3: one full snapshot a day, 12-30 stores, stores appear, disappear and change region or type."""
    snapshots = {path.split("/")[2]: {row["store_id"]: row for row in rows}
                 for path, rows in valid_by_file(clean, "stores").items()}
    assert len(snapshots) == 4 and all(12 <= len(stores) <= 30 for stores in snapshots.values())
    days = [snapshots[day] for day in sorted(snapshots)]
    assert any(set(b) - set(a) for a, b in zip(days, days[1:], strict=False))
    assert any(set(a) - set(b) for a, b in zip(days, days[1:], strict=False))
    assert any(a[s]["region"] != b[s]["region"] or a[s]["store_type"] != b[s]["store_type"]
               for a, b in zip(days, days[1:], strict=False) for s in set(a) & set(b))


def test_sales_reference_customers_products_and_stores_that_exist(faulty: DataSet, clean: DataSet) -> None:
    """Every valid sale finds a customer and a product version at its instant (replaying §4.1) and its store in
    the day's snapshot; unit prices come from the product's list prices."""
    for data in (faulty, clean):
        customers, products = versions(data, "customers"), versions(data, "products")
        prices: dict[str | None, set[Decimal]] = defaultdict(set)
        for _, _, row in data.reading.valid["products"]:
            prices[row["product_id"]].add(Decimal(row["list_price"] or "-1"))
        stores = defaultdict(set)
        for path, _, row in data.reading.valid["stores"]:
            stores[path.split("/")[2]].add(row["store_id"])
        for path, _, sale in data.reading.valid["transactions"]:
            at = instant(sale["transaction_ts"])
            assert any(start <= at < end for start, end in customers[sale["customer_id"] or ""]), sale
            assert any(start <= at < end for start, end in products[sale["product_id"] or ""]), sale
            assert sale["store_id"] in stores[path.split("/")[2]]
            assert Decimal(sale["unit_price"] or "0") in prices[sale["product_id"]]


def test_sales_look_like_retail(clean: DataSet) -> None:
    """§3.1 values: small quantities, some discounts, every payment method and channel, timestamps mostly in Z
    with some offsets and fractions; near midnight the UTC date (§3.1 transaction_date) differs from the local."""
    sales = [row for _, _, row in clean.reading.valid["transactions"]]
    quantities = Counter(int(row["quantity"] or 0) for row in sales)
    assert sum(quantities[q] for q in range(1, 6)) / len(sales) > 0.9
    assert 0.05 < sum(1 for row in sales if row["discount"] not in (None, "0.00", "0")) / len(sales) < 0.25
    assert {(row["payment_method"] or "").lower() for row in sales} == {"card", "cash", "wallet", "voucher"}
    assert {(row["channel"] or "").lower() for row in sales} == {"store", "online", "mobile"}
    stamps = [row["transaction_ts"] or "" for row in sales]
    assert sum(stamp.endswith("Z") for stamp in stamps) / len(stamps) > 0.7
    assert any(stamp.endswith(("+02:00", "+01:00")) for stamp in stamps)
    assert any(stamp.endswith(("-05:00", "-08:00")) for stamp in stamps)
    assert any("." in stamp for stamp in stamps)
    crossing = [stamp for stamp in stamps if instant(stamp).date().isoformat() != stamp[:10]]
    assert crossing  # near midnight the UTC date differs from the local date


def versions(data: DataSet, source: str) -> dict[str, list[tuple[datetime, datetime]]]:
    """Validity intervals per key, replaying operations 1, 2 and 4 in (start_lsn, seqval) order (§4.1)."""
    key, forever = c_key(source), datetime(9999, 1, 1)
    changes = sorted((row for _, _, row in data.reading.valid[source] if row["__$operation"] != "3"), key=order_key)
    spans: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    open_since: dict[str, datetime] = {}
    for row in changes:
        at, name = instant(row["commit_ts"]), row[key] or ""
        if name in open_since:
            spans[name].append((open_since.pop(name), at))
        if row["__$operation"] in ("2", "4"):
            open_since[name] = at
    for name, since in open_since.items():
        spans[name].append((since, forever))
    return spans


def c_key(source: str) -> str:
    return {"customers": "customer_id", "products": "product_id"}[source]
