"""silver-to-gold's watermark: the processed files Gold has not consumed yet (DATA_CONTRACT.md §5, §4.2, §7),
on ops tables written by the delta-spark engine, as the jobs do."""

from __future__ import annotations

from datetime import UTC, date, datetime

from lakehouse.pipeline.gold_pending import Pending, find_pending, gold_manifest_rows
from lakehouse.storage import ops_tables
from lakehouse.storage.delta_tables import Commit
from lakehouse.storage.layout import Layout

AT = datetime(2026, 1, 6, 3, 0, tzinfo=UTC)
D4, D5, D6 = date(2026, 1, 4), date(2026, 1, 5), date(2026, 1, 6)


def path_of(source: str, ingest_date: date, name: str) -> str:
    return f"bronze/{source}/ingest_date={ingest_date}/{name}.csv"


def file_row(source: str, ingest_date: date, name: str, run_id: str = "r1", rejected: bool = False,
             silver_rows: int | None = 2) -> dict:
    """A `file_manifest` row (ops_tables.SCHEMAS); a rejected file read no rows (§2)."""
    return {
        "path": path_of(source, ingest_date, name), "source": source, "ingest_date": ingest_date, "size": 10,
        "mtime_ns": 1, "md5": "x", "status": "rejected" if rejected else "processed",
        "reason": "file_no_header" if rejected else None, "records_read": None if rejected else 3,
        "silver_rows": None if rejected else silver_rows, "quarantined_rows": None if rejected else 1,
        "extra_columns": None, "run_id": run_id, "processed_at": AT,
    }


def consumed_row(source: str, ingest_date: date, name: str, silver_run_id: str = "r1") -> dict:
    return {"path": path_of(source, ingest_date, name), "source": source, "silver_run_id": silver_run_id,
            "run_id": "g1", "consumed_at": AT}


def given(engine, tmp_path, files: list[dict], consumed: list[dict] = ()) -> Layout:
    layout = Layout(tmp_path)
    ops_tables.append(engine, layout, ops_tables.FILE_MANIFEST, files, Commit("r1", "bronze_to_silver", "r1"))
    ops_tables.append(engine, layout, ops_tables.GOLD_MANIFEST, list(consumed), Commit("g1", "silver_to_gold", "g1"))
    return layout


def test_empty_root_has_nothing_pending(tmp_path, spark_engine):
    pending = find_pending(spark_engine, Layout(tmp_path))
    assert not pending
    assert pending == Pending((), ())
    assert pending.snapshot_dates == []


def test_files_missing_from_gold_manifest_are_pending(tmp_path, spark_engine):
    """§5: a file is consumed once, by path; every other processed file is pending."""
    layout = given(spark_engine, tmp_path, [
        file_row("transactions", D5, "a"), file_row("transactions", D5, "b", run_id="r2"),
        file_row("customers", D5, "c", run_id="r2"),
    ], [consumed_row("transactions", D5, "a")])
    pending = find_pending(spark_engine, layout)
    assert pending
    assert pending.paths("transactions") == [path_of("transactions", D5, "b")]
    assert pending.run_ids("transactions") == ["r2"]
    assert pending.paths("customers") == [path_of("customers", D5, "c")]
    assert pending.paths("products") == [] and pending.run_ids("products") == []


def test_reused_run_id_does_not_hide_a_new_file(tmp_path, spark_engine):
    """§5: the watermark is the file path, not the run id: a new file under a consumed run id is still pending."""
    layout = given(spark_engine, tmp_path, [file_row("transactions", D5, "a", run_id="same"),
                              file_row("transactions", D6, "b", run_id="same")],
                   [consumed_row("transactions", D5, "a", silver_run_id="same")])
    pending = find_pending(spark_engine, layout)
    assert pending.paths("transactions") == [path_of("transactions", D6, "b")]
    assert pending.run_ids("transactions") == ["same"]


