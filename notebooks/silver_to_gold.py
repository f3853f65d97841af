# Databricks notebook source
# MAGIC %md
# MAGIC # Silver to Gold
# MAGIC Brings Gold up to date with the Silver rows not yet consumed, as the job `lakehouse_silver_to_gold` does.
# MAGIC Needs the `lakehouse` wheel on the cluster: install the one `lakehouse deploy` uploaded (it prints the path,
# MAGIC `/Workspace/Shared/lakehouse/wheels/<sha256>/lakehouse-<version>-py3-none-any.whl`) as a cluster library.

# COMMAND ----------

dbutils.widgets.text("root", "/Volumes/lakehouse/prod")  # a UC schema whose volumes are bronze, silver, gold, ops
dbutils.widgets.text("run_id", "")  # empty: a new run id

# COMMAND ----------

import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # before Great Expectations is imported

from lakehouse.config import LakehouseConfig
from lakehouse.jobs import silver_to_gold
from lakehouse.jobs.console import print_s2g_summary

config = LakehouseConfig.create(dbutils.widgets.get("root"), dbutils.widgets.get("run_id") or None)
print_s2g_summary(silver_to_gold.run(config))
