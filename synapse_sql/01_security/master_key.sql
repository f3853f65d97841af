-- A database master key protects the database-scoped credential. No password: serverless SQL then protects it
-- with its own service key, and no secret has to live in this repository.
CREATE MASTER KEY;
