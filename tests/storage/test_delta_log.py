"""The pure-Python Delta log reader, against tables delta-rs writes (read back by delta-rs, an independent reader)
and against logs written by hand for what no engine here writes on demand (deletion vector keys, V2 checkpoint
Parquet, gaps). Tables delta-spark writes are read in test_synapse_check.py, the one module with a Delta session."""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import CommitProperties, DeltaTable, Transaction, write_deltalake
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lakehouse.storage import delta_log
from lakehouse.storage.delta_log import DeltaLogError
from tests.storage import delta_log_files as log

DAYS = [date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 7), date(2026, 1, 8)]
ARROW_SCHEMA = pa.schema([("k", pa.string()), ("amount", pa.int64()), ("transaction_date", pa.date32())])


def rows(day: date, n: int, start: int = 0) -> pa.Table:
    return pa.table({"k": [f"k{start + i}" for i in range(n)], "amount": list(range(n)),
                     "transaction_date": [day] * n}, schema=ARROW_SCHEMA)


def write(table: Path, data: pa.Table, *, replace: date | None = None, run: int | None = None) -> None:
    """A delta-rs commit: append `data`, or replace one date's rows with it, optionally as run `run` of app 'gold'."""
    properties = None
    if run is not None:
        properties = CommitProperties(custom_metadata={"userMetadata": f"run-{run}"},
                                      app_transactions=[Transaction(app_id="gold", version=run)])
    write_deltalake(table, data, partition_by=["transaction_date"], commit_properties=properties,
                    mode="overwrite" if replace else "append",
                    predicate=f"transaction_date = '{replace.isoformat()}'" if replace else None)


def deltalake_files(table: Path) -> dict[str, tuple[int, dict[str, str | None]]]:
    """delta-rs's view of the current files: path -> (size, partition values as the log's strings)."""
    actions = pa.table(DeltaTable(table).get_add_actions(flatten=True)).to_pylist()
    return {
        action["path"]: (action["size_bytes"], {
            key.removeprefix("partition."): None if value is None else str(value)
            for key, value in action.items() if key.startswith("partition.")
        })
        for action in actions
    }


def our_files(snapshot: delta_log.Snapshot) -> dict[str, tuple[int, dict[str, str | None]]]:
    return {add.path: (add.size, add.partition_values) for add in snapshot.files}


def drop_commits_through(table: Path, version: int) -> None:
    """Delete JSON commits up to `version`, as log cleanup does: only the checkpoint can tell the state then."""
    for file in (table / "_delta_log").glob("*.json"):
        if file.name[:20].isdigit() and int(file.name[:20]) <= version:
            file.unlink()


def test_a_missing_table_reads_as_nothing(tmp_path: Path) -> None:
    (tmp_path / "empty" / "_delta_log").mkdir(parents=True)
    for table in (tmp_path / "absent", tmp_path / "empty"):
        assert not delta_log.is_delta_table(table)
        assert delta_log.latest_version(table) is None
        assert delta_log.partition_values(table, "transaction_date") == []
        assert delta_log.app_transaction_version(table, "gold") is None
        assert delta_log.commit_infos(table) == []
        with pytest.raises(DeltaLogError, match=f"{table} is not a Delta table"):
            delta_log.read_snapshot(table)


