-- Gold table dim_product (contract §4) as Synapse serverless reads it: the Delta table's current version.
-- The WITH list is the Gold schema (src/lakehouse/gold/schemas.py) in T-SQL; tests/sql checks they match.
CREATE OR ALTER VIEW gold.dim_product
AS
SELECT
    src.product_id,
    src.product_name,
    src.category,
    src.subcategory,
    src.list_price,
    src.is_active,
    src.valid_from,
    src.valid_to,
    src.is_current,
    src.start_lsn
FROM
    OPENROWSET (
        BULK 'dim_product/',
        DATA_SOURCE = 'gold_lake',
        FORMAT = 'DELTA'
    )
    WITH (
        product_id varchar(64) COLLATE Latin1_General_100_BIN2_UTF8,
        product_name varchar(400) COLLATE Latin1_General_100_BIN2_UTF8,
        category varchar(400) COLLATE Latin1_General_100_BIN2_UTF8,
        subcategory varchar(400) COLLATE Latin1_General_100_BIN2_UTF8,
        list_price decimal(18, 2),
        is_active bit,
        valid_from datetime2(6),
        valid_to datetime2(6),
        is_current bit,
        start_lsn varchar(22) COLLATE Latin1_General_100_BIN2_UTF8
    ) AS src;
