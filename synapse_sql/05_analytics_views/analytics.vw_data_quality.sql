-- Data quality per source and day (run_date: the UTC day the Silver run started), from gold.data_quality
-- (contract §4.4): records read, rows in Silver and in quarantine, the quarantine rate, rejected files, and the
-- three reasons with the most quarantined rows (ties by reason code). A source's records_read and silver_rows
-- are repeated on each of its rows of a run (a rejected file's row reads 0), so a run's totals are their MAX.
CREATE OR ALTER VIEW analytics.vw_data_quality
AS
WITH source_runs AS (
    SELECT
        q.run_date,
        q.source,
        q.run_id,
        MAX(q.records_read) AS records_read,
        MAX(q.silver_rows) AS silver_rows,
        SUM(q.quarantined_rows) AS quarantined_rows,
        SUM(CASE WHEN LEFT(q.reason, 5) = 'file_' THEN 1 ELSE 0 END) AS rejected_files
    FROM gold.data_quality AS q
    GROUP BY q.run_date, q.source, q.run_id
),

source_days AS (
    SELECT
        r.run_date,
        r.source,
        COUNT(*) AS runs,
        SUM(r.records_read) AS records_read,
        SUM(r.silver_rows) AS silver_rows,
        SUM(r.quarantined_rows) AS quarantined_rows,
        SUM(r.rejected_files) AS rejected_files
    FROM source_runs AS r
    GROUP BY r.run_date, r.source
),

reason_days AS (
    SELECT
        q.run_date,
        q.source,
        q.reason,
        SUM(q.quarantined_rows) AS quarantined_rows
    FROM gold.data_quality AS q
    WHERE q.quarantined_rows > 0
    GROUP BY q.run_date, q.source, q.reason
),

ranked_reasons AS (
    SELECT
        d.run_date,
        d.source,
        d.reason,
        d.quarantined_rows,
        ROW_NUMBER() OVER (
            PARTITION BY d.run_date, d.source ORDER BY d.quarantined_rows DESC, d.reason ASC
        ) AS reason_rank
    FROM reason_days AS d
),

top_reasons AS (
    SELECT
        k.run_date,
        k.source,
        MAX(CASE WHEN k.reason_rank = 1 THEN k.reason END) AS top_reason,
        MAX(CASE WHEN k.reason_rank = 1 THEN k.quarantined_rows END) AS top_reason_rows,
        MAX(CASE WHEN k.reason_rank = 2 THEN k.reason END) AS second_reason,
        MAX(CASE WHEN k.reason_rank = 2 THEN k.quarantined_rows END) AS second_reason_rows,
        MAX(CASE WHEN k.reason_rank = 3 THEN k.reason END) AS third_reason,
        MAX(CASE WHEN k.reason_rank = 3 THEN k.quarantined_rows END) AS third_reason_rows
    FROM ranked_reasons AS k
    WHERE k.reason_rank <= 3
    GROUP BY k.run_date, k.source
)

SELECT
    s.run_date,
    s.source,
    s.runs,
    s.records_read,
    s.silver_rows,
    s.quarantined_rows,
    -- double precision, not float: sqlglot reads T-SQL float as REAL (single precision) for DuckDB.
    CAST(s.quarantined_rows AS double precision) / NULLIF(s.records_read, 0) AS quarantine_rate,
    s.rejected_files,
    t.top_reason,
    t.top_reason_rows,
    t.second_reason,
    t.second_reason_rows,
    t.third_reason,
    t.third_reason_rows
FROM source_days AS s
LEFT OUTER JOIN top_reasons AS t
    ON
        s.run_date = t.run_date
        AND s.source = t.source;