def test_snapshot_matches_delta_rs_through_replacements_and_a_checkpoint(tmp_path: Path) -> None:
    table = tmp_path / "fact_sales"
    write(table, rows(DAYS[0], 3), run=1)
    write(table, pa.concat_tables([rows(DAYS[1], 2), rows(DAYS[2], 2)]), run=2)
    write(table, rows(DAYS[0], 1, start=10), replace=DAYS[0], run=3)
    DeltaTable(table).create_checkpoint()  # at version 2
    write(table, rows(DAYS[1], 0), replace=DAYS[1], run=4)  # an empty replacement: the date disappears
    write(table, rows(DAYS[3], 2))  # no SetTransaction: run 4 stays the app's latest

    snapshot = delta_log.read_snapshot(table)
    reference = DeltaTable(table)
    assert snapshot.version == reference.version() == 4
    assert snapshot.checkpoint is not None and (snapshot.checkpoint.version, snapshot.checkpoint.kind) == (2, "classic")
    assert our_files(snapshot) == deltalake_files(table)
    assert delta_log.partition_values(table, "transaction_date") == ["2026-01-05", "2026-01-07", "2026-01-08"]
    assert delta_log.app_transaction_version(table, "gold") == reference.transaction_version("gold") == 4
    protocol = reference.protocol()
    assert (snapshot.protocol.min_reader_version, snapshot.protocol.min_writer_version) == (
        protocol.min_reader_version, protocol.min_writer_version)
    assert snapshot.metadata.partition_columns == ("transaction_date",)
    assert snapshot.metadata.configuration == reference.metadata().configuration
    assert [f["name"] for f in snapshot.metadata.schema["fields"]] == ["k", "amount", "transaction_date"]
    assert all(add.stats and '"numRecords"' in add.stats for add in snapshot.files)
    assert [c.version for c in snapshot.commits] == [3, 4]  # the JSON commits replayed after the checkpoint

    drop_commits_through(table, 2)
    from_checkpoint = delta_log.read_snapshot(table)
    assert our_files(from_checkpoint) == deltalake_files(table)
    assert from_checkpoint.transactions == {"gold": 4}


def test_commit_infos_name_each_commit_and_its_transactions(tmp_path: Path) -> None:
    table = tmp_path / "t"
    write(table, rows(DAYS[0], 1), run=7)
    write(table, rows(DAYS[0], 2), replace=DAYS[0], run=8)
    write(table, rows(DAYS[1], 1))

    infos = delta_log.commit_infos(table)
    assert [(i.version, i.operation, i.user_metadata) for i in infos] == [
        (0, "WRITE", "run-7"), (1, "WRITE", "run-8"), (2, "WRITE", None)]
    assert infos[1].operation_parameters["predicate"].startswith("transaction_date = '2026-01-05'")
    assert [i.transactions for i in infos] == [
        (delta_log.SetTransaction("gold", 7),), (delta_log.SetTransaction("gold", 8),), ()]
    assert [i.version for i in delta_log.commit_infos(table, since_version=1)] == [1, 2]
    assert all(i.timestamp for i in infos)


OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("append"), st.sampled_from(DAYS), st.integers(1, 3)),
        st.tuples(st.just("replace"), st.sampled_from(DAYS), st.integers(0, 3)),
        st.tuples(st.just("checkpoint"), st.just(DAYS[0]), st.just(0)),
    ),
    min_size=1, max_size=8,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations=OPERATIONS)
def test_partition_values_and_files_follow_any_sequence_of_runs(operations: list[tuple[str, date, int]]) -> None:
    """A plain model (rows per date) and delta-rs's own reading agree with the log reader after any runs."""
    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp) / "t"
        write(table, rows(DAYS[0], 1), run=0)
        model = {DAYS[0]: 1}
        for run, (operation, day, n) in enumerate(operations, start=1):
            if operation == "checkpoint":
                DeltaTable(table).create_checkpoint()
                continue
            write(table, rows(day, n, start=100 * run), replace=day if operation == "replace" else None, run=run)
            model[day] = n if operation == "replace" else model.get(day, 0) + n

        expected_dates = sorted(day.isoformat() for day, count in model.items() if count)
        assert delta_log.partition_values(table, "transaction_date") == expected_dates
        assert our_files(delta_log.read_snapshot(table)) == deltalake_files(table)
        assert delta_log.app_transaction_version(table, "gold") == DeltaTable(table).transaction_version("gold")


def test_files_are_keyed_by_path_and_deletion_vector(tmp_path: Path) -> None:
    # delta-rs writes no deletion vectors; these commits follow the protocol's DV update: remove the file with its
    # old DV, add it with the new one (delta-spark's own DV table is read in test_synapse_check.py).
    table = tmp_path / "t"
    log.new_table(table, log.add("a.parquet"), log.add("b.parquet"))
    log.commit(table, 1, log.remove("a.parquet"), log.add("a.parquet", deletion_vector=log.dv("dv1")))
    log.commit(table, 2, log.remove("a.parquet"))  # names the DV-less file, gone since version 1: no effect
    log.commit(table, 3, log.add("a.parquet", deletion_vector=log.dv("dv2")),
               log.remove("a.parquet", deletion_vector=log.dv("dv1")))  # order within a commit does not matter
    log.commit(table, 4, log.add("b.parquet", size=7), log.remove("b.parquet"))  # removed and re-added: stays

    files = {(add.path, add.size, (add.deletion_vector or {}).get("pathOrInlineDv"))
             for add in delta_log.read_snapshot(table).files}
    assert files == {("a.parquet", 100, "dv2"), ("b.parquet", 7, None)}


