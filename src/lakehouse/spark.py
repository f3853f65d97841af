"""Spark session factory: the cluster's session on Databricks, a small local one on a laptop.

A local session gets Delta Lake on its classpath when Delta's JARs are in the local cache (`delta_jars_dir()`),
which `scripts/bootstrap.sh` fills once (`python -m lakehouse.spark --fetch-delta-jars`), so a run never downloads
anything: the demo, the tests and a Databricks job then run the same delta-spark code. Without them a local session
still starts, and the Delta engine `auto` falls back to delta-rs (`storage.delta_tables.choose_engine`).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lakehouse.errors import UserError
from lakehouse.jvm_lookups import remember_lookups

if TYPE_CHECKING:
    from pyspark import StorageLevel
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

log = logging.getLogger(__name__)

# Settings every session gets, local or cluster: they change results, not just speed. Nothing here may change how
# a write overwrites partitions: a write that needs that says so in its own options.
RESULT_SETTINGS = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.legacy.timeParserPolicy": "CORRECTED",
    # Synapse serverless reads a `_last_checkpoint` of at most 200 bytes; delta-spark adds the checkpoint's schema
    # to that file unless this is 0 (storage.synapse_check verifies every Gold table).
    "spark.databricks.delta.checkpointSchema.writeThresholdLength": "0",
}
# Settings every session gets too, that change how files are written, not what they hold: Parquet's dictionary
# encoding off for the columns (by name, in any table) whose values are unique or nearly so within a file. Parquet
# hashes every value of a column into a dictionary: a unique column's (a transaction id, a key, a raw line) outgrows
# its page and is thrown away, all that hashing for nothing; a near-unique one's (a timestamp or a customer id, half
# or a quarter of a day's sales distinct) is kept and saves a few percent of the file. That hashing and comparing
# was the largest single cost of writing Silver transactions and fact_sales (JFR); without it one day's Silver
# transactions write in 3.9 s instead of 5.3 s, 58 MB instead of 57. Spark copies session settings into the Hadoop
# configuration of every write, Delta's included (a writer option does not reach delta-spark's Parquet writer);
# delta-rs does not read them.
PLAIN_ENCODED_COLUMNS = ("transaction_id", "transaction_ts", "customer_id", "_key", "raw")
FILE_SETTINGS = {f"parquet.enable.dictionary#{column}": "false" for column in PLAIN_ENCODED_COLUMNS}
SESSION_SETTINGS = {**RESULT_SETTINGS, **FILE_SETTINGS}

DELTA_SCALA_VERSION = "2.13"  # pyspark 4.0's Scala, as in delta.pip_utils
DELTA_JARS_ENV = "LAKEHOUSE_DELTA_JARS"
DELTA_SETTINGS = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
}


def delta_coordinates() -> str | None:
    """The Maven coordinates of the Delta JARs matching the installed delta-spark, or None without it."""
    try:
        return f"io.delta:delta-spark_{DELTA_SCALA_VERSION}:{version('delta-spark')}"
    except PackageNotFoundError:
        return None


def delta_jars_dir() -> Path:
    """Where Delta's JARs are cached: $LAKEHOUSE_DELTA_JARS, else ~/.cache/lakehouse/<coordinates>."""
    configured = os.environ.get(DELTA_JARS_ENV)
    if configured:
        return Path(configured)
    name = (delta_coordinates() or "delta-spark").replace(":", "_")
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lakehouse" / name


def cached_delta_jars() -> list[Path]:
    """The cached JARs, complete (the fetch writes its list last), or [] when they are not there."""
    listing = delta_jars_dir() / "jars.txt"
    if not listing.is_file():
        return []
    jars = [Path(line) for line in listing.read_text().split() if line]
    return jars if jars and all(jar.is_file() for jar in jars) else []