def test_rejected_stores_file_makes_its_day_a_snapshot_date_but_has_no_rows(tmp_path, spark_engine):
    """§4.2, §7: a day with a rejected file is incomplete, so it is a snapshot date to reapply; but a rejected file
    has no Silver rows, so its path and run id are not read."""
    layout = given(spark_engine, tmp_path, [
        file_row("stores", D5, "s", run_id="r1", rejected=True),
        file_row("stores", D6, "s", run_id="r2"),
        file_row("transactions", D4, "t", run_id="r3", rejected=True),
    ])
    pending = find_pending(spark_engine, layout)
    assert pending.snapshot_dates == [D5, D6]
    assert pending.paths("stores") == [path_of("stores", D6, "s")]
    assert pending.run_ids("stores") == ["r2"]
    assert pending.paths("transactions") == [] and pending.run_ids("transactions") == []
    assert {file.ingest_date: file.is_rejected for file in pending.of("stores")} == {D5: True, D6: False}


def test_rejected_snapshot_dates_include_consumed_files(tmp_path, spark_engine):
    """§4.2, §7: dim_store is rebuilt from every snapshot, so every rejected stores day stays excluded, even one
    whose file Gold consumed in an earlier run; rejected files of other sources are not snapshot days."""
    layout = given(spark_engine, tmp_path, [
        file_row("stores", D4, "old", rejected=True),
        file_row("stores", D5, "s"),
        file_row("stores", D6, "new", run_id="r2", rejected=True),
        file_row("transactions", D5, "t", rejected=True),
    ], [consumed_row("stores", D4, "old"), consumed_row("stores", D5, "s"),
        consumed_row("transactions", D5, "t")])
    pending = find_pending(spark_engine, layout)
    assert pending.rejected_snapshot_dates == (D4, D6)
    assert pending.snapshot_dates == [D6]


def test_totals_count_missing_counts_as_zero(tmp_path, spark_engine):
    """§5 run metrics: totals over pending files; a rejected file's null counts add nothing."""
    layout = given(spark_engine, tmp_path, [
        file_row("transactions", D5, "a", silver_rows=2), file_row("transactions", D5, "b", silver_rows=5),
        file_row("stores", D5, "s", rejected=True), file_row("customers", D4, "c", silver_rows=7),
    ], [consumed_row("customers", D4, "c")])
    pending = find_pending(spark_engine, layout)
    assert pending.total("silver_rows") == 7
    assert pending.total("records_read") == 6
    assert pending.total("quarantined_rows") == 2


def test_gold_manifest_rows_round_trip_and_consume_everything(tmp_path, spark_engine):
    """The rows Gold appends as its last act match the ops schema and leave nothing pending, rejected files too."""
    layout = given(spark_engine, tmp_path, [
        file_row("transactions", D5, "a"), file_row("stores", D5, "s", run_id="r2", rejected=True),
    ])
    rows = gold_manifest_rows(find_pending(spark_engine, layout), "g2", AT)
    assert [list(row) for row in rows] == [ops_tables.SCHEMAS[ops_tables.GOLD_MANIFEST].fieldNames()] * 2
    ops_tables.append(spark_engine, layout, ops_tables.GOLD_MANIFEST, rows, Commit("g2", "silver_to_gold", "g2"))
    assert ops_tables.read(spark_engine, layout, ops_tables.GOLD_MANIFEST).schema == \
        ops_tables.SCHEMAS[ops_tables.GOLD_MANIFEST]
    assert sorted(ops_tables.read_rows(layout, ops_tables.GOLD_MANIFEST), key=lambda row: row["path"]) == [
        {"path": path_of("stores", D5, "s"), "source": "stores", "silver_run_id": "r2", "run_id": "g2",
         "consumed_at": AT},
        {"path": path_of("transactions", D5, "a"), "source": "transactions", "silver_run_id": "r1", "run_id": "g2",
         "consumed_at": AT},
    ]
    assert not find_pending(spark_engine, layout)