def test_a_gap_in_the_commits_is_a_clear_error(tmp_path: Path) -> None:
    table = tmp_path / "t"
    log.new_table(table, log.add("a.parquet"))
    log.commit(table, 2, log.add("b.parquet"))
    with pytest.raises(DeltaLogError, match="commit 1 is missing"):
        delta_log.read_snapshot(table)


def test_partition_values_leave_out_nulls_and_refuse_other_columns(tmp_path: Path) -> None:
    table = tmp_path / "t"
    log.new_table(table, log.add("d=2026-01-06/a", {"d": "2026-01-06"}), log.add("d=x/b", {"d": None}),
                  log.add("d=2026-01-05/c", {"d": "2026-01-05"}), partition_columns=["d"])
    assert delta_log.partition_values(table, "d") == ["2026-01-05", "2026-01-06"]
    with pytest.raises(DeltaLogError, match="'k' is not a partition column"):
        delta_log.partition_values(table, "k")


def _checkpointed(tmp_path: Path) -> tuple[Path, pa.Table]:
    """A delta-rs table with a classic checkpoint at version 2 and one JSON commit after it."""
    table = tmp_path / "t"
    write(table, rows(DAYS[0], 2), run=1)
    write(table, rows(DAYS[1], 2), run=2)
    write(table, rows(DAYS[0], 1), replace=DAYS[0], run=3)
    DeltaTable(table).create_checkpoint()
    write(table, rows(DAYS[2], 1), run=4)
    classic = table / "_delta_log" / f"{2:020d}.checkpoint.parquet"
    return table, pq.read_table(classic)


def test_a_multi_part_checkpoint_is_read_and_an_incomplete_one_skipped(tmp_path: Path) -> None:
    # delta-rs writes single-file checkpoints: its rows are split into the multi-part names by hand here
    # (delta-spark's own multi-part checkpoint is read in test_synapse_check.py).
    table, checkpoint = _checkpointed(tmp_path)
    expected = deltalake_files(table)
    log_dir = table / "_delta_log"
    (log_dir / f"{2:020d}.checkpoint.parquet").unlink()
    half = checkpoint.num_rows // 2
    pq.write_table(checkpoint.slice(0, half), log_dir / f"{2:020d}.checkpoint.0000000001.0000000002.parquet")
    pq.write_table(checkpoint.slice(half), log_dir / f"{2:020d}.checkpoint.0000000002.0000000002.parquet")
    # A newer checkpoint missing its second part, as a crash mid-checkpoint leaves it: not a checkpoint.
    pq.write_table(checkpoint, log_dir / f"{3:020d}.checkpoint.0000000001.0000000002.parquet")
    drop_commits_through(table, 2)

    snapshot = delta_log.read_snapshot(table)
    assert snapshot.checkpoint is not None and (snapshot.checkpoint.version, snapshot.checkpoint.kind) == (
        2, "multi-part")
    assert len(snapshot.checkpoint.files) == 2
    assert our_files(snapshot) == expected
    assert snapshot.transactions == {"gold": 4}


