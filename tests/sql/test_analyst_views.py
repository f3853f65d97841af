"""Every analyst view of synapse_sql/, run locally on generated Gold, equals the same figures computed
independently in Python from the Gold tables (mostly fact_sales) read with delta-rs."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest

from lakehouse.sql.run import run_query
from lakehouse.sql.translate import SQL_DIR

HIGH_SPEND = Decimal("1000.00")


def view_rows(root, view: str) -> list[dict]:
    result = run_query(root, f"SELECT * FROM analytics.{view}")
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def ranks(values: list[Decimal]) -> list[int]:
    """SQL RANK() over values sorted descending (ties share a rank, the next rank skips)."""
    return [1 + sum(other > value for other in values) for value in values]


@pytest.fixture(scope="module")
def fact(gold_rows):
    return gold_rows("fact_sales")


@pytest.fixture(scope="module")
def window(fact):
    end = max(row["transaction_date"] for row in fact)
    return end - timedelta(days=29), end


def current(rows: list[dict], key: str) -> dict[str, dict]:
    return {row[key]: row for row in rows if row["valid_to"] is None}


def test_every_analyst_view_file_is_covered():
    names = sorted(p.name.removeprefix("analytics.").removesuffix(".sql") for p in SQL_DIR.rglob("analytics.*.sql"))
    assert names == ["vw_customer_current", "vw_data_quality", "vw_executive_dashboard", "vw_high_value_customers",
                     "vw_monthly_revenue_trend", "vw_store_comparison", "vw_top_categories_last_30_days"]


def test_customer_current(gold_root, gold_rows):
    expected = sorted(
        (r["customer_id"], r["first_name"], r["last_name"], r["email"], r["city"], r["country"], r["loyalty_tier"],
         r["signup_date"], r["valid_from"].replace(tzinfo=None))
        for r in current(gold_rows("dim_customer"), "customer_id").values())
    assert expected
    assert sorted(tuple(r.values()) for r in view_rows(gold_root, "vw_customer_current")) == expected


def test_high_value_customers(gold_root, gold_rows, fact):
    as_of = max(row["transaction_date"] for row in fact)
    spend: dict[str, Decimal] = defaultdict(Decimal)
    count: dict[str, int] = defaultdict(int)
    last: dict[str, date] = {}
    for row in fact:
        if as_of - timedelta(days=364) <= row["transaction_date"] <= as_of:
            spend[row["customer_id"]] += row["amount"]
            count[row["customer_id"]] += 1
            last[row["customer_id"]] = max(last.get(row["customer_id"], row["transaction_date"]),
                                           row["transaction_date"])
    customers = current(gold_rows("dim_customer"), "customer_id")
    expected = sorted(
        (as_of, cid, customers.get(cid, {}).get("email"), spend[cid], count[cid], last[cid], (as_of - last[cid]).days)
        for cid in spend if spend[cid] >= HIGH_SPEND)
    assert expected
    actual = sorted((r["as_of_date"], r["customer_id"], r["email"], r["total_spend_365d"], r["transactions_365d"],
                     r["last_purchase_date"], r["recency_days"])
                    for r in view_rows(gold_root, "vw_high_value_customers"))
    assert actual == expected


def test_monthly_revenue_trend(gold_root, fact):
    months: dict[date, list[dict]] = defaultdict(list)
    for row in fact:
        months[row["transaction_date"].replace(day=1)].append(row)
    expected, previous = [], None
    for month in sorted(months):
        rows = months[month]
        revenue = sum((r["amount"] for r in rows), Decimal(0))
        expected.append((month, revenue, len(rows), sum(r["quantity"] for r in rows),
                         len({r["transaction_date"] for r in rows}), previous,
                         None if previous is None else revenue - previous))
        previous = revenue
    actual = sorted(tuple(r.values()) for r in view_rows(gold_root, "vw_monthly_revenue_trend"))
    assert actual == expected


def test_top_categories_last_30_days(gold_root, fact, window):
    start, end = window
    totals: dict[str, list] = defaultdict(lambda: [Decimal(0), 0, 0])
    for row in fact:
        if start <= row["transaction_date"] <= end:
            total = totals[row["category"]]
            total[0] += row["amount"]
            total[1] += row["quantity"]
            total[2] += 1
    revenues = [t[0] for t in totals.values()]
    ranked = sorted(((t[0], c, t[1], t[2], rank) for (c, t), rank in zip(totals.items(), ranks(revenues),
                                                                          strict=True)),
                    key=lambda x: (-x[0], x[1]))[:10]
    expected = [(end, start, c, revenue, units, n, rank) for revenue, c, units, n, rank in ranked]
    actual = sorted((tuple(r.values()) for r in view_rows(gold_root, "vw_top_categories_last_30_days")),
                    key=lambda x: (-x[3], x[2]))
    assert actual == expected


def test_store_comparison(gold_root, gold_rows, fact, window):
    start, end = window
    stores = current(gold_rows("dim_store"), "store_id")
    totals: dict[str, dict] = {}
    for row in fact:
        if start <= row["transaction_date"] <= end:
            total = totals.setdefault(row["store_id"], {"regions": set(), "revenue": Decimal(0), "n": 0,
                                                        "customers": set()})
            total["regions"].add(row["region"])
            total["revenue"] += row["amount"]
            total["n"] += 1
            total["customers"].add(row["customer_id"])
    by_region: dict[str, list[Decimal]] = defaultdict(list)
    for total in totals.values():
        by_region[max(total["regions"])].append(total["revenue"])
    expected = sorted(
        (end, start, sid, stores.get(sid, {}).get("store_name"), stores.get(sid, {}).get("store_type"),
         max(t["regions"]), t["revenue"], t["n"], len(t["customers"]),
         1 + sum(other > t["revenue"] for other in by_region[max(t["regions"])]))
        for sid, t in totals.items())
    assert expected
    assert sorted(tuple(r.values()) for r in view_rows(gold_root, "vw_store_comparison")) == expected


def test_executive_dashboard(gold_root, gold_rows, fact, window):
    start, end = window
    recent = [r for r in fact if start <= r["transaction_date"] <= end]
    earlier = [r for r in fact if end - timedelta(days=59) <= r["transaction_date"] <= end - timedelta(days=30)]
    revenue = sum((r["amount"] for r in recent), Decimal(0))
    previous = sum((r["amount"] for r in earlier), Decimal(0)) if earlier else None
    spend: dict[str, Decimal] = defaultdict(Decimal)
    for row in fact:
        if end - timedelta(days=364) <= row["transaction_date"] <= end:
            spend[row["customer_id"]] += row["amount"]
    expected = [(end, start, revenue, len(recent), len({r["customer_id"] for r in recent}), previous,
                 None if previous is None else revenue - previous,
                 sum(1 for s in spend.values() if s >= HIGH_SPEND),
                 len(current(gold_rows("dim_customer"), "customer_id")),
                 len(current(gold_rows("dim_store"), "store_id")))]
    assert [tuple(r.values()) for r in view_rows(gold_root, "vw_executive_dashboard")] == expected
