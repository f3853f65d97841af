"""Maintenance of one Delta table of a root, Gold or ops (contract §8): compact, checkpoint, vacuum, on either engine.

The engine-specific calls sit here, beside the engines of `storage.delta_tables` and chosen by the same engine object,
rather than as methods of those classes: they are not reads or writes of rows (the engines' interface), and
`lakehouse maintain` is their only caller.

- **Compaction.** What to compact is decided here, from the log (`delta_log`), the same way for both engines: in each
  partition, the files smaller than the target size, when there are two or more, packed in size order into groups of
  at most the target size; a group of one file is left alone. Both engines' own planners bin-pack the same candidates
  the same way, so a table with nothing to compact gets no commit and `--dry-run` reports what a run would do (after a
  real run the counts come from the log, not from the plan). delta-spark: `DeltaTable.optimize().executeCompaction()`
  with `spark.databricks.delta.optimize.maxFileSize` and `minFileSize` set to the target for the call. delta-rs:
  `DeltaTable.optimize.compact(target_size=...)`, writing Snappy like every other file (its default is zstd).
- **Checkpoint** of the newest version, unless it has one: delta-spark `DeltaLog.forTable(...).checkpoint(snapshot)`
  of a freshly updated snapshot (the argument-less `checkpoint()` uses a cached one that may be stale), which also
  drops log files older than `delta.logRetentionDuration`; delta-rs `create_checkpoint()`, then `cleanup_metadata()`
  for the same. Both write classic checkpoints, and delta-spark keeps `_last_checkpoint` small because every session
  sets `checkpointSchema.writeThresholdLength=0` (`lakehouse.spark`); `storage.synapse_check` verifies both.
- **Vacuum**: files no current version references, older than the retention. delta-spark: `VACUUM ... DRY RUN` lists
  them, then `DeltaTable.vacuum(hours)` deletes them, with `retentionDurationCheck` off for the call when the retention
  is below Delta's 168-hour default (the floor is the caller's rule). delta-rs: `vacuum(full=True)`, as its default
  "lite" mode only sees files removed since the last checkpoint: it would miss what a compaction replaced before the
  checkpoint, and files a killed writer left behind.

Every commit (OPTIMIZE, VACUUM START and END) carries the run's metadata (`Commit.user_metadata`), but no idempotency
key: the operations are idempotent by nature. A rerun finds nothing left to compact, a checkpoint already there and
the files already gone, so a run killed anywhere and run again leaves the same table. Rows never change.
"""

from __future__ import annotations

import logging
import os
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from pyspark.sql import SparkSession

from lakehouse.spark import session_of_its_own, session_settings
from lakehouse.storage import delta_log
from lakehouse.storage.delta_tables import Commit, DeltaEngine, DeltaRsEngine, DeltaSparkEngine

log = logging.getLogger(__name__)

TARGET_FILE_BYTES = 128 * 1024 * 1024
RETENTION_FLOOR_HOURS = 168  # Delta's default delta.deletedFileRetentionDuration: 7 days

_MAX_FILE_SIZE = "spark.databricks.delta.optimize.maxFileSize"
_MIN_FILE_SIZE = "spark.databricks.delta.optimize.minFileSize"
_USER_METADATA = "spark.databricks.delta.commitInfo.userMetadata"
_RETENTION_CHECK = "spark.databricks.delta.retentionDurationCheck.enabled"
# VACUUM lists the table with this many tasks; Spark's default (10000) costs a minute per small table on 2 cores.
_LISTING_TASKS = "spark.sql.sources.parallelPartitionDiscovery.parallelism"


@dataclass(frozen=True)
class CompactionPlan:
    files_before: int
    groups: tuple[tuple[str, ...], ...]  # log paths of files rewritten together into one, each within one partition
    partitions: int  # partitions holding a group

    @property
    def files_replaced(self) -> tuple[str, ...]:
        return tuple(path for group in self.groups for path in group)

    @property
    def files_after(self) -> int:
        return self.files_before - len(self.files_replaced) + len(self.groups)


@dataclass(frozen=True)
class Compaction:
    plan: CompactionPlan
    files_after: int  # from the log after the commit; the plan's count when nothing was committed
    version: int | None  # the OPTIMIZE commit's version; None when there was nothing to do, or on a dry run


@dataclass(frozen=True)
class Checkpoint:
    version: int  # the table's newest version, which has (or would have) the checkpoint
    existed: bool  # it had one already: nothing written
    written: bool


