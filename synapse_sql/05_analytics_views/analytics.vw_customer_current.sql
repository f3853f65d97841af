-- Every customer's current attributes (the open version of dim_customer, contract §4.1).
CREATE OR ALTER VIEW analytics.vw_customer_current
AS
SELECT
    c.customer_id,
    c.first_name,
    c.last_name,
    c.email,
    c.city,
    c.country,
    c.loyalty_tier,
    c.signup_date,
    c.valid_from AS current_since
FROM gold.dim_customer AS c
WHERE c.is_current = 1;
