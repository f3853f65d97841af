"""`parse_bronze` against its reference `open_csv` (contract §2, §7): the same header or the same file rejection, and
the same records, numbered alike, on the cases of test_csv_reader.py, on generated Bronze files and on adversarial
bytes from hypothesis."""

from __future__ import annotations

import io
import random
from contextlib import nullcontext
from datetime import date
from unittest import mock

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lakehouse import contract as c
from lakehouse.bronze import fast_csv
from lakehouse.bronze.csv_reader import CsvHeader, FileRejected, open_csv
from lakehouse.bronze.fast_csv import BATCH_SCHEMA, parse_bronze
from tests.bronze.reference_records import records_table

REQUIRED = ("id", "name", "city")

Outcome = tuple[CsvHeader, pa.Table] | str


def reference(data: bytes, required=REQUIRED) -> Outcome:
    try:
        header, records = open_csv(data, required)
    except FileRejected as rejected:
        return rejected.reason
    return header, records_table(1, list(records))


def fast(data: bytes, required=REQUIRED, batch_records: int = 100_000, window: int | None = None) -> Outcome:
    """parse_bronze's outcome; `window` shrinks the bytes NumPy scans at once, so small inputs span many windows."""
    sizes = nullcontext() if window is None else mock.patch.multiple(fast_csv, MIN_WINDOW=window, MAX_WINDOW=4 * window)
    with sizes:
        try:
            header, batches = parse_bronze(data, required, batch_records)
        except FileRejected as rejected:
            return rejected.reason
        collected = list(batches)
    assert all(0 < batch.num_rows <= batch_records for batch in collected)
    return header, pa.Table.from_batches(collected, schema=BATCH_SCHEMA)


def assert_same(data: bytes, required=REQUIRED, batch_records: int = 100_000, window: int | None = None) -> None:
    expected, actual = reference(data, required), fast(data, required, batch_records, window)
    if isinstance(expected, str) or isinstance(actual, str):
        assert actual == expected
        return
    assert actual[0] == expected[0]
    assert actual[1].to_pydict() == expected[1].to_pydict()  # a readable difference first, then the types too
    assert actual[1].equals(expected[1])


# The inputs of test_csv_reader.py, one per test there.
READER_CASES = [
    " City ,ID,Name\nLeeds,1,Ada\n",
    "id,name,city,source_system\n",
    "id,name,city,NAME\n1,a,b,c\n",
    "\ufeffid,name,city\r\n1,Ada,Leeds\r\n2,Bo,York",
    'id,name,city\n1,"Smith, ""Jo""\nJr",Leeds\n',
    'id,name,city\n1,O"Brien,Leeds\n',
    "id,name,city\n\n1,a,b\r\n\r\n   \n2,c,d\n",
    "id,name,city\n1,a\n2,b,c,d\n",
    "\n  \n id ,name,city\n1,a,b\n",
    "id,name,city\n",
]
REJECTED_CASES = [
    (b"id,name,city\n1,Z\xfcrich,x\n", "file_not_utf8"),
    (b"", "file_no_header"),
    (b"\n \r\n\t\n", "file_no_header"),
    (b"id,city\n", "file_missing_column:name"),
    (b"city\n", "file_missing_column:id"),
    (b"\xff\n", "file_not_utf8"),
]
# Where a quote is out of RFC 4180 form, or where a window's end needs care.
EDGE_CASES = [
    'id,name,city\n"ab"cd,x,y\n1,2,3\n',
    'id,name,city\n1,"abc\n2,3\n',
    'id,name,city\n1,2,"',
    'id,name,city\n"a"b"c",""""\n"x"\r\r\n\r\n',
    "id,name,city\r1,2,3\r\r4\r",
    "id,name,city\n\x00,\u2028,\x85\n\ufeff1,2,3\n",
    '"id\n",name,city\n1,2,3\n',
    'x\n \t\n"",""\nid,name,city\n"1\r\n2",3,4',
    'id,name,city\n1,2,3\n"open\n4,5,6\n7,8,9\n',
    'id,name,city\n1, "a",3\n"a" ,b,c\n',
]


@pytest.mark.parametrize("text", READER_CASES + EDGE_CASES)
@pytest.mark.parametrize("batch_records, window", [(100_000, None), (1, None), (2, 1), (3, 5)])
def test_same_as_open_csv(text, batch_records, window):
    assert_same(text.encode("utf-8"), batch_records=batch_records, window=window)


@pytest.mark.parametrize("data, reason", REJECTED_CASES)
def test_same_file_rejections(data, reason):
    assert reference(data) == fast(data) == reason


def test_batches_hold_batch_records_each_but_the_last():
    _, batches = parse_bronze(b"id,name,city\n" + b"1,a,b\n" * 10, REQUIRED, batch_records=4)
    assert [batch.num_rows for batch in batches] == [4, 4, 2]


