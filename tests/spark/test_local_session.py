"""The local session's settings that depend on the machine (src/lakehouse/spark.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from lakehouse.spark import (
    C1_ONLY,
    DRIVER_MEMORY_ENV,
    JVM_OPTIONS_ENV,
    LEAN_INLINING,
    LEAN_JIT_MAX_BYTES,
    LOCAL_GC,
    PLAIN_ENCODED_COLUMNS,
    SMALL_INPUT_BYTES,
    SPARK_LOG_ENV,
    class_archive,
    driver_memory,
    get_spark,
    is_small_input,
    local_java_options,
    session_of_its_own,
)

GIB = 2**30


@pytest.mark.parametrize(("physical_gib", "heap"), [
    (8, "4g"),     # a small laptop still gets the 4 GiB the tests and the demo were sized on
    (24, "8g"),    # a third (this project's machines report 23.5 GiB: 7g)
    (64, "16g"),   # capped: a local session is not a cluster
    (200, "16g"),
])
def test_driver_heap_is_a_third_of_the_machine_within_bounds(monkeypatch, physical_gib, heap):
    monkeypatch.delenv(DRIVER_MEMORY_ENV, raising=False)
    assert driver_memory(physical_gib * GIB) == heap


def test_driver_heap_can_be_set(monkeypatch):
    monkeypatch.setenv(DRIVER_MEMORY_ENV, "10g")
    assert driver_memory(24 * GIB) == "10g"


# --- the driver JVM's options: class-data archive, JIT by input size, $LAKEHOUSE_JVM_OPTIONS ---

def test_a_local_jvm_maps_the_class_archive_when_there_is_one(monkeypatch, tmp_path):
    monkeypatch.delenv(JVM_OPTIONS_ENV, raising=False)
    archive = tmp_path / "classes.jsa"
    assert not any("SharedArchiveFile" in option for option in local_java_options(None, archive))
    archive.write_bytes(b"\0")
    assert f"-XX:SharedArchiveFile={archive}" in local_java_options(None, archive)


def test_the_jit_follows_the_input_size_and_extra_options_come_last(monkeypatch, tmp_path):
    """C1 only up to SMALL_INPUT_BYTES, C2 with less inlining up to LEAN_JIT_MAX_BYTES, HotSpot's defaults above it
    or when the size is unknown."""
    archive = tmp_path / "none.jsa"
    monkeypatch.delenv(JVM_OPTIONS_ENV, raising=False)
    unknown = local_java_options(None, archive)
    assert unknown[0].startswith("-Dlog4j2.configurationFile=file:")
    # A locale without special casing, whatever the machine's: the JVM maps case (not ICU), see test_parsers_grid.
    assert {"-Duser.language=en", "-Duser.country=US"} <= set(unknown)
    assert set(LOCAL_GC) <= set(unknown)
    jit_options = set(C1_ONLY) | set(LEAN_INLINING)
    by_size = {size: jit_options & set(local_java_options(size, archive))
               for size in (0, SMALL_INPUT_BYTES, SMALL_INPUT_BYTES + 1, LEAN_JIT_MAX_BYTES, LEAN_JIT_MAX_BYTES + 1)}
    assert by_size == {0: set(C1_ONLY), SMALL_INPUT_BYTES: set(C1_ONLY), SMALL_INPUT_BYTES + 1: set(LEAN_INLINING),
                       LEAN_JIT_MAX_BYTES: set(LEAN_INLINING), LEAN_JIT_MAX_BYTES + 1: set()}
    assert not jit_options & set(unknown)
    monkeypatch.setenv(JVM_OPTIONS_ENV, "-XX:TieredStopAtLevel=4  -Dsome.flag=1")
    assert local_java_options(0, archive)[-2:] == ["-XX:TieredStopAtLevel=4", "-Dsome.flag=1"]  # last one wins


def test_the_input_size_is_not_asked_for_when_a_session_is_running(spark):
    def asked() -> int:
        raise AssertionError("listed the input although no JVM was started")

    assert get_spark(input_bytes=asked) is spark


def test_a_damaged_archive_does_not_stop_a_jvm(tmp_path):
    """What makes the archive safe to keep around: a JVM that cannot map it (damaged, or made by another JDK or
    for another classpath) loads its classes as usual. A stale one is never used anyway (`class_archive` is keyed
    by the runtime, Spark and Delta)."""
    archive = tmp_path / "damaged.jsa"
    archive.write_bytes(b"not an archive" * 1000)
    result = subprocess.run(["java", f"-XX:SharedArchiveFile={archive}", "-version"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_a_session_for_a_small_root_maps_bootstraps_archive_and_compiles_little(tmp_path):
    """scripts/bootstrap.sh made the archive (`python -m lakehouse.spark --build-class-archive`), and a local
    session's JVM loads Spark's and Delta's classes from it: the JVM's class-loading log names the archive ("top"
    layer, above the JDK's own) as their source. Started for a small input, the JVM runs C1 only and Spark
    generates no code."""
    archive = class_archive()
    assert archive.is_file(), f"{archive} is missing: run scripts/bootstrap.sh"
    loads = tmp_path / "class-load.log"
    script = textwrap.dedent("""
        from lakehouse.spark import get_spark
        spark = get_spark(input_bytes=lambda: 1000)
        assert spark.range(3).selectExpr("id * 2 AS twice").where("twice > 0").count() == 2
        jvm = spark.sparkContext._jvm
        print(spark.conf.get("spark.sql.codegen.wholeStage"), spark.conf.get("spark.sql.codegen.factoryMode"))
        print(" ".join(jvm.java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()))
    """)
    env = {**os.environ, JVM_OPTIONS_ENV: f"-Xlog:class+load=info:file={loads}",
           SPARK_LOG_ENV: str(tmp_path / "spark.log")}
    for name in ("PYSPARK_SUBMIT_ARGS", "JDK_JAVA_OPTIONS"):
        env.pop(name, None)
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    settings, jvm_arguments = result.stdout.splitlines()[-2:]
    assert settings == "false NO_CODEGEN"
    assert "-XX:TieredStopAtLevel=1" in jvm_arguments.split()
    assert set(LOCAL_GC) <= set(jvm_arguments.split()) and not set(LEAN_INLINING) & set(jvm_arguments.split())
    from_archive = [line for line in loads.read_text().splitlines() if "shared objects file (top)" in line]
    assert any(" org.apache.spark.SparkContext " in line for line in from_archive)
    assert any(" org.apache.spark.sql.delta." in line for line in from_archive)  # Delta's JARs, a custom loader


def test_the_tests_own_session_generates_code(spark):
    """The other half of the coverage: the in-process tests run Spark's generated code, as a large run does (the
    runs the integration tests start as processes are small, so they run without it)."""
    assert spark.conf.get("spark.sql.codegen.wholeStage") == "true"
    assert spark.conf.get("spark.sql.codegen.factoryMode", "FALLBACK") == "FALLBACK"
    # Started for an unknown input size: HotSpot's own JIT, with the local GC setting.
    options = set(spark.sparkContext.getConf().get("spark.driver.extraJavaOptions", "").split())
    assert set(LOCAL_GC) <= options and not (set(C1_ONLY) | set(LEAN_INLINING)) & options


def test_an_input_size_is_a_number_of_bytes():
    assert is_small_input(0) and is_small_input(SMALL_INPUT_BYTES) and not is_small_input(SMALL_INPUT_BYTES + 1)
    assert not is_small_input(None)
    with pytest.raises(TypeError):
        is_small_input(False)  # type: ignore[arg-type]  # what a caller passing the old flag would do


def test_waiting_for_a_process_group_ends_when_it_ends_or_at_the_timeout():
    """The archive's build waits for the JVM its run started (it writes the archive after the run's Python exited
    and was reaped), but never forever. A shell that leaves a child behind stands in for that Python."""
    from lakehouse.spark import _wait_for_group

    quick = subprocess.Popen(["sh", "-c", "sleep 0.5 &"], start_new_session=True)
    quick.wait()
    assert _wait_for_group(quick.pid, timeout_s=30)
    stuck = subprocess.Popen(["sh", "-c", "sleep 30 &"], start_new_session=True)
    stuck.wait()
    try:
        assert not _wait_for_group(stuck.pid, timeout_s=0.5)
    finally:
        os.killpg(stuck.pid, signal.SIGKILL)


def test_the_archive_is_kept_per_spark_installation(monkeypatch, tmp_path):
    """Another virtualenv (another class path) gets an archive of its own: the JVM refuses one made for another
    class path, so a second checkout sharing the cache never used it (found by CI on a clone beside the first)."""
    import pyspark

    mine = class_archive()
    monkeypatch.setattr(pyspark, "__file__", str(tmp_path / "other-venv" / "pyspark" / "__init__.py"))
    assert class_archive() != mine


def test_the_archive_is_kept_per_version_of_the_class_paths_jars(monkeypatch, tmp_path):
    """The same virtualenv path made again (a fresh clone of CI at the same place) has JARs with other modification
    times, which the JVM checks against the archive: it gets an archive of its own (the old one was refused
    silently, found by CI: Spark's classes no longer came from the archive)."""
    import pyspark

    jar = tmp_path / "venv" / "pyspark" / "jars" / "spark-core.jar"
    jar.parent.mkdir(parents=True)
    jar.write_bytes(b"PK")
    monkeypatch.setattr(pyspark, "__file__", str(jar.parent.parent / "__init__.py"))
    before = class_archive()
    assert class_archive() == before  # stable while nothing changes
    os.utime(jar, ns=(jar.stat().st_atime_ns, jar.stat().st_mtime_ns + 1_000_000_000))
    assert class_archive() != before


# --- settings for a block: session_settings, and bronze-to-silver's for a small batch ---

def test_session_settings_hold_for_the_block_then_go_back(spark):
    from lakehouse.spark import session_settings

    unset_key = "spark.lakehouse.test.unset"
    before = spark.conf.get("spark.sql.shuffle.partitions")
    with session_settings(spark, {"spark.sql.shuffle.partitions": "7", unset_key: "x"}):
        assert spark.conf.get("spark.sql.shuffle.partitions") == "7"
        assert spark.conf.get(unset_key) == "x"
    assert spark.conf.get("spark.sql.shuffle.partitions") == before
    assert spark.conf.get(unset_key, None) is None
    with pytest.raises(RuntimeError), session_settings(spark, {"spark.sql.shuffle.partitions": "9"}):
        raise RuntimeError("a failed block")
    assert spark.conf.get("spark.sql.shuffle.partitions") == before


@pytest.mark.parametrize(("batch_bytes", "adaptive"), [(1_000, "false"), (SMALL_INPUT_BYTES, "false"),
                                                       (SMALL_INPUT_BYTES + 1, "true")])
def test_bronze_to_silver_plans_a_small_batch_without_adaptive_execution(spark, monkeypatch, batch_bytes, adaptive):
    from datetime import date
    from types import SimpleNamespace

    from lakehouse.bronze.discovery import BronzeFile
    from lakehouse.pipeline import silver_batch

    seen = []
    monkeypatch.setattr(silver_batch, "_split_and_validate",
                        lambda context, files, batch_bytes_seen, steps: seen.append(
                            (spark.conf.get("spark.sql.adaptive.enabled"), batch_bytes_seen)))
    files = [BronzeFile(date(2026, 1, 5), b"bronze/t/a.csv", "transactions", "bronze/t/a.csv", batch_bytes // 2, 0),
             BronzeFile(date(2026, 1, 5), b"bronze/t/b.csv", "transactions", "bronze/t/b.csv", -(-batch_bytes // 2), 0)]
    spark.conf.set("spark.sql.adaptive.enabled", "true")
    silver_batch.split_and_validate(SimpleNamespace(spark=spark), files, {})
    assert seen == [(adaptive, sum(file.size for file in files))]
    assert spark.conf.get("spark.sql.adaptive.enabled") == "true"  # the stage's setting ends with it


# --- file settings: Parquet's dictionary off for the columns unique or nearly so within a file ---

def _encodings(folder, column: str) -> set[str]:
    import pyarrow.parquet as pq

    files = sorted(path for path in folder.rglob("*.parquet") if "_delta_log" not in path.parts)
    assert files, f"nothing written under {folder}"
    metadata = pq.ParquetFile(files[0]).metadata
    index = metadata.schema.names.index(column)
    return {encoding for group in range(metadata.num_row_groups)
            for encoding in metadata.row_group(group).column(index).encodings}


@pytest.mark.parametrize("file_format", ["parquet", "delta"])
def test_plain_encoded_columns_get_no_dictionary_in_any_session(spark, tmp_path, file_format):
    """FILE_SETTINGS reach Spark's Parquet writes and delta-spark's, on the session and on `session_of_its_own`:
    a repeated customer id and timestamp are written plainly, a repeated store id with its dictionary."""
    from datetime import UTC, datetime

    moments = [datetime(2026, 1, 5, hour, tzinfo=UTC) for hour in range(3)]
    rows = [(f"T{index}", f"C{index % 3}", moments[index % 3], f"S{index % 3}") for index in range(300)]
    schema = "transaction_id string, customer_id string, transaction_ts timestamp, store_id string"
    dictionary = {"PLAIN_DICTIONARY", "RLE_DICTIONARY"}
    for name, session in (("shared", spark), ("own", session_of_its_own(spark))):
        target = tmp_path / name
        session.createDataFrame(rows, schema).coalesce(1).write.format(file_format).save(str(target))
        for column in ("transaction_id", "customer_id", "transaction_ts"):
            assert not _encodings(target, column) & dictionary, (name, column)
        assert _encodings(target, "store_id") & dictionary, name


def test_plain_encoded_columns_are_columns_of_the_tables():
    """A renamed column would silently lose its setting: each name is a column of a Silver or Gold table, the
    quarantine or the key index."""
    from lakehouse.gold import tables
    from lakehouse.silver import schemas
    from lakehouse.silver.classify import KEY

    names = {field.name for schema in (*schemas.SILVER_SCHEMAS.values(), schemas.QUARANTINE,
                                       *(table.schema for table in tables.ALL)) for field in schema.fields}
    assert set(PLAIN_ENCODED_COLUMNS) <= names | {KEY}
