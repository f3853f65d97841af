"""Parse this run's Bronze files into run-private Parquet that the rule engine reads with Spark.

Parsing happens here, in Python, because only a record-aware parser can count fields and number records
(contract §2); the rules then run on Spark. Each file gets a landing sequence number (`_file_seq`), which orders
records across files for duplicate resolution.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from lakehouse import contract as c
from lakehouse.bronze.csv_reader import FileRejected, open_csv
from lakehouse.bronze.discovery import BronzeFile

CHUNK_RECORDS = 200_000
RECORDS_SCHEMA = pa.schema([
    pa.field("_file_seq", pa.int32(), nullable=False),
    pa.field("_record_number", pa.int64(), nullable=False),
    pa.field("_fields", pa.list_(pa.string()), nullable=False),
])


@dataclass(frozen=True)
class StagedFile:
    file: BronzeFile
    file_seq: int
    md5: str
    records_read: int
    rejected_reason: str | None = None
    positions: tuple[int, ...] = ()  # 1-based, contract column order
    header_len: int = 0
    extra_columns: tuple[str, ...] = ()


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def records_chunk(file_seq: int, first_number: int, records: list[list[str]]) -> pa.Table:
    lengths = [len(record) for record in records]
    offsets = pa.array(list(itertools.accumulate(lengths, initial=0)), type=pa.int32())
    values = pa.array(list(itertools.chain.from_iterable(records)), type=pa.string())
    return pa.table(
        {
            "_file_seq": pa.array([file_seq] * len(records), type=pa.int32()),
            "_record_number": pa.array(range(first_number, first_number + len(records)), type=pa.int64()),
            "_fields": pa.ListArray.from_arrays(offsets, values),
        },
        schema=RECORDS_SCHEMA,
    )


def _chunks(records: Iterator[list[str]]) -> Iterator[list[list[str]]]:
    while chunk := list(itertools.islice(records, CHUNK_RECORDS)):
        yield chunk


def stage_file(root: Path, file: BronzeFile, file_seq: int, out_dir: Path) -> StagedFile:
    data = (root / file.path).read_bytes()
    digest = md5_hex(data)
    try:
        header, records = open_csv(data, c.SOURCE_SPECS[file.source].required_columns)
    except FileRejected as rejected:
        return StagedFile(file, file_seq, digest, 0, rejected_reason=rejected.reason)
    out_dir.mkdir(parents=True, exist_ok=True)
    count = 0
    with pq.ParquetWriter(out_dir / f"part-{file_seq:06d}.parquet", RECORDS_SCHEMA) as writer:
        for chunk in _chunks(records):
            writer.write_table(records_chunk(file_seq, count + 1, chunk))
            count += len(chunk)
    return StagedFile(
        file, file_seq, digest, count,
        positions=tuple(position + 1 for position in header.positions),
        header_len=len(header.names), extra_columns=header.extra_columns,
    )


def stage_bronze_files(root: Path, files: Iterable[BronzeFile], staging_dir: Path) -> list[StagedFile]:
    """Files must come in landing order: their index becomes `_file_seq`."""
    return [
        stage_file(root, file, file_seq, staging_dir / "bronze" / file.source)
        for file_seq, file in enumerate(files)
    ]
