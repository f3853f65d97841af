-- Gold table fact_sales (contract §4) as Synapse serverless reads it: the Delta table's current version.
-- The WITH list is the Gold schema (src/lakehouse/gold/schemas.py) in T-SQL; tests/sql checks they match.
-- Partitioned by transaction_date: serverless SQL reads only the partitions a filter on it
-- selects, so queries over this view should always filter on transaction_date.
CREATE OR ALTER VIEW gold.fact_sales
AS
SELECT
    src.transaction_id,
    src.customer_id,
    src.product_id,
    src.store_id,
    src.transaction_ts,
    src.transaction_date,
    src.quantity,
    src.unit_price,
    src.discount,
    src.amount,
    src.payment_method,
    src.channel,
    src.category,
    src.loyalty_tier,
    src.region,
    src._source_file,
    src._ingest_date
FROM
    OPENROWSET (
        BULK 'fact_sales/',
        DATA_SOURCE = 'gold_lake',
        FORMAT = 'DELTA'
    )
    WITH (
        transaction_id varchar(64) COLLATE Latin1_General_100_BIN2_UTF8,
        customer_id varchar(64) COLLATE Latin1_General_100_BIN2_UTF8,
        product_id varchar(64) COLLATE Latin1_General_100_BIN2_UTF8,
        store_id varchar(64) COLLATE Latin1_General_100_BIN2_UTF8,
        transaction_ts datetime2(6),
        transaction_date date,
        quantity int,
        unit_price decimal(18, 2),
        discount decimal(18, 2),
        amount decimal(18, 2),
        payment_method varchar(16) COLLATE Latin1_General_100_BIN2_UTF8,
        channel varchar(16) COLLATE Latin1_General_100_BIN2_UTF8,
        category varchar(400) COLLATE Latin1_General_100_BIN2_UTF8,
        loyalty_tier varchar(16) COLLATE Latin1_General_100_BIN2_UTF8,
        region varchar(400) COLLATE Latin1_General_100_BIN2_UTF8,
        _source_file varchar(1024) COLLATE Latin1_General_100_BIN2_UTF8,
        _ingest_date date
    ) AS src;
