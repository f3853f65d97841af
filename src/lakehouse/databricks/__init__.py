"""Databricks: the job definitions of `jobs/` (read and checked by `spec`), the wheel tasks' entry points, and
`lakehouse deploy` (`deploy/`), which puts the wheel and the jobs onto a workspace."""
