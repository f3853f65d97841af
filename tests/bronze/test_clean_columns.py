"""A required column taken from a record by its header position, as the parse tasks do it (bronze.records,
contract §2, §7): the field there trimmed of ASCII whitespace only, an empty value null, and null for a record too
short to have that field (a malformed row). Checked against plain Python over random records."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from lakehouse.bronze.csv_reader import ASCII_WHITESPACE
from lakehouse.bronze.records import clean_columns

# ASCII whitespace (trimmed) beside characters that look like it and are not (§7: only ASCII whitespace is trimmed).
CHARACTERS = st.sampled_from([*ASCII_WHITESPACE, "a", "Z", "0", ",", '"', "\u00a0", "\u2028", "\u3000", "\x1f",
                              "\x85", "é", "😀"])
FIELD = st.text(CHARACTERS, max_size=6)
RECORDS = st.lists(st.lists(FIELD, max_size=6), max_size=12)


def model(record: list[str], position: int) -> str | None:
    if position >= len(record):
        return None
    return record[position].strip(ASCII_WHITESPACE) or None


@given(RECORDS, st.lists(st.integers(0, 7), min_size=1, max_size=5), st.integers(0, 3))
def test_columns_match_the_model(records, positions, skip):
    fields = pa.array([["padding"]] * skip + records, pa.list_(pa.string()))[skip:]  # a slice, as batches can be
    columns = clean_columns(fields, positions)
    assert [column.to_pylist() for column in columns] == \
        [[model(record, position) for record in records] for position in positions]


def test_a_missing_field_of_a_record_is_null_not_an_error():
    """The last record too short for a column: a position past the end of all the batch's values."""
    fields = pa.array([["x", " y", "z "], [" a ", "\t"], []], pa.list_(pa.string()))
    assert [column.to_pylist() for column in clean_columns(fields, [0, 1, 2])] == \
        [["x", "a", None], ["y", None, None], ["z", None, None]]
