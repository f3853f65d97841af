-- Gold table dim_customer (contract §4) as Synapse serverless reads it: the Delta table's current version.
-- The WITH list is the Gold schema (src/lakehouse/gold/schemas.py) in T-SQL; tests/sql checks they match.
CREATE OR ALTER VIEW gold.dim_customer
AS
SELECT
    src.customer_id,
    src.first_name,
    src.last_name,
    src.email,
    src.city,
    src.country,
    src.loyalty_tier,
    src.signup_date,
    src.valid_from,
    src.valid_to,
    src.is_current,
    src.start_lsn
FROM
    OPENROWSET (
        BULK 'dim_customer/',
        DATA_SOURCE = 'gold_lake',
        FORMAT = 'DELTA'
    )
    WITH (
        customer_id varchar(64) COLLATE Latin1_General_100_BIN2_UTF8,
        first_name varchar(400) COLLATE Latin1_General_100_BIN2_UTF8,
        last_name varchar(400) COLLATE Latin1_General_100_BIN2_UTF8,
        email varchar(320) COLLATE Latin1_General_100_BIN2_UTF8,
        city varchar(400) COLLATE Latin1_General_100_BIN2_UTF8,
        country varchar(2) COLLATE Latin1_General_100_BIN2_UTF8,
        loyalty_tier varchar(16) COLLATE Latin1_General_100_BIN2_UTF8,
        signup_date date,
        valid_from datetime2(6),
        valid_to datetime2(6),
        is_current bit,
        start_lsn varchar(22) COLLATE Latin1_General_100_BIN2_UTF8
    ) AS src;
