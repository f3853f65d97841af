-- Each store over the last 30 days (ending at the latest sales date in Gold), ranked within its region. Read
-- from fact_sales, filtered on its partition column, because unique customers over 30 days cannot be summed
-- from daily rows. Store name and type are the current ones; region is the one on the sales.
CREATE OR ALTER VIEW analytics.vw_store_comparison
AS
WITH latest AS (
    SELECT MAX(d.transaction_date) AS window_end
    FROM gold.daily_sales_summary AS d
),

store_totals AS (
    SELECT
        f.store_id,
        MAX(f.region) AS region,
        SUM(f.amount) AS revenue,
        COUNT(*) AS transactions,
        COUNT(DISTINCT f.customer_id) AS unique_customers
    FROM gold.fact_sales AS f
    INNER JOIN latest AS l
        ON f.transaction_date BETWEEN DATEADD(DAY, -29, l.window_end) AND l.window_end
    GROUP BY f.store_id
)

SELECT
    l.window_end,
    CAST(DATEADD(DAY, -29, l.window_end) AS date) AS window_start,
    t.store_id,
    s.store_name,
    s.store_type,
    t.region,
    t.revenue,
    t.transactions,
    t.unique_customers,
    RANK() OVER (PARTITION BY t.region ORDER BY t.revenue DESC) AS revenue_rank_in_region
FROM store_totals AS t
CROSS JOIN latest AS l
LEFT OUTER JOIN gold.dim_store AS s
    ON
        t.store_id = s.store_id
        AND s.is_current = 1;