def test_a_v2_checkpoint_with_a_sidecar_is_read_and_reported(tmp_path: Path) -> None:
    # No engine here writes a V2 checkpoint with a Parquet top-level file (delta-spark's default is JSON, read in
    # test_synapse_check.py): this one is built by hand from delta-rs's classic checkpoint, file actions moved to a
    # sidecar as the protocol's V2 layout has it.
    table, checkpoint = _checkpointed(tmp_path)
    expected = deltalake_files(table)
    log_dir = table / "_delta_log"
    (log_dir / f"{2:020d}.checkpoint.parquet").unlink()
    is_file_action = pa.compute.or_(pa.compute.is_valid(checkpoint["add"]), pa.compute.is_valid(checkpoint["remove"]))
    (log_dir / "_sidecars").mkdir()
    sidecar_name = "00000000000000000002.checkpoint.0000000001.0000000001.5b3c1a9e-0000-4000-8000-000000000000.parquet"
    pq.write_table(checkpoint.filter(is_file_action), log_dir / "_sidecars" / sidecar_name)
    non_file = checkpoint.filter(pa.compute.invert(is_file_action))
    # Nulls taken from each column itself (every row fills one column): Parquet refuses nulls in the non-null
    # children of a struct built by pa.nulls.
    sidecar_row = pa.table({name: column.take([pa.compute.index(column.is_null(), True).as_py()])
                            for name, column in zip(checkpoint.column_names, checkpoint.columns, strict=True)})
    sidecar = {"path": sidecar_name, "sizeInBytes": 1, "modificationTime": 0, "tags": None}
    sidecar_row = sidecar_row.set_column(sidecar_row.schema.get_field_index("sidecar"), "sidecar",
                                         pa.array([sidecar], checkpoint.schema.field("sidecar").type))
    top = pa.concat_tables([non_file, sidecar_row])
    pq.write_table(top, log_dir / f"{2:020d}.checkpoint.5b3c1a9e-1111-4000-8000-000000000000.parquet")
    drop_commits_through(table, 2)

    snapshot = delta_log.read_snapshot(table)
    assert snapshot.checkpoint is not None and (snapshot.checkpoint.version, snapshot.checkpoint.kind) == (2, "v2")
    assert our_files(snapshot) == expected
    assert snapshot.transactions == {"gold": 4}
    assert snapshot.log.v2_checkpoint_files == (
        f"{2:020d}.checkpoint.5b3c1a9e-1111-4000-8000-000000000000.parquet", f"_sidecars/{sidecar_name}")


def test_the_listing_not_last_checkpoint_picks_the_checkpoint(tmp_path: Path) -> None:
    table, _ = _checkpointed(tmp_path)
    expected = deltalake_files(table)
    # Names a checkpoint that is not there (Delta writes this file after the checkpoint, best effort).
    (table / "_delta_log" / "_last_checkpoint").write_text('{"version":3,"size":9}')
    snapshot = delta_log.read_snapshot(table)
    assert snapshot.checkpoint is not None and snapshot.checkpoint.version == 2
    assert our_files(snapshot) == expected
    assert snapshot.log.last_checkpoint_bytes == len('{"version":3,"size":9}')


def test_copying_a_table_keeps_its_reading(tmp_path: Path) -> None:
    """Paths in the log are relative: a table moved to another root (a volume mount) reads the same."""
    table, _ = _checkpointed(tmp_path)
    moved = tmp_path / "elsewhere" / "t"
    shutil.copytree(table, moved)
    assert our_files(delta_log.read_snapshot(moved)) == our_files(delta_log.read_snapshot(table))


def test_rows_read_from_the_log_equal_delta_rs_reading(tmp_path: Path) -> None:
    """`read_table` against delta-rs's own reading: partitions replaced and dropped, a checkpoint, nulls, decimals,
    UTC timestamps, and a column added after the first files were written (those files read it as null)."""
    table = tmp_path / "fact_sales"
    write(table, rows(DAYS[0], 3))
    write(table, pa.concat_tables([rows(DAYS[1], 2), rows(DAYS[2], 2)]))
    write(table, rows(DAYS[0], 1, start=10), replace=DAYS[0])
    DeltaTable(table).create_checkpoint()
    wider = pa.table({
        "k": ["w1", None], "amount": [7, None], "transaction_date": [DAYS[3], DAYS[3]],
        "price": pa.array([Decimal("1.25"), None], pa.decimal128(18, 2)),
        "at": pa.array([datetime(2026, 1, 8, 9, 30, tzinfo=UTC), None], pa.timestamp("us", tz="UTC")),
    })
    write_deltalake(table, wider, partition_by=["transaction_date"], mode="append", schema_mode="merge")

    ours = delta_log.read_table(table)
    reference = DeltaTable(table).to_pyarrow_table()
    assert ours is not None and ours.schema.names == reference.schema.names
    order = [(name, "ascending") for name in ours.column_names]  # every column: "k0" is on two dates
    assert ours.sort_by(order).to_pylist() == reference.cast(ours.schema).sort_by(order).to_pylist()
    assert ours.num_rows == 1 + 2 + 2 + 2
    assert delta_log.read_table(tmp_path / "absent") is None
