-- The workspace's managed identity reads the gold container: no keys or SAS tokens to rotate. The identity needs
-- the "Storage Blob Data Reader" role on the storage account (granted in Azure, not here).
CREATE DATABASE SCOPED CREDENTIAL gold_lake_credential
WITH IDENTITY = 'Managed Identity';
