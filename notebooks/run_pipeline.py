# Databricks notebook source
# MAGIC %md
# MAGIC # Daily pipeline
# MAGIC Bronze to Silver, then Silver to Gold, under one run id, as the job `lakehouse_daily` does.
# MAGIC Needs the `lakehouse` wheel on the cluster: install the one `lakehouse deploy` uploaded (it prints the path,
# MAGIC `/Workspace/Shared/lakehouse/wheels/<sha256>/lakehouse-<version>-py3-none-any.whl`) as a cluster library.

# COMMAND ----------

dbutils.widgets.text("root", "/Volumes/lakehouse/prod")  # a UC schema whose volumes are bronze, silver, gold, ops
dbutils.widgets.text("run_id", "")  # empty: a new run id

# COMMAND ----------

import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # before Great Expectations is imported

from lakehouse.config import LakehouseConfig
from lakehouse.jobs import pipeline

config = LakehouseConfig.create(dbutils.widgets.get("root"), dbutils.widgets.get("run_id") or None)
pipeline.run(config, echo=True)
