"""One Bronze CSV file's bytes to Arrow record batches, exactly as `csv_reader.open_csv` reads it, but fast and lean.

`open_csv` (Python's csv module over the decoded text) is the reference: this module gives the same header, the same
file rejections and the same records, field for field and numbered alike, for every input. It is shaped for one
Spark task per file (the file's bytes in, Arrow batches out): it never holds the file as one `str` (up to 4 bytes a
character) nor a Python object per field, so its memory is the file plus a window of working arrays.

Why it can be exact: Python's csv reads a quote as opening a quoted field only at the start of a field; inside one,
a quote either doubles the next one or closes the field, whose rest it then reads unquoted. So while every quote that
is not inside a quoted field stands at the start of a field, quotes alternate between opening and closing, and a byte
is inside quotes exactly when an odd number of quotes precede it. Commas and line ends outside quotes then separate
the fields, which are the bytes between them without the opening and closing quotes (a doubled quote keeps one), and
NumPy cuts a whole window of records at once. The first quote out of place (`O"Brien`, `"ab" "c"`, or a quote left
open at the end of the file) stops the window at the last record boundary before it: from there Python's csv module
itself reads a stretch of records, and NumPy resumes at a record boundary, where the csv state machine is back at its
start.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from lakehouse import contract as c
from lakehouse.bronze.csv_reader import CsvHeader, FileRejected, header_of, is_blank

BATCH_SCHEMA = pa.schema([  # one batch of a file's records; `bronze.records` adds the file's own columns
    pa.field("_record_number", pa.int64(), nullable=False),
    pa.field("_fields", pa.list_(pa.string()), nullable=False),
])
BOM = b"\xef\xbb\xbf"
COMMA, LF, CR, QUOTE = b",\n\r\""
UTF8_CHUNK = 1 << 20
MIN_WINDOW = 1 << 16
MAX_WINDOW = 1 << 24  # bytes NumPy scans at once (a longer record widens it); its arrays take about 5x as much
FIRST_BYTES_PER_RECORD = 128
WORTH_A_WINDOW = 1 << 14  # below this many bytes between quotes out of place, Python's csv costs less than a window
LINE = re.compile(rb"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")  # a line as io.StringIO(newline="") splits them

Positions = npt.NDArray[np.intp]


def parse_bronze(
    data: bytes, required_columns: Sequence[str], batch_records: int = 100_000
) -> tuple[CsvHeader, Iterator[pa.RecordBatch]]:
    """The file's header and its records as batches of `BATCH_SCHEMA` (at most `batch_records` each, none empty).

    Raises FileRejected with the first failing file check of §7, before any record is read; concatenated, the
    batches hold what `open_csv` yields, the i-th record numbered i.
    """
    if batch_records < 1:
        raise ValueError("batch_records must be at least 1")
    check_utf8(data)
    lines = Lines(data, len(BOM) if data[: len(BOM)] == BOM else 0)
    header_row = next((row for row in csv.reader(lines, dialect="excel", strict=False) if not is_blank(row)), None)
    if header_row is None:
        raise FileRejected(c.FILE_NO_HEADER)
    return header_of(header_row, required_columns), _batches(data, lines.end, batch_records)


def check_utf8(data: bytes) -> None:
    """`data.decode("utf-8")` succeeds, decided a chunk at a time so the text is never held whole."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(view), UTF8_CHUNK):
            decoder.decode(view[start : start + UTF8_CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise FileRejected(c.FILE_NOT_UTF8) from None


class Lines:
    """The decoded lines of `data` from byte `start` on, as io.StringIO(newline="") splits them: after CR LF, a lone
    CR or LF (bytes never inside a UTF-8 sequence); `end` is the byte after the last line handed out."""

    def __init__(self, data: bytes, start: int):
        self._file = io.BytesIO(data)  # shares the bytes, no copy
        self._file.seek(start)
        self._split: list[bytes] = []  # the rest of a line from BytesIO that had a lone CR inside
        self.end = start

    def __iter__(self) -> Lines:
        return self

    def __next__(self) -> str:
        if self._split:
            line = self._split.pop()
        else:
            line = self._file.readline()  # up to \n
            if not line:
                raise StopIteration
            if line.find(b"\r", 0, len(line) - (2 if line.endswith(b"\r\n") else 1)) >= 0:
                self._split = LINE.findall(line)[::-1]
                line = self._split.pop()
        self.end += len(line)
        return line.decode("utf-8")


@dataclass(frozen=True)
class Window:
    """What NumPy made of the bytes from a record boundary: `fields` (one list per record) up to `end`, a record
    boundary; `irregular` is the offset of the first quote out of place, in the record that starts at `end`."""

    fields: pa.ListArray | None
    end: int
    irregular: int | None


def _batches(data: bytes, start: int, batch_records: int) -> Iterator[pa.RecordBatch]:
    """NumPy's windows, and Python's csv from each quote out of place through `span` bytes more: none while such
    quotes are rare, doubling while they come faster than NumPy pays off (then nearly all is Python's, as in
    `open_csv`). After one, the window is sized to twice the bytes NumPy last read before it."""
    buffer = np.frombuffer(data, dtype=np.uint8)
    number, position, span = 1, start, 0
    target = size = _window_size(FIRST_BYTES_PER_RECORD, batch_records)
    while position < len(buffer):
        window = _scan_window(buffer, position, size, batch_records)
        if window.fields is not None and len(window.fields):
            yield _batch(number, window.fields)
            number += len(window.fields)
            target = _window_size((window.end - position) / len(window.fields), batch_records)
        if window.irregular is not None:
            fast_bytes = window.end - position
            span = 0 if fast_bytes >= WORTH_A_WINDOW else min(MAX_WINDOW, max(MIN_WINDOW, 2 * span))
            lines = Lines(data, window.end)
            for records in _python_records(lines, window.irregular + span, batch_records):
                yield _batch(number, _list_array(records))
                number += len(records)
            position, size = lines.end, min(target, max(MIN_WINDOW, 2 * fast_bytes))
        elif window.end == position:  # a record longer than the window
            if position + size >= len(buffer):
                raise AssertionError(f"no record found in the last {len(buffer) - position} bytes")  # cannot happen
            size *= 2
        else:
            position, size = window.end, min(target, 2 * size)


def _window_size(bytes_per_record: float, batch_records: int) -> int:
    return int(min(MAX_WINDOW, max(MIN_WINDOW, bytes_per_record * batch_records * 1.07)))


def _batch(first_number: int, fields: pa.ListArray) -> pa.RecordBatch:
    numbers = _from_numpy(pa.int64(), np.arange(first_number, first_number + len(fields), dtype=np.int64))
    return pa.RecordBatch.from_arrays([numbers, fields], schema=BATCH_SCHEMA)


def _list_array(records: list[list[str]]) -> pa.ListArray:
    fields = list(itertools.chain.from_iterable(records))
    text = "".join(fields)
    values = text.encode("utf-8")
    is_ascii = len(values) == len(text)  # then each field's size in bytes is its length
    sizes = map(len, fields) if is_ascii else (len(field.encode("utf-8")) for field in fields)
    strings = pa.StringArray.from_buffers(len(fields), pa.py_buffer(_offsets(sizes, len(fields))), pa.py_buffer(values))
    return pa.ListArray.from_arrays(_from_numpy(pa.int32(), _offsets(map(len, records), len(records))), strings)


def _offsets(lengths: Iterator[int], count: int) -> npt.NDArray[np.int32]:
    offsets = np.zeros(count + 1, dtype=np.int32)
    np.cumsum(np.fromiter(lengths, dtype=np.int32, count=count), out=offsets[1:])
    return offsets


def _python_records(lines: Lines, until: int, batch_records: int) -> Iterator[list[list[str]]]:
    """Python's csv over `lines` (from a record boundary) through the record that ends past byte `until`, in chunks
    of at most `batch_records` records."""
    chunk: list[list[str]] = []
    for row in csv.reader(lines, dialect="excel", strict=False):
        if row:  # a completely empty line is not a record
            chunk.append(row)
        if len(chunk) == batch_records or (lines.end > until and chunk):
            yield chunk
            chunk = []
        if lines.end > until:
            return
    if chunk:
        yield chunk


def _scan_window(buffer: npt.NDArray[np.uint8], start: int, size: int, max_records: int) -> Window:
    """Up to `max_records` records from `start` (a record boundary) in about `size` bytes, up to the first quote
    out of place."""
    stop = min(len(buffer), start + size)
    if stop < len(buffer) and buffer[stop - 1] == CR:
        stop += 1  # keep a \r\n whole
    is_final = stop == len(buffer)
    window = buffer[start:stop]
    quotes = np.flatnonzero(window == QUOTE)
    separators = np.flatnonzero((window == COMMA) | (window == LF) | (window == CR))
    irregular = _first_quote_out_of_place(window, quotes, is_final)
    if quotes.size:
        separators = separators[np.searchsorted(quotes, separators) % 2 == 0]  # outside quotes
    if irregular is not None:
        separators = separators[separators < irregular]
    kinds = window[separators]
    is_unterminated = is_final and irregular is None and window.size > 0 and window[-1] not in (LF, CR)
    if is_unterminated:  # the last line's end, one past the window
        separators, kinds = np.append(separators, window.size), np.append(kinds, np.uint8(LF))
    line_ends, ends_after, is_record = _line_ends(separators, kinds, window.size)
    if not line_ends.size:
        return Window(None, start, None if irregular is None else start + irregular)
    lines = line_ends.size
    records = np.flatnonzero(is_record)
    if records.size > max_records:
        lines, irregular = int(records[max_records - 1]) + 1, None  # the irregular quote is for a later window
    cut = int(ends_after[lines - 1])
    used = int(np.searchsorted(separators, cut)) + int(is_unterminated and cut == window.size)
    record_ends = line_ends[:lines][is_record[:lines]]
    fields = _fields(window[:cut], separators[:used], kinds[:used] == COMMA, record_ends, quotes[quotes < cut])
    return Window(fields, start + cut, None if irregular is None else start + irregular)


def _first_quote_out_of_place(window: npt.NDArray[np.uint8], quotes: Positions, is_final: bool) -> int | None:
    """The first opening quote (an even-numbered one) not at the start of a field, nor right after the closing quote
    (then the two are a doubled quote), or, at the end of the file, a quote left open. A closing quote needs no
    check: Python reads the rest of its field unquoted, as the parity does, and a quote there would open."""
    opens = quotes[0::2]
    before = window[np.maximum(opens - 1, 0)]
    is_in_place = (opens == 0) | (before == COMMA) | (before == LF) | (before == CR) | (before == QUOTE)
    out_of_place = opens[~is_in_place][:1]
    if is_final and quotes.size % 2:
        out_of_place = np.append(out_of_place, opens[-1])
    return int(out_of_place.min()) if out_of_place.size else None


def _line_ends(
    separators: Positions, kinds: npt.NDArray[np.uint8], size: int
) -> tuple[Positions, Positions, npt.NDArray[np.bool_]]:
    """Which separators end a line (CR LF is one line end), the offset after each line end, and whether the line it
    ends holds anything (a completely empty line is not a record)."""
    is_cr, is_lf = kinds == CR, kinds == LF
    lf_after_cr = np.zeros(kinds.size + 1, dtype=bool)
    lf_after_cr[1:-1] = is_lf[1:] & is_cr[:-1] & (np.diff(separators) == 1)
    line_ends = np.flatnonzero(is_cr | (is_lf & ~lf_after_cr[:-1]))
    positions = separators[line_ends]
    ends_after = np.minimum(positions + 1 + lf_after_cr[line_ends + 1], size)
    starts = np.concatenate(([0], ends_after[:-1]))
    return line_ends, ends_after, positions != starts


def _fields(
    window: npt.NDArray[np.uint8],
    separators: Positions,
    is_comma: npt.NDArray[np.bool_],
    record_ends: Positions,
    quotes: Positions,
) -> pa.ListArray:
    """The records of `window` (whole records, its quotes regular) given the separators outside quotes."""
    ends_field = is_comma.copy()
    ends_field[record_ends] = True
    field_ends = np.flatnonzero(ends_field)
    dropped = quotes
    if quotes.size:  # every quote but the second of a doubled one
        is_kept = np.zeros(quotes.size, dtype=bool)
        is_kept[2::2] = quotes[2::2] == quotes[1:-1:2] + 1
        dropped = quotes[~is_kept]
    ends = separators[field_ends]
    value_offsets = np.zeros(field_ends.size + 1, dtype=np.int32)
    value_offsets[1:] = ends - field_ends - np.searchsorted(dropped, ends)  # bytes kept before each field's end
    list_offsets = np.zeros(record_ends.size + 1, dtype=np.int32)
    list_offsets[1:] = np.cumsum(ends_field)[record_ends]
    is_value = np.ones(window.size + 1, dtype=bool)  # one more: the end of an unterminated last line
    is_value[separators] = False
    is_value[dropped] = False
    values = window[is_value[:-1]]
    strings = pa.StringArray.from_buffers(field_ends.size, pa.py_buffer(value_offsets), pa.py_buffer(values))
    return pa.ListArray.from_arrays(_from_numpy(pa.int32(), list_offsets), strings)


def _from_numpy(type_: pa.DataType, values: npt.NDArray[np.int32] | npt.NDArray[np.int64]) -> pa.Array:
    """Zero-copy; `pa.array` would import pandas (a second of start-up) to look at its argument."""
    return pa.Array.from_buffers(type_, len(values), [None, pa.py_buffer(values)])
