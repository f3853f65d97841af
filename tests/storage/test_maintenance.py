"""Maintenance of one Delta table (DATA_CONTRACT.md §8), on both engines: compaction to one file per partition with
the rows unchanged, a classic checkpoint, vacuum of unreferenced files, dry runs that change nothing, Synapse-readable
throughout.

The `engine` fixture runs each test on delta-spark (Delta's JARs on the tests' Spark session) and on delta-rs. The
compaction plan is checked on its own against logs written by hand (no engine).
"""

from __future__ import annotations

import json
import os
from datetime import date

import pytest
from pyspark.sql import types as T

from lakehouse.storage import delta_log, maintenance
from lakehouse.storage.delta_tables import Commit, Rows
from lakehouse.storage.synapse_check import LAST_CHECKPOINT_LIMIT_BYTES, synapse_problems
from tests.storage import delta_log_files as log_files

SCHEMA = T.StructType([T.StructField("k", T.StringType()), T.StructField("d", T.DateType()),
                       T.StructField("n", T.LongType())])
D5, D6, D7 = date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 7)
OLD = 946684800  # 2000-01-01: a file far older than any retention
MAINTAIN = Commit("maint-1", "maintain", "maintain:maint-1:t")


def rows_of(engine, path) -> list[tuple]:
    return sorted(tuple(row) for row in engine.read(path, SCHEMA).collect())


def files_by_partition(path) -> dict[str | None, list[str]]:
    found: dict[str | None, list[str]] = {}
    for add in delta_log.read_snapshot(path).files:
        found.setdefault(add.partition_values.get("d"), []).append(add.path)
    return found


def data_files_on_disk(path) -> set[str]:
    """Every Parquet data file under the table (hidden files and the log left out), relative to it."""
    return {str(file.relative_to(path)) for file in path.rglob("*.parquet")
            if "_delta_log" not in file.parts and not file.name.startswith((".", "_"))}


def referenced(path) -> set[str]:
    return {add.path for add in delta_log.read_snapshot(path).files}


def everything_under(path) -> dict[str, tuple[int, int]]:
    return {str(file.relative_to(path)): (file.stat().st_size, file.stat().st_mtime_ns)
            for file in path.rglob("*") if file.is_file()}


@pytest.fixture
def table(engine, tmp_path):
    return small_files_table(engine, tmp_path / "gold" / "t")


def small_files_table(engine, path):
    """Four commits of small files on D5 and D6 (several files per partition), one file on D7, and a stray Parquet
    file that no version references, as a killed writer leaves one, dated long ago."""
    spark = engine.spark
    for index in range(4):
        rows = [(f"k{index}-{n}", D5 if n % 2 else D6, index * 10 + n) for n in range(6)]
        df = spark.createDataFrame(rows, SCHEMA).repartition(2)
        work = Commit(f"run-{index}", "test", f"test:run-{index}")
        if index == 0:
            engine.replace(df, path, SCHEMA, ("d",), Rows.all(), work)
        else:
            engine.append(df, path, SCHEMA, work)
    engine.append(spark.createDataFrame([("late", D7, 99)], SCHEMA), path, SCHEMA, Commit("run-4", "test", "t:4"))
    stray = path / "d=2026-01-05" / "part-00000-stray.snappy.parquet"
    stray.write_bytes(b"PAR1 not really")
    os.utime(stray, (OLD, OLD))
    return path


def test_compaction_leaves_one_file_per_partition_and_the_same_rows(engine, table):
    before_rows, before = rows_of(engine, table), files_by_partition(table)
    assert len(before["2026-01-05"]) > 1 and len(before["2026-01-06"]) > 1 and len(before["2026-01-07"]) == 1
    result = maintenance.compact(engine, table, MAINTAIN)
    after = files_by_partition(table)
    assert {day: len(files) for day, files in after.items()} == {"2026-01-05": 1, "2026-01-06": 1, "2026-01-07": 1}
    assert after["2026-01-07"] == before["2026-01-07"]  # one small file alone is not rewritten
    assert rows_of(engine, table) == before_rows
    assert (result.plan.partitions, result.files_after, result.plan.files_after) == (2, 3, 3)
    assert result.version == delta_log.latest_version(table)
    info = delta_log.latest_commit_info(table)
    assert info.operation == "OPTIMIZE" and json.loads(info.user_metadata)["run_id"] == "maint-1"
    again = maintenance.compact(engine, table, MAINTAIN)
    assert again.version is None and not again.plan.groups  # nothing left to compact: no commit
    assert delta_log.latest_version(table) == result.version


