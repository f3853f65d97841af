"""Bronze files -> one row per record, its columns already taken by header position and cleaned, parsed by Spark
tasks (contract §2, §7): the one reader of Bronze file contents.

The driver only plans: it groups the run's new files of one source into tasks by size, and each task reads its
files itself, parses them with the record-aware parser (`bronze.fast_csv`, exact to `bronze.csv_reader`) and takes
each required column from the field its file's header puts it in (`clean_columns`, vectorised by Arrow). So the
driver never holds a file's contents, a task's memory is bounded by its files (read one at a time), and the work
spreads over the executors. Files are read by path, which executors see as the driver does: a local root, or a
Unity Catalog volume (mounted at /Volumes on every node of a cluster).

Each task yields one row per record of an accepted file (`_record_number` >= 1: its raw fields, whether it has the
header's field count, its lineage, its cleaned columns under their internal names and whether each value matches
its contract pattern, `silver.parsed.MATCHED`) and, after a file's records,
one row for the file itself (`_record_number` = 0, FILE_ROW): its md5, its rejection reason or extra columns, and
its record count (FILE_COLUMNS, null on a record row; `read_bronze` folds them into the struct `_file`). A rejected
file (§7) yields its file row only: the file checks come before the first record.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.pandas.types import to_arrow_schema
from pyspark.sql.types import (
    ArrayType,
    BooleanType,
    DateType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
)

from lakehouse import contract as c
from lakehouse.bronze.csv_reader import ASCII_WHITESPACE, FileRejected, header_of
from lakehouse.bronze.discovery import BronzeFile
from lakehouse.silver.parsed import MATCHED, match_column, pattern_matches
from lakehouse.silver.rules import bronze_columns

FILE_ROW = 0  # `_record_number` of a file's own row
FILE = "_file"  # a file row's struct of what the parser found (FILE_COLUMNS); null for a record
TASK_BYTES = 64 << 20  # files are grouped into tasks of at most about this many bytes (a larger file is its own task)
MIN_TASK_BYTES = 8 << 20  # and of at least this many, where there are enough files: a Python task has a start-up cost

LINEAGE = [
    StructField("_file_seq", IntegerType(), nullable=False),
    StructField("_record_number", LongType(), nullable=False),
    StructField("_source_file", StringType(), nullable=False),
    StructField("_ingest_date", DateType(), nullable=False),
]
RECORD = [  # null on a file row
    StructField("_fields", ArrayType(StringType(), containsNull=True), nullable=True),
    StructField("_is_malformed", BooleanType(), nullable=True),  # field count differs from the header's (§2)
]
FILE_COLUMNS = [  # null on a record row
    StructField("_md5", StringType(), nullable=True),
    StructField("_rejected_reason", StringType(), nullable=True),
    StructField("_extra_columns", ArrayType(StringType(), containsNull=False), nullable=True),
    StructField("_records_read", LongType(), nullable=True),
]


def task_schema(source: str) -> StructType:
    """What a parse task yields: lineage, the record's columns, the source's cleaned columns and their pattern
    matches (null on a file row), the file's columns."""
    return StructType([*LINEAGE, *RECORD, *[StructField(name, StringType(), nullable=True)
                                            for name in bronze_columns(source)],
                       *[StructField(match_column(name), BooleanType(), nullable=True) for name in MATCHED[source]],
                       *FILE_COLUMNS])


@dataclass(frozen=True)
class ParsedFile:
    """One new Bronze file as the parser found it (contract §2): rejected whole, or read with its header."""

    file: BronzeFile
    file_seq: int
    md5: str
    records_read: int
    rejected_reason: str | None = None
    extra_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileToParse:
    file_seq: int  # the file's place in landing order within the run
    path: str  # absolute, as executors see it
    size: int
    source_file: str  # as lineage names it: relative to the root
    ingest_date: date


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


def clean_columns(fields: pa.ListArray, positions: Sequence[int]) -> list[pa.Array]:
    """For each 0-based header position, the records' field there with ASCII whitespace trimmed (§7), an empty
    value null (§2), and null where a record is too short to have it (a malformed row, §2)."""
    offsets = fields.offsets.to_numpy()  # into `fields.values`, also for a slice
    starts, lengths = offsets[:-1], np.diff(offsets)
    columns = []
    for position in positions:
        taken = pc.take(fields.values, pa.array(starts + position, mask=lengths <= position))
        trimmed = pc.utf8_trim(taken, characters=ASCII_WHITESPACE)
        columns.append(pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed))
    return columns


def matched_columns(source: str, cleaned: Sequence[pa.Array]) -> list[pa.Array]:
    """For each column of MATCHED[source], in its order, whether its cleaned values match its pattern (RE2, over the
    whole column at once; False for a null)."""
    by_name = dict(zip(bronze_columns(source), cleaned, strict=True))
    return [pattern_matches(by_name[name], pattern) for name, pattern in MATCHED[source].items()]


