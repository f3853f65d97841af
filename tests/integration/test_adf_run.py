"""`lakehouse adf-run`: the Data Factory pipeline of adf/ run locally from its JSON, on generated data.

One pipeline execution does Spark work (the first test, in this process on the tests' Spark session, as the
baselines are built); the failure and no-new-files runs stop before any job reaches Spark and run as real
processes, so their exit status and stderr are the command line's own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lakehouse.storage.layout import Layout
from tests.adf.conftest import LONG_AGO, age_files
from tests.adf.http_fixture import AlertEndpoint
from tests.integration.conftest import RATIO_LIMIT
from tests.integration.helpers import cli, gold_state, read_delta_rows, run_in_process

pytestmark = pytest.mark.slow

# The day after the generated data's last ingest date at 02:00 UTC: the window's days are 2026-01-07 (holding
# files, copied just now, so modified inside the window) and 2026-01-08.
TRIGGER_TIME = "2026-01-08T02:00:00Z"
RUN_ID = "0b5f8a4e-7d1c-4a0e-9c51-3f2d6e8a9b10"  # a GUID, as ADF's RunId


def written_layers(root: Path) -> list[str]:
    return sorted(name for name in ("silver", "gold", "ops") if (root / name).exists())


def test_adf_run_gives_the_gold_of_lakehouse_run_under_the_pipeline_run_id(spark, fresh_root, gold_baseline):
    """§5, §6: running the pipeline's JSON (metadata checks, If, two Databricks job activities mapped to jobs/ and
    their entry points) on the generated Bronze gives the same Gold as `lakehouse run`, and every run it records
    in ops/pipeline_runs carries the pipeline's RunId."""
    # The dense faults of this small data set need the raised quarantine limit the baseline was built with (the
    # gate is not the subject here): the pipeline passes it down to the bronze-to-silver job.
    result = run_in_process("adf-run", "--root", str(fresh_root), "--trigger-time", TRIGGER_TIME, "--run-id", RUN_ID,
                            "--param", f"maxQuarantineRatio={RATIO_LIMIT}")
    assert result.returncode == 0, result.stdout + result.stderr
    statuses = {line.split()[0]: line.split()[1] for line in result.stdout.splitlines()[:-1]}
    assert statuses["IfNewBronzeFiles/BronzeToSilver"] == statuses["IfNewBronzeFiles/SilverToGold"] == "Succeeded"
    assert statuses["IfNewBronzeFiles/GetAlertWebhookUrl"] == "Skipped"
    assert gold_state(fresh_root) == gold_state(gold_baseline)
    runs = read_delta_rows(Layout(fresh_root).ops_table("pipeline_runs"))
    assert sorted((row["run_id"], row["job"], row["status"]) for row in runs) == [
        (RUN_ID, "bronze_to_silver", "succeeded"), (RUN_ID, "silver_to_gold", "succeeded")]


def test_failing_first_stage_skips_the_second_alerts_and_exits_non_zero(tmp_path, fresh_root):
    """§5, §6: bronze-to-silver fails (its lake root is a file, while the metadata checks still see the new
    Bronze files), so silver-to-gold never runs; the failure path reads the webhook URL from "Key Vault", posts
    the alert naming the failed activity and its error, and the command exits non-zero with one line."""
    not_a_directory = tmp_path / "lake-root-file"
    not_a_directory.write_text("")
    with AlertEndpoint() as endpoint:
        result = cli("adf-run", "--root", str(fresh_root), "--trigger-time", TRIGGER_TIME, "--run-id", RUN_ID,
                     "--param", f"lakeRoot={not_a_directory}", "--param", f"keyVaultUrl={endpoint.url}",
                     "--max-retry-wait", "0")
    assert result.returncode == 1, result.stdout + result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert lines["IfNewBronzeFiles/BronzeToSilver"].split()[1] == "Failed"
    assert lines["IfNewBronzeFiles/SilverToGold"].split()[1] == "Skipped"
    assert lines["IfNewBronzeFiles/FailPipeline"].split()[1] == "Failed"
    (alert,) = endpoint.received
    assert alert["body"]["failedActivity"] == "BronzeToSilver" and alert["body"]["runId"] == RUN_ID
    assert alert["body"]["error"]["message"].endswith(f"root {not_a_directory} is not a directory")
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"lakehouse: error: pipeline CustomerAnalyticsPipeline run {RUN_ID} failed: "
                           "BronzeToSilver: job lakehouse_bronze_to_silver, task ")
    assert written_layers(fresh_root) == []


def test_no_new_files_skips_the_jobs(fresh_root):
    """§6: files older than the lookback window are not new: the If takes its false branch and no job runs, so
    nothing is written to Silver, Gold or ops."""
    age_files(fresh_root, LONG_AGO)
    result = cli("adf-run", "--root", str(fresh_root), "--trigger-time", TRIGGER_TIME, "--run-id", RUN_ID)
    assert result.returncode == 0, result.stderr
    (if_line,) = [line for line in result.stdout.splitlines() if line.startswith("IfNewBronzeFiles")]
    assert if_line.split()[1] == "Succeeded" and "false branch, 0 activities" in if_line
    assert written_layers(fresh_root) == []
