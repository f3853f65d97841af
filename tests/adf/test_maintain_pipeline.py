"""MaintainPipeline of adf/ (the weekly `lakehouse maintain`, contract §8): what it refers to, its weekly trigger, and
runs by `lakehouse adf-run --pipeline MaintainPipeline` with fake job entry points (no Spark).

Like the daily pipeline it runs a Databricks job of jobs/ under its own RunId, and a failure reads the webhook URL
from "Key Vault" and posts an alert (a local server) before the run fails.
"""

from __future__ import annotations

import pytest

from lakehouse.adf import dotnet_time
from lakehouse.adf.activities import all_activities
from lakehouse.adf.checks import check_pipeline
from lakehouse.adf.engine import FAILED, SKIPPED, SUCCEEDED
from lakehouse.adf.factory import load_factory, reference_name
from lakehouse.adf.runner import RunRequest, run_pipeline
from lakehouse.cli import commands as cli
from lakehouse.cli import main
from lakehouse.databricks import spec
from lakehouse.errors import UserError
from lakehouse.paths import ADF_DIR, JOBS_DIR
from lakehouse.storage.maintenance import RETENTION_FLOOR_HOURS
from tests.adf.conftest import RUN_ID, TRIGGER_TIME, FakeEntryPoints

PIPELINE = "MaintainPipeline"
JOB = "lakehouse_maintain"
ENTRY_POINT = "lakehouse-maintain"
FACTORY = load_factory(ADF_DIR)
ACTIVITIES = {activity["name"]: activity for activity in all_activities(FACTORY.pipeline(PIPELINE)["activities"])}
PARAMETERS = FACTORY.pipeline(PIPELINE)["parameters"]


def run(root, endpoint=None, fake=None, **params):
    params = {key: str(value) for key, value in params.items()}
    if endpoint is not None:
        params.setdefault("keyVaultUrl", endpoint.url)
    request = RunRequest(root, ADF_DIR, JOBS_DIR, PIPELINE, params, TRIGGER_TIME, RUN_ID, max_retry_wait=0)
    fake = fake or FakeEntryPoints()
    result = run_pipeline(request, call_entry_point=fake, sleep=lambda seconds: None)
    return result, {r.path: r.status for r in result.runs}, fake


def test_the_pipeline_checks_and_runs_the_maintenance_job_with_each_of_its_parameters():
    check_pipeline(FACTORY, PIPELINE, JOBS_DIR)  # types, expressions, references, runtimes, the job and its script
    (job_activity,) = [a for a in ACTIVITIES.values() if a["type"] == "DatabricksJob"]
    assert job_activity["userProperties"] == [{"name": "databricksJob", "value": JOB}]
    job = spec.load_job(JOBS_DIR, JOB)
    passed = {name: value["value"] for name, value in job_activity["typeProperties"]["jobParameters"].items()}
    assert set(passed) == set(spec.declared_parameters(job))
    assert passed == {"root": "@pipeline().parameters.lakeRoot", "run_id": "@pipeline().RunId",
                      "vacuum_retain_hours": "@pipeline().parameters.vacuumRetainHours"}
    assert job_activity["typeProperties"]["jobId"]["value"] == "@pipeline().parameters.maintainJobId"


def test_the_retention_defaults_to_the_command_line_default_in_pipeline_and_job():
    # The floor is decided once (storage.maintenance); the pipeline's and the job's defaults are copies, kept equal.
    assert str(RETENTION_FLOOR_HOURS) == str(cli.VACUUM_RETAIN_HOURS)
    assert PARAMETERS["vacuumRetainHours"] == {"type": "string", "defaultValue": str(RETENTION_FLOOR_HOURS)}
    assert spec.declared_parameters(spec.load_job(JOBS_DIR, JOB))["vacuum_retain_hours"] == str(RETENTION_FLOOR_HOURS)


def test_the_weekly_trigger_runs_it_on_sunday_after_the_daily_run():
    trigger = FACTORY.resources["trigger"]["WeeklySundayAt0500Utc"]
    assert trigger["type"] == "ScheduleTrigger" and trigger["runtimeState"] == "Started"
    recurrence = trigger["typeProperties"]["recurrence"]
    assert (recurrence["frequency"], recurrence["interval"], recurrence["timeZone"]) == ("Week", 1, "UTC")
    assert recurrence["schedule"] == {"hours": [5], "minutes": [0], "weekDays": ["Sunday"]}
    assert dotnet_time.parse_timestamp(recurrence["startTime"]).strftime("%A %H:%M") == "Sunday 05:00"
    (pipeline,) = trigger["pipelines"]
    assert reference_name(pipeline["pipelineReference"], "PipelineReference", "trigger") == PIPELINE
    daily = FACTORY.resources["trigger"]["DailyAt0200Utc"]["typeProperties"]["recurrence"]["schedule"]
    assert recurrence["schedule"]["hours"] != daily["hours"]


