"""The reference Bronze reading, as the pipeline did it on the driver before parsing moved to Spark tasks: Python's
csv module (`csv_reader.open_csv`) with each record turned into Arrow one by one. `fast_csv` must equal it exactly;
bench/parse_bronze.py measures both."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

import pyarrow as pa

from lakehouse.bronze.csv_reader import CsvHeader, open_csv

CHUNK_RECORDS = 200_000
SCHEMA = pa.schema([
    pa.field("_record_number", pa.int64(), nullable=False),
    pa.field("_fields", pa.list_(pa.string()), nullable=False),
])


def records_table(first_number: int, records: list[list[str]]) -> pa.Table:
    lengths = [len(record) for record in records]
    offsets = pa.array(list(itertools.accumulate(lengths, initial=0)), type=pa.int32())
    values = pa.array(list(itertools.chain.from_iterable(records)), type=pa.string())
    return pa.table(
        {"_record_number": pa.array(range(first_number, first_number + len(records)), type=pa.int64()),
         "_fields": pa.ListArray.from_arrays(offsets, values)},
        schema=SCHEMA,
    )


def reference_tables(data: bytes, required: Sequence[str]) -> tuple[CsvHeader, Iterator[pa.Table]]:
    """The header, and the records in tables of CHUNK_RECORDS, numbered from 1 (FileRejected as open_csv raises)."""
    header, records = open_csv(data, required)

    def tables() -> Iterator[pa.Table]:
        count = 0
        while chunk := list(itertools.islice(records, CHUNK_RECORDS)):
            yield records_table(count + 1, chunk)
            count += len(chunk)

    return header, tables()
