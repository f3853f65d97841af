"""Synapse serverless SQL over Gold (`synapse_sql/`), and `lakehouse sql`, which runs its analyst views locally."""
