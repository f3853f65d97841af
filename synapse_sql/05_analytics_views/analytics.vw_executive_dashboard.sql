-- One row of headline figures: the last 30 days (ending at the latest sales date in Gold) against the 30 days
-- before them, the HIGH segment's size, and the current customer and store counts.
CREATE OR ALTER VIEW analytics.vw_executive_dashboard
AS
WITH latest AS (
    SELECT MAX(d.transaction_date) AS window_end
    FROM gold.daily_sales_summary AS d
),

last_30_days AS (
    SELECT
        SUM(f.amount) AS revenue,
        COUNT(*) AS transactions,
        COUNT(DISTINCT f.customer_id) AS unique_customers
    FROM gold.fact_sales AS f
    INNER JOIN latest AS l
        ON f.transaction_date BETWEEN DATEADD(DAY, -29, l.window_end) AND l.window_end
),

previous_30_days AS (
    SELECT SUM(d.total_revenue) AS revenue
    FROM gold.daily_sales_summary AS d
    INNER JOIN latest AS l
        ON d.transaction_date BETWEEN DATEADD(DAY, -59, l.window_end) AND DATEADD(DAY, -30, l.window_end)
),

segments AS (
    SELECT SUM(CASE WHEN s.segment = 'HIGH' THEN 1 ELSE 0 END) AS high_value_customers
    FROM gold.customer_segmentation AS s
),

current_dimensions AS (
    SELECT
        (
            SELECT COUNT(*) FROM gold.dim_customer AS c
            WHERE c.is_current = 1
        ) AS current_customers,
        (
            SELECT COUNT(*) FROM gold.dim_store AS s
            WHERE s.is_current = 1
        ) AS open_stores
)

SELECT
    l.window_end,
    CAST(DATEADD(DAY, -29, l.window_end) AS date) AS window_start,
    r.revenue AS revenue_30d,
    r.transactions AS transactions_30d,
    r.unique_customers AS unique_customers_30d,
    p.revenue AS revenue_previous_30d,
    r.revenue - p.revenue AS revenue_change,
    g.high_value_customers,
    k.current_customers,
    k.open_stores
FROM latest AS l
CROSS JOIN last_30_days AS r
CROSS JOIN previous_30_days AS p
CROSS JOIN segments AS g
CROSS JOIN current_dimensions AS k;