def record_batch(source: str, file: FileToParse, numbers: pa.Array, fields: pa.ListArray, positions: Sequence[int],
                 header_len: int, schema: pa.Schema) -> pa.RecordBatch:
    """Records of one file (`task_schema`, as Arrow): `numbers` are their record numbers, `positions` 0-based."""
    rows = len(fields)
    cleaned = clean_columns(fields, positions)
    lineage = [pa.array(np.full(rows, file.file_seq, dtype=np.int32)), numbers,
               pa.repeat(pa.scalar(file.source_file, pa.string()), rows),
               pa.repeat(pa.scalar(file.ingest_date, pa.date32()), rows)]
    malformed = pc.not_equal(pc.list_value_length(fields), header_len)
    files = [pa.nulls(rows, field.type) for field in list(schema)[-len(FILE_COLUMNS):]]
    return pa.RecordBatch.from_arrays(
        [*lineage, fields, malformed, *cleaned, *matched_columns(source, cleaned), *files], schema=schema
    )


def file_batch(file: FileToParse, digest: str, records: int, schema: pa.Schema, reason: str | None = None,
               extra: Sequence[str] = ()) -> pa.RecordBatch:
    """The file's own row (`task_schema`, as Arrow)."""
    values = {"_file_seq": file.file_seq, "_record_number": FILE_ROW, "_source_file": file.source_file,
              "_ingest_date": file.ingest_date, "_md5": digest, "_rejected_reason": reason,
              "_extra_columns": None if reason is not None else list(extra), "_records_read": records}
    return pa.RecordBatch.from_pylist([values], schema=schema)


def md5_hex(path: Path) -> str:
    """A file's md5, read in chunks (the changed-file check of a processed file, on the driver)."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def parse_file(source: str, file: FileToParse, data: bytes, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    """One file's record rows, then its file row."""
    from lakehouse.bronze.fast_csv import parse_bronze

    digest = hashlib.md5(data, usedforsecurity=False).hexdigest()
    try:
        header, batches = parse_bronze(data, c.SOURCE_SPECS[source].required_columns)
    except FileRejected as rejected:
        yield file_batch(file, digest, 0, schema, reason=rejected.reason)
        return
    count = 0
    for batch in batches:
        fields = batch.column("_fields")
        yield record_batch(source, file, batch.column("_record_number"), fields, header.positions, len(header.names),
                           schema)
        count += len(fields)
    yield file_batch(file, digest, count, schema, extra=header.extra_columns)


def _task_function(tasks: list[list[FileToParse]], source: str
                   ) -> Callable[[Iterable[pa.RecordBatch]], Iterable[pa.RecordBatch]]:
    schema = to_arrow_schema(task_schema(source))

    def parse_tasks(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            for task in batch.column("id").to_pylist():
                for file in tasks[task]:
                    yield from parse_file(source, file, Path(file.path).read_bytes(), schema)

    return parse_tasks


def with_file_struct(task_df: DataFrame) -> DataFrame:
    """A task's rows (`task_schema`) with the file's columns in one struct, `FILE`, null on a record row."""
    names = [field.name for field in FILE_COLUMNS]
    is_file = F.col("_record_number") == FILE_ROW
    return task_df.select(*[name for name in task_df.columns if name not in names],
                          F.when(is_file, F.struct(*names)).alias(FILE))


def records_of(bronze_df: DataFrame) -> DataFrame:
    """The record rows of `read_bronze`'s rows (or of a frame made from them), without the file's struct."""
    return bronze_df.where(F.col("_record_number") != FILE_ROW).drop(FILE)


def file_rows_of(bronze_df: DataFrame) -> DataFrame:
    """The file rows of `read_bronze`'s rows: `_file_seq` and the file's columns (FILE_COLUMNS)."""
    return bronze_df.where(F.col("_record_number") == FILE_ROW).select("_file_seq", f"{FILE}.*")


def read_bronze(spark: SparkSession, files: Sequence[FileToParse], source: str) -> DataFrame:
    """Record rows and file rows (`with_file_struct`) of one source's `files`, parsed by Spark tasks; one task per
    group of files."""
    tasks = plan_tasks(files, task_bytes_for(sum(file.size for file in files), spark.sparkContext.defaultParallelism))
    task_df = (
        spark.range(0, len(tasks), 1, numPartitions=len(tasks)).mapInArrow(_task_function(tasks, source),
                                                                        task_schema(source))
        if tasks else spark.createDataFrame(to_arrow_schema(task_schema(source)).empty_table(), task_schema(source))
    )
    return with_file_struct(task_df)


def local_records(spark: SparkSession, source: str,
                  files: Sequence[tuple[FileToParse, Sequence[str], Sequence[Sequence[str | None]]]]) -> DataFrame:
    """`read_bronze`'s record rows (`records_of`) for records the driver already holds: (file, header, records)
    per file, each record its raw fields. The same column extraction as the parse tasks, for small batches."""
    schema = to_arrow_schema(task_schema(source))
    batches = []
    for file, header_row, records in files:
        header = header_of(list(header_row), c.SOURCE_SPECS[source].required_columns)
        fields = pa.array([list(record) for record in records], pa.list_(pa.string()))
        numbers = pa.array(np.arange(1, len(records) + 1, dtype=np.int64))
        batches.append(record_batch(source, file, numbers, fields, header.positions, len(header.names), schema))
    return records_of(with_file_struct(spark.createDataFrame(pa.Table.from_batches(batches, schema),
                                                             task_schema(source))))
