-- Gold table customer_segmentation (contract §4) as Synapse serverless reads it: the Delta table's current version.
-- The WITH list is the Gold schema (src/lakehouse/gold/schemas.py) in T-SQL; tests/sql checks they match.
CREATE OR ALTER VIEW gold.customer_segmentation
AS
SELECT
    src.as_of_date,
    src.customer_id,
    src.total_spend_365d,
    src.transactions_365d,
    src.last_purchase_date,
    src.recency_days,
    src.segment
FROM
    OPENROWSET (
        BULK 'customer_segmentation/',
        DATA_SOURCE = 'gold_lake',
        FORMAT = 'DELTA'
    )
    WITH (
        as_of_date date,
        customer_id varchar(64) COLLATE Latin1_General_100_BIN2_UTF8,
        total_spend_365d decimal(18, 2),
        transactions_365d bigint,
        last_purchase_date date,
        recency_days int,
        segment varchar(16) COLLATE Latin1_General_100_BIN2_UTF8
    ) AS src;