def fetch_delta_jars() -> list[Path]:
    """Resolve Delta's JARs from Maven Central into the cache once (Spark's own Ivy), and list them."""
    from pyspark.sql import SparkSession

    jars = cached_delta_jars()
    coordinates = delta_coordinates()
    if jars or coordinates is None:
        return jars
    check_java()
    target = delta_jars_dir()
    ivy = target / "ivy"
    spark = (SparkSession.builder.master("local[1]").appName("lakehouse-fetch-delta")
             .config("spark.jars.packages", coordinates).config("spark.jars.ivy", str(ivy))
             .config("spark.ui.enabled", "false").getOrCreate())
    spark.stop()
    jars = sorted((ivy / "jars").glob("*.jar"))
    if not jars:
        raise UserError(f"could not resolve {coordinates} from Maven Central into {ivy}")
    (target / "jars.txt").write_text("\n".join(str(jar) for jar in jars) + "\n")
    return jars

LOCAL_SETTINGS = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "4",
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.log.level": "ERROR",
    # Delta computes a table's state with this many tasks; its default (50) makes every small table slow locally.
    "spark.databricks.delta.snapshotPartitions": "2",
    # Delta's VACUUM lists a table's files with this many tasks (Spark's default, 10000, made one VACUUM of a small
    # table take 47-90 s here instead of 2-3 s); Spark's own listing of many Parquet paths uses it too.
    "spark.sql.sources.parallelPartitionDiscovery.parallelism": "8",
    # PySpark's daemon, less the re-reading of every zip directory on the workers' path before each Python task
    # (0.14-0.8 s a task here): lakehouse.spark_daemon.
    "spark.python.daemon.module": "lakehouse.spark_daemon",
    # Classes Spark compiled (Janino) for its generated code, kept by source: a run's ~150 small jobs compile more
    # distinct classes than the default 100 entries hold, so the same plans were compiled again and again (Janino
    # was a fifth of a warm tiny run's JVM samples, JFR). A warm run 22 s -> 16-17 s, a cold one 57 s -> 50 s.
    "spark.sql.codegen.cache.maxEntries": "4000",
    # No generated method larger than HotSpot compiles (8000 bytes of bytecode, HugeMethodLimit): Spark's default
    # (65535) let the classification of a batch run its row loop in the JVM's interpreter (JFR: a third of the task
    # threads' samples in one generated processNext). Larger plans fall back to per-operator code instead.
    # bronze-to-silver of 2.1M transactions 127.5 s -> 112.2 s.
    "spark.sql.codegen.hugeMethodLimit": "8000",
    # `lower` and `upper` by the JVM's own case mapping, not ICU's: ICU's first use title-cases every Unicode code
    # point (1.4-2.2 s of a cold JVM's CPU, on a one-day run's critical path). The rules only compare a lowered
    # value with ASCII words (§3: payment methods, channels, tiers, store types, flags) and upper-case only what
    # matched an ASCII pattern (LSNs, countries), and both mappings take the same strings to those words, given a
    # locale without special casing (JAVA_LOCALE). tests/model/test_parsers_grid.py checks this on the session.
    "spark.sql.icu.caseMappings.enabled": "false",
}
DRIVER_MEMORY_ENV = "LAKEHOUSE_DRIVER_MEMORY"  # a local JVM's heap, in Spark's notation ("6g"); else driver_memory()
SPARK_LOG_ENV = "LAKEHOUSE_SPARK_LOG"  # where a local JVM's console output goes ("-" for this process's stderr)
JVM_OPTIONS_ENV = "LAKEHOUSE_JVM_OPTIONS"  # more options for a local JVM (a profiler, a flag to try), added last
# A local JVM for at most this much input is set up for small data, where compiling costs a cold JVM more than
# it saves. It compiles with C1 only: HotSpot's optimising compiler (C2) cost a cold one-day run of 200 rows 41 s
# against 34 s, while a run over 2.1M transactions (225 MiB) took 20-35% longer without it. And Spark evaluates its
# plans without generating Java code (SMALL_INPUT_SETTINGS): 33 s -> 29 s for the same run. Spark's own tests run
# both ways; ours too (the tests' in-process session generates code, the runs they start as processes do not).
SMALL_INPUT_BYTES = 32 * 2**20
# The JVM's case mapping of non-ASCII text follows its default locale (Turkish and Azeri lower-case U+0130 to a plain
# `i`): a local JVM gets one whose mapping is the root locale's, whatever the machine's.
JAVA_LOCALE = ("-Duser.language=en", "-Duser.country=US")
C1_ONLY = ("-XX:TieredStopAtLevel=1", "-XX:ReservedCodeCacheSize=240m")  # C1's own default cache (48 MB) fills up
# Above SMALL_INPUT_BYTES and up to this much input a local JVM's optimising compiler (C2) inlines less
# (LEAN_INLINING). A run compiles a new class for almost every Spark query, and C2 compiled those, Janino and Spark's
# own hot code for 24-26 of bronze-to-silver's 107 CPU-seconds at 2.1M transactions (225 MiB; per-thread CPU of the
# JVM). Inlining less halves that, at task code about 7% slower: bronze-to-silver 55.1 s -> 51.5, 53.0 s,
# silver-to-gold 48.0 s -> 43.4, 42.0 s. That trade pays while both cores are busy, and the compiling is paid once a
# run, the slower code per row: by these figures it breaks even near 800 MB of multi-file input, and a larger input
# keeps HotSpot's defaults. A batch of one large file (398 MB: one parse task, a core left for the compiler) gained
# nothing from it (72.6 s against 72.7 s, together with the settings below).
LEAN_JIT_MAX_BYTES = 512 * 2**20
LEAN_INLINING = ("-XX:MaxInlineLevel=4", "-XX:FreqInlineSize=60", "-XX:InlineSmallCode=500")
# G1 starts marking the old generation at a fixed 75% of the heap, not at its adaptive guess. A batch's kept rows
# (`keep`: up to the storage memory execution cannot evict, under a third of the heap) are live until the stage ends,
# and the adaptive threshold kept starting marking cycles that found them all alive: G1's concurrent thread took 5-6
# CPU-seconds of bronze-to-silver at 2.1M transactions, and 0.2 s with this (bronze-to-silver 51.5, 53.0 s -> 49.7,
# 49.5 s).
LOCAL_GC = ("-XX:-G1UseAdaptiveIHOP", "-XX:InitiatingHeapOccupancyPercent=75")
SMALL_INPUT_SETTINGS = {
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",  # projections, predicates and orderings interpreted
}
# For the duration of a bronze-to-silver batch of at most SMALL_INPUT_BYTES (local or on a cluster): its queries (the
# duplicate check's window, the counts, the writes' partitioning, Great Expectations' queries) run as whole plans.
# Adaptive execution plans each again after every shuffle, which for a few hundred rows is only more planning: a
# one-day run's bronze-to-silver 9.5 s -> 8.8 s. Gold keeps it (its joins then became slower).
SMALL_BATCH_SETTINGS = {"spark.sql.adaptive.enabled": "false"}


