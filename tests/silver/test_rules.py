"""Row rules and reason codes, one case per rule, in the order of DATA_CONTRACT.md §3 (and the fine points of §7).

Each table of cases becomes one tiny Bronze batch; the expected reason of every row is checked with chispa.
"""

from __future__ import annotations

import pytest
from chispa import assert_df_equality

from lakehouse import contract as c
from lakehouse.silver.classify import classify
from tests.silver.bronze_rows import bronze_batch, good_customer, good_product, good_store, good_transaction

T = good_transaction
TRANSACTION_CASES = [
    (T(), None),
    (["T9", "C1", "P1"], "malformed_row"),  # §2: too few fields
    (list(T(transaction_id="T8").values()) + ["extra"], "malformed_row"),  # §2: too many fields
    (T(transaction_id=""), "missing_value:transaction_id"),
    (T(transaction_id="T2", customer_id="   "), "missing_value:customer_id"),  # §2: trimmed empty is null
    (T(transaction_id="T3", channel=""), "missing_value:channel"),
    (T(transaction_id="T4", customer_id="", product_id="bad id"), "missing_value:customer_id"),  # first rule wins
    (T(transaction_id="bad id"), "invalid_id:transaction_id"),
    (T(transaction_id="T5", customer_id="C#1"), "invalid_id:customer_id"),
    (T(transaction_id="T6", product_id="P" * 65), "invalid_id:product_id"),
    (T(transaction_id="T7", store_id="S1", product_id="Pé"), "invalid_id:product_id"),  # §7: ASCII only
    (T(transaction_id="T10", store_id="S.1"), "invalid_id:store_id"),
    (T(transaction_id="T11", transaction_ts="2026-02-30T10:00:00Z"), "invalid_timestamp"),  # not a real instant
    (T(transaction_id="T12", transaction_ts="2026-01-05 10:00:00"), "invalid_timestamp"),
    (T(transaction_id="T13", transaction_ts="2026-01-05T24:00:00Z"), "invalid_timestamp"),  # §7: hour 00-23
    (T(transaction_id="T14", transaction_ts="2026-01-05T10:00:00+18:30"), "invalid_timestamp"),  # §7: <= ±18:00
    (T(transaction_id="T15", transaction_ts="2026-01-05T10:00:00.1234567Z"), "invalid_timestamp"),
    (T(transaction_id="T16", quantity="0"), "invalid_quantity"),
    (T(transaction_id="T17", quantity="10001"), "invalid_quantity"),
    (T(transaction_id="T18", quantity="2.0"), "invalid_quantity"),
    (T(transaction_id="T19", quantity="99999999999999999999999"), "invalid_quantity"),
    (T(transaction_id="T20", unit_price="1.234"), "invalid_price"),
    (T(transaction_id="T21", unit_price="-1.00"), "invalid_price"),
    (T(transaction_id="T22", unit_price="1000000.01"), "invalid_price"),
    (T(transaction_id="T23", discount="20.01"), "invalid_discount"),  # > quantity × unit_price = 20.00
    (T(transaction_id="T24", discount="abc"), "invalid_discount"),
    (T(transaction_id="T25", payment_method="bitcoin"), "invalid_payment_method"),
    (T(transaction_id="T26", channel="fax"), "invalid_channel"),
    (T(), "duplicate_key"),  # T1 again, later in landing order (§3.1 rule 10)
    (T(transaction_id="T27", quantity="+3", discount="20.00", payment_method=" CASH ", channel="Mobile"), None),
    (T(transaction_id="T28", transaction_ts="2026-01-05T10:00:00.123456-18:00", unit_price="1000000"), None),
    (T(transaction_id="T29", quantity="0"), "invalid_quantity"),
    (T(transaction_id="T29"), None),  # a quarantined row never claims a key (§3)
] + [
    (T(**{"transaction_id": f"TM{n}", column: ""}), f"missing_value:{column}")
    for n, column in enumerate(("product_id", "store_id", "transaction_ts", "quantity", "unit_price",
                                "payment_method"))
]

