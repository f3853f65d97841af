-- The role of everyone who reads the analyst views: SELECT on schema analytics and nothing in gold. The views
-- reach gold through ownership chaining (both schemas are owned by dbo), so no SELECT on gold is needed.
-- OPENROWSET in the gold views still checks the caller's right to use the credential and to run bulk reads.
CREATE ROLE analytics_reader;
GRANT SELECT ON SCHEMA::analytics TO analytics_reader;
DENY SELECT ON SCHEMA::gold TO analytics_reader;
-- sqlfluff's T-SQL grammar lacks the CREDENTIAL:: securable, hence the noqa.
GRANT REFERENCES ON DATABASE SCOPED CREDENTIAL::gold_lake_credential TO analytics_reader; -- noqa: PRS
GRANT ADMINISTER DATABASE BULK OPERATIONS TO analytics_reader;
