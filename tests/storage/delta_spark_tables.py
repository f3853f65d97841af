"""Write the Delta tables of tests/storage/test_synapse_check.py with REAL delta-spark, in a process of its own.

Run as `python delta_spark_tables.py OUT_DIR JAR,JAR,...`. A Python process holds one SparkSession, and the test
process may already hold the project's session without Delta, so the Delta session lives here. Each table is a directory
of OUT_DIR; `OUT_DIR/spark_view.json` holds what delta-spark itself reports of each table (version, protocol,
properties, data files, partition values, history), the independent reading the tests compare `delta_log` with.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

from pyspark.sql import DataFrame, SparkSession

# Synapse-safe table properties, spelled out rather than imported, so the test does not follow the project's choice.
SAFE_PROPERTIES = {
    "delta.enableDeletionVectors": "false",
    "delta.minReaderVersion": "1",
    "delta.minWriterVersion": "2",
    "delta.columnMapping.mode": "none",
}
SCHEMA_SQL = "k STRING, amount DECIMAL(18,2), transaction_date DATE"
THRESHOLD = "spark.databricks.delta.checkpointSchema.writeThresholdLength"
DAYS = ["2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08"]


def delta_session(jars: list[str]) -> SparkSession:
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = (
        SparkSession.builder.master("local[2]").appName("delta-spark-tables")
        .config("spark.jars", ",".join(jars))
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        # Delta rebuilds table state over 50 partitions by default: minutes of tiny tasks for these tables.
        .config("spark.databricks.delta.snapshotPartitions", "2")
    )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def create(spark: SparkSession, path: Path, schema_sql: str, properties: dict[str, str],
           partition_by: str | None = None) -> None:
    props = ", ".join(f"'{key}' = '{value}'" for key, value in properties.items())
    partitioned = f"PARTITIONED BY ({partition_by})" if partition_by else ""
    spark.sql(f"CREATE TABLE delta.`{path}` ({schema_sql}) USING delta {partitioned} TBLPROPERTIES ({props})")


def day_rows(spark: SparkSession, day: str, n: int) -> DataFrame:
    return spark.range(n).selectExpr(
        f"concat('k', id, '-{day}') AS k", "cast(id * 1.25 AS decimal(18,2)) AS amount",
        f"DATE'{day}' AS transaction_date",
    )


def append_day(spark: SparkSession, path: Path, day: str, n: int) -> None:
    day_rows(spark, day, n).coalesce(1).write.format("delta").mode("append").save(str(path))


def replace_day(spark: SparkSession, path: Path, day: str, n: int, app: str, txn_version: int) -> None:
    """A Gold-style commit: replace one date's rows, name the run, and record a SetTransaction for idempotency."""
    (day_rows(spark, day, n).coalesce(1).write.format("delta").mode("overwrite")
     .option("replaceWhere", f"transaction_date = DATE'{day}'")
     .option("userMetadata", json.dumps({"run_id": f"{app}-{txn_version}"}))
     .option("txnAppId", app).option("txnVersion", txn_version)
     .save(str(path)))


def write_clean(spark: SparkSession, path: Path) -> None:
    """12 commits (versions 0-11) with the safe properties: classic checkpoint at 10 (the default interval), then 11.

    Files are replaced both before the checkpoint (version 5) and after it (version 11); app 'early' only commits
    before it, so its transaction version can only come from the checkpoint.
    """
    spark.conf.set(THRESHOLD, "0")  # keeps checkpointSchema out of _last_checkpoint
    create(spark, path, SCHEMA_SQL, SAFE_PROPERTIES, "transaction_date")
    for version in range(1, 11):
        if version == 5:
            replace_day(spark, path, DAYS[0], 3, app="early", txn_version=5)
        elif version == 10:
            replace_day(spark, path, DAYS[1], 2, app="gold-run", txn_version=10)
        else:
            append_day(spark, path, DAYS[version % len(DAYS)], 2)
    replace_day(spark, path, DAYS[2], 4, app="gold-run", txn_version=11)


def write_writer_options(spark: SparkSession, path: Path) -> None:
    """Created by a first DataFrame write whose options name the properties, as a job might do instead of CREATE."""
    writer = day_rows(spark, DAYS[0], 2).write.format("delta").partitionBy("transaction_date")
    for key, value in SAFE_PROPERTIES.items():
        writer = writer.option(key, value)
    writer.save(str(path))


def write_multipart(spark: SparkSession, path: Path) -> None:
    """A multi-part checkpoint at version 3: checkpointInterval 3, at most 2 actions per part."""
    spark.conf.set(THRESHOLD, "0")
    spark.conf.set("spark.databricks.delta.checkpoint.partSize", "2")
    try:
        create(spark, path, SCHEMA_SQL, {**SAFE_PROPERTIES, "delta.checkpointInterval": "3"}, "transaction_date")
        for day in DAYS[:3]:
            append_day(spark, path, day, 2)
        replace_day(spark, path, DAYS[0], 1, app="gold-run", txn_version=4)
    finally:
        spark.conf.unset("spark.databricks.delta.checkpoint.partSize")


