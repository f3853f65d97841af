"""Input discovery and landing order (DATA_CONTRACT.md §1, §7)."""

from __future__ import annotations

import os
from datetime import date

from lakehouse.bronze.discovery import bronze_bytes, discover_bronze_files


def touch(root, relative, content=b"id\n"):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def test_inputs_ignore_rules_and_landing_order(tmp_path):
    """§1: only *.csv (any case), not starting with _ or .; §7: directly inside a real ingest_date folder."""
    touch(tmp_path, "bronze/transactions/ingest_date=2026-01-06/a.csv")
    touch(tmp_path, "bronze/transactions/ingest_date=2026-01-05/b.CSV")
    touch(tmp_path, "bronze/customers/ingest_date=2026-01-05/a.csv")
    touch(tmp_path, "bronze/transactions/ingest_date=2026-01-05/_uploading.csv")
    touch(tmp_path, "bronze/transactions/ingest_date=2026-01-05/.hidden.csv")
    touch(tmp_path, "bronze/transactions/ingest_date=2026-01-05/notes.txt")
    touch(tmp_path, "bronze/transactions/ingest_date=2026-02-30/bad_date.csv")
    touch(tmp_path, "bronze/transactions/ingest_date=2026-01-05/nested/deeper.csv")
    touch(tmp_path, "bronze/transactions/2026-01-05/no_prefix.csv")
    touch(tmp_path, "bronze/unknown_source/ingest_date=2026-01-05/x.csv")
    os.symlink(tmp_path / "bronze/transactions/ingest_date=2026-01-06/a.csv",
               tmp_path / "bronze/transactions/ingest_date=2026-01-06/link.csv")

    files, passed_over = discover_bronze_files(tmp_path)

    assert [f.path for f in files] == [
        "bronze/customers/ingest_date=2026-01-05/a.csv",
        "bronze/transactions/ingest_date=2026-01-05/b.CSV",
        "bronze/transactions/ingest_date=2026-01-06/a.csv",
    ]
    assert files[0].ingest_date == date(2026, 1, 5)
    assert "bronze/transactions/ingest_date=2026-02-30" in passed_over
    assert "bronze/transactions/ingest_date=2026-01-06/link.csv" in passed_over


def test_landing_order_is_bytewise_on_the_path(tmp_path):
    """§1: within an ingest_date, the relative path bytewise (upper case before lower case)."""
    for name in ("b.csv", "B.csv", "a.csv", "a_2.csv"):
        touch(tmp_path, f"bronze/stores/ingest_date=2026-01-05/{name}")
    files, _ = discover_bronze_files(tmp_path)
    assert [f.path.rsplit("/", 1)[1] for f in files] == ["B.csv", "a.csv", "a_2.csv", "b.csv"]


def test_bronze_bytes_counts_the_input_files_only(tmp_path):
    """What a local session is sized by (lakehouse.spark.SMALL_INPUT_BYTES): the inputs' bytes, not the rest."""
    assert bronze_bytes(tmp_path) == 0  # no bronze folder yet
    touch(tmp_path, "bronze/transactions/ingest_date=2026-01-05/a.csv", b"x" * 100)
    touch(tmp_path, "bronze/customers/ingest_date=2026-01-06/b.csv", b"x" * 23)
    touch(tmp_path, "bronze/transactions/ingest_date=2026-01-05/_partial.csv", b"x" * 1000)
    touch(tmp_path, "bronze/transactions/ingest_date=2026-01-05/notes.txt", b"x" * 1000)
    assert bronze_bytes(tmp_path) == 123