def plan_compaction(table: Path, target_bytes: int = TARGET_FILE_BYTES) -> CompactionPlan:
    """Which current files a compaction rewrites, and into how many, read from the log alone."""
    snapshot = delta_log.read_snapshot(table)
    partitions: dict[tuple[tuple[str, str | None], ...], list[delta_log.AddFile]] = {}
    for add in snapshot.files:
        partitions.setdefault(tuple(sorted(add.partition_values.items())), []).append(add)
    groups = []
    compacted = 0
    for files in partitions.values():
        packed = [group for group in _pack([add for add in files if add.size < target_bytes], target_bytes)
                  if len(group) > 1]
        compacted += bool(packed)
        groups += packed
    return CompactionPlan(len(snapshot.files), tuple(groups), compacted)


def _pack(files: list[delta_log.AddFile], target_bytes: int) -> list[tuple[str, ...]]:
    """Smallest first, each group filled until the next file would take it over the target (as Delta does)."""
    groups: list[list[str]] = []
    size = 0
    for add in sorted(files, key=lambda add: (add.size, add.path)):
        if not groups or size + add.size > target_bytes:
            groups.append([])
            size = 0
        groups[-1].append(add.path)
        size += add.size
    return [tuple(group) for group in groups]


def compact(engine: DeltaEngine, table: Path, commit: Commit, target_bytes: int = TARGET_FILE_BYTES,
            dry_run: bool = False) -> Compaction:
    """Rewrite each partition's small files into files of up to `target_bytes`, in one commit (none if no partition
    has two small files)."""
    plan = plan_compaction(table, target_bytes)
    if dry_run or not plan.groups:
        return Compaction(plan, plan.files_after, None)
    _operations(engine).compact(table, target_bytes, commit)
    snapshot = delta_log.read_snapshot(table)
    return Compaction(plan, len(snapshot.files), snapshot.version)


def checkpoint(engine: DeltaEngine, table: Path, dry_run: bool = False) -> Checkpoint:
    """A classic checkpoint of the newest version, unless there is one."""
    listing = delta_log.list_log(table)
    version = listing.latest_version
    if version is None:
        raise delta_log.DeltaLogError(f"{table} is not a Delta table: no commits in {table / delta_log.LOG_DIR}")
    if any(found.version == version for found in listing.checkpoints):
        return Checkpoint(version, existed=True, written=False)
    if dry_run:
        return Checkpoint(version, existed=False, written=False)
    _operations(engine).checkpoint(table)
    if not any(found.version == version for found in delta_log.list_log(table).checkpoints):
        raise delta_log.DeltaLogError(f"{table}: the {engine.name} checkpoint of version {version} is not in the log")
    return Checkpoint(version, existed=False, written=True)


def vacuum(engine: DeltaEngine, table: Path, retain_hours: int, commit: Commit, dry_run: bool = False) -> list[str]:
    """Delete the files no current version references that are older than `retain_hours` (only list them on a dry
    run); the files, relative to the table, sorted."""
    if retain_hours < 0:
        raise ValueError(f"retention must be 0 hours or more, not {retain_hours}")
    return sorted(_operations(engine).vacuum(table, retain_hours, commit, dry_run))


class _Operations(ABC):
    """One engine's calls for the three operations (the decisions around them are the module functions')."""

    @abstractmethod
    def compact(self, table: Path, target_bytes: int, commit: Commit) -> None: ...

    @abstractmethod
    def checkpoint(self, table: Path) -> None: ...

    @abstractmethod
    def vacuum(self, table: Path, retain_hours: int, commit: Commit, dry_run: bool) -> list[str]:
        """The files to delete, relative to the table; deleted unless `dry_run` (no commit when there are none)."""


def _operations(engine: DeltaEngine) -> _Operations:
    if isinstance(engine, DeltaSparkEngine):
        # Each call's settings (file sizes, the commit's metadata) on a session of its own: tables are maintained
        # side by side (pipeline.maintain), and a session's settings are shared by its threads.
        return _SparkOperations(session_of_its_own(engine.spark))
    if isinstance(engine, DeltaRsEngine):
        return _RsOperations()
    raise TypeError(f"no maintenance for Delta engine {engine.name}")


