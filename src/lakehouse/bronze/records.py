"""Bronze files -> raw records, parsed by Spark tasks (contract §2, §7): the one reader of Bronze file contents.

The driver only plans: it groups the run's new files of one source into tasks by size, and each task reads its
files itself and parses them with the record-aware parser (`bronze.fast_csv`, exact to `bronze.csv_reader`). So the
driver never holds a file's contents, a task's memory is bounded by its files (read one at a time), and the work
spreads over the executors. Files are read by path, which executors see as the driver does: a local root, or a
Unity Catalog volume (mounted at /Volumes on every node of a cluster).

Each task yields one row per record (`_record_number` >= 1, its raw fields) and, after a file's records, one row for
the file itself (`_record_number` = 0): its md5, its rejection reason or header positions, and its record count.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import ArrayType, IntegerType, LongType, StringType, StructField, StructType

from lakehouse.bronze.csv_reader import FileRejected
from lakehouse.bronze.discovery import BronzeFile
from lakehouse.spark import local_dataframe

FILE_ROW = 0  # `_record_number` of a file's own row
TASK_BYTES = 64 << 20  # files are grouped into tasks of at most about this many bytes (a larger file is its own task)
MIN_TASK_BYTES = 8 << 20  # and of at least this many, where there are enough files: a Python task has a start-up cost

PARSED = StructType([
    StructField("_file_seq", IntegerType(), nullable=False),
    StructField("_record_number", LongType(), nullable=False),
    StructField("_fields", ArrayType(StringType(), containsNull=True), nullable=True),
    # file rows only:
    StructField("_md5", StringType(), nullable=True),
    StructField("_rejected_reason", StringType(), nullable=True),
    StructField("_positions", ArrayType(IntegerType(), containsNull=False), nullable=True),  # 1-based
    StructField("_header_len", IntegerType(), nullable=True),
    StructField("_extra_columns", ArrayType(StringType(), containsNull=False), nullable=True),
    StructField("_records_read", LongType(), nullable=True),
])
_ARROW = pa.schema([
    pa.field("_file_seq", pa.int32(), nullable=False),
    pa.field("_record_number", pa.int64(), nullable=False),
    pa.field("_fields", pa.list_(pa.string())),
    pa.field("_md5", pa.string()),
    pa.field("_rejected_reason", pa.string()),
    pa.field("_positions", pa.list_(pa.int32())),
    pa.field("_header_len", pa.int32()),
    pa.field("_extra_columns", pa.list_(pa.string())),
    pa.field("_records_read", pa.int64()),
])


@dataclass(frozen=True)
class ParsedFile:
    """One new Bronze file as the parser found it (contract §2): rejected whole, or read with its header."""

    file: BronzeFile
    file_seq: int
    md5: str
    records_read: int
    rejected_reason: str | None = None
    positions: tuple[int, ...] = ()  # 1-based, contract column order
    header_len: int = 0
    extra_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileToParse:
    file_seq: int  # the file's place in landing order within the run
    path: str  # absolute, as executors see it
    size: int


def task_bytes_for(total_bytes: int, task_slots: int) -> int:
    """How many bytes of files one parse task gets: about two tasks per task slot, within MIN_TASK_BYTES and
    TASK_BYTES. A fixed 64 MiB made 187 MB of transactions three tasks on local[2]'s two cores, one running alone
    for a third of the parse."""
    return min(TASK_BYTES, max(MIN_TASK_BYTES, -(-total_bytes // (2 * max(task_slots, 1)))))


def plan_tasks(files: Sequence[FileToParse], task_bytes: int = TASK_BYTES) -> list[list[FileToParse]]:
    """Files grouped into tasks of about `task_bytes`, in landing order (the order within a task is irrelevant to
    the result: every row carries its file and record number)."""
    tasks: list[list[FileToParse]] = []
    size = 0
    for file in files:
        if not tasks or size + file.size > task_bytes:
            tasks.append([])
            size = 0
        tasks[-1].append(file)
        size += file.size
    return tasks


def _file_row(file_seq: int, digest: str, records: int, reason: str | None = None,
              positions: Sequence[int] = (), header_len: int = 0, extra: Sequence[str] = ()) -> pa.RecordBatch:
    rejected = reason is not None
    return pa.RecordBatch.from_pylist([{
        "_file_seq": file_seq, "_record_number": FILE_ROW, "_fields": None, "_md5": digest,
        "_rejected_reason": reason, "_positions": None if rejected else list(positions),
        "_header_len": None if rejected else header_len, "_extra_columns": None if rejected else list(extra),
        "_records_read": records,
    }], schema=_ARROW)


def md5_hex(path: Path) -> str:
    """A file's md5, read in chunks (the changed-file check of a processed file, on the driver)."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def parse_file(file_seq: int, data: bytes, required_columns: Sequence[str]) -> Iterator[pa.RecordBatch]:
    """One file's record rows, then its file row."""
    from lakehouse.bronze.fast_csv import parse_bronze

    digest = hashlib.md5(data, usedforsecurity=False).hexdigest()
    try:
        header, batches = parse_bronze(data, required_columns)
    except FileRejected as rejected:
        yield _file_row(file_seq, digest, 0, reason=rejected.reason)
        return
    count = 0
    for batch in batches:
        rows = batch.num_rows
        yield pa.RecordBatch.from_arrays(
            [pa.array([file_seq] * rows, pa.int32()), batch.column("_record_number"), batch.column("_fields"),
             *[pa.nulls(rows, field.type) for field in list(_ARROW)[3:]]],
            schema=_ARROW,
        )
        count += rows
    yield _file_row(file_seq, digest, count, positions=[p + 1 for p in header.positions],
                    header_len=len(header.names), extra=header.extra_columns)


def _task_function(tasks: list[list[FileToParse]], required_columns: Sequence[str]
                   ) -> Callable[[Iterable[pa.RecordBatch]], Iterable[pa.RecordBatch]]:
    def parse_tasks(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            for task in batch.column("id").to_pylist():
                for file in tasks[task]:
                    yield from parse_file(file.file_seq, Path(file.path).read_bytes(), required_columns)

    return parse_tasks


def read_records(spark: SparkSession, files: Sequence[FileToParse], required_columns: Sequence[str]) -> DataFrame:
    """Record rows and file rows (`PARSED`) of `files`, parsed by Spark tasks; one task per group of files."""
    tasks = plan_tasks(files, task_bytes_for(sum(file.size for file in files), spark.sparkContext.defaultParallelism))
    if not tasks:
        return local_dataframe(spark, [], PARSED)
    return spark.range(0, len(tasks), 1, numPartitions=len(tasks)).mapInArrow(
        _task_function(tasks, tuple(required_columns)), PARSED
    )
