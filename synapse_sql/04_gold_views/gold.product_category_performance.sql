-- Gold table product_category_performance (contract §4) as Synapse serverless reads it: the Delta table.
-- Current version only.
-- The WITH list is the Gold schema (src/lakehouse/gold/schemas.py) in T-SQL; tests/sql checks they match.
CREATE OR ALTER VIEW gold.product_category_performance
AS
SELECT
    src.transaction_date,
    src.category,
    src.revenue,
    src.units,
    src.transactions,
    src.revenue_share
FROM
    OPENROWSET (
        BULK 'product_category_performance/',
        DATA_SOURCE = 'gold_lake',
        FORMAT = 'DELTA'
    )
    WITH (
        transaction_date date,
        category varchar(400) COLLATE Latin1_General_100_BIN2_UTF8,
        revenue decimal(18, 2),
        units bigint,
        transactions bigint,
        revenue_share decimal(9, 4)
    ) AS src;
