-- Gold table data_quality (contract §4.4) as Synapse serverless reads it: the Delta table's current version.
-- One row per Silver run, source and reason, written by bronze-to-silver with each committed run.
-- The WITH list is the Gold schema (src/lakehouse/gold/schemas.py) in T-SQL; tests/sql checks they match.
CREATE OR ALTER VIEW gold.data_quality
AS
SELECT
    src.run_date,
    src.run_id,
    src.run_started_at,
    src.source,
    src.reason,
    src.records_read,
    src.silver_rows,
    src.quarantined_rows
FROM
    OPENROWSET (
        BULK 'data_quality/',
        DATA_SOURCE = 'gold_lake',
        FORMAT = 'DELTA'
    )
    WITH (
        run_date date,
        run_id varchar(128) COLLATE Latin1_General_100_BIN2_UTF8,
        run_started_at datetime2(6),
        source varchar(16) COLLATE Latin1_General_100_BIN2_UTF8,
        reason varchar(64) COLLATE Latin1_General_100_BIN2_UTF8,
        records_read bigint,
        silver_rows bigint,
        quarantined_rows bigint
    ) AS src;
