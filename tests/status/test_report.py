"""`lakehouse status` on hand-built roots (contract §8): each state is told truthfully and fits one screen."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta

import pytest

from lakehouse import contract as c
from lakehouse.errors import UserError
from lakehouse.gold import tables as gold_tables
from lakehouse.status.html import format_html
from lakehouse.status.report import ATTENTION, EMPTY, FROM_DATA_QUALITY, FROM_FILE_MANIFEST, HEALTHY, gather
from lakehouse.status.text import format_text
from lakehouse.storage.layout import Layout
from lakehouse.storage.lease import RootLease
from tests.status.roots import DAY1, FAILURE, RootBuilder, failed_root, healthy_root, pending_root, write_delta

NOW = datetime(2026, 1, 9, 8, 0, tzinfo=UTC)
SCREEN_LINES, SCREEN_COLUMNS = 40, 120


def assert_one_screen(text: str) -> None:
    lines = text.splitlines()
    assert len(lines) <= SCREEN_LINES, text
    assert max(len(line) for line in lines) <= SCREEN_COLUMNS, text


def test_empty_root_says_there_is_nothing_yet(tmp_path):
    report = gather(tmp_path, NOW)
    assert report.verdict.level == EMPTY
    text = format_text(report)
    assert_one_screen(text)
    assert text.splitlines()[1] == "EMPTY: nothing to report yet"
    assert "nothing landed and no run yet" in text


def test_missing_root_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        gather(tmp_path / "nowhere", NOW)


def test_healthy_root(tmp_path):
    healthy_root(tmp_path)
    report = gather(tmp_path, NOW)
    assert report.verdict.level == HEALTHY and report.verdict.reasons == ()
    assert {s.source: s.latest_ingest_date for s in report.sources} == dict.fromkeys(c.SOURCES, DAY1 + timedelta(2))
    assert {s.source: s.processed_files for s in report.sources} == {"transactions": 3, "customers": 3,
                                                                     "products": 4, "stores": 3}
    assert all(not s.not_processed and not s.not_in_gold and not s.changed for s in report.sources)
    assert [(r.run_id, r.job) for r in report.runs[:3]] == [("run-3", "silver_to_gold"),
                                                            ("run-3", "bronze_to_silver"),
                                                            ("run-2", "silver_to_gold")]
    assert report.runs[1].duration_s == 23.0 and report.runs[1].quarantined_rows == 4
    versions = {t.name: t.version for t in report.gold}
    assert versions == {**{t.name: 0 for t in gold_tables.FROM_SILVER}, "data_quality": 2}  # one append per run
    assert all(t.problems == () and t.size_bytes > 0 for t in report.gold if t.name == "data_quality")
    text = format_text(report)
    assert_one_screen(text)
    assert text.splitlines()[1].startswith("HEALTHY: all 13 landed files processed and in Gold")


def test_quarantine_rate_per_source_per_day(tmp_path):
    """Quarantined share of records read per run date (§4.4); a rejected file reads nothing, so products on day 2
    is 0 of 100, not undefined."""
    healthy_root(tmp_path)
    report = gather(tmp_path, NOW)
    assert report.quarantine_from == FROM_DATA_QUALITY
    rates = {(d.day, d.source): d.rate for d in report.quarantine}
    for day in (1, 2, 3):
        run_date = DAY1 + timedelta(days=day)  # each day's run starts at 02:00 UTC the next day
        assert rates[run_date, "transactions"] == day / 100
        assert rates[run_date, "customers"] == (0.02 if day == 2 else 0.0)
        assert rates[run_date, "products"] == 0.0
        assert rates[run_date, "stores"] == 0.01
    rejected = {(d.day, d.source): d.rejected_files for d in report.quarantine if d.rejected_files}
    assert rejected == {(DAY1 + timedelta(days=2), "products"): 1}


def test_quarantine_from_the_manifest_when_data_quality_is_absent(tmp_path):
    """A root whose runs predate gold/data_quality: the same figures, from ops/file_manifest's per-file counts."""
    healthy_root(tmp_path / "with")
    builder = RootBuilder(tmp_path / "without")
    for day in range(1, 4):
        builder.daily_run(day, {"transactions": day, "customers": 2 if day == 2 else 0, "stores": 1},
                          rejected={"products": "file_no_header"} if day == 2 else None, write_data_quality=False)
    with_dq, without = gather(tmp_path / "with", NOW), gather(tmp_path / "without", NOW)
    assert without.quarantine_from == FROM_FILE_MANIFEST
    assert without.quarantine == with_dq.quarantine
    data_quality = next(t for t in without.gold if t.name == "data_quality")
    assert data_quality.version is None and "not created yet" in format_text(without)


