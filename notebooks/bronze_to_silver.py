# Databricks notebook source
# MAGIC %md
# MAGIC # Bronze to Silver
# MAGIC Validates the Bronze files not yet processed into Silver, as the job `lakehouse_bronze_to_silver` does,
# MAGIC through the same entry point (`lakehouse.databricks.entrypoints.bronze_to_silver`); an empty `root` is refused.
# MAGIC Gold and `ops` Delta tables are written by the cluster's Delta Lake (engine `auto` = delta-spark on Databricks).
# MAGIC Needs the `lakehouse` wheel on the cluster: install the one `lakehouse deploy` uploaded (it prints the path,
# MAGIC `/Workspace/Shared/lakehouse/wheels/<sha256>/lakehouse-<version>-py3-none-any.whl`) as a cluster library.

# COMMAND ----------

dbutils.widgets.text("root", "/Volumes/lakehouse/prod")  # a UC schema whose volumes are bronze, silver, gold, ops
dbutils.widgets.text("run_id", "")  # empty: a new run id
dbutils.widgets.text("max_quarantine_ratio", "")  # the quality gate's limit; empty: the command line's default

# COMMAND ----------

from lakehouse.databricks import entrypoints

argv = entrypoints.notebook_arguments(dbutils.widgets.get("root"), dbutils.widgets.get("run_id"),
                                      dbutils.widgets.get("max_quarantine_ratio"))
entrypoints.bronze_to_silver(argv)