CU = good_customer
CUSTOMER_CASES = [
    (CU(), None),
    (["0x0000000000000000000a"], "malformed_row"),
    (CU(**{"__$start_lsn": ""}), "missing_value:__$start_lsn"),
    (CU(**{"__$seqval": ""}), "missing_value:__$seqval"),
    (CU(**{"__$operation": ""}), "missing_value:__$operation"),
    (CU(commit_ts=""), "missing_value:commit_ts"),
    (CU(customer_id=""), "missing_value:customer_id"),
    (CU(customer_id="C2", **{"__$start_lsn": "0x12"}), "invalid_lsn"),
    (CU(customer_id="C3", **{"__$seqval": "0X0000000000000000000B"}), "invalid_lsn"),  # §7: prefix lower-case
    (CU(customer_id="C4", **{"__$operation": "5"}), "invalid_operation"),
    (CU(customer_id="C5", **{"__$operation": "02"}), "invalid_operation"),  # §7: exactly one digit
    (CU(customer_id="C6", commit_ts="2026-13-01T00:00:00Z"), "invalid_timestamp"),
    (CU(customer_id="C 7"), "invalid_id:customer_id"),
    (CU(customer_id="C8", email="not-an-email"), "invalid_email"),
    (CU(customer_id="C9", country="GBR"), "invalid_country"),
    (CU(customer_id="C10", loyalty_tier="diamond"), "invalid_tier"),
    (CU(customer_id="C11", signup_date="2025-02-29"), "invalid_date"),
    (CU(customer_id="C12", email="bad", **{"__$operation": "3"}), None),  # §3.2: op 3 attributes not checked
    (CU(customer_id="C13", email="bad", **{"__$operation": "1"}), None),  # §3.2: op 1 attributes not checked
    (CU(customer_id="C14", **{"__$operation": "4"}, email="", country="", loyalty_tier="", signup_date=""), None),
    (CU(**{"__$start_lsn": "0x0000000000000000000A"}), "duplicate_key"),  # §7: normalised LSN compared
    (CU(**{"__$operation": "4"}), None),  # same LSN, other operation: not a duplicate
]

PR = good_product
PRODUCT_CASES = [
    (PR(), None),
    (PR(product_id="P2", product_name=""), "missing_value:product_name"),
    (PR(product_id="P3", category=" "), "missing_value:category"),
    (PR(product_id="P4", list_price="12,50"), "invalid_price"),
    (PR(product_id="P5", is_active="yes"), "invalid_flag"),
    (PR(product_id="P6", list_price="", is_active="", **{"__$operation": "4"}), None),
    (PR(product_id="P7", product_name="", **{"__$operation": "1"}), None),
    (PR(product_id="P8", is_active="TRUE"), None),
    (PR(), "duplicate_key"),
    (["0x0000000000000000000a", "x"], "malformed_row"),
    (PR(product_id="P9", **{"__$start_lsn": "0xZZ000000000000000000"}), "invalid_lsn"),
    (PR(product_id="P10", **{"__$operation": "0"}), "invalid_operation"),
    (PR(product_id="P11", commit_ts="2026-01-05T10:00:60Z"), "invalid_timestamp"),
    (PR(product_id="P 12"), "invalid_id:product_id"),
] + [
    (PR(**{"product_id": f"PM{n}", column: ""}), f"missing_value:{column}")
    for n, column in enumerate(("__$start_lsn", "__$seqval", "__$operation", "commit_ts", "product_id"))
]

ST = good_store
STORE_CASES = [
    (ST(), None),
    (["S9", "x"], "malformed_row"),
    (ST(store_id=""), "missing_value:store_id"),
    (ST(store_id="S2", store_name=""), "missing_value:store_name"),
    (ST(store_id="S3", region=""), "missing_value:region"),
    (ST(store_id="S/4"), "invalid_id:store_id"),
    (ST(store_id="S5", country="G1"), "invalid_country"),
    (ST(store_id="S6", store_type="kiosk"), "invalid_store_type"),
    (ST(store_id="S7", store_type=""), "invalid_store_type"),  # §7: null store_type is invalid
    (ST(store_id="S8", opened_date="2020-02-30"), "invalid_date"),
    (ST(store_id="S10", country="", opened_date="", city=""), None),  # §7: country and opened_date may be null
    (ST(), "duplicate_key"),  # same store_id in the same snapshot (§3.3 rule 7)
]


