-- The serverless database that holds the Gold and analyst views. Run this one file on `master`, then connect
-- to `lakehouse` for every other file. The UTF-8 BIN2 collation is what lets serverless SQL read Parquet strings
-- without conversion and push string filters down to the files.
CREATE DATABASE lakehouse
COLLATE Latin1_General_100_BIN2_UTF8;
