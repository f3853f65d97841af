"""One Bronze file's bytes without the records of one subject (contract §8, forget): pure, bytes in, bytes out.

A record belongs to the subject when its field at the header's position of the subject's column, trimmed of ASCII
whitespace (§7), equals the id: the same field the row rules read, a malformed row included. Every other byte stays
as it was (BOM, header, line endings, quoting, blank lines), so the other records read exactly as before. Records are
cut by their byte ranges as Python's csv module reads them (`fast_csv.Lines` tells where each record ends), the
reader `bronze.fast_csv` is checked against.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass

from lakehouse.bronze.csv_reader import ASCII_WHITESPACE, FileRejected, header_of, is_blank
from lakehouse.bronze.fast_csv import BOM, Lines, check_utf8


@dataclass(frozen=True)
class Erased:
    data: bytes  # the file's new contents
    records_kept: int
    records_erased: int


def erase_records(data: bytes, required_columns: Sequence[str], column: str, subject: str) -> Erased | None:
    """`data` without the records whose `column` is `subject`; None when no record can be told apart by that
    column (the file is rejected whole: not UTF-8, no header, or the column missing; `FileRejected` is not raised:
    such a file has no records in Silver or quarantine either)."""
    try:
        check_utf8(data)
    except FileRejected:
        return None
    lines = Lines(data, len(BOM) if data[: len(BOM)] == BOM else 0)
    reader = csv.reader(lines, dialect="excel", strict=False)
    position = None
    for row in reader:
        if not is_blank(row):
            try:
                position = header_of(row, required_columns).positions[list(required_columns).index(column)]
            except FileRejected:
                return None
            break
    if position is None:
        return None
    pieces, kept, erased, start = [data[: lines.end]], 0, 0, lines.end
    for row in reader:
        end = lines.end
        if row and position < len(row) and row[position].strip(ASCII_WHITESPACE) == subject:
            erased += 1
        else:
            kept += 1 if row else 0
            pieces.append(data[start:end])
        start = end
    pieces.append(data[start:])
    return Erased(b"".join(pieces), kept, erased)