def test_checkpoint_then_vacuum_with_no_retention_leave_no_unreferenced_file(engine, table):
    rows = rows_of(engine, table)
    replaced = {file for group in maintenance.compact(engine, table, MAINTAIN).plan.groups for file in group}
    version = delta_log.latest_version(table)
    written = maintenance.checkpoint(engine, table)
    assert (written.version, written.existed, written.written) == (version, False, True)
    listing = delta_log.list_log(table)
    assert [c.kind for c in listing.checkpoints if c.version == version] == [delta_log.CLASSIC]
    assert listing.last_checkpoint_bytes is not None and listing.last_checkpoint_bytes <= LAST_CHECKPOINT_LIMIT_BYTES
    kept = maintenance.checkpoint(engine, table)
    assert (kept.version, kept.existed, kept.written) == (version, True, False)

    removed = maintenance.vacuum(engine, table, 0, MAINTAIN)
    assert set(removed) == replaced | {"d=2026-01-05/part-00000-stray.snappy.parquet"}
    assert data_files_on_disk(table) == referenced(table)
    assert rows_of(engine, table) == rows
    assert synapse_problems(table) == []
    vacuum_commits = [info for info in delta_log.commit_infos(table) if (info.operation or "").startswith("VACUUM")]
    assert vacuum_commits and all(json.loads(info.user_metadata)["run_id"] == "maint-1" for info in vacuum_commits)
    version = delta_log.latest_version(table)
    assert maintenance.vacuum(engine, table, 0, MAINTAIN) == []
    assert delta_log.latest_version(table) == version  # nothing to delete: no VACUUM commits


def test_dry_runs_change_nothing_and_vacuum_keeps_files_younger_than_the_retention(engine, table):
    before = everything_under(table)
    version = delta_log.latest_version(table)
    compaction = maintenance.compact(engine, table, MAINTAIN, dry_run=True)
    assert (compaction.version, compaction.plan.partitions, compaction.files_after) == (None, 2, 3)
    planned = maintenance.checkpoint(engine, table, dry_run=True)
    assert (planned.version, planned.existed, planned.written) == (version, False, False)
    stray = "d=2026-01-05/part-00000-stray.snappy.parquet"
    assert maintenance.vacuum(engine, table, 0, MAINTAIN, dry_run=True) == [stray]
    assert everything_under(table) == before

    replaced = {file for group in maintenance.compact(engine, table, MAINTAIN).plan.groups for file in group}
    assert maintenance.vacuum(engine, table, maintenance.RETENTION_FLOOR_HOURS, MAINTAIN) == [stray]  # old, unlogged
    assert data_files_on_disk(table) == referenced(table) | replaced  # the older version's files stay readable


def test_the_plan_packs_small_files_per_partition_up_to_the_target(tmp_path):
    """Files at or over the target stay; smaller ones are grouped smallest first, a group never over the target;
    a partition with a single small file, or whose files would each form a group of one, is left alone."""
    table = tmp_path / "t"
    sized = {"a": ("x", 10), "b": ("x", 20), "c": ("x", 30), "d": ("x", 100), "e": ("x", 45),
             "f": ("y", 10), "g": ("z", 60), "h": ("z", 70)}
    log_files.commit(table, 0, log_files.protocol(), log_files.metadata(partition_columns=["p"]),
                     *[log_files.add(f"p={part}/{name}.parquet", {"p": part}, size) for name, (part, size)
                       in sized.items()])
    plan = maintenance.plan_compaction(table, target_bytes=100)
    assert plan.groups == (("p=x/a.parquet", "p=x/b.parquet", "p=x/c.parquet"),)  # 60; adding e (45) would pass 100
    assert (plan.files_before, plan.files_after, plan.partitions) == (8, 6, 1)


def test_tables_maintained_side_by_side_each_commit_with_their_own_settings(engine, tmp_path):
    """`lakehouse maintain` works on several tables at once (pipeline.maintain): each table's OPTIMIZE and VACUUM
    commits carry that table's metadata, and nothing is left set on the engine's own session."""
    from lakehouse.pipeline.parallel import side_by_side

    names = ("a", "b", "c")
    tables = {name: small_files_table(engine, tmp_path / "gold" / name) for name in names}

    def maintain(name: str) -> None:
        work = Commit("maint-2", "maintain", f"maintain:maint-2:{name}")
        maintenance.compact(engine, tables[name], work)
        maintenance.checkpoint(engine, tables[name])
        maintenance.vacuum(engine, tables[name], 0, work)

    side_by_side([lambda name=name: maintain(name) for name in names])
    for name, path in tables.items():
        written = [info for info in delta_log.commit_infos(path)
                   if (info.operation or "").startswith(("OPTIMIZE", "VACUUM"))]
        assert {info.operation for info in written} >= {"OPTIMIZE", "VACUUM START", "VACUUM END"}, name
        assert {json.loads(info.user_metadata)["commit_key"] for info in written} == {f"maintain:maint-2:{name}"}
        assert data_files_on_disk(path) == referenced(path) and synapse_problems(path) == []
    if engine.name == "delta-spark":
        assert engine.spark.conf.get("spark.databricks.delta.commitInfo.userMetadata", None) is None
