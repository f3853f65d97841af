"""`erase_records` (contract §8 forget, §2, §7) against `open_csv`, the reference reader: the file without the
subject's records reads as the same header and the same records less those whose subject column, trimmed, is the
id; nothing else changes, and a file rejected whole is left alone. Adversarial files from test_fast_csv.py."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lakehouse.bronze.csv_reader import FileRejected, open_csv
from lakehouse.bronze.erase import erase_records
from tests.bronze.test_fast_csv import REQUIRED, csv_files

WHITESPACE = " \t\n\r\x0b\x0c"
COLUMN = "name"


def model(data: bytes, subject: str) -> tuple[object, list[list[str]], int] | None:
    """Header and records after erasure, and how many records go, read by the reference reader; None if rejected."""
    try:
        header, records = open_csv(data, REQUIRED)
    except FileRejected:
        return None
    position = header.positions[REQUIRED.index(COLUMN)]
    records = list(records)
    kept = [r for r in records if not (position < len(r) and r[position].strip(WHITESPACE) == subject)]
    return header, kept, len(records) - len(kept)


def check(data: bytes, subject: str) -> None:
    expected = model(data, subject)
    erased = erase_records(data, REQUIRED, COLUMN, subject)
    if expected is None:
        assert erased is None
        return
    assert erased is not None
    header, kept, removed = expected
    new_header, new_records = open_csv(erased.data, REQUIRED)
    assert new_header == header
    assert list(new_records) == kept
    assert (erased.records_kept, erased.records_erased) == (len(kept), removed)
    if not removed:
        assert erased.data == data


@pytest.mark.parametrize("text, subject, expected", [
    ("id,name,city\r\n1, C1 ,Leeds\r\n2,C10,York\r\n", "C1", "id,name,city\r\n2,C10,York\r\n"),
    ("\ufeffname,id,city\n\"C1\",1,x\n\nC2,\"multi\nline\",y\nC1,3\n", "C1",
     "\ufeffname,id,city\n\nC2,\"multi\nline\",y\n"),
    ("id,name,city\n1,C1,x", "C1", "id,name,city\n"),
    ("id,name,city\n1,C2,x\n2,C1,y", "C1", "id,name,city\n1,C2,x\n"),
])
def test_records_of_the_subject_are_cut_and_every_other_byte_kept(text, subject, expected):
    erased = erase_records(text.encode(), REQUIRED, COLUMN, subject)
    assert erased is not None and erased.data == expected.encode()
    check(text.encode(), subject)


def test_a_file_rejected_whole_is_left_alone():
    assert erase_records(b"id,city\n1,C1\n", REQUIRED, COLUMN, "C1") is None  # no `name` column
    assert erase_records(b"id,name,city\n1,C1,\xff\n", REQUIRED, COLUMN, "C1") is None  # not UTF-8
    assert erase_records(b"\n \n", REQUIRED, COLUMN, "C1") is None  # no header


@settings(max_examples=2000, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(csv_files(), st.sampled_from(["x y", "1", "Leeds", "a", "Z", "é"]))
def test_adversarial_files_read_as_the_reference_less_the_subject(data, subject):
    check(data, subject)
