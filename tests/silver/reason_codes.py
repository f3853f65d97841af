"""The reason codes of DATA_CONTRACT.md §3, spelled out independently of the rules module (an oracle for tests)."""

from lakehouse import contract as c


def expected_reason_codes() -> dict[str, set[str]]:
    tx = c.SOURCE_SPECS[c.TRANSACTIONS].required_columns
    return {
        c.TRANSACTIONS: {"malformed_row", "invalid_timestamp", "invalid_quantity", "invalid_price",
                         "invalid_discount", "invalid_payment_method", "invalid_channel", "duplicate_key"}
        | {f"missing_value:{col}" for col in tx if col != "discount"}
        | {f"invalid_id:{col}" for col in ("transaction_id", "customer_id", "product_id", "store_id")},
        c.CUSTOMERS: {"malformed_row", "invalid_lsn", "invalid_operation", "invalid_timestamp",
                      "invalid_id:customer_id", "invalid_email", "invalid_country", "invalid_tier", "invalid_date",
                      "duplicate_key"}
        | {f"missing_value:{col}" for col in ("__$start_lsn", "__$seqval", "__$operation", "commit_ts",
                                                "customer_id")},
        c.PRODUCTS: {"malformed_row", "invalid_lsn", "invalid_operation", "invalid_timestamp", "invalid_id:product_id",
                     "missing_value:product_name", "missing_value:category", "invalid_price", "invalid_flag",
                     "duplicate_key"}
        | {f"missing_value:{col}" for col in ("__$start_lsn", "__$seqval", "__$operation", "commit_ts",
                                                "product_id")},
        c.STORES: {"malformed_row", "missing_value:store_id", "missing_value:store_name", "missing_value:region",
                   "invalid_id:store_id", "invalid_country", "invalid_store_type", "invalid_date", "duplicate_key"},
    }
