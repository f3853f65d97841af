-- The gold container (contract §1). Replace <account> with the storage account's name when deploying; every
-- Gold view's BULK path is relative to this location.
CREATE EXTERNAL DATA SOURCE gold_lake
WITH (
    LOCATION = 'abfss://gold@<account>.dfs.core.windows.net',
    CREDENTIAL = gold_lake_credential
);
