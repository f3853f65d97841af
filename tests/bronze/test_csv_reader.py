"""The CSV dialect of DATA_CONTRACT.md §2 and its fine points in §7."""

from __future__ import annotations

import pytest

from lakehouse.bronze.csv_reader import FileRejected, open_csv

REQUIRED = ("id", "name", "city")


def read(text: str | bytes, required=REQUIRED):
    data = text.encode("utf-8") if isinstance(text, str) else text
    header, records = open_csv(data, required)
    return header, list(records)


def test_header_matches_case_insensitively_after_trimming_in_any_order():
    """§2: header names match case-insensitively after trimming; column order is free."""
    header, records = read(" City ,ID,Name\nLeeds,1,Ada\n")
    assert header.positions == (1, 2, 0)
    assert records == [["Leeds", "1", "Ada"]]


def test_extra_columns_are_reported_as_schema_drift():
    """§2: extra columns are ignored and counted as schema drift."""
    header, _ = read("id,name,city,source_system\n")
    assert header.extra_columns == ("source_system",)


def test_duplicated_header_name_uses_first_occurrence():
    """§7: a duplicated header name: the first occurrence is used."""
    header, _ = read("id,name,city,NAME\n1,a,b,c\n")
    assert header.positions == (0, 1, 2)


def test_bom_crlf_and_missing_last_newline():
    """§2: optional BOM, LF or CRLF, last newline optional."""
    _, records = read("\ufeffid,name,city\r\n1,Ada,Leeds\r\n2,Bo,York")
    assert records == [["1", "Ada", "Leeds"], ["2", "Bo", "York"]]


def test_quoted_fields_with_commas_newlines_and_doubled_quotes():
    """§2: quoted fields may contain commas and newlines; a quote inside is doubled."""
    _, records = read('id,name,city\n1,"Smith, ""Jo""\nJr",Leeds\n')
    assert records == [["1", 'Smith, "Jo"\nJr', "Leeds"]]


def test_quote_is_special_only_at_start_of_field():
    """§7: RFC 4180: a quote in the middle of a field is an ordinary character."""
    _, records = read('id,name,city\n1,O"Brien,Leeds\n')
    assert records == [["1", 'O"Brien', "Leeds"]]


def test_empty_lines_are_not_records_but_blank_ones_are():
    """§7: a completely empty line is not a record; record numbers count records only."""
    _, records = read("id,name,city\n\n1,a,b\r\n\r\n   \n2,c,d\n")
    assert records == [["1", "a", "b"], ["   "], ["2", "c", "d"]]


def test_field_count_mismatch_is_kept_for_the_engine():
    """§2: records with too few or too many fields are returned as they are (quarantined later as malformed)."""
    _, records = read("id,name,city\n1,a\n2,b,c,d\n")
    assert [len(r) for r in records] == [2, 4]


def test_header_after_blank_lines():
    """§7: the header is the first non-blank line."""
    header, records = read("\n  \n id ,name,city\n1,a,b\n")
    assert header.names == ("id", "name", "city")
    assert records == [["1", "a", "b"]]


def test_header_only_file_is_valid():
    """§2: a file with a header and no rows is valid."""
    assert read("id,name,city\n")[1] == []


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"id,name,city\n1,Z\xfcrich,x\n", "file_not_utf8"),
        (b"", "file_no_header"),
        (b"\n \r\n\t\n", "file_no_header"),
        (b"id,city\n", "file_missing_column:name"),
        (b"city\n", "file_missing_column:id"),  # §7: the first missing in the contract's column order
        (b"\xff\n", "file_not_utf8"),  # §7: not UTF-8 is checked before no header
    ],
)
def test_file_rejections(data, reason):
    """§2 / §7: whole-file rejections and the order of file checks."""
    with pytest.raises(FileRejected) as rejected:
        read(data)
    assert rejected.value.reason == reason