@pytest.mark.parametrize(
    "source, cases",
    [
        (c.TRANSACTIONS, TRANSACTION_CASES),
        (c.CUSTOMERS, CUSTOMER_CASES),
        (c.PRODUCTS, PRODUCT_CASES),
        (c.STORES, STORE_CASES),
    ],
)
@pytest.mark.parametrize("broadcast", [True, False], ids=["few-duplicates", "many-duplicates"])
def test_first_failing_rule_is_the_reason(spark, source, cases, broadcast):
    """§3: rules are checked in order; the first failure is the reason; duplicates only among valid rows (marked
    through a broadcast lookup, or through a shuffle join when a batch has too many to broadcast)."""
    records_df = bronze_batch(spark, source, [row for row, _ in cases])
    actual_df = classify(records_df, source, None, broadcast).select("_record_number", "reason")
    expected_df = spark.createDataFrame(
        [(number, reason) for number, (_, reason) in enumerate(cases, start=1)], actual_df.schema
    )
    assert_df_equality(actual_df, expected_df, ignore_row_order=True, ignore_nullable=True)


def test_every_reason_code_is_exercised():
    """§3: every reason code of every source has a unit case above."""
    from tests.silver.reason_codes import expected_reason_codes

    covered = {
        c.TRANSACTIONS: {r for _, r in TRANSACTION_CASES}, c.CUSTOMERS: {r for _, r in CUSTOMER_CASES},
        c.PRODUCTS: {r for _, r in PRODUCT_CASES}, c.STORES: {r for _, r in STORE_CASES},
    }
    for source, codes in expected_reason_codes().items():
        assert codes <= covered[source], f"{source}: no unit case for {sorted(codes - covered[source])}"


def stored_keys(spark, *keys: str):
    """Silver's key index (silver.io): the duplicate keys earlier runs accepted, one `_key` string each."""
    return spark.createDataFrame([(key,) for key in keys], "_key string")


@pytest.mark.parametrize("broadcast", [True, False], ids=["few-duplicates", "many-duplicates"])
def test_duplicate_of_a_key_stored_by_an_earlier_run(spark, broadcast):
    """§3.1 rule 10: a transaction_id accepted by an earlier run makes the new row a duplicate, once or again in the
    same batch."""
    records_df = bronze_batch(spark, c.TRANSACTIONS, [T(), T(transaction_id="T2"), T()])
    actual = {row["_record_number"]: row["reason"] for row in
              classify(records_df, c.TRANSACTIONS, stored_keys(spark, "T1"), broadcast).collect()}
    assert actual == {1: "duplicate_key", 2: None, 3: "duplicate_key"}


def test_cdc_duplicate_compares_the_normalised_lsn_seqval_operation_and_key(spark):
    """§3.2 rule 7, §7: the key index holds the normalised (start_lsn, seqval, operation, key); an upper-case LSN
    stored earlier makes the lower-case one a duplicate, another operation does not."""
    records_df = bronze_batch(spark, c.CUSTOMERS, [CU(), CU(**{"__$operation": "4"})])
    stored_df = stored_keys(spark, "0x0000000000000000000A|0x0000000000000000000B|2|C1")
    actual = {row["_record_number"]: row["reason"] for row in
              classify(records_df, c.CUSTOMERS, stored_df).collect()}
    assert actual == {1: "duplicate_key", 2: None}


def test_store_duplicates_are_per_snapshot(spark):
    """§3.3 rule 7: the same store_id in another snapshot is not a duplicate; in the same snapshot it is."""
    records_df = bronze_batch(spark, c.STORES, [ST()])
    assert classify(records_df, c.STORES, stored_keys(spark, "2026-01-05|S1")).first()["reason"] == \
        "duplicate_key"
    stored_df = stored_keys(spark, "2026-01-04|S1")
    assert classify(records_df, c.STORES, stored_df).first()["reason"] is None
