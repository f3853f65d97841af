"""Synapse serverless readability (DATA_CONTRACT.md §4), and the log reader, on tables REAL delta-spark writes.

delta-spark runs in a subprocess (delta_spark_tables.py): one SparkSession per Python process, and this process may
hold the project's session without Delta. It writes one table per case and records delta-spark's own view of each
(`spark_view.json`), which `delta_log` is compared with. The other tests here use delta-rs or logs written by hand.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake

from lakehouse.spark import cached_delta_jars, delta_jars_dir
from lakehouse.storage import delta_log
from lakehouse.storage.delta_log import DeltaLogError
from lakehouse.storage.synapse_check import check_tables, synapse_problems
from tests.integration.helpers import process_env
from tests.storage import delta_log_files as log

WRITER = Path(__file__).with_name("delta_spark_tables.py")
CHECKPOINTED = {"clean": 10, "multipart": 3, "v2_checkpoint": 3}


@pytest.fixture(scope="module")
def spark_tables(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """(folder of delta-spark's tables, delta-spark's view of each), written once for the module."""
    jars = cached_delta_jars()  # the JARs scripts/bootstrap.sh fetched for local Spark
    if not jars:
        pytest.fail(f"Delta JARs not found in {delta_jars_dir()}: run scripts/bootstrap.sh", pytrace=False)
    out = tmp_path_factory.mktemp("delta_spark")
    env = process_env({"PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable})
    result = subprocess.run([sys.executable, str(WRITER), str(out), ",".join(map(str, jars))],
                            capture_output=True, text=True, timeout=1800, env=env)
    if result.returncode != 0:
        pytest.fail(f"delta-spark writer exited {result.returncode}:\n{result.stderr[-4000:]}", pytrace=False)
    return out, json.loads((out / "spark_view.json").read_text())


def problem_kinds(problems: list[str], fragments: list[str]) -> None:
    """Each problem contains its fragment, in order, and there are no others."""
    assert len(problems) == len(fragments), problems
    for problem, fragment in zip(problems, fragments, strict=True):
        assert fragment in problem, (fragment, problem)


# --- delta-spark ---------------------------------------------------------------------------------------------------

def test_a_gold_table_with_the_safe_properties_passes_after_a_checkpoint(spark_tables: tuple[Path, Any]) -> None:
    root, _ = spark_tables
    snapshot = delta_log.read_snapshot(root / "clean")
    assert snapshot.version == 11
    assert snapshot.checkpoint is not None and (snapshot.checkpoint.kind, snapshot.checkpoint.version) == (
        "classic", 10)
    assert snapshot.log.last_checkpoint_bytes is not None and snapshot.log.last_checkpoint_bytes <= 200
    assert json.loads((root / "clean" / "_delta_log" / "_last_checkpoint").read_text()).keys() == {
        "version", "size", "sizeInBytes", "numOfAddFiles", "checksum"}  # no checkpointSchema
    assert synapse_problems(root / "clean") == []
    assert synapse_problems(root / "multipart") == []


def test_writer_options_of_the_first_write_become_table_properties(spark_tables: tuple[Path, Any]) -> None:
    root, _ = spark_tables
    snapshot = delta_log.read_snapshot(root / "writer_options")
    # delta-spark 4.0.0 keeps delta.enableDeletionVectors and delta.columnMapping.mode given as options of the first
    # write as table properties; delta.minReaderVersion/minWriterVersion are not kept (the protocol is (1, 2), its
    # default for a new table anyway).
    assert snapshot.metadata.configuration == {
        "delta.enableDeletionVectors": "false", "delta.columnMapping.mode": "none"}
    assert (snapshot.protocol.min_reader_version, snapshot.protocol.min_writer_version) == (1, 2)
    assert synapse_problems(root / "writer_options") == []


@pytest.mark.parametrize(("name", "fragments"), [
    ("deletion_vectors", ["minReaderVersion is 3", "reader features deletionVectors",
                          "deletion vectors (protocol feature deletionVectors; delta.enableDeletionVectors=true; "
                          "1 current file(s) carry a deletion vector)"]),
    ("column_mapping", ["minReaderVersion is 2", "column mapping (delta.columnMapping.mode=name)"]),
    ("timestamp_ntz", ["minReaderVersion is 3", "reader features timestampNtz",
                       "timestamp_ntz column(s) at; protocol feature timestampNtz"]),
    ("v2_checkpoint", ["minReaderVersion is 3", "reader features v2Checkpoint",
                       "V2 checkpoints (protocol feature v2Checkpoint; delta.checkpointPolicy=v2; 2 V2 checkpoint",
                       "_last_checkpoint is"]),
    ("large_last_checkpoint", ["over Synapse serverless's 200-byte limit"]),
    ("reader_version_2", ["minReaderVersion is 2, Synapse serverless reads reader version 1 only"]),
])
def test_each_problem_delta_spark_can_make_is_caught(spark_tables: tuple[Path, Any], name: str,
                                                     fragments: list[str]) -> None:
    root, _ = spark_tables
    problems = synapse_problems(root / name)
    problem_kinds(problems, fragments)
    assert all(problem.startswith(f"{root / name}: ") for problem in problems)


def test_check_tables_names_every_table_under_a_folder(spark_tables: tuple[Path, Any]) -> None:
    root, view = spark_tables
    report = check_tables(root)  # spark_view.json, a file, is not a table
    assert sorted(report) == sorted(view)
    assert {name for name, problems in report.items() if not problems} == {"clean", "multipart", "writer_options"}


@pytest.mark.parametrize("name", [
    "clean", "writer_options", "multipart", "large_last_checkpoint", "deletion_vectors", "column_mapping",
    "timestamp_ntz", "v2_checkpoint", "reader_version_2",
])
def test_the_log_reads_as_delta_spark_reads_it(spark_tables: tuple[Path, Any], name: str) -> None:
    root, view = spark_tables
    expected = view[name]
    table = root / name
    snapshot = delta_log.read_snapshot(table)
    assert snapshot.version == expected["version"] == delta_log.latest_version(table)
    assert (snapshot.protocol.min_reader_version, snapshot.protocol.min_writer_version) == (
        expected["min_reader_version"], expected["min_writer_version"])
    if snapshot.protocol.min_writer_version >= 7:  # older protocols imply their features, DESCRIBE lists them
        assert sorted(snapshot.protocol.features) == expected["table_features"]
    assert snapshot.metadata.configuration == expected["properties"]
    assert list(snapshot.metadata.partition_columns) == expected["partition_columns"]
    assert sorted(unquote(add.path) for add in snapshot.files) == expected["files"]
    for column, values in expected["partition_values"].items():
        assert delta_log.partition_values(table, column) == values
    history = {entry["version"]: entry for entry in expected["history"]}
    for info in delta_log.commit_infos(table):
        assert (info.operation, info.user_metadata) == (history[info.version]["operation"],
                                                        history[info.version]["userMetadata"])


@pytest.mark.parametrize("name", sorted(CHECKPOINTED))
def test_delta_spark_checkpoints_alone_give_the_same_reading(spark_tables: tuple[Path, Any], tmp_path: Path,
                                                             name: str) -> None:
    """With the JSON commits up to the checkpoint deleted (log cleanup), only the checkpoint holds the state."""
    root, view = spark_tables
    table = tmp_path / name
    shutil.copytree(root / name, table)
    for version in range(CHECKPOINTED[name] + 1):
        (table / "_delta_log" / f"{version:020d}.json").unlink()
    snapshot = delta_log.read_snapshot(table)
    assert snapshot.checkpoint is not None and snapshot.checkpoint.version == CHECKPOINTED[name]
    assert sorted(unquote(add.path) for add in snapshot.files) == view[name]["files"]
    assert snapshot.metadata.configuration == view[name]["properties"]
    expected_transactions = {"clean": {"early": 5, "gold-run": 11}, "multipart": {"gold-run": 4},
                             "v2_checkpoint": {"gold-run": 4}}[name]
    assert snapshot.transactions == expected_transactions
    assert delta_log.app_transaction_version(table, "gold-run") == expected_transactions["gold-run"]
    assert delta_log.app_transaction_version(table, "nobody") is None


@pytest.mark.parametrize("name", ["clean", "writer_options", "multipart", "large_last_checkpoint", "timestamp_ntz"])
def test_rows_read_from_the_log_equal_delta_rs_reading(spark_tables: tuple[Path, Any], name: str) -> None:
    """`delta_log.read_table` (the status page's and `lakehouse sql`'s reader) against delta-rs, an independent
    reader, on tables delta-spark wrote: partition values, decimals, dates and timestamps come back the same."""
    root, _ = spark_tables
    ours = delta_log.read_table(root / name)
    reference = DeltaTable(root / name).to_pyarrow_table()
    assert ours is not None and ours.num_rows == reference.num_rows > 0
    assert ours.column_names == reference.column_names
    order = [(column, "ascending") for column in ours.column_names]
    assert ours.sort_by(order).to_pylist() == reference.cast(ours.schema).sort_by(order).to_pylist()


@pytest.mark.parametrize("name", ["deletion_vectors", "column_mapping"])
def test_rows_are_not_misread_where_the_log_asks_for_more(spark_tables: tuple[Path, Any], name: str) -> None:
    root, _ = spark_tables
    with pytest.raises(DeltaLogError, match="deletion vector|column mapping"):
        delta_log.read_table(root / name)


def test_a_deletion_vector_of_delta_spark_is_on_its_file(spark_tables: tuple[Path, Any]) -> None:
    root, _ = spark_tables
    (add,) = delta_log.read_snapshot(root / "deletion_vectors").files
    assert add.deletion_vector is not None and add.deletion_vector["cardinality"] == 3  # ids 0, 1, 2 deleted


# --- delta-rs and hand-written logs --------------------------------------------------------------------------------

def test_a_naive_timestamp_written_by_delta_rs_is_flagged(tmp_path: Path) -> None:
    at = [datetime(2026, 1, 5, 10)]
    write_deltalake(tmp_path / "naive", pa.table({"at": pa.array(at, pa.timestamp("us"))}))
    write_deltalake(tmp_path / "utc", pa.table({"at": pa.array(at, pa.timestamp("us", tz="UTC"))}))
    problem_kinds(synapse_problems(tmp_path / "naive"), [
        "minReaderVersion is 3", "reader features timestampNtz",
        "timestamp_ntz column(s) at; protocol feature timestampNtz",
    ])
    assert synapse_problems(tmp_path / "utc") == []


def test_timestamp_ntz_is_found_however_deeply_nested(tmp_path: Path) -> None:
    # By hand: a reader-1 protocol with timestamp_ntz only inside nested types, which no writer would produce.
    ntz = "timestamp_ntz"
    log.new_table(tmp_path / "t", fields=[
        log.field("ok", "timestamp"),
        log.field("s", {"type": "struct", "fields": [log.field("at", ntz)]}),
        log.field("xs", {"type": "array", "elementType": ntz, "containsNull": True}),
        log.field("m", {"type": "map", "keyType": "string", "valueContainsNull": True,
                        "valueType": {"type": "struct", "fields": [log.field("when", ntz)]}}),
    ])
    problem_kinds(synapse_problems(tmp_path / "t"), ["timestamp_ntz column(s) s.at, xs[], m{value}.when)"])


@pytest.mark.parametrize(("actions", "fragment"), [
    # By hand: each piece of evidence alone, on a reader-1 protocol that delta-spark would have upgraded.
    ([log.metadata(configuration={"delta.enableDeletionVectors": "TRUE"})],
     "uses deletion vectors (delta.enableDeletionVectors=TRUE)"),
    ([log.metadata(), log.add("a.parquet", deletion_vector=log.dv("x"))],
     "uses deletion vectors (1 current file(s) carry a deletion vector)"),
    ([log.metadata(configuration={"delta.columnMapping.mode": "id"})],
     "uses column mapping (delta.columnMapping.mode=id)"),
    ([log.metadata(configuration={"delta.checkpointPolicy": "v2"})], "uses V2 checkpoints (delta.checkpointPolicy=v2)"),
    ([log.protocol(1, 7, writer_features=["columnMapping"]), log.metadata()],
     "uses column mapping (protocol feature columnMapping)"),
])
def test_each_piece_of_evidence_alone_is_a_problem(tmp_path: Path, actions: list[log.Action], fragment: str) -> None:
    table = tmp_path / "t"
    log.commit(table, 0, log.protocol(), *actions)  # a later protocol action wins over the first
    problem_kinds(synapse_problems(table), [fragment])


@pytest.mark.parametrize(("size", "flagged"), [(200, False), (201, True)])
def test_the_last_checkpoint_limit_is_200_bytes(tmp_path: Path, size: int, flagged: bool) -> None:
    # By hand: the limit's edge, which no writer hits on purpose.
    table = tmp_path / "t"
    log.new_table(table)
    (table / "_delta_log" / "_last_checkpoint").write_text('{"version":0}'.ljust(size))
    assert bool(synapse_problems(table)) is flagged


def test_a_v2_checkpoint_file_left_in_the_log_is_a_problem(tmp_path: Path) -> None:
    # By hand: a V2 checkpoint of an older version stays readable by engines that know V2, not by Synapse.
    table = tmp_path / "t"
    log.new_table(table)
    log.commit(table, 1, log.add("a.parquet"))
    (table / "_delta_log" / f"{0:020d}.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.json").write_text(
        json.dumps(log.protocol()) + "\n" + json.dumps(log.metadata()) + "\n")
    problem_kinds(synapse_problems(table), ["uses V2 checkpoints (1 V2 checkpoint or sidecar file(s) in _delta_log)"])


def test_what_is_not_a_readable_delta_table_says_so(tmp_path: Path) -> None:
    absent = tmp_path / "absent"
    assert synapse_problems(absent) == [f"{absent}: not a Delta table (no commits in _delta_log)"]
    log.new_table(tmp_path / "gap")
    log.commit(tmp_path / "gap", 2, log.add("a.parquet"))
    problem_kinds(synapse_problems(tmp_path / "gap"), ["its Delta log cannot be read (", ])
    assert check_tables(absent) == {}
    (tmp_path / "root" / "not_delta").mkdir(parents=True)
    log.new_table(tmp_path / "root" / "gold_table")
    assert check_tables(tmp_path / "root") == {"gold_table": []}
