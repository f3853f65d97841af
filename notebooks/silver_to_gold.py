# Databricks notebook source
# MAGIC %md
# MAGIC # Silver to Gold
# MAGIC Brings Gold up to date with the Silver rows not yet consumed, as the job `lakehouse_silver_to_gold` does,
# MAGIC through the same entry point (`lakehouse.databricks.entrypoints.silver_to_gold`); an empty `root` is refused.
# MAGIC Gold and `ops` Delta tables are written by the cluster's Delta Lake (engine `auto` = delta-spark on Databricks).
# MAGIC Needs the `lakehouse` wheel on the cluster: install the one `lakehouse deploy` uploaded (it prints the path,
# MAGIC `/Workspace/Shared/lakehouse/wheels/<sha256>/lakehouse-<version>-py3-none-any.whl`) as a cluster library.

# COMMAND ----------

dbutils.widgets.text("root", "/Volumes/lakehouse/prod")  # a UC schema whose volumes are bronze, silver, gold, ops
dbutils.widgets.text("run_id", "")  # empty: a new run id

# COMMAND ----------

from lakehouse.databricks import entrypoints

argv = entrypoints.notebook_arguments(dbutils.widgets.get("root"), dbutils.widgets.get("run_id"))
entrypoints.silver_to_gold(argv)
