"""Spark session factory: the cluster's session on Databricks, a small local one on a laptop."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from lakehouse.errors import UserError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# Settings every session gets, local or cluster: they change results, not just speed.
RESULT_SETTINGS = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.legacy.timeParserPolicy": "CORRECTED",
    "spark.sql.sources.partitionOverwriteMode": "dynamic",
}

LOCAL_SETTINGS = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "4",
    "spark.sql.adaptive.enabled": "true",
    "spark.driver.memory": "4g",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.log.level": "ERROR",
}


def is_databricks() -> bool:
    return "DATABRICKS_RUNTIME_VERSION" in os.environ


def check_java() -> None:
    """Fail with one sentence, not a Py4J stack, when no Java runtime is reachable."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and os.access(os.path.join(java_home, "bin", "java"), os.X_OK):
        return
    if shutil.which("java"):
        return
    raise UserError(
        "no Java runtime found: Spark needs Java 17 (install it, e.g. 'apt-get install openjdk-17-jre-headless', "
        "or set JAVA_HOME)"
    )


def get_spark(app_name: str = "lakehouse", shuffle_partitions: int | None = None) -> SparkSession:
    """The active session on a cluster; otherwise a local[2] session with the UI off."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None or is_databricks():
        spark = active or SparkSession.builder.getOrCreate()
    else:
        check_java()
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # a laptop session needs no other interface
        log4j = Path(__file__).with_name("log4j2.properties")
        builder = SparkSession.builder.master(os.environ.get("LAKEHOUSE_SPARK_MASTER", "local[2]")).appName(app_name)
        for key, value in LOCAL_SETTINGS.items():
            builder = builder.config(key, value)
        builder = builder.config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={log4j.as_uri()}")
        if shuffle_partitions is not None:
            builder = builder.config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        spark = builder.getOrCreate()
        spark.sparkContext.setLogLevel("ERROR")
    for key, value in RESULT_SETTINGS.items():
        spark.conf.set(key, value)
    return spark
