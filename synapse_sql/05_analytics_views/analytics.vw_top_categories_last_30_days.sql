-- The ten categories with the most revenue over the last 30 days. "Last 30 days" ends at the latest sales date
-- in Gold (as customer_segmentation's as_of_date does), so a report over a late load does not go blank.
CREATE OR ALTER VIEW analytics.vw_top_categories_last_30_days
AS
WITH latest AS (
    SELECT MAX(d.transaction_date) AS window_end
    FROM gold.daily_sales_summary AS d
),

category_totals AS (
    SELECT
        p.category,
        SUM(p.revenue) AS revenue,
        SUM(p.units) AS units,
        SUM(p.transactions) AS transactions
    FROM gold.product_category_performance AS p
    INNER JOIN latest AS l
        ON p.transaction_date BETWEEN DATEADD(DAY, -29, l.window_end) AND l.window_end
    GROUP BY p.category
)

SELECT TOP (10)
    l.window_end,
    CAST(DATEADD(DAY, -29, l.window_end) AS date) AS window_start,
    t.category,
    t.revenue,
    t.units,
    t.transactions,
    RANK() OVER (ORDER BY t.revenue DESC) AS revenue_rank
FROM category_totals AS t
CROSS JOIN latest AS l
ORDER BY t.revenue DESC, t.category ASC;
