"""`lakehouse land` onto a local root (contract §1 layout and ignore rules, §2/§7 file checks)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from lakehouse.bronze.discovery import discover_bronze_files
from lakehouse.errors import UserError
from lakehouse.land.checks import file_digest, read_extract
from lakehouse.land.land import LANDED, SKIPPED, LandResult, land_files
from lakehouse.land.targets import DestinationExists, LocalTarget
from tests.land.conftest import transactions_csv

INGEST_DATE = date(2026, 1, 5)
FOLDER = "bronze/transactions/ingest_date=2026-01-05"


def land(root: Path, *files: Path, is_checked: bool = True, as_new_name: bool = False) -> list[LandResult]:
    return land_files(LocalTarget(root), "transactions", list(files), INGEST_DATE, is_checked=is_checked,
                      as_new_name=as_new_name)


def names_in(folder: Path) -> list[str]:
    return sorted(entry.name for entry in folder.iterdir()) if folder.exists() else []


def test_lands_file_where_the_pipeline_finds_it(root, make_extract):
    extract = make_extract("sales.csv")
    [result] = land(root, extract)
    final = root / FOLDER / "sales.csv"
    assert result.status == LANDED
    assert final.read_bytes() == extract.read_bytes()
    size, md5 = file_digest(extract)
    assert result.summary_line() == f"landed {final} ({size} bytes, md5 {md5})"
    assert names_in(root / FOLDER) == ["sales.csv"]  # no temporary file left
    [found], passed_over = discover_bronze_files(root)
    assert (found.path, passed_over) == (f"{FOLDER}/sales.csv", [])


def test_landing_again_is_a_no_op(root, make_extract):
    extract = make_extract("sales.csv")
    land(root, extract)
    final = root / FOLDER / "sales.csv"
    before = final.stat().st_mtime_ns
    [result] = land(root, extract)
    assert result.status == SKIPPED
    assert result.summary_line().startswith(f"skipped {final} (")
    assert final.stat().st_mtime_ns == before
    assert names_in(root / FOLDER) == ["sales.csv"]


def test_other_content_under_a_landed_name_is_refused(root, make_extract):
    land(root, make_extract("sales.csv"))
    changed = make_extract("sales.csv", transactions_csv(rows=4), folder="later")
    with pytest.raises(UserError, match=r"bronze/transactions/ingest_date=2026-01-05/sales\.csv already holds "
                                        r"different content \(Bronze is immutable\).*--as-new-name"):
        land(root, changed)
    assert (root / FOLDER / "sales.csv").read_bytes() == transactions_csv()
    assert names_in(root / FOLDER) == ["sales.csv"]


def test_as_new_name_lands_under_a_content_name_and_is_idempotent(root, make_extract):
    original = make_extract("sales.csv")
    land(root, original)
    changed = make_extract("sales.csv", transactions_csv(rows=4), folder="later")
    new_name = f"sales__{file_digest(changed)[1][:8]}.csv"
    [first] = land(root, changed, as_new_name=True)
    [second] = land(root, changed, as_new_name=True)
    [same_as_original] = land(root, original, as_new_name=True)
    assert (first.status, second.status, same_as_original.status) == (LANDED, SKIPPED, SKIPPED)
    assert first.location == second.location == str(root / FOLDER / new_name)
    assert same_as_original.location == str(root / FOLDER / "sales.csv")
    assert (root / FOLDER / new_name).read_bytes() == changed.read_bytes()
    assert names_in(root / FOLDER) == sorted(["sales.csv", new_name])


@pytest.mark.parametrize(("data", "reason"), [
    (b"transaction_id,customer_id\n\xff\xfe\n", "file_not_utf8"),
    (b"\n  \r\n", "file_no_header"),
    (transactions_csv().replace(b",channel\n", b"\n", 1), "file_missing_column:channel"),
    (transactions_csv().replace(b"customer_id,", b"", 1), "file_missing_column:customer_id"),
])
def test_bad_extract_is_refused_at_the_door_with_its_reason(root, make_extract, data, reason):
    with pytest.raises(UserError, match=rf"sales\.csv refused \({reason}\): .*--no-check"):
        land(root, make_extract("sales.csv", data))
    assert not (root / "bronze").exists()


def test_no_check_lands_a_file_the_pipeline_will_reject(root, make_extract):
    [result] = land(root, make_extract("sales.csv", b"\xff\xfe"), is_checked=False)
    assert result.status == LANDED


def test_utf8_bom_and_any_case_suffix_are_accepted(root, make_extract):
    [result] = land(root, make_extract("SALES.CSV", b"\xef\xbb\xbf" + transactions_csv()))
    assert result.status == LANDED and (root / FOLDER / "SALES.CSV").is_file()


@pytest.mark.parametrize("name", ["sales.txt", "_sales.csv", ".sales.csv"])
def test_names_the_pipeline_ignores_are_refused(root, make_extract, name):
    with pytest.raises(UserError, match="the pipeline reads only files named"):
        land(root, make_extract(name))


def test_missing_file_is_a_user_error(root, tmp_path):
    with pytest.raises(UserError, match="no such file"):
        land(root, tmp_path / "nowhere.csv")


def test_a_bad_file_stops_the_batch_before_anything_lands(root, make_extract):
    good = make_extract("good.csv")
    bad = make_extract("bad.csv", b"no,useful,columns\n")
    with pytest.raises(UserError, match="file_missing_column:transaction_id"):
        land(root, good, bad)
    assert not (root / "bronze").exists()


def test_two_files_of_a_batch_with_one_name_and_different_content_are_refused(root, make_extract):
    first = make_extract("sales.csv", folder="a")
    second = make_extract("sales.csv", transactions_csv(rows=5), folder="b")
    with pytest.raises(UserError, match="would both land as sales.csv"):
        land(root, first, second)
    assert not (root / "bronze").exists()


def test_publish_never_replaces_a_file_that_appeared_meanwhile(root, make_extract):
    extract = read_extract(make_extract("sales.csv"), "transactions")
    final = root / FOLDER / "sales.csv"
    final.parent.mkdir(parents=True)
    final.write_bytes(b"someone else's bytes")
    with pytest.raises(DestinationExists):
        LocalTarget(root).put("transactions/ingest_date=2026-01-05/sales.csv", extract, lambda _bytes: None)
    assert final.read_bytes() == b"someone else's bytes"
    assert names_in(final.parent) == ["sales.csv"]


class RacingTarget(LocalTarget):
    """A concurrent lander writes the final name between our check and our publish."""

    def __init__(self, root: Path, racing_bytes: bytes):
        super().__init__(root)
        self.racing_bytes = racing_bytes

    def put(self, relative, extract, progress):
        final = self.bronze / relative
        final.parent.mkdir(parents=True, exist_ok=True)
        final.write_bytes(self.racing_bytes)
        super().put(relative, extract, progress)


def test_a_concurrent_lander_with_the_same_bytes_makes_it_a_skip(root, make_extract):
    extract = make_extract("sales.csv")
    [result] = land_files(RacingTarget(root, extract.read_bytes()), "transactions", [extract], INGEST_DATE)
    assert result.status == SKIPPED
    assert names_in(root / FOLDER) == ["sales.csv"]


def test_a_concurrent_lander_with_other_bytes_makes_it_a_conflict(root, make_extract):
    extract = make_extract("sales.csv")
    racing = transactions_csv(rows=9)
    with pytest.raises(UserError, match="already holds different content"):
        land_files(RacingTarget(root, racing), "transactions", [extract], INGEST_DATE)
    assert (root / FOLDER / "sales.csv").read_bytes() == racing
    assert names_in(root / FOLDER) == ["sales.csv"]


def test_a_file_changed_after_it_was_checked_is_not_landed(root, make_extract, monkeypatch):
    extract = make_extract("sales.csv")
    original_write = LocalTarget._write

    def write_after_change(temporary, landed_extract, progress):
        extract.write_bytes(transactions_csv(rows=2))  # same name, other bytes, after the door checks
        original_write(temporary, landed_extract, progress)

    monkeypatch.setattr(LocalTarget, "_write", staticmethod(write_after_change))
    with pytest.raises(UserError, match="changed while it was being landed"):
        land(root, extract)
    assert names_in(root / FOLDER) == []
