"""The `land` sub-command, run through a parser of its own (the `lakehouse` entry point wires the same two calls)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

import pytest

from lakehouse.cli import land as land_cli
from lakehouse.errors import UserError
from lakehouse.land.checks import file_digest
from tests.land.conftest import ADLS_ROOT, FAST_RETRY, transactions_csv


def run_land(*argv: str) -> None:
    parser = argparse.ArgumentParser(prog="lakehouse")
    land_cli.add_land_parser(parser.add_subparsers(dest="command", required=True))
    land_cli.cmd_land(parser.parse_args(["land", *argv]))


def test_land_prints_one_summary_line_per_file(root, make_extract, capsys):
    first, second = make_extract("a.csv"), make_extract("b.csv", transactions_csv(rows=2))
    run_land("--root", str(root), "--source", "transactions", "--ingest-date", "2026-01-05", str(first), str(second))
    run_land("--root", str(root), "--source", "transactions", "--ingest-date", "2026-01-05", str(first))
    folder = root / "bronze" / "transactions" / "ingest_date=2026-01-05"
    lines = capsys.readouterr().out.splitlines()
    size, md5 = file_digest(first)
    assert lines == [
        f"landed {folder / 'a.csv'} ({size} bytes, md5 {md5})",
        f"landed {folder / 'b.csv'} ({second.stat().st_size} bytes, md5 {file_digest(second)[1]})",
        f"skipped {folder / 'a.csv'} ({size} bytes, md5 {md5})",
    ]


def test_ingest_date_defaults_to_today_in_utc(root, make_extract):
    run_land("--root", str(root), "--source", "transactions", str(make_extract("a.csv")))
    today = datetime.now(UTC).date().isoformat()
    assert (root / "bronze" / "transactions" / f"ingest_date={today}" / "a.csv").is_file()


@pytest.mark.parametrize("text", ["2026-02-30", "20260105", "2026-1-5", "yesterday"])
def test_a_bad_ingest_date_is_a_user_error(root, make_extract, text):
    with pytest.raises(UserError, match=f"--ingest-date '{text}' is not a real date"):
        run_land("--root", str(root), "--source", "transactions", "--ingest-date", text, str(make_extract()))


def test_the_source_must_be_a_contract_source(root, make_extract, capsys):
    with pytest.raises(SystemExit):
        run_land("--root", str(root), "--source", "orders", str(make_extract()))
    assert "invalid choice: 'orders'" in capsys.readouterr().err


def test_no_check_and_as_new_name_flags(root, make_extract, capsys):
    folder = root / "bronze" / "stores" / "ingest_date=2026-01-05"
    base = ["--root", str(root), "--source", "stores", "--ingest-date", "2026-01-05"]
    with pytest.raises(UserError, match=r"refused \(file_missing_column:store_id\)"):
        run_land(*base, str(make_extract("stores.csv", b"a,b\n1,2\n")))
    run_land(*base, "--no-check", str(make_extract("stores.csv", b"a,b\n1,2\n")))
    other = make_extract("stores.csv", b"a,b\n3,4\n", folder="later")
    run_land(*base, "--no-check", "--as-new-name", str(other))
    assert sorted(path.name for path in folder.iterdir()) == ["stores.csv", f"stores__{file_digest(other)[1][:8]}.csv"]
    assert capsys.readouterr().out.count("landed ") == 2


def test_land_on_adls_with_a_connection_string(dfs, make_extract, monkeypatch, capsys):
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", dfs.connection_string)
    monkeypatch.setattr(land_cli, "DEFAULT_RETRY", FAST_RETRY)
    dfs.state.inject("append", "busy")
    extract = make_extract("a.csv")
    for _ in range(2):
        run_land("--root", ADLS_ROOT, "--source", "transactions", "--ingest-date", "2026-01-05", str(extract))
    final = "transactions/ingest_date=2026-01-05/a.csv"
    size, md5 = file_digest(extract)
    assert capsys.readouterr().out.splitlines() == [
        f"landed {ADLS_ROOT}{final} ({size} bytes, md5 {md5})",
        f"skipped {ADLS_ROOT}{final} ({size} bytes, md5 {md5})",
    ]
    assert dfs.state.file_names() == [final]


def test_progress_bar_only_for_large_files_on_a_terminal(monkeypatch, capsys):
    class Terminal:
        def isatty(self) -> bool:
            return True

        def write(self, text: str) -> int:
            written.append(text)
            return len(text)

        def flush(self) -> None:
            pass

    written: list[str] = []
    monkeypatch.setattr(land_cli.sys, "stderr", Terminal())
    with land_cli.terminal_progress("small.csv", land_cli.PROGRESS_MIN_BYTES - 1) as progress:
        progress(10)
    assert written == []
    with land_cli.terminal_progress("big.csv", land_cli.PROGRESS_MIN_BYTES) as progress:
        progress(land_cli.PROGRESS_MIN_BYTES)
    assert any("big.csv" in text for text in written)
