"""dim_product, dim_customer (SCD2 from CDC) and fact_sales' as-of attributes against the plain-Python model
(DATA_CONTRACT.md §4.1, §4.3, §7).

Each example holds the CDC histories of a few products and customers, delivered to Spark in a shuffled order with
unrelated lineage (a late change must give the on-time history, §4.1), and a few hundred transactions placed on
every commit instant, 1 µs either side and in between. Dimensions are compared as multisets of rows; every
transaction's category, loyalty_tier and region (no store versions: always 'UNKNOWN') against the model.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pyspark.sql import functions as F

from lakehouse.gold import schemas as gold
from lakehouse.gold.fact import build_fact_sales
from lakehouse.gold.scd2_cdc import build_dim_customer, build_dim_product
from lakehouse.silver import schemas as silver
from tests.model.history_model import UNKNOWN, Change, Version, as_of, scd2_versions
from tests.model.history_strategies import (
    CUSTOMER_ATTRIBUTES,
    PRODUCT_ATTRIBUTES,
    Changes,
    customer_image,
    histories,
    moment,
    probe_instants,
    product_image,
)

RUN_AT = datetime(2026, 1, 7, 2, 0, tzinfo=UTC)
INGEST_DAYS = (date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 7))
FILES = ("a.csv", "b.csv", "late.csv")
MAX_KEYS = 6

PROPERTY_SETTINGS = settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=(HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example),
)


def silver_change_row(change: Change, key_column: str, source: str, lineage: tuple[int, int], schema) -> tuple:
    """A Silver `*_changes` row (§3.2) in the schema's column order."""
    ingest_date, file_name = INGEST_DAYS[lineage[0]], FILES[lineage[1]]
    commit_ts = moment(change.commit_ts)
    values = {
        key_column: change.key, "start_lsn": change.start_lsn, "seqval": change.seqval,
        "operation": change.operation, "commit_ts": commit_ts, "commit_date": commit_ts.date(),
        **dict(change.attributes),
        "_source_file": f"bronze/{source}/ingest_date={ingest_date}/{file_name}", "_ingest_date": ingest_date,
        "_run_id": "r1", "_ingested_at": RUN_AT,
    }
    return tuple(values[name] for name in schema.fieldNames())


def transaction_row(transaction_id: str, product_id: str, customer_id: str, ts: int) -> tuple:
    """A Silver `transactions` row (§3.1) in the schema's column order."""
    at = moment(ts)
    values = {
        "transaction_id": transaction_id, "customer_id": customer_id, "product_id": product_id, "store_id": "S1",
        "transaction_ts": at, "transaction_date": at.date(), "quantity": 1, "unit_price": Decimal("1.00"),
        "discount": Decimal("0.00"), "amount": Decimal("1.00"), "payment_method": "card", "channel": "store",
        "_source_file": f"bronze/transactions/ingest_date={at.date()}/t.csv", "_ingest_date": at.date(),
        "_run_id": "r1", "_ingested_at": RUN_AT,
    }
    return tuple(values[name] for name in silver.TRANSACTIONS.fieldNames())


def dim_rows(dim_df, key_column: str, attributes: tuple[str, ...]) -> Counter:
    """A dimension as a multiset of the model's `Version`s (timestamps as epoch microseconds)."""
    rows = dim_df.select(
        key_column, *attributes, F.unix_micros("valid_from").alias("valid_from"),
        F.unix_micros("valid_to").alias("valid_to"), "is_current", "start_lsn",
    ).collect()
    return Counter(
        Version(row[key_column], tuple((name, row[name]) for name in attributes), row["valid_from"], row["valid_to"],
                row["is_current"], row["start_lsn"])
        for row in rows
    )


def assert_same_versions(actual: Counter, expected: list[Version], changes: list[Change]) -> None:
    only_spark, only_model = actual - Counter(expected), Counter(expected) - actual
    history = "\n".join(f"  {change}" for change in sorted(changes, key=lambda c: (c.key, c.start_lsn, c.seqval)))
    assert not only_spark and not only_model, (
        f"only in Spark: {sorted(only_spark, key=str)}\nonly in the model: {sorted(only_model, key=str)}\n"
        f"changes:\n{history}"
    )


