"""Silver -> Gold through the real command line (contract §4, §5, §6): Delta protocol, history, ops, reruns."""

from __future__ import annotations

import json
import shutil

import pytest

from lakehouse.gold import tables as gold_tables
from lakehouse.storage.layout import Layout
from tests.integration.conftest import RATIO_LIMIT
from tests.integration.helpers import (
    cli,
    commit_run_ids,
    delta_versions,
    gold_state,
    read_delta_rows,
    read_parquet_rows,
    run_in_process,
)

pytestmark = pytest.mark.slow


def _log_actions(table_path) -> list[dict]:
    actions = []
    for log_file in sorted((table_path / "_delta_log").glob("*.json")):
        actions += [json.loads(line) for line in log_file.read_text().splitlines() if line.strip()]
    return actions


@pytest.mark.parametrize("table", gold_tables.ALL, ids=lambda table: table.name)
def test_gold_table_log_is_reader_v1_without_deletion_vectors(table, gold_baseline):
    """§4: readable by Synapse serverless: minReaderVersion 1, no deletion vectors, no column mapping."""
    actions = _log_actions(Layout(gold_baseline).gold_table(table.name))
    protocols = [action["protocol"] for action in actions if "protocol" in action]
    assert protocols and all(protocol["minReaderVersion"] == 1 for protocol in protocols)
    assert all("readerFeatures" not in protocol for protocol in protocols)
    assert all("deletionVectors" not in protocol.get("writerFeatures", []) for protocol in protocols)
    configuration = [action["metaData"]["configuration"] for action in actions if "metaData" in action][-1]
    assert configuration.get("delta.enableDeletionVectors") == "false"
    assert configuration.get("delta.columnMapping.mode", "none") == "none"
    assert not any(action["add"].get("deletionVector") for action in actions if "add" in action)


def test_first_run_commits_every_gold_table_once_with_its_run_id(gold_baseline):
    """§5 / issue: Delta history shows one commit per table per run, carrying the run id; data_quality is appended
    by the Silver run it describes (the baseline's), with its batch."""
    for table in gold_tables.FROM_SILVER:
        assert commit_run_ids(Layout(gold_baseline).gold_table(table.name)) == ["gold-baseline"], table.name
    assert commit_run_ids(Layout(gold_baseline).gold_table(gold_tables.DATA_QUALITY.name)) == ["baseline"]


def test_gold_stage_is_recorded_in_pipeline_runs(gold_baseline):
    """§5: every run appends to ops/pipeline_runs; the Gold stage too."""
    layout = Layout(gold_baseline)
    runs = [row for row in read_delta_rows(layout.ops_table("pipeline_runs")) if row["run_id"] == "gold-baseline"]
    assert {row["job"] for row in runs} == {"bronze_to_silver", "silver_to_gold"}
    gold_run = next(row for row in runs if row["job"] == "silver_to_gold")
    assert gold_run["status"] == "succeeded"
    manifest = read_delta_rows(layout.ops_table("file_manifest"))
    assert gold_run["files_processed"] == len(manifest)
    assert json.loads(gold_run["metrics_json"])["rows_written"]["fact_sales"] == gold_run["silver_rows"] - sum(
        row["silver_rows"] for row in manifest if row["source"] != "transactions")
    consumed = read_delta_rows(layout.ops_table("gold_manifest"))
    assert sorted(row["path"] for row in consumed) == sorted(row["path"] for row in manifest)


def test_fact_sales_has_exactly_one_row_per_silver_transaction(gold_baseline):
    """§4.3: one row per Silver transaction, none lost, none twice."""
    layout = Layout(gold_baseline)
    fact_ids = sorted(row["transaction_id"] for row in read_delta_rows(layout.gold_table("fact_sales")))
    silver_ids = sorted(dict(row)["transaction_id"] for row in read_parquet_rows(layout.silver_table("transactions")))
    assert fact_ids == silver_ids
    assert len(set(fact_ids)) == len(fact_ids)


def test_fact_attributes_are_known_or_unknown(gold_baseline):
    """§4.3: each as-of attribute is a dimension value or 'UNKNOWN', never null."""
    rows = read_delta_rows(Layout(gold_baseline).gold_table("fact_sales"))
    for column in ("category", "loyalty_tier", "region"):
        values = {row[column] for row in rows}
        assert None not in values
        assert values - {"UNKNOWN"}, f"{column}: every value is UNKNOWN, the as-of join matched nothing"


def test_rerun_with_nothing_new_commits_nothing(tmp_path, gold_baseline):
    """§5: a run with no new files changes no table (no Gold commit at all)."""
    root = tmp_path / "root"
    shutil.copytree(gold_baseline, root)
    before = delta_versions(root)
    result = run_in_process("run", "--root", str(root), "--max-quarantine-ratio", RATIO_LIMIT, "--run-id", "again")
    assert result.returncode == 0, result.stderr
    assert "no new Silver data" in result.stdout
    assert delta_versions(root) == before
    assert gold_state(root) == gold_state(gold_baseline)


def test_silver_to_gold_before_any_silver_is_a_successful_no_op(tmp_path):
    """§5, §6: `silver-to-gold` before any Silver exists succeeds and says so."""
    result = run_in_process("silver-to-gold", "--root", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "no new Silver data" in result.stdout


def test_unknown_delta_engine_is_one_line_error(tmp_path):
    """§6: a bad engine choice fails with one line, before any work."""
    result = cli("silver-to-gold", "--root", str(tmp_path), env={"LAKEHOUSE_DELTA_ENGINE": "duckdb"})
    assert result.returncode == 1
    assert result.stderr.strip() == ("lakehouse: error: unknown Delta engine 'duckdb' (from --delta-engine or "
                                     "$LAKEHOUSE_DELTA_ENGINE): use one of auto, delta-rs, delta-spark")
