-- Gold table daily_sales_summary (contract §4) as Synapse serverless reads it: the Delta table's current version.
-- The WITH list is the Gold schema (src/lakehouse/gold/schemas.py) in T-SQL; tests/sql checks they match.
CREATE OR ALTER VIEW gold.daily_sales_summary
AS
SELECT
    src.transaction_date,
    src.total_revenue,
    src.total_transactions,
    src.total_quantity,
    src.unique_customers,
    src.avg_transaction_value
FROM
    OPENROWSET (
        BULK 'daily_sales_summary/',
        DATA_SOURCE = 'gold_lake',
        FORMAT = 'DELTA'
    )
    WITH (
        transaction_date date,
        total_revenue decimal(18, 2),
        total_transactions bigint,
        total_quantity bigint,
        unique_customers bigint,
        avg_transaction_value decimal(18, 2)
    ) AS src;