def test_root_with_pending_files(tmp_path):
    """Pending: landed but not in ops/file_manifest, and processed but not in ops/gold_manifest (by path, §5)."""
    pending_root(tmp_path)
    report = gather(tmp_path, NOW)
    by_source = {s.source: s for s in report.sources}
    assert by_source["transactions"].not_processed == ("bronze/transactions/ingest_date=2026-01-08/"
                                                       "transactions_4a.csv",)
    assert by_source["stores"].not_processed == ("bronze/stores/ingest_date=2026-01-08/stores_4a.csv",)
    assert by_source["customers"].not_in_gold == ("bronze/customers/ingest_date=2026-01-07/customers_3_late.csv",)
    assert report.verdict.level == ATTENTION
    assert report.verdict.reasons == (
        f"2 landed file(s) not processed yet (`lakehouse run --root {tmp_path}`)",
        f"1 processed file(s) not in Gold yet (`lakehouse silver-to-gold --root {tmp_path}`)",
    )
    text = format_text(report)
    assert_one_screen(text)
    assert text.splitlines()[1] == "ATTENTION: 2 thing(s) to look at"


def test_root_whose_last_run_failed(tmp_path):
    failed_root(tmp_path)
    report = gather(tmp_path, NOW)
    assert report.verdict.level == ATTENTION
    assert report.verdict.reasons[0] == f"last bronze_to_silver run run-4 failed at 2026-01-09 02:00 UTC: {FAILURE}"
    assert report.verdict.reasons[1].startswith("4 landed file(s) not processed yet")
    assert report.runs[0].run_id == "run-4" and report.runs[0].is_failed
    text = format_text(report)
    assert_one_screen(text)
    assert f"failed at 2026-01-09 02:00 UTC: {FAILURE}" in " ".join(line.strip() for line in text.splitlines())
    assert "2026-01-09 02:00  bronze_to_silver  failed" in text


def test_a_failure_followed_by_a_success_is_history(tmp_path):
    builder = failed_root(tmp_path)
    builder.ops("pipeline_runs", [builder.run_row("run-5", "bronze_to_silver", datetime(2026, 1, 9, 3, tzinfo=UTC),
                                                  5.0)])
    reasons = gather(tmp_path, NOW).verdict.reasons
    assert not any("failed" in reason for reason in reasons)


def test_changed_file_is_reported(tmp_path):
    """§5: a file changed after it was processed is not processed again; status says so."""
    healthy_root(tmp_path)
    (tmp_path / "bronze/stores/ingest_date=2026-01-06/stores_2.csv").write_text("id\nchanged\n")
    report = gather(tmp_path, NOW)
    assert {s.source: s.changed for s in report.sources}["stores"] == (
        "bronze/stores/ingest_date=2026-01-06/stores_2.csv",)
    assert "1 processed file(s) changed in Bronze since; they are not processed again" in report.verdict.reasons


