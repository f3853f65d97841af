-- One view per Gold Delta table, under the table's own name. Analysts get no permission on it.
CREATE SCHEMA gold;
