"""Files the generator writes: layout (§1), dialect (§2), determinism, prefix stability and safe writing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from lakehouse.errors import UserError
from lakehouse.generate import generate
from tests.generate.conftest import DataSet

PATH = re.compile(r"bronze/(transactions|customers|products|stores)/ingest_date=(\d{4}-\d{2}-\d{2})/[^/]+")


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    """Determinism: the bytes depend on the arguments only."""
    options = dict(days=3, rows_per_day=120, faults=0.05)
    first = generate(tmp_path / "a", seed=5, **options)  # type: ignore[arg-type]
    second = generate(tmp_path / "b", seed=5, **options)  # type: ignore[arg-type]
    generate(tmp_path / "c", seed=6, **options)  # type: ignore[arg-type]
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    assert first == second
    other = tree(tmp_path / "c")
    assert other.keys() == tree(tmp_path / "a").keys()
    assert other != tree(tmp_path / "a")


def test_bytes_do_not_depend_on_the_process(tmp_path: Path) -> None:
    """No set or hash order leaks into the files: two interpreters with other hash seeds write the same bytes."""
    script = "import sys, pathlib; from lakehouse.generate import generate; " \
             "generate(pathlib.Path(sys.argv[1]), days=3, rows_per_day=80, faults=0.1)"
    for name, hash_seed in (("one", "1"), ("two", "2")):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-c", script, str(tmp_path / name)], check=True, env=env)
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


@pytest.mark.parametrize("faults", [0.0, 0.05])
def test_prefix_stable_a_longer_run_adds_days_and_skips_identical_files(tmp_path: Path, faults: float) -> None:
    """Day k depends only on (seed, start_date, rows_per_day, faults, k): days=3 then days=4 equals days=4."""
    options = dict(rows_per_day=150, seed=3, faults=faults, start_date=date(2026, 3, 30))
    three = generate(tmp_path / "grown", days=3, **options)  # type: ignore[arg-type]
    four = generate(tmp_path / "grown", days=4, **options)  # type: ignore[arg-type]
    fresh = generate(tmp_path / "fresh", days=4, **options)  # type: ignore[arg-type]
    assert sorted(four.files_skipped) == sorted(three.files_written)
    assert four.files_written and all("ingest_date=2026-04-02" in path for path in four.files_written)
    assert tree(tmp_path / "grown") == tree(tmp_path / "fresh")
    assert four.expected_faults == fresh.expected_faults
    assert four.rows_by_source == fresh.rows_by_source


def test_refuses_to_overwrite_a_different_file(tmp_path: Path) -> None:
    """Bronze is immutable (§1): an existing file with other bytes stops the run with a one-line UserError."""
    summary = generate(tmp_path, days=1, rows_per_day=50)
    victim = tmp_path / summary.files_written[1]
    victim.write_bytes(victim.read_bytes() + b"changed\n")
    before = tree(tmp_path)
    with pytest.raises(UserError) as raised:
        generate(tmp_path, days=2, rows_per_day=50)
    message = str(raised.value)
    assert str(victim) in message and "\n" not in message
    assert tree(tmp_path) == before  # nothing written, the changed file kept


def test_other_arguments_over_an_existing_root_are_refused(tmp_path: Path) -> None:
    """Another seed over the same root would rewrite landed files (§1): refused."""
    generate(tmp_path, days=1, rows_per_day=50, seed=1)
    with pytest.raises(UserError, match="already exists with different content"):
        generate(tmp_path, days=1, rows_per_day=50, seed=2)


@pytest.mark.parametrize("options", [dict(days=0), dict(rows_per_day=0), dict(faults=-0.1), dict(faults=1.5)])
def test_bad_arguments_are_user_errors(tmp_path: Path, options: dict) -> None:
    """§6: errors a user can cause end as one clear sentence."""
    with pytest.raises(UserError):
        generate(tmp_path, **options)


def test_layout_and_ignored_files(faulty: DataSet) -> None:
    """§1: files under bronze/<source>/ingest_date=YYYY-MM-DD/; `_x.csv` and `.x.csv` are not inputs."""
    files = tree(faulty.root)
    assert set(files) == set(faulty.summary.files_written)
    assert all(PATH.fullmatch(path) for path in files)
    assert not [path for path in files if path.endswith(".tmp")]  # atomic writes leave no temporary files
    ignored = [path for path in files if path.rsplit("/", 1)[1].startswith(("_", "."))]
    assert {path.rsplit("/", 1)[1] for path in ignored} == {"_partial.csv", ".tmp.csv"}
    assert not {fault.source_file for fault in faulty.summary.expected_faults} & set(ignored)
    assert sum(faulty.summary.rows_by_source.values()) == sum(faulty.reading.records.values())


def test_files_per_source_and_day(clean: DataSet) -> None:
    """Two sales files a day, one CDC export per CDC source and one snapshot per day."""
    names = [path.rsplit("/", 1)[1] for path in clean.summary.files_written]
    assert "transactions_20260105_01.csv" in names and "transactions_20260108_02.csv" in names
    assert sum(name.startswith("transactions_") for name in names) == 8
    for source in ("customers", "products", "stores"):
        assert sum(name.startswith(source) for name in names) == 4
    assert clean.summary.rows_by_source["transactions"] == 4 * 300


def test_day_one_alone_shows_every_dialect_variation(tmp_path: Path) -> None:
    """§2/§7 variations, valid all: BOM, CRLF, no final newline, quoted commas, doubled quotes and newlines,
    header names in other case or padded, shuffled and extra columns, a completely empty line."""
    generate(tmp_path, days=1, rows_per_day=40)
    contents = list(tree(tmp_path).values())
    headers = [data.removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[0].decode() for data in contents]
    names = [name for header in headers for name in header.rstrip("\r").split(",")]
    assert any(data.startswith(b"\xef\xbb\xbf") for data in contents)
    assert any(b"\r\n" in data for data in contents) and any(b"\r\n" not in data for data in contents)
    assert any(not data.endswith(b"\n") for data in contents)
    assert any(b'\nUnit 4"' in data for data in contents)  # a newline inside a quoted field
    assert any(b'""' in data for data in contents) and any(b'Airport"' in data for data in contents)
    assert any(b"\n\n" in data.rstrip(b"\n") or b"\r\n\r\n" in data.rstrip(b"\r\n") for data in contents)
    assert any(name != name.strip() for name in names) and any(name != name.lower() for name in names)
    assert any(name.strip() in ("source_system", "export_host", "note") for name in names)
    assert any(header.startswith("transaction_id") for header in headers)
    assert any("transaction_id" in header.lower() and not header.lower().startswith("transaction_id")
               for header in headers)
    assert any(b",  " in data for data in contents)  # a value with spaces around it


def test_values_vary_in_spelling_within_the_contract(faulty: DataSet, clean: DataSet) -> None:
    """§3 case rules and §7 normalisation: upper-case value sets, lower-case countries and LSN hex, money without
    trailing zeros, flags as 1/0, empty values as nulls."""
    rows = [values for data in (faulty, clean) for source in data.reading.valid.values() for _, _, values in source]
    seen = {column: {value for row in rows if (value := row.get(column)) is not None}
            for column in ("payment_method", "channel", "country", "__$start_lsn", "unit_price", "is_active")}
    assert seen["payment_method"] & {"CARD", "Card", "CASH", "Cash", "WALLET", "Wallet", "VOUCHER", "Voucher"}
    assert seen["channel"] & {"STORE", "Store", "ONLINE", "Online", "MOBILE", "Mobile"}
    assert any(value.islower() for value in seen["country"])
    assert any(value[2:] != value[2:].upper() for value in seen["__$start_lsn"])
    assert any("." not in value or value.endswith(".5") for value in seen["unit_price"])
    assert seen["is_active"] & {"1", "0", "TRUE", "True", "FALSE", "False"}
    assert any(row.get("discount", "") is None for row in rows)
