-- Gold table dim_store (contract §4) as Synapse serverless reads it: the Delta table's current version.
-- The WITH list is the Gold schema (src/lakehouse/gold/schemas.py) in T-SQL; tests/sql checks they match.
CREATE OR ALTER VIEW gold.dim_store
AS
SELECT
    src.store_id,
    src.store_name,
    src.city,
    src.region,
    src.country,
    src.store_type,
    src.opened_date,
    src.valid_from,
    src.valid_to,
    src.is_current
FROM
    OPENROWSET (
        BULK 'dim_store/',
        DATA_SOURCE = 'gold_lake',
        FORMAT = 'DELTA'
    )
    WITH (
        store_id varchar(64) COLLATE Latin1_General_100_BIN2_UTF8,
        store_name varchar(400) COLLATE Latin1_General_100_BIN2_UTF8,
        city varchar(400) COLLATE Latin1_General_100_BIN2_UTF8,
        region varchar(400) COLLATE Latin1_General_100_BIN2_UTF8,
        country varchar(2) COLLATE Latin1_General_100_BIN2_UTF8,
        store_type varchar(16) COLLATE Latin1_General_100_BIN2_UTF8,
        opened_date date,
        valid_from datetime2(6),
        valid_to datetime2(6),
        is_current bit
    ) AS src;
