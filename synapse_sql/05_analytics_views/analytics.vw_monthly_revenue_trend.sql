-- Revenue per calendar month (UTC transaction_date) from the daily summary, with the change from the month
-- before. Months without sales are absent, so previous_month_revenue is that of the previous month with sales.
CREATE OR ALTER VIEW analytics.vw_monthly_revenue_trend
AS
WITH monthly AS (
    SELECT
        DATEFROMPARTS(YEAR(d.transaction_date), MONTH(d.transaction_date), 1) AS month_start,
        SUM(d.total_revenue) AS revenue,
        SUM(d.total_transactions) AS transactions,
        SUM(d.total_quantity) AS quantity,
        COUNT(*) AS days_with_sales
    FROM gold.daily_sales_summary AS d
    GROUP BY DATEFROMPARTS(YEAR(d.transaction_date), MONTH(d.transaction_date), 1)
)

SELECT
    m.month_start,
    m.revenue,
    m.transactions,
    m.quantity,
    m.days_with_sales,
    LAG(m.revenue) OVER (ORDER BY m.month_start) AS previous_month_revenue,
    m.revenue - LAG(m.revenue) OVER (ORDER BY m.month_start) AS revenue_change
FROM monthly AS m;
