-- The Microsoft Entra group data-analysts as a database user, member of analytics_reader (SELECT on analytics
-- only). Power BI's DirectQuery connection uses the signed-in analyst's identity, so it gets the same rights.
CREATE USER [data-analysts] FROM EXTERNAL PROVIDER;
ALTER ROLE analytics_reader ADD MEMBER [data-analysts];