@st.composite
def delivered(draw: st.DrawFn, changes: list[Change]) -> list[tuple[Change, tuple[int, int]]]:
    """The changes in a shuffled delivery order, each with an (ingest day, file) lineage unrelated to LSN order."""
    shuffled = draw(st.permutations(changes))
    lineage = st.tuples(st.integers(0, len(INGEST_DAYS) - 1), st.integers(0, len(FILES) - 1))
    return Changes((change, draw(lineage)) for change in shuffled)


@PROPERTY_SETTINGS
@given(data=st.data())
def test_dimensions_and_fact_match_the_model(spark, data):
    """§4.1: replay in (start_lsn, seqval, operation) order whatever the delivery order, no-ops, deletes,
    zero-length versions kept, start_lsn of the opening change. §4.3: valid_from <= ts < valid_to, a zero-length
    version never matches, no version or a null value is 'UNKNOWN'; attribute values never decide."""
    product_changes = data.draw(histories("P", product_image, MAX_KEYS), label="product changes")
    customer_changes = data.draw(histories("C", customer_image, MAX_KEYS), label="customer changes")
    product_delivery = data.draw(delivered(product_changes), label="product delivery")
    customer_delivery = data.draw(delivered(customer_changes), label="customer delivery")

    products_df = spark.createDataFrame([
        silver_change_row(change, "product_id", "products", lineage, silver.PRODUCTS_CHANGES)
        for change, lineage in product_delivery
    ], silver.PRODUCTS_CHANGES)
    customers_df = spark.createDataFrame([
        silver_change_row(change, "customer_id", "customers", lineage, silver.CUSTOMERS_CHANGES)
        for change, lineage in customer_delivery
    ], silver.CUSTOMERS_CHANGES)
    # Materialised once: compared with the model, then joined by the fact.
    dim_product_df = build_dim_product(products_df).localCheckpoint()
    dim_customer_df = build_dim_customer(customers_df).localCheckpoint()

    product_versions, customer_versions = scd2_versions(product_changes), scd2_versions(customer_changes)
    assert_same_versions(dim_rows(dim_product_df, "product_id", PRODUCT_ATTRIBUTES), product_versions,
                         product_changes)
    assert_same_versions(dim_rows(dim_customer_df, "customer_id", CUSTOMER_ATTRIBUTES), customer_versions,
                         customer_changes)

    product_keys = sorted({change.key for change in product_changes}) + ["P_none"]
    customer_keys = sorted({change.key for change in customer_changes}) + ["C_none"]
    probes = [(key, "C_none", ts) for key in product_keys for ts in probe_instants()]  # (product, customer, ts)
    probes += [("P_none", key, ts) for key in customer_keys for ts in probe_instants()]
    fact_df = build_fact_sales(
        spark.createDataFrame([transaction_row(f"T{number}", *probe) for number, probe in enumerate(probes)],
                              silver.TRANSACTIONS),
        dim_customer_df, dim_product_df, spark.createDataFrame([], gold.DIM_STORE),
    )
    actual = {
        row["transaction_id"]: (row["category"], row["loyalty_tier"], row["region"])
        for row in fact_df.select("transaction_id", "category", "loyalty_tier", "region").collect()
    }
    assert len(actual) == len(probes)
    categories = as_of([(product, ts) for product, _, ts in probes], product_versions, "category")
    tiers = as_of([(customer, ts) for _, customer, ts in probes], customer_versions, "loyalty_tier")
    expected = zip(categories, tiers, [UNKNOWN] * len(probes), strict=True)
    disagreements, keys = [], set()
    for number, ((product, customer, ts), want) in enumerate(zip(probes, expected, strict=True)):
        if actual[f"T{number}"] != want:
            disagreements.append(f"  {product} {customer} at {moment(ts)}: model {want} spark {actual[f'T{number}']}")
            keys.update((product, customer))
    if disagreements:
        versions = "\n".join(f"  {v}" for v in product_versions + customer_versions if v.key in keys)
        pytest.fail(f"{len(disagreements)} transactions disagree:\n" + "\n".join(disagreements[:15])
                    + f"\nthe model's versions (Spark's dimensions equal them):\n{versions}")
