"""`lakehouse land` onto ADLS Gen2 through azure-storage-file-datalake, against a local DFS server.

Azurite 3.37, the Azure Storage emulator, has no DFS (Data Lake Gen2) endpoint, so these tests run the real SDK
against tests/land/dfs_server.py instead: a small HTTP server, started by the fixtures, that speaks the DFS calls
the SDK makes (create, append, flush, rename, properties, read, list, delete) and injects 503s and dropped
connections. Every test checks what a reader of the container sees: never a partial file under a final name.
"""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from lakehouse.errors import UserError
from lakehouse.land.adls import AdlsTarget
from lakehouse.land.land import LANDED, SKIPPED, land_files
from lakehouse.land.roots import open_target
from tests.land.conftest import ADLS_ROOT, FAST_RETRY, SMALL_CHUNK_BYTES, transactions_csv
from tests.land.dfs_server import DfsHttpServer
from tests.land.dfs_state import DfsState

INGEST_DATE = date(2026, 1, 5)
FOLDER = "transactions/ingest_date=2026-01-05"
FINAL = f"{FOLDER}/sales.csv"
BIG = transactions_csv(rows=60)  # several chunks of SMALL_CHUNK_BYTES


def land(target: AdlsTarget, *files, **options):
    return land_files(target, "transactions", list(files), INGEST_DATE, **options)


def watch_final_names(dfs: DfsHttpServer, expected: dict[str, bytes]) -> list[str]:
    """After every request the server applies, every file a reader sees (name not starting with `_`, contract §1)
    must be an expected one, complete."""
    violations: list[str] = []

    def check(state: DfsState) -> None:
        for key, stored in state.files.items():
            path = key.partition("/")[2]
            if not path.rpartition("/")[2].startswith("_") and stored.data != expected.get(path):
                violations.append(f"{path} visible with {len(stored.data)} bytes")

    dfs.state.watch = check
    return violations


def listed_files(target: AdlsTarget) -> list[str]:
    """What a reader listing the container through the SDK sees."""
    return sorted(path.name for path in target.file_system.get_paths(path=FOLDER, recursive=True)
                  if not path.is_directory)