def test_generated_bronze_files(tmp_path):
    """Every file of two generated days with faults: BOMs, CRLF, quoting, drift, blank lines, malformed rows."""
    from lakehouse.generate import generate

    generate(tmp_path, days=3, rows_per_day=600, start_date=date(2026, 1, 5), seed=3, faults=0.2)
    files = sorted(tmp_path.glob("bronze/*/*/*"))
    assert len(files) > 10
    for path in files:
        required = c.SOURCE_SPECS[path.parts[-3]].required_columns
        assert_same(path.read_bytes(), required, batch_records=97)
        assert_same(path.read_bytes(), required, batch_records=5, window=256)


@pytest.mark.parametrize("every", [9_973, 7])
def test_large_file_with_quotes_out_of_place(every):
    """Windows of default size; quotes out of place now and then (NumPy and Python take turns) or so often that
    Python reads longer and longer stretches."""
    rng = random.Random(every)
    values = ["1", "Ada", "Leeds", "", "  x ", '"a,b"', '"say ""hi"""', '"two\r\nlines"', "é€😀", "\u2028"]
    lines = ["id,name,city"]
    for number in range(120_000):
        row = [rng.choice(values) for _ in range(rng.choice((3, 3, 3, 2, 4)))]
        if number % every == 0:
            row[0] = rng.choice(['O"Brien', '"ab" "cd"', '"unbalanced'])
        lines.append(",".join(row))
    data = "\r\n".join(lines).encode("utf-8")
    assert_same(data, batch_records=50_000)


# Adversarial bytes: pieces of CSV syntax, whitespace, multi-byte and invalid UTF-8, NUL, BOM, line separators.
PLAIN = [" ", "\t", "a", "Z", "id", "é", "€", "😀", "\u2028", "\x85", "\x00", "\ufeff", "\x0b", "\x0c", "\x1c", "\xa0"]
PIECES = PLAIN + [",", '"', '""', "\r", "\n", "\r\n", '","']
INVALID_UTF8 = [b"\xff", b"\x80", b"\xc3", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80", b"\xef\xbb"]
HEADER_NAMES = ["id", "name", "city", "ID", " Name ", "CITY\t", "extra", "", '"id"', '"na,me"', '"city "', "id",
                "\ufeffid", "name\n"]

plain_text = st.lists(st.sampled_from(PLAIN), max_size=4).map("".join)
any_text = st.lists(st.sampled_from(PIECES), max_size=6).map("".join)
field = st.one_of(
    plain_text,
    plain_text,
    any_text.map(lambda text: '"' + text.replace('"', '""') + '"'),  # RFC 4180 quoting
    st.sampled_from(["", " ", "1", "x y", "Leeds"]),
    any_text,  # often out of RFC 4180 form
)
row = st.lists(field, max_size=5).map(",".join)
line_end = st.sampled_from(["\n", "\r\n", "\r", "\n\n", "\r\n\r\n", "\r\r\n", ""])
header = st.one_of(
    st.permutations(REQUIRED).map(",".join),
    st.permutations(REQUIRED).map(",".join),
    st.permutations(REQUIRED + ("extra", "NAME", "")).map(",".join),
    st.permutations(REQUIRED + ("extra", "NAME", "")).map(",".join),
    st.lists(st.sampled_from(HEADER_NAMES), max_size=6).map(",".join),
    any_text,
)
blank_lines = st.lists(st.sampled_from(["\n", "\r\n", "  \n", ",,\n", '""\n', "\t\r", '" "\r\n']), max_size=3)


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    # (Hypothesis favours the first of a sample: a rare choice is one in the middle.)
    if draw(st.sampled_from(range(10))) == 5:  # soup: no structure at all
        text = draw(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
    else:
        bom = draw(st.sampled_from(["", "", "\ufeff"]))
        lines = draw(st.lists(st.tuples(row, line_end), max_size=10))
        text = bom + "".join(draw(blank_lines)) + draw(header) + draw(line_end) + "".join(a + b for a, b in lines)
    data = text.encode("utf-8")
    if draw(st.sampled_from(range(15))) == 7:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from(INVALID_UTF8)) + data[at:]
    return data


@settings(max_examples=1000, derandomize=True, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_lines_split_as_string_io_does(text):
    """The fallback's line source: the lines io.StringIO(newline="") gives open_csv, and their end in bytes."""
    lines = fast_csv.Lines(text.encode("utf-8"), 0)
    assert list(lines) == list(io.StringIO(text, newline=""))
    assert lines.end == len(text.encode("utf-8"))


@settings(max_examples=4000, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(csv_files(), st.sampled_from([1, 2, 3, 100_000]), st.sampled_from([None, 1, 2, 7, 64]))
def test_adversarial_bytes_same_as_open_csv(data, batch_records, window):
    assert_same(data, batch_records=batch_records, window=window)
