"""Reading one Bronze CSV file into raw records, by the dialect of contract §2 and §7.

Python's csv module is used rather than Spark's reader because the contract needs what Spark cannot say: the
field count of each record (to flag `malformed_row`), the record's position in the file and the file-level
rejections. It follows RFC 4180 as the contract does: a quote is special only at the start of a field.

This is the reference reading: the pipeline parses with `bronze.fast_csv`, which gives exactly what `open_csv`
gives (tests/bronze/test_fast_csv.py) at a tenth of the CPU and memory. The header checks here are shared by both.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from lakehouse import contract as c

ASCII_WHITESPACE = " \t\n\r\x0b\x0c"
csv.field_size_limit(1 << 30)  # an unbalanced quote may swallow the rest of a file into one (malformed) record


class FileRejected(Exception):
    """The whole file is rejected (contract §2); `reason` is its reason code."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CsvHeader:
    names: tuple[str, ...]  # header names as written, trimmed
    positions: tuple[int, ...]  # 0-based field position of each required column, in contract order
    extra_columns: tuple[str, ...]  # header names the contract does not ask for (schema drift)


def decode_utf8(data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise FileRejected(c.FILE_NOT_UTF8) from None
    return text[1:] if text.startswith("\ufeff") else text


def is_blank(record: list[str]) -> bool:
    return all(not field.strip(ASCII_WHITESPACE) for field in record)


def locate_columns(header: Sequence[str], required: Sequence[str]) -> tuple[int, ...]:
    """Position of each required column; names match case-insensitively after trimming, first occurrence wins."""
    first_position: dict[str, int] = {}
    for position, name in enumerate(header):
        first_position.setdefault(name.lower(), position)
    missing = [name for name in required if name.lower() not in first_position]
    if missing:
        raise FileRejected(c.with_column(c.FILE_MISSING_COLUMN, missing[0]))
    return tuple(first_position[name.lower()] for name in required)


def open_csv(data: bytes, required_columns: Sequence[str]) -> tuple[CsvHeader, Iterator[list[str]]]:
    """The file's header and an iterator of its raw records (untrimmed fields; the i-th is record number i).

    Raises FileRejected with the first failing file check, in the order of §7.
    """
    reader = csv.reader(io.StringIO(decode_utf8(data), newline=""), dialect="excel", strict=False)
    header_row: list[str] | None = None
    for row in reader:
        if not is_blank(row):
            header_row = row
            break
    if header_row is None:
        raise FileRejected(c.FILE_NO_HEADER)
    records = (row for row in reader if row)  # a completely empty line is not a record (§7)
    return header_of(header_row, required_columns), records


def header_of(header_row: list[str], required_columns: Sequence[str]) -> CsvHeader:
    """The header record read (§2, §7): names trimmed of ASCII whitespace, the required columns located by name
    (case-insensitive), the other non-empty names kept once each as extra columns (schema drift)."""
    names = tuple(name.strip(ASCII_WHITESPACE) for name in header_row)
    positions = locate_columns(names, required_columns)
    wanted = {name.lower() for name in required_columns}
    extra = tuple(dict.fromkeys(name for name in names if name.lower() not in wanted and name))
    return CsvHeader(names=names, positions=positions, extra_columns=extra)