def test_lands_file_in_chunks_and_renames_it_into_place(dfs, adls, make_extract):
    extract = make_extract("sales.csv", BIG)
    violations = watch_final_names(dfs, {FINAL: BIG})
    [result] = land(adls, extract)
    operations = dfs.state.operations()
    assert result.status == LANDED
    assert result.location == f"{ADLS_ROOT}{FINAL}"
    assert listed_files(adls) == [FINAL]
    assert dfs.state.read(FINAL) == BIG
    assert dfs.state.files[f"bronze/{FINAL}"].content_md5 == hashlib.md5(BIG).digest()
    assert operations.count("append") == -(-len(BIG) // SMALL_CHUNK_BYTES) > 1
    assert operations[-3:] == ["flush", "properties", "rename"]
    assert [key for op, key, _ in dfs.state.log if op == "create"][0].rpartition("/")[2].startswith("_sales.csv.")
    assert violations == []


def test_landing_again_is_a_no_op(dfs, adls, make_extract):
    extract = make_extract("sales.csv", BIG)
    land(adls, extract)
    dfs.state.log.clear()
    [result] = land(adls, extract)
    assert result.status == SKIPPED
    assert dfs.state.operations() == ["properties"]
    assert listed_files(adls) == [FINAL]


def test_other_content_under_a_landed_name_is_refused(dfs, adls, make_extract):
    land(adls, make_extract("sales.csv"))
    with pytest.raises(UserError, match=rf"bronze/{FINAL} already holds different content .*--as-new-name"):
        land(adls, make_extract("sales.csv", BIG, folder="later"))
    assert dfs.state.read(FINAL) == transactions_csv()
    assert listed_files(adls) == [FINAL]


def test_as_new_name_on_adls(dfs, adls, make_extract):
    land(adls, make_extract("sales.csv"))
    changed = make_extract("sales.csv", BIG, folder="later")
    new_final = f"{FOLDER}/sales__{hashlib.md5(BIG).hexdigest()[:8]}.csv"
    statuses = [land(adls, changed, as_new_name=True)[0].status for _ in range(2)]
    assert statuses == [LANDED, SKIPPED]
    assert listed_files(adls) == sorted([FINAL, new_final])
    assert dfs.state.read(new_final) == BIG


@pytest.mark.parametrize(("operation", "kind", "retry_after"), [
    ("create", "503", None),
    ("append", "busy", None),
    ("append", "503", 1),
    ("flush", "busy", None),
    ("properties", "503", None),
    ("rename", "busy", 1),
])
def test_503s_are_retried(dfs, adls, make_extract, operation, kind, retry_after):
    dfs.state.inject(operation, kind, times=2, skip=1 if operation == "append" else 0, retry_after=retry_after)
    violations = watch_final_names(dfs, {FINAL: BIG})
    [result] = land(adls, make_extract("sales.csv", BIG))
    assert result.status == LANDED
    assert [status for op, _, status in dfs.state.log if op == operation].count(kind) == 2
    assert dfs.state.file_names() == [FINAL] and dfs.state.read(FINAL) == BIG
    assert violations == []


@pytest.mark.parametrize(("operation", "kind"), [
    ("append", "drop"),
    ("append", "drop_after"),
    ("create", "drop_after"),
    ("flush", "drop"),
    ("flush", "drop_after"),
    ("rename", "drop"),
])
def test_a_dropped_connection_is_survived(dfs, adls, make_extract, operation, kind):
    dfs.state.inject(operation, kind, skip=2 if operation == "append" else 0)
    violations = watch_final_names(dfs, {FINAL: BIG})
    [result] = land(adls, make_extract("sales.csv", BIG))
    assert result.status == LANDED
    assert (operation, kind) in {(op, status) for op, _, status in dfs.state.log}
    assert dfs.state.file_names() == [FINAL] and dfs.state.read(FINAL) == BIG
    assert violations == []


@pytest.mark.parametrize("destination_first", [False, True], ids=["source-gone-404", "destination-taken-409"])
def test_a_rename_whose_response_was_lost_counts_as_landed(dfs, adls, make_extract, destination_first):
    dfs.state.rename_checks_destination_first = destination_first
    dfs.state.inject("rename", "drop_after")
    [result] = land(adls, make_extract("sales.csv", BIG))
    assert result.status == LANDED
    assert [status for op, _, status in dfs.state.log if op == "rename"] == [
        "drop_after", 409 if destination_first else 404]
    assert dfs.state.file_names() == [FINAL]


def test_a_rename_done_but_never_answered_counts_as_landed(dfs, adls, make_extract):
    dfs.state.inject("rename", "drop_after")
    dfs.state.inject("rename", "drop", times=100)  # every retry's response is lost too
    [result] = land(adls, make_extract("sales.csv", BIG))
    assert result.status == LANDED
    assert dfs.state.file_names() == [FINAL] and dfs.state.read(FINAL) == BIG


@pytest.mark.parametrize(("operation", "kind", "message"), [
    ("append", "busy", "HTTP 503 ServerBusy"),
    ("flush", "503", "HTTP 503 ServiceUnavailable"),
    ("rename", "busy", "HTTP 503 ServerBusy"),
    ("append", "drop", "connection error: ('Connection aborted.'"),
    ("rename", "drop", "connection error: ('Connection aborted.'"),
])
def test_exhausted_retries_end_in_one_clear_line_and_nothing_under_the_final_name(
        dfs, adls, make_extract, operation, kind, message):
    extract = make_extract("sales.csv", BIG)
    dfs.state.inject(operation, kind, times=100)
    with pytest.raises(UserError) as raised:
        land(adls, extract)
    text = str(raised.value)
    assert "\n" not in text
    assert text.startswith(f"landing {extract} as {ADLS_ROOT}{FINAL} failed after retries: ")
    assert message in text
    assert [status for op, _, status in dfs.state.log if op == operation].count(kind) == FAST_RETRY.total + 1
    assert dfs.state.file_names() == []  # the temporary file was deleted too
    assert listed_files(adls) == []


@pytest.mark.parametrize("exists_status", [409, 412])
def test_a_name_taken_during_the_upload_is_not_replaced(dfs, adls, make_extract, exists_status):
    dfs.state.exists_status = exists_status
    dfs.state.before["rename"] = lambda state: state.put(FINAL, b"concurrent bytes")
    with pytest.raises(UserError, match="already holds different content"):
        land(adls, make_extract("sales.csv", BIG))
    assert dfs.state.file_names() == [FINAL]
    assert dfs.state.read(FINAL) == b"concurrent bytes"


def test_a_name_taken_during_the_upload_by_the_same_bytes_is_a_skip(dfs, adls, make_extract):
    dfs.state.before["rename"] = lambda state: state.put(FINAL, BIG, content_md5=hashlib.md5(BIG).digest())
    [result] = land(adls, make_extract("sales.csv", BIG))
    assert result.status == SKIPPED
    assert dfs.state.file_names() == [FINAL]


@pytest.mark.parametrize(("stored", "status"), [(BIG, SKIPPED), (BIG.replace(b"card", b"cash"), None)])
def test_a_file_stored_without_an_md5_is_read_back_to_compare(dfs, adls, make_extract, stored, status):
    dfs.state.put(FINAL, stored)  # landed by another tool: no Content-MD5
    if status is None:
        with pytest.raises(UserError, match="already holds different content"):
            land(adls, make_extract("sales.csv", BIG))
    else:
        assert land(adls, make_extract("sales.csv", BIG))[0].status == status
    assert "read" in dfs.state.operations()
    assert dfs.state.read(FINAL) == stored


def test_an_extract_deleted_during_the_upload_leaves_nothing(dfs, adls, make_extract):
    extract = make_extract("sales.csv", BIG)
    dfs.state.before["create"] = lambda state: extract.unlink()
    with pytest.raises(UserError, match="cannot read .*sales.csv: No such file"):
        land(adls, extract)
    assert dfs.state.file_names() == []


def test_a_missing_bronze_container_is_named(dfs, adls, make_extract):
    dfs.state.filesystems.clear()
    with pytest.raises(UserError, match="the account has no 'bronze' container"):
        land(adls, make_extract("sales.csv"))


@pytest.mark.parametrize(("root", "message"), [
    ("abfss://silver@devstoreaccount1.dfs.core.windows.net/", "Bronze is the 'bronze' container"),
    ("abfss://bronze@devstoreaccount1.dfs.core.windows.net/some/folder", "is not an ADLS Gen2 root"),
    ("abfss://bronze@otheraccount.dfs.core.windows.net/", "is for account 'devstoreaccount1'"),
    ("wasbs://bronze@devstoreaccount1.blob.core.windows.net/", "use a local directory or abfss://"),
])
def test_bad_roots_are_refused(dfs, root, message):
    with pytest.raises(UserError, match=message):
        open_target(root, FAST_RETRY, {"AZURE_STORAGE_CONNECTION_STRING": dfs.connection_string})


def test_without_a_connection_string_default_azure_credential_is_used():
    target = open_target("abfss://bronze@myaccount.dfs.core.windows.net", FAST_RETRY, {})
    assert isinstance(target, AdlsTarget)
    assert target.file_system.url.startswith("https://myaccount.dfs.core.windows.net/bronze")
    assert type(target.file_system.credential).__name__ == "DefaultAzureCredential"
    assert target.location(FINAL) == f"abfss://bronze@myaccount.dfs.core.windows.net/{FINAL}"