def write_large_last_checkpoint(spark: SparkSession, path: Path) -> None:
    """delta-spark's default threshold puts checkpointSchema into _last_checkpoint (the default interval 10 does the
    same after 10 commits; interval 2 gets there in 3)."""
    spark.conf.unset(THRESHOLD)
    create(spark, path, SCHEMA_SQL, {**SAFE_PROPERTIES, "delta.checkpointInterval": "2"}, "transaction_date")
    append_day(spark, path, DAYS[0], 2)
    append_day(spark, path, DAYS[1], 2)


def write_deletion_vectors(spark: SparkSession, path: Path) -> None:
    create(spark, path, "id BIGINT, v STRING", {"delta.enableDeletionVectors": "true"})
    spark.range(10).selectExpr("id", "cast(id AS string) AS v").coalesce(1).write.format("delta").mode("append") \
        .save(str(path))
    spark.sql(f"DELETE FROM delta.`{path}` WHERE id < 3")  # 7 of the file's 10 rows stay: a deletion vector


def write_column_mapping(spark: SparkSession, path: Path) -> None:
    create(spark, path, "id BIGINT, v STRING", {
        "delta.enableDeletionVectors": "false", "delta.columnMapping.mode": "name",
        "delta.minReaderVersion": "2", "delta.minWriterVersion": "5",
    })
    spark.sql(f"INSERT INTO delta.`{path}` VALUES (1, 'a'), (2, 'b')")


def write_timestamp_ntz(spark: SparkSession, path: Path) -> None:
    create(spark, path, "id BIGINT, at TIMESTAMP_NTZ", {"delta.enableDeletionVectors": "false"})
    spark.sql(f"INSERT INTO delta.`{path}` VALUES (1, TIMESTAMP_NTZ'2026-01-05 10:00:00')")


def write_v2_checkpoint(spark: SparkSession, path: Path) -> None:
    """Safe until the policy turns V2; then an explicit checkpoint at version 3 (a top-level file and a sidecar)."""
    spark.conf.set(THRESHOLD, "0")
    create(spark, path, SCHEMA_SQL, SAFE_PROPERTIES, "transaction_date")
    append_day(spark, path, DAYS[0], 2)
    replace_day(spark, path, DAYS[1], 3, app="gold-run", txn_version=2)
    spark.sql(f"ALTER TABLE delta.`{path}` SET TBLPROPERTIES ('delta.checkpointPolicy' = 'v2')")
    jvm = spark.sparkContext._jvm
    jvm.org.apache.spark.sql.delta.DeltaLog.forTable(spark._jsparkSession, str(path)).checkpoint()  # type: ignore
    replace_day(spark, path, DAYS[0], 4, app="gold-run", txn_version=4)


def write_reader_version_2(spark: SparkSession, path: Path) -> None:
    create(spark, path, "id BIGINT", {
        "delta.enableDeletionVectors": "false", "delta.minReaderVersion": "2", "delta.minWriterVersion": "5",
    })
    spark.sql(f"INSERT INTO delta.`{path}` VALUES (1)")


WRITERS = {
    "clean": write_clean,
    "writer_options": write_writer_options,
    "multipart": write_multipart,
    "large_last_checkpoint": write_large_last_checkpoint,
    "deletion_vectors": write_deletion_vectors,
    "column_mapping": write_column_mapping,
    "timestamp_ntz": write_timestamp_ntz,
    "v2_checkpoint": write_v2_checkpoint,
    "reader_version_2": write_reader_version_2,
}


def spark_view(spark: SparkSession, path: Path) -> dict[str, object]:
    """What delta-spark reports of the table: the reference `delta_log` is compared with."""
    detail = spark.sql(f"DESCRIBE DETAIL delta.`{path}`").first()
    assert detail is not None
    history = spark.sql(f"DESCRIBE HISTORY delta.`{path}`").orderBy("version").collect()
    df = spark.read.format("delta").load(str(path))
    files = sorted(str(Path(unquote(urlparse(uri).path)).relative_to(path)) for uri in df.inputFiles())
    partition_values = {
        column: sorted(str(row[0]) for row in df.select(column).distinct().collect())
        for column in detail["partitionColumns"]
    }
    return {
        "version": history[-1]["version"],
        "min_reader_version": detail["minReaderVersion"],
        "min_writer_version": detail["minWriterVersion"],
        "table_features": sorted(detail["tableFeatures"]),
        "properties": dict(detail["properties"]),
        "partition_columns": list(detail["partitionColumns"]),
        "files": files,
        "partition_values": partition_values,
        "history": [
            {"version": row["version"], "operation": row["operation"], "userMetadata": row["userMetadata"],
             "operationParameters": dict(row["operationParameters"] or {})}
            for row in history
        ],
    }


def main(out_dir: Path, jars: list[str]) -> None:
    spark = delta_session(jars)
    view = {}
    for name, write in WRITERS.items():
        write(spark, out_dir / name)
        view[name] = spark_view(spark, out_dir / name)
    (out_dir / "spark_view.json").write_text(json.dumps(view, indent=1, sort_keys=True))
    spark.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve(), sys.argv[2].split(","))