def driver_memory(physical_bytes: int | None = None) -> str:
    """A local session's heap: a third of the machine's memory, between 4 and 16 GiB (the local session is the
    executor too, so its heap holds every task's memory and a stage's kept rows, as objects when they fit:
    `keeps_as_objects`; a fixed 4 GiB ran a 20M-transaction run out of heap on a 24 GiB machine).
    $LAKEHOUSE_DRIVER_MEMORY overrides it."""
    configured = os.environ.get(DRIVER_MEMORY_ENV)
    if configured:
        return configured
    if physical_bytes is None:
        physical_bytes = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    gib = min(max(physical_bytes // 3 // 2**30, 4), 16)
    return f"{gib}g"


def class_archive() -> Path:
    """Where a local JVM's class-data archive is kept (`build_class_archive`): one per Java runtime, Spark
    installation and Delta, so a new JDK, another virtualenv or a new Delta gets an archive of its own. The JVM
    refuses an archive made for another runtime or class path, and checks each JAR's size and modification time: a
    second checkout on the same machine, or a virtualenv made again at the same path (CI's fresh clone), never
    used an archive keyed by paths alone."""
    import pyspark

    spark_home = Path(os.path.realpath(os.path.dirname(pyspark.__file__)))
    java_home = os.environ.get("JAVA_HOME")
    java = Path(os.path.realpath((shutil.which("java", path=os.path.join(java_home, "bin")) if java_home else None)
                                 or shutil.which("java") or "java"))
    class_path = [*sorted((spark_home / "jars").glob("*.jar")), *cached_delta_jars()]
    key_text = "|".join([pyspark.__version__, str(spark_home), str(delta_coordinates()), *_stamps([java, *class_path])])
    key = hashlib.sha256(key_text.encode()).hexdigest()[:16]
    return delta_jars_dir().parent / "jvm" / f"classes-{key}.jsa"


def _stamps(paths: list[Path]) -> list[str]:
    """Each file's path, size and modification time: what the JVM checks of its runtime and class path against an
    archive."""
    stamps = []
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            stamps.append(f"{path}:missing")
        else:
            stamps.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
    return stamps


def is_small_input(input_bytes: int | None) -> bool:
    """Whether `input_bytes` of input (None: unknown) is small data (SMALL_INPUT_BYTES), for which a local JVM
    (`local_java_options`, SMALL_INPUT_SETTINGS) and a bronze-to-silver batch (SMALL_BATCH_SETTINGS) are set up."""
    if isinstance(input_bytes, bool):  # the size, not the answer (this function's)
        raise TypeError("input_bytes is a number of bytes, not a flag")
    return input_bytes is not None and input_bytes <= SMALL_INPUT_BYTES


def local_java_options(input_bytes: int | None, archive: Path | None = None) -> list[str]:
    """The driver JVM's options of a local session started for `input_bytes` of input (None: unknown): Spark's log
    configuration, JAVA_LOCALE and LOCAL_GC; the class-data archive when there is one (the classes Spark, Delta and
    their libraries load, already parsed and verified: a cold one-day run 51 s -> 43 s; a missing, stale or damaged
    archive only makes the JVM load classes as usual); C1 only for a small input (SMALL_INPUT_BYTES), less inlining
    for a medium one (LEAN_JIT_MAX_BYTES); and $LAKEHOUSE_JVM_OPTIONS."""
    log4j = Path(__file__).with_name("log4j2.properties")
    options = [f"-Dlog4j2.configurationFile={log4j.as_uri()}", *JAVA_LOCALE, *LOCAL_GC]
    archive = archive if archive is not None else class_archive()
    if archive.is_file():
        options.append(f"-XX:SharedArchiveFile={archive}")
    if is_small_input(input_bytes):
        options.extend(C1_ONLY)
    elif input_bytes is not None and input_bytes <= LEAN_JIT_MAX_BYTES:
        options.extend(LEAN_INLINING)
    options.extend(os.environ.get(JVM_OPTIONS_ENV, "").split())
    return options


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


def _spark_log() -> Path | None:
    """The file a local JVM writes its console to: $LAKEHOUSE_SPARK_LOG, None for "-", else one per process."""
    configured = os.environ.get(SPARK_LOG_ENV)
    if configured == "-":
        return None
    return Path(configured) if configured else Path(tempfile.gettempdir()) / f"lakehouse-spark-{os.getpid()}.log"


@contextlib.contextmanager
def _jvm_console_to(log_file: Path | None) -> Iterator[None]:
    """Start the JVM with its stdout and stderr on `log_file`: its start-up chatter (module warnings, log-level
    notices), Spark's own log lines and the JVM's own warnings (HotSpot writes those to stdout, e.g. a full code
    cache) stay out of the command's output, whose stdout is its report and whose stderr says in one line what went
    wrong. The JVM keeps those descriptors; this process gets its own back."""
    if log_file is None:
        yield
        return
    sys.stdout.flush()
    sys.stderr.flush()
    saved = {fd: os.dup(fd) for fd in (1, 2)}
    target = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        for fd in saved:
            os.dup2(target, fd)
        yield
    finally:
        for fd, copy in saved.items():
            os.dup2(copy, fd)
            os.close(copy)
        os.close(target)
    log.info("Spark's console output: %s", log_file)


def get_spark(app_name: str = "lakehouse", shuffle_partitions: int | None = None,
              input_bytes: Callable[[], int] | None = None) -> SparkSession:
    """The active session on a cluster; otherwise a local[2] session with the UI off. `input_bytes`, asked only
    when a local JVM is about to start, tells how much data it is started for: at most SMALL_INPUT_BYTES gets the
    JIT and Spark settings for small data, at most LEAN_JIT_MAX_BYTES less inlining (`local_java_options`)."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None or is_databricks():
        spark = active or SparkSession.builder.getOrCreate()
    else:
        check_java()
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # a laptop session needs no other interface
        builder = SparkSession.builder.master(os.environ.get("LAKEHOUSE_SPARK_MASTER", "local[2]")).appName(app_name)
        for key, value in LOCAL_SETTINGS.items():
            builder = builder.config(key, value)
        builder = builder.config("spark.driver.memory", driver_memory())
        size = input_bytes() if input_bytes is not None else None
        builder = builder.config("spark.driver.extraJavaOptions", " ".join(local_java_options(size)))
        for key, value in (SMALL_INPUT_SETTINGS if is_small_input(size) else {}).items():
            builder = builder.config(key, value)
        jars = cached_delta_jars()
        if jars:
            builder = builder.config("spark.jars", ",".join(str(jar) for jar in jars))
            for key, value in DELTA_SETTINGS.items():
                builder = builder.config(key, value)
        if shuffle_partitions is not None:
            builder = builder.config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        with _jvm_console_to(_spark_log()):
            spark = builder.getOrCreate()
        spark.sparkContext.setLogLevel("ERROR")
        remember_lookups(spark.sparkContext._jvm)
    for key, value in SESSION_SETTINGS.items():
        spark.conf.set(key, value)
    return spark


@contextlib.contextmanager
def session_settings(spark: SparkSession, settings: dict[str, str]) -> Iterator[None]:
    """`settings` on the session (every thread using it sees them) for the block, then each back as it was."""
    before = {key: spark.conf.get(key, None) for key in settings}
    for key, value in settings.items():
        spark.conf.set(key, value)
    try:
        yield
    finally:
        for key, previous in before.items():
            if previous is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, previous)


def session_of_its_own(spark: SparkSession) -> SparkSession:
    """A session on `spark`'s context (same JVM, executors, catalog and caches) whose SQL settings are its own:
    what a step sets there for one statement (Delta's commit metadata, a file size) cannot leak into a statement
    another thread runs at the same time. It starts from the context's settings plus RESULT_SETTINGS and
    FILE_SETTINGS; a setting made on `spark` at run time is not carried over."""
    session = spark.newSession()
    for key, value in SESSION_SETTINGS.items():
        session.conf.set(key, value)
    return session


def local_dataframe(spark: SparkSession, rows: Sequence[Sequence[Any]], schema: StructType | str) -> DataFrame:
    """A DataFrame of a few rows the driver holds (positional, in `schema`'s order), handed to the JVM as Arrow.

    `spark.createDataFrame(list)` pickles the rows into an RDD that Python workers decode, one task per partition
    of the default parallelism, even for no row, and each Python task costs a tenth of a second before it starts
    (the worker re-reads the zip directories on its path): a run makes dozens of such frames (empty tables, ops
    rows, Gold's small inputs). An Arrow table is read by the JVM itself. Timestamps are instants (aware datetimes;
    a naive one is taken as UTC, the session's time zone).
    """
    import pyarrow as pa
    from pyspark.sql.pandas.types import to_arrow_schema
    from pyspark.sql.types import StructType

    if isinstance(schema, str):  # DDL: "path string, size long"
        schema = StructType.fromDDL(schema)  # type: ignore[assignment]
    assert isinstance(schema, StructType)
    arrow_schema = to_arrow_schema(schema)
    columns = [pa.array([row[index] for row in rows], type=field.type) for index, field in enumerate(arrow_schema)]
    return spark.createDataFrame(pa.Table.from_arrays(columns, schema=arrow_schema), schema)


def keeps_by_checkpoint(spark: SparkSession) -> bool:
    """Whether `keep` checkpoints (a local session: `local`, `local[N]`, a single-node cluster's `local[*, 4]`) rather
    than persists (a cluster, and Spark's test mode `local-cluster`, whose executors are JVMs of their own)."""
    master = spark.sparkContext.master or ""
    return master == "local" or master.startswith("local[")


# Rows a local checkpoint keeps as JVM objects take about this many times the bytes of the Bronze CSV they were
# parsed from (Spark's own estimates: 2.1M transactions in 43 files with their CDC, 236 MB of Bronze, 1.66 GB kept;
# one 2M-row file with large CDC, 398 MB, 2.61 GB), and this many times the bytes of the Silver Parquet they were
# read from (fact_sales of 2.1M transactions built from 47 MB of Silver: 759 MB kept). Kept serialised, they are
# LZ4-compressed (PySpark turns `spark.rdd.compress` on): a fifth of that.
KEPT_BYTES_PER_BRONZE_BYTE = 7
KEPT_BYTES_PER_SILVER_BYTE = 16
RESERVED_HEAP_BYTES = 300 * 2**20  # what Spark's unified memory manager leaves out of the heap


def keeps_as_objects(spark: SparkSession, object_bytes: int) -> bool:
    """Whether a local session keeps rows taking about `object_bytes` as JVM objects: when they fit the storage
    memory that execution cannot take back. Larger ones are kept serialised, whose five times smaller blocks stay in
    memory where objects would be pushed to disk (one 2M-row Bronze file, on a 5 GiB heap: bronze-to-silver 83 s and
    5.9 GB of JVM as objects, 76 s and 4.3 GB serialised)."""
    conf = spark.sparkContext.getConf()
    unevictable = (float(conf.get("spark.memory.fraction", "0.6"))  # Spark's defaults
                   * float(conf.get("spark.memory.storageFraction", "0.5")))
    heap = spark.sparkContext._jvm.java.lang.Runtime.getRuntime().maxMemory()  # type: ignore[union-attr]
    return object_bytes <= (heap - RESERVED_HEAP_BYTES) * unevictable


def keep(df: DataFrame, level: StorageLevel, object_bytes: int | None = None) -> DataFrame:
    """`df` kept at `level` for the several reads that follow (computed now, or by the first of them on a
    cluster); `release` drops it.

    Spark's cache (`persist`) keeps a DataFrame column by column, compressed and with per-batch statistics, and
    building that cost more than computing what it kept: bronze-to-silver's rule verdicts for 2.1M transactions took
    24-26 s to compute and cache on this 2-core machine, 14-17 s to compute and keep as rows by a local checkpoint,
    and the reads that follow were as fast (the whole stage: README, Benchmarks). A checkpoint's blocks have no
    lineage, though: a lost executor fails the query instead of recomputing them. So a local session (one JVM, whose
    loss ends the run anyway) keeps by local checkpoint, and a cluster, whose executors come and go, persists.

    PySpark's named levels are the serialised ones (Python's own data is pickled either way): a checkpoint at one
    puts every row through Java serialisation and LZ4 on the way in and back on every read (JFR: `ObjectInputStream`
    under each read of bronze-to-silver's kept rows). Given `object_bytes`, an estimate of what the rows take as JVM
    objects (KEPT_BYTES_PER_BRONZE_BYTE, KEPT_BYTES_PER_SILVER_BYTE), a local checkpoint keeps them as objects
    instead when they fit (`keeps_as_objects`): bronze-to-silver of 2.1M transactions 52.3, 53.4 s against 57.2,
    56.3 s; silver-to-gold's fact and daily aggregates 19.4, 19.3 s against 21.9, 22.8 s. Spark's cache keeps
    compressed column batches either way."""
    if keeps_by_checkpoint(df.sparkSession):
        if object_bytes is not None and level.useMemory and not level.useOffHeap \
                and keeps_as_objects(df.sparkSession, object_bytes):
            level = _deserialized(level)
        return df.localCheckpoint(eager=True, storageLevel=level)
    return df.persist(level)


def _deserialized(level: StorageLevel) -> StorageLevel:
    from pyspark import StorageLevel

    return StorageLevel(level.useDisk, level.useMemory, level.useOffHeap, True, level.replication)


def release(df: DataFrame) -> None:
    """Drop what `keep` kept: a cached frame's cache, or the blocks of the local checkpoint a frame reads straight
    from. A frame of neither kind is left alone."""
    if df.is_cached:
        df.unpersist()
        return
    plan: Any = df._jdf.queryExecution().logical()  # type: ignore[attr-defined]
    if plan.getClass().getSimpleName() == "LogicalRDD":
        plan.rdd().unpersist(False)


def _wait_for_group(group: int, timeout_s: float) -> bool:
    """Whether every process of the process group `group` ended within `timeout_s` (polled)."""
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


def build_class_archive() -> Path | None:
    """Make the class-data archive (`class_archive()`) once, if missing: a one-day run of generated data in a JVM
    that writes the classes it loaded at exit (-XX:ArchiveClassesAtExit). It only speeds local JVMs up, so a failure
    is logged and None returned, never raised. The JVM outlives the Python process that started it (it exits when
    its gateway closes, then writes the archive): the build waits for the whole process group to end."""
    import subprocess
    from datetime import date

    from lakehouse.generate import generate

    archive = class_archive()
    if archive.is_file():
        return archive
    archive.parent.mkdir(parents=True, exist_ok=True)
    building = archive.with_name(f"{archive.name}.{os.getpid()}.building")
    with tempfile.TemporaryDirectory(prefix="lakehouse-class-archive-") as work:
        root = Path(work) / "root"
        generate(root, days=1, rows_per_day=200, start_date=date(2026, 1, 5), seed=1, faults=0.01)
        env = {**os.environ, JVM_OPTIONS_ENV: f"-XX:ArchiveClassesAtExit={building}",
               SPARK_LOG_ENV: str(Path(work) / "spark.log"), "GX_ANALYTICS_ENABLED": "false"}
        command = [sys.executable, "-m", "lakehouse.cli", "run", "--root", str(root), "--max-quarantine-ratio", "1"]
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   text=True, start_new_session=True)
        _, errors = process.communicate()
        ended = _wait_for_group(process.pid, timeout_s=300)  # the JVM, still writing the archive
        if not ended or process.returncode != 0 or not building.is_file() or building.stat().st_size == 0:
            why = "its JVM did not exit" if not ended else f"run exit {process.returncode}"
            log.warning("no class-data archive made (%s): %s", why, errors.strip()[-500:])
            building.unlink(missing_ok=True)
            return None
    os.replace(building, archive)
    return archive


def main(argv: list[str] | None = None) -> int:
    """`python -m lakehouse.spark --fetch-delta-jars`: what scripts/bootstrap.sh runs once."""
    parser = argparse.ArgumentParser(prog="python -m lakehouse.spark")
    parser.add_argument("--fetch-delta-jars", action="store_true", help="cache Delta Lake's JARs for local Spark")
    parser.add_argument("--build-class-archive", action="store_true",
                        help="make the class-data archive that starts local JVMs faster (after the JARs)")
    args = parser.parse_args(argv)
    if args.fetch_delta_jars:
        jars = fetch_delta_jars()
        print(f"Delta JARs ({delta_coordinates()}): {', '.join(jar.name for jar in jars) or 'none'}")
    if args.build_class_archive:
        archive = build_class_archive()
        print(f"class-data archive: {archive or 'not made (see the warning above)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
