-- Gold table store_performance (contract §4) as Synapse serverless reads it: the Delta table's current version.
-- The WITH list is the Gold schema (src/lakehouse/gold/schemas.py) in T-SQL; tests/sql checks they match.
CREATE OR ALTER VIEW gold.store_performance
AS
SELECT
    src.transaction_date,
    src.store_id,
    src.region,
    src.revenue,
    src.transactions,
    src.unique_customers
FROM
    OPENROWSET (
        BULK 'store_performance/',
        DATA_SOURCE = 'gold_lake',
        FORMAT = 'DELTA'
    )
    WITH (
        transaction_date date,
        store_id varchar(64) COLLATE Latin1_General_100_BIN2_UTF8,
        region varchar(400) COLLATE Latin1_General_100_BIN2_UTF8,
        revenue decimal(18, 2),
        transactions bigint,
        unique_customers bigint
    ) AS src;