def test_latest_day_over_the_quarantine_limit_and_rejected_files_need_attention(tmp_path):
    """The last day's figures come from the manifest here (a run not in gold/data_quality), the others from it."""
    builder = healthy_root(tmp_path)
    builder.daily_run(4, {"transactions": 10}, rejected={"stores": "file_not_utf8"}, write_data_quality=False)
    report = gather(tmp_path, NOW)
    assert report.quarantine_from == f"{FROM_DATA_QUALITY} + {FROM_FILE_MANIFEST}"
    assert len({d.day for d in report.quarantine}) == 4
    reasons = report.verdict.reasons
    assert "transactions: 10.0% of records quarantined on 2026-01-09 (limit 5%)" in reasons
    assert "stores: 1 file(s) rejected whole on 2026-01-09" in reasons


def test_gold_table_synapse_cannot_read_needs_attention(tmp_path):
    healthy_root(tmp_path)
    table = gold_tables.DAILY_SALES_SUMMARY
    shutil.rmtree(Layout(tmp_path).gold_table(table.name))
    write_delta(Layout(tmp_path).gold_table(table.name), table.schema, [], deletion_vectors=True)
    report = gather(tmp_path, NOW)
    assert "gold.daily_sales_summary is not readable by Synapse serverless" in report.verdict.reasons
    problems = next(t.problems for t in report.gold if t.name == table.name)
    assert any("deletion vectors" in problem for problem in problems)
    assert not any(str(tmp_path) in problem for problem in problems)  # the table is named once, by the row


def test_a_run_holding_the_root_is_shown(tmp_path):
    """Status only reads, so it answers while a run holds the root's lease, and says which run."""
    pending_root(tmp_path)
    lease = RootLease(Layout(tmp_path), "run-9", "bronze_to_silver", heartbeat=False)
    lease.acquire()
    try:
        report = gather(tmp_path)
    finally:
        lease.release()
    assert report.lease_holder and report.lease_holder.startswith("run run-9 (bronze_to_silver) since ")
    assert "2 landed file(s) not processed yet (a run is running now)" in report.verdict.reasons
    assert gather(tmp_path).lease_holder is None  # released


def test_page_is_self_contained(tmp_path):
    """One file: no script, stylesheet link, image source or URL other than SVG's namespace name."""
    failed_root(tmp_path)
    page = format_html(gather(tmp_path, NOW))
    lowered = page.lower()
    for banned in ("<script", "<link", " src=", "url(", "@import", "<iframe", "<img"):
        assert banned not in lowered, banned
    assert lowered.replace('xmlns="http://www.w3.org/2000/svg"', "").count("http") == 0
    assert page.count('<svg ') == 3 and 'data-level="attention"' in page
    assert FAILURE in page


def test_no_data_yet_chart_on_an_empty_root(tmp_path):
    page = format_html(gather(tmp_path, NOW))
    assert page.count("no data yet") == 3 and 'data-level="empty"' in page


def test_everything_wrong_at_once_still_fits_one_screen(tmp_path):
    """Failure, pending files, a changed file, a rate over the limit, a rejected file, an unreadable table and a
    run holding the root: the reasons are cut to fit, the count of the rest is said."""
    builder = failed_root(tmp_path)
    builder.daily_run(5, {"customers": 30}, rejected={"stores": "file_no_header"}, write_data_quality=False)
    builder.ops("pipeline_runs", [builder.run_row("run-6", "silver_to_gold", datetime(2026, 1, 11, 2, tzinfo=UTC),
                                                  3.0, status="failed", message="Gold: " + "x" * 400)])
    (tmp_path / "bronze/stores/ingest_date=2026-01-06/stores_2.csv").write_text("id\nchanged\n")
    table = gold_tables.STORE_PERFORMANCE
    shutil.rmtree(builder.layout.gold_table(table.name))
    write_delta(builder.layout.gold_table(table.name), table.schema, [], deletion_vectors=True)
    lease = RootLease(builder.layout, "run-7", "silver_to_gold", heartbeat=False)
    lease.acquire()
    try:
        report = gather(tmp_path)
    finally:
        lease.release()
    assert len(report.verdict.reasons) == 6
    text = format_text(report)
    assert_one_screen(text)
    assert " more" in text and "running now: run run-7 (silver_to_gold)" in text
