"""The commit protocol behind crash safety (DATA_CONTRACT.md §5), step by step, on both Delta engines."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from lakehouse.errors import UserError
from lakehouse.storage import ops_tables, silver_commit
from lakehouse.storage.delta_tables import Commit
from lakehouse.storage.layout import Layout
from lakehouse.storage.lock import root_lock

AT = datetime(2026, 1, 6, tzinfo=UTC)


def manifest_row(run_id: str) -> dict:
    return {"path": "bronze/stores/ingest_date=2026-01-05/s.csv", "source": "stores", "ingest_date": date(2026, 1, 5),
            "size": 10, "mtime_ns": 1, "md5": "x", "status": "processed", "reason": None, "records_read": 1,
            "silver_rows": 1, "quarantined_rows": 0, "extra_columns": None, "run_id": run_id, "processed_at": AT}


def staged_plan(layout: Layout, run_id: str) -> silver_commit.CommitPlan:
    staged = layout.run_staging(run_id) / "silver" / "stores" / "snapshot_date=2026-01-05" / "part-0.parquet"
    staged.parent.mkdir(parents=True)
    staged.write_bytes(b"data")
    final = f"silver/stores_snapshots/snapshot_date=2026-01-05/{run_id}-part-0.parquet"
    return silver_commit.CommitPlan(
        run_id, [(staged.relative_to(layout.root).as_posix(), final)],
        {ops_tables.FILE_MANIFEST: [manifest_row(run_id)]},
    )


def test_uncommitted_staging_is_discarded(tmp_path, engine):
    """Killed before the plan is written: the next run removes the staging folder, nothing becomes visible."""
    layout = Layout(tmp_path)
    staged_plan(layout, "r1")
    assert silver_commit.recover(layout, engine) == ([], ["r1"])
    assert not layout.run_staging("r1").exists()
    assert not (tmp_path / "silver" / "stores_snapshots").exists()


@pytest.mark.parametrize("moved_before_crash", [False, True])
def test_written_plan_is_replayed_exactly_once(tmp_path, moved_before_crash, engine):
    """Killed after the plan (before or after the moves): recovery finishes it; replaying again changes nothing."""
    layout = Layout(tmp_path)
    plan = staged_plan(layout, "r1")
    silver_commit.write_plan(layout, plan)
    if moved_before_crash:
        for staged, final in plan.moves:
            (tmp_path / final).parent.mkdir(parents=True)
            (tmp_path / staged).rename(tmp_path / final)
        ops_tables.append(engine, layout, ops_tables.FILE_MANIFEST, [manifest_row("r1")], plan.commit())
        silver_commit.write_plan(layout, plan)  # plan still present, as after a crash before cleanup
    assert silver_commit.recover(layout, engine) == (["r1"], [])
    assert (tmp_path / plan.moves[0][1]).read_bytes() == b"data"
    assert len(ops_tables.read_rows(layout, ops_tables.FILE_MANIFEST)) == 1
    assert silver_commit.recover(layout, engine) == ([], [])
    assert len(ops_tables.read_rows(layout, ops_tables.FILE_MANIFEST)) == 1


def test_plan_round_trips_dates_and_timestamps(tmp_path):
    layout = Layout(tmp_path)
    plan = staged_plan(layout, "r1")
    silver_commit.write_plan(layout, plan)
    assert silver_commit.read_plan(layout.run_staging("r1")) == plan


def test_ops_commits_carry_the_run_id(tmp_path, engine):
    """Each ops append is one Delta commit, the first one included, whose metadata names the run."""
    import json

    from lakehouse.storage import delta_log

    layout = Layout(tmp_path)
    ops_tables.append(engine, layout, ops_tables.FILE_MANIFEST, [manifest_row("r9")], Commit("r9", "test", "k9"))
    path = layout.ops_table(ops_tables.FILE_MANIFEST)
    [info] = delta_log.commit_infos(path)
    assert json.loads(info.user_metadata)["run_id"] == "r9"
    assert delta_log.read_snapshot(path).protocol.min_reader_version == 1


def test_second_writer_is_refused_with_the_holder_named(tmp_path):
    """§5 one writer: the second lock attempt fails with a message naming the first run."""
    layout = Layout(tmp_path)
    with (
        root_lock(layout, "first", "bronze_to_silver"),
        pytest.raises(UserError, match="in use by another run.*run first"),
        root_lock(layout, "second", "bronze_to_silver"),
    ):
        pass
    with root_lock(layout, "third", "bronze_to_silver"):
        pass  # released on exit


def test_run_id_reused_after_a_failed_attempt_still_commits(tmp_path, engine):
    """A failed attempt recorded ops rows under run id r1; a retry with the same id must still record its own."""
    layout = Layout(tmp_path)
    earlier = Commit("r1", "bronze_to_silver", "earlier-attempt")
    ops_tables.append(engine, layout, ops_tables.FILE_MANIFEST, [manifest_row("r1")], earlier)
    plan = staged_plan(layout, "r1")
    silver_commit.write_plan(layout, plan)
    silver_commit.apply_plan(layout, plan, engine)
    silver_commit.apply_plan(layout, plan, engine)  # a replay adds nothing more
    assert len(ops_tables.read_rows(layout, ops_tables.FILE_MANIFEST)) == 2