def test_a_run_calls_the_maintenance_entry_point_and_skips_the_alert(bronze_root, alert_endpoint):
    result, statuses, fake = run(bronze_root, alert_endpoint, lakeRoot="/lake")
    assert result.status == SUCCEEDED
    assert fake.calls == [(ENTRY_POINT, ["--root", "/lake", "--run-id", RUN_ID, "--vacuum-retain-hours", "168"])]
    assert statuses == {"MaintainDeltaTables": SUCCEEDED, "GetAlertWebhookUrl": SKIPPED,
                        "AlertMaintainFailed": SKIPPED, "FailPipeline": SKIPPED}
    assert alert_endpoint.secret_reads == [] and alert_endpoint.received == []
    _, _, fake = run(bronze_root, vacuumRetainHours="336")
    assert fake.calls == [(ENTRY_POINT, ["--root", str(bronze_root), "--run-id", RUN_ID,
                                         "--vacuum-retain-hours", "336"])]


def test_a_failed_maintenance_is_retried_once_then_alerted_and_fails_the_run(bronze_root, alert_endpoint):
    fake = FakeEntryPoints({ENTRY_POINT: "root /lake is in use by another run (run daily-1); wait for it to finish"})
    result, statuses, _ = run(bronze_root, alert_endpoint, fake)
    assert fake.names() == [ENTRY_POINT, ENTRY_POINT]  # policy.retry = 1
    assert statuses["AlertMaintainFailed"] == SUCCEEDED and statuses["FailPipeline"] == FAILED
    assert result.status == FAILED
    assert [run.name for run in result.failed_activities()] == ["MaintainDeltaTables"]
    (alert,) = alert_endpoint.received
    body = alert["body"]
    assert (body["pipeline"], body["runId"], body["failedActivity"]) == (PIPELINE, RUN_ID, "MaintainDeltaTables")
    assert body["error"]["message"].startswith(f"job {JOB}, task maintain failed: root /lake is in use")


def test_an_unreachable_vault_still_fails_the_run(bronze_root, alert_endpoint):
    fake = FakeEntryPoints({ENTRY_POINT: "broke"})
    result, statuses, _ = run(bronze_root, alert_endpoint, fake, alertWebhookSecretName="missing")
    assert statuses["GetAlertWebhookUrl"] == FAILED and statuses["FailPipeline"] == SKIPPED
    assert result.status == FAILED and alert_endpoint.received == []


@pytest.mark.parametrize("failing", [False, True])
def test_adf_run_on_the_command_line_runs_the_pipeline_named(bronze_root, monkeypatch, capsys, failing):
    """`lakehouse adf-run --pipeline MaintainPipeline` reaches the real entry point of the job's task, and through
    it the `maintain` command with the pipeline's parameters (the command itself is a stand-in here)."""
    calls = []

    def maintain(args):
        calls.append((args.root, args.run_id, args.vacuum_retain_hours, args.force, args.dry_run))
        if failing:
            raise UserError("root has no Gold tables")

    monkeypatch.setitem(cli.COMMANDS, "maintain", maintain)
    status = main(["adf-run", "--root", str(bronze_root), "--pipeline", PIPELINE, "--run-id", RUN_ID,
                   "--param", "keyVaultUrl=http://127.0.0.1:9/", "--max-retry-wait", "0"])
    captured = capsys.readouterr()
    assert calls[0] == (bronze_root, RUN_ID, 168, False, False)
    lines = captured.out.splitlines()
    if failing:
        assert status == 1 and len(calls) == 2
        assert captured.err.strip().splitlines()[-1].startswith(
            f"lakehouse: error: pipeline {PIPELINE} run {RUN_ID} failed: MaintainDeltaTables: job {JOB}, task "
            "maintain failed: root has no Gold tables")
    else:
        assert status == 0 and len(calls) == 1
        assert lines[0].split()[:2] == ["MaintainDeltaTables", "Succeeded"]
        assert lines[-1].startswith(f"pipeline {PIPELINE} run {RUN_ID}: Succeeded in ")
