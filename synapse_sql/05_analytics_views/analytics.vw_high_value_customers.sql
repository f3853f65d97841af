-- Customers in the HIGH segment (spend of 1000.00 or more over the 365 days ending at as_of_date, contract
-- §4.4), with their current contact details. A customer deleted from the source keeps the segment row and has
-- null contact details.
CREATE OR ALTER VIEW analytics.vw_high_value_customers
AS
SELECT
    s.as_of_date,
    s.customer_id,
    c.first_name,
    c.last_name,
    c.email,
    c.city,
    c.country,
    c.loyalty_tier,
    s.total_spend_365d,
    s.transactions_365d,
    s.last_purchase_date,
    s.recency_days
FROM gold.customer_segmentation AS s
LEFT OUTER JOIN gold.dim_customer AS c
    ON
        s.customer_id = c.customer_id
        AND c.is_current = 1
WHERE s.segment = 'HIGH';