class _SparkOperations(_Operations):
    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark

    def compact(self, table: Path, target_bytes: int, commit: Commit) -> None:
        from delta.tables import DeltaTable

        settings = {_MAX_FILE_SIZE: str(target_bytes), _MIN_FILE_SIZE: str(target_bytes),
                    _USER_METADATA: commit.user_metadata()}
        with session_settings(self.spark, settings):
            DeltaTable.forPath(self.spark, str(table)).optimize().executeCompaction()

    def checkpoint(self, table: Path) -> None:
        jvm: Any = self.spark._jvm  # type: ignore[attr-defined]
        none = jvm.scala.Option.empty()
        delta = jvm.org.apache.spark.sql.delta.DeltaLog.forTable(self.spark._jsparkSession,  # type: ignore[attr-defined]
                                                                 str(table))
        delta.checkpoint(delta.update(False, none, none), none)

    def vacuum(self, table: Path, retain_hours: int, commit: Commit, dry_run: bool) -> list[str]:
        from delta.tables import DeltaTable

        table = table.absolute()  # `delta.`path`` in SQL does not take a path relative to the working directory
        settings = {_RETENTION_CHECK: "false"} if retain_hours < RETENTION_FLOOR_HOURS else {}
        settings[_LISTING_TASKS] = str(max(8, 2 * self.spark.sparkContext.defaultParallelism))
        with session_settings(self.spark, settings):
            quoted = str(table).replace("`", "``")
            listed = self.spark.sql(f"VACUUM delta.`{quoted}` RETAIN {retain_hours} HOURS DRY RUN").collect()
            files = [_relative(table, row["path"]) for row in listed]
            if dry_run or not files:
                return files
            with session_settings(self.spark, {_USER_METADATA: commit.user_metadata()}), _console_to_log(self.spark):
                DeltaTable.forPath(self.spark, str(table)).vacuum(float(retain_hours))
        return files


@contextmanager
def _console_to_log(spark: SparkSession) -> Iterator[None]:
    """Delta's VACUUM prints "Deleted N files and directories ..." with Scala's println, onto the command's stdout,
    which holds one line per table. Scala's `Console.out` is a thread-local of the JVM (PySpark pins each Python
    thread to one JVM thread), so for the block it writes into a buffer of this thread, and the text goes to the log.
    Where that cannot be done (no JVM at hand), the line is simply printed."""
    try:
        jvm: Any = spark._jvm  # type: ignore[attr-defined]
        console = getattr(getattr(jvm.scala, "Console$"), "MODULE$")
        saved = console.out()
        buffer = jvm.java.io.ByteArrayOutputStream()
        console.setOutDirect(jvm.java.io.PrintStream(buffer, True, "UTF-8"))
    except Exception as error:  # Py4J error or no JVM (Spark Connect): nothing worse than a printed line
        log.debug("Delta's console output is not captured: %s", error)
        yield
        return
    try:
        yield
    finally:
        console.setOutDirect(saved)
        for line in str(buffer.toString("UTF-8")).splitlines():
            log.info("delta: %s", line)


def _relative(table: Path, uri: str) -> str:
    """A file the engines list, as a path relative to the table: Spark lists URIs (file:/..., dbfs:/...), delta-rs
    relative paths and, for some, absolute ones."""
    path = Path(unquote(urlparse(uri).path))
    if not path.is_absolute():
        return str(path)
    for base in (Path(os.path.abspath(table)), table.resolve()):
        if path.is_relative_to(base):
            return str(path.relative_to(base))
    return uri


class _RsOperations(_Operations):
    def _commit_properties(self, commit: Commit) -> Any:
        from deltalake import CommitProperties

        return CommitProperties(custom_metadata={"userMetadata": commit.user_metadata()})

    def compact(self, table: Path, target_bytes: int, commit: Commit) -> None:
        from deltalake import DeltaTable, WriterProperties

        DeltaTable(str(table)).optimize.compact(target_size=target_bytes,
                                                writer_properties=WriterProperties(compression="SNAPPY"),
                                                commit_properties=self._commit_properties(commit))

    def checkpoint(self, table: Path) -> None:
        from deltalake import DeltaTable

        delta = DeltaTable(str(table))
        delta.create_checkpoint()
        delta.cleanup_metadata()

    def vacuum(self, table: Path, retain_hours: int, commit: Commit, dry_run: bool) -> list[str]:
        from deltalake import DeltaTable

        delta = DeltaTable(str(table))
        options: dict[str, Any] = {"enforce_retention_duration": False, "full": True}
        # It also lists the expired tombstones of files a vacuum already deleted (by absolute path): those are gone.
        files = [relative for path in delta.vacuum(retain_hours, dry_run=True, **options)
                 if (table / (relative := _relative(table, path))).exists()]
        if dry_run or not files:
            return files
        delta.vacuum(retain_hours, dry_run=False, **options, commit_properties=self._commit_properties(commit))
        return files
