"""CustomerAnalyticsPipeline of adf/ run by `lakehouse adf-run` with fake job entry points (no Spark).

The JSON is the one deployed, and jobs/ the real job definitions: the metadata checks read the root's files, the
If chooses the branch, the Databricks activities reach the jobs' entry points with the lake root and the run id,
and a failure goes through a real HTTP Key Vault read and webhook call (a local server).
"""

from __future__ import annotations

import json
import shutil

import pytest

from lakehouse.adf.engine import FAILED, SKIPPED, SUCCEEDED
from lakehouse.adf.runner import RunRequest, run_pipeline
from lakehouse.cli import commands as cli
from lakehouse.cli import main
from lakehouse.config import DEFAULT_MAX_QUARANTINE_RATIO
from lakehouse.errors import UserError
from lakehouse.paths import ADF_DIR, JOBS_DIR
from tests.adf.conftest import LONG_AGO, RUN_ID, TRIGGER_TIME, FakeEntryPoints, age_files, land

B2S, S2G = "lakehouse-bronze-to-silver", "lakehouse-silver-to-gold"


def run(root, endpoint=None, fake=None, adf_dir=ADF_DIR, **params):
    params = {key: str(value) for key, value in params.items()}
    if endpoint is not None:
        params.setdefault("keyVaultUrl", endpoint.url)
    request = RunRequest(root, adf_dir, JOBS_DIR, params=params, trigger_time=TRIGGER_TIME, run_id=RUN_ID,
                         max_retry_wait=0)
    fake = fake or FakeEntryPoints()
    result = run_pipeline(request, call_entry_point=fake, sleep=lambda seconds: None)
    return result, {r.path: r.status for r in result.runs}, fake


def test_new_files_run_both_stages_with_the_lake_root_and_the_pipeline_run_id(bronze_root, alert_endpoint):
    result, statuses, fake = run(bronze_root, alert_endpoint, lakeRoot="/lake")
    assert result.status == SUCCEEDED
    arguments = ["--root", "/lake", "--run-id", RUN_ID]
    gate = ["--max-quarantine-ratio", str(DEFAULT_MAX_QUARANTINE_RATIO)]
    assert fake.calls == [(B2S, [*arguments, *gate]), (S2G, arguments)]
    assert statuses["IfNewBronzeFiles/GetAlertWebhookUrl"] == SKIPPED
    assert alert_endpoint.secret_reads == [] and alert_endpoint.received == []


def test_root_is_the_default_lake_root(bronze_root):
    _, _, fake = run(bronze_root)
    assert {argv[1] for _, argv in fake.calls} == {str(bronze_root)}


def test_the_quarantine_limit_parameter_reaches_the_bronze_to_silver_stage_only(bronze_root):
    _, _, fake = run(bronze_root, maxQuarantineRatio="0.5")
    (b2s, b2s_argv), (s2g, s2g_argv) = fake.calls
    assert (b2s, s2g) == (B2S, S2G)
    assert b2s_argv[-2:] == ["--max-quarantine-ratio", "0.5"] and "--max-quarantine-ratio" not in s2g_argv


def test_failing_first_stage_skips_the_second_and_posts_the_alert(bronze_root, alert_endpoint):
    fake = FakeEntryPoints({B2S: "root /lake is not a directory"})
    result, statuses, _ = run(bronze_root, alert_endpoint, fake)
    assert fake.names() == [B2S, B2S]  # one retry, then the stage fails; silver-to-gold never starts
    assert statuses["IfNewBronzeFiles/SilverToGold"] == SKIPPED
    assert statuses["IfNewBronzeFiles/AlertBronzeToSilverFailed"] == SUCCEEDED
    assert statuses["IfNewBronzeFiles/FailPipeline"] == FAILED
    assert result.status == FAILED and statuses["IfNewBronzeFiles"] == FAILED
    assert "Inner activity name: FailPipeline" in result.message
    assert [run.name for run in result.failed_activities()] == ["BronzeToSilver"]
    assert alert_endpoint.secret_reads == ["/secrets/alert-webhook-url?api-version=7.4"]
    (alert,) = alert_endpoint.received
    assert alert["path"] == "/hook/secret-token" and alert["authorization"] is None  # no token outside Azure
    body = alert["body"]
    assert (body["pipeline"], body["runId"], body["failedActivity"]) == ("CustomerAnalyticsPipeline", RUN_ID,
                                                                          "BronzeToSilver")
    assert body["error"]["message"].startswith("job lakehouse_bronze_to_silver, task ")
    assert body["error"]["message"].endswith(" failed: root /lake is not a directory")


def test_failing_second_stage_posts_its_own_alert(bronze_root, alert_endpoint):
    result, statuses, fake = run(bronze_root, alert_endpoint, FakeEntryPoints({S2G: "gold broke"}))
    assert fake.names() == [B2S, S2G, S2G]
    assert statuses["IfNewBronzeFiles/AlertBronzeToSilverFailed"] == SKIPPED
    (alert,) = alert_endpoint.received
    assert alert["body"]["failedActivity"] == "SilverToGold"
    assert result.status == FAILED


def test_unreadable_secret_or_failing_webhook_still_fail_the_run(bronze_root, alert_endpoint):
    failing = {B2S: "broke"}
    result, statuses, _ = run(bronze_root, alert_endpoint, FakeEntryPoints(failing), alertWebhookSecretName="other")
    (vault,) = [run for run in result.runs if run.name == "GetAlertWebhookUrl"]
    assert vault.status == FAILED and vault.attempts == len(alert_endpoint.secret_reads) == 3  # policy.retry = 2
    assert vault.message == f"GET {alert_endpoint.url.rstrip('/')} returned HTTP 404 Not Found"
    assert result.status == FAILED and alert_endpoint.received == []
    alert_endpoint.webhook_status = 500
    result, statuses, _ = run(bronze_root, alert_endpoint, FakeEntryPoints(failing))
    assert len(alert_endpoint.received) == 3
    assert statuses["IfNewBronzeFiles/AlertBronzeToSilverFailed"] == FAILED
    assert statuses["IfNewBronzeFiles/FailPipeline"] == FAILED and result.status == FAILED


def test_no_new_files_takes_the_false_branch(bronze_root, alert_endpoint):
    age_files(bronze_root, LONG_AGO)  # the ingest_date folders exist, but nothing in them is recent
    result, statuses, fake = run(bronze_root, alert_endpoint)
    assert result.status == SUCCEEDED and fake.calls == []
    assert statuses["IfNewBronzeFiles"] == SUCCEEDED
    assert not any(path.startswith("IfNewBronzeFiles/") for path in statuses)


def test_a_file_of_the_trigger_day_counts_and_missing_folders_do_not_fail(tmp_path):
    root = tmp_path / "root"
    land(root, "stores", "2026-01-08", "stores_20260108.csv", TRIGGER_TIME)
    result, statuses, fake = run(root)
    assert statuses["NewTransactionsOnTriggerDay"] == SUCCEEDED  # the folder does not exist: exists = false
    assert fake.names() == [B2S, S2G]


def test_force_run_runs_the_stages_without_new_files(bronze_root):
    age_files(bronze_root, LONG_AGO)
    _, _, fake = run(bronze_root, forceRun="true")
    assert fake.names() == [B2S, S2G]


def test_files_landed_before_the_window_are_not_new(bronze_root):
    _, _, fake = run(bronze_root, lookbackHours=2)  # the window starts at 2026-01-08 00:00, after the landing
    assert fake.calls == []


@pytest.mark.parametrize(("params", "message"), [
    ({"nope": "1"}, "pipeline CustomerAnalyticsPipeline has no parameter nope"),
    ({"lookbackHours": "a day"}, "parameter lookbackHours is declared int: 'a day' is not one"),
    ({"forceRun": "yes"}, "parameter forceRun is declared bool"),
])
def test_bad_parameters_are_refused(bronze_root, params, message):
    with pytest.raises(UserError, match=message):
        run(bronze_root, **params)


def copy_factory(tmp_path, change):
    adf_dir = tmp_path / "adf"
    shutil.copytree(ADF_DIR, adf_dir)
    path = adf_dir / "pipeline" / "CustomerAnalyticsPipeline.json"
    document = json.loads(path.read_text())
    change(document["properties"])
    path.write_text(json.dumps(document))
    return adf_dir


def test_parameters_deployed_as_strings_work_too(tmp_path, bronze_root):
    """Terraform's azurerm_data_factory_pipeline declares every parameter String: the expressions convert."""
    def as_strings(document):
        for spec in document["parameters"].values():
            spec["type"], spec["defaultValue"] = "String", str(spec["defaultValue"]).lower()

    adf_dir = copy_factory(tmp_path, as_strings)
    _, _, fake = run(bronze_root, adf_dir=adf_dir)
    assert fake.names() == [B2S, S2G]
    age_files(bronze_root, LONG_AGO)
    _, _, forced = run(bronze_root, adf_dir=adf_dir, forceRun="True")
    _, _, idle = run(bronze_root, adf_dir=adf_dir, forceRun="false")
    assert forced.names() == [B2S, S2G] and idle.calls == []


def test_unsupported_activity_types_and_functions_are_refused_before_running(tmp_path, bronze_root):
    def copy_activity(pipeline):
        pipeline["activities"].append({"name": "CopyThings", "type": "Copy", "typeProperties": {}})

    def unknown_function(pipeline):
        pipeline["activities"][0]["typeProperties"]["storeSettings"]["modifiedDatetimeStart"] = "@utcNow()"

    with pytest.raises(UserError, match="activity CopyThings is of type 'Copy', which lakehouse adf-run does not run"):
        run(bronze_root, adf_dir=copy_factory(tmp_path / "a", copy_activity))
    with pytest.raises(UserError, match=r"ADF expression '@utcNow\(\)' calls utcNow\(\), which lakehouse adf-run "):
        run(bronze_root, adf_dir=copy_factory(tmp_path / "b", unknown_function))


def test_command_line_prints_one_line_per_activity_and_the_pipeline_status(bronze_root, capsys):
    age_files(bronze_root, LONG_AGO)
    status = main(["adf-run", "--root", str(bronze_root), "--trigger-time", "2026-01-08T02:00:00Z",
                   "--run-id", RUN_ID, "--jobs-dir", str(JOBS_DIR)])
    lines = capsys.readouterr().out.splitlines()
    assert status == 0
    assert len(lines) == 10  # eight metadata checks, the If, the pipeline
    assert lines[0].split()[:2] == ["NewTransactionsOnTriggerDay", "Succeeded"]
    assert "false branch, 0 activities" in lines[8]
    assert lines[-1].startswith(f"pipeline CustomerAnalyticsPipeline run {RUN_ID}: Succeeded in ")


def test_command_line_errors_are_one_sentence(bronze_root, capsys):
    assert main(["adf-run", "--root", str(bronze_root), "--param", "nope=1"]) == 1
    assert capsys.readouterr().err.strip() == (
        "lakehouse: error: pipeline CustomerAnalyticsPipeline has no parameter nope (its parameters: lakeRoot, "
        "bronzeToSilverJobId, silverToGoldJobId, keyVaultUrl, alertWebhookSecretName, lookbackHours, forceRun, "
        "maxQuarantineRatio)")


def stages_of(pipeline):
    """The activities of the If's true branch, by name."""
    branch = next(a for a in pipeline["activities"] if a["type"] == "IfCondition")["typeProperties"]
    return {activity["name"]: activity for activity in branch["ifTrueActivities"]}


def test_ctrl_c_in_a_job_stops_the_run_without_retry_or_alert(bronze_root, monkeypatch, capsys):
    """The real entry point is called; its command is interrupted. adf-run must not turn that into a failed
    activity (which would be retried, then alerted): the command line says it was interrupted and exits 130."""
    calls = []

    def interrupted(args):
        calls.append(args.root)
        raise KeyboardInterrupt

    monkeypatch.setitem(cli.COMMANDS, "bronze-to-silver", interrupted)
    status = main(["adf-run", "--root", str(bronze_root), "--trigger-time", "2026-01-08T02:00:00Z",
                   "--run-id", RUN_ID, "--max-retry-wait", "0"])
    captured = capsys.readouterr()
    assert status == 130 and len(calls) == 1
    assert captured.err.strip().splitlines()[-1] == "lakehouse: interrupted"
    assert "BronzeToSilver" not in captured.out and "GetAlertWebhookUrl" not in captured.out


@pytest.mark.parametrize(("make_root", "message"), [
    (lambda tmp: tmp / "mistyped", "does not exist"),
    (lambda tmp: tmp, "has no bronze/ folder, so no metadata check could find a file"),
])
def test_a_root_without_bronze_is_refused_instead_of_succeeding_with_nothing(tmp_path, make_root, message):
    with pytest.raises(UserError, match=f"root {make_root(tmp_path)} {message}"):
        run(make_root(tmp_path))


def test_activity_reads_only_its_ancestors_outputs(tmp_path, bronze_root):
    def downstream(pipeline):
        stages_of(pipeline)["BronzeToSilver"]["typeProperties"]["jobParameters"]["run_id"]["value"] = \
            "@activity('SilverToGold').output.jobRunId"

    def sibling_branch(pipeline):
        stages_of(pipeline)["AlertBronzeToSilverFailed"]["typeProperties"]["body"]["value"] = \
            "@string(activity('AlertSilverToGoldFailed').error)"

    def outer_ancestor(pipeline):  # upstream of the If: allowed inside its branch
        stages_of(pipeline)["BronzeToSilver"]["typeProperties"]["jobParameters"]["run_id"]["value"] = \
            "@string(length(activity('NewStoresOnWindowStartDay').output.childItems))"

    with pytest.raises(UserError, match=r"activity BronzeToSilver: ADF expression .* reads activity\('SilverToGold'\)"
                                        r", which is not an ancestor of BronzeToSilver"):
        run(bronze_root, adf_dir=copy_factory(tmp_path / "a", downstream))
    with pytest.raises(UserError, match=r"IfNewBronzeFiles.ifTrueActivities: activity AlertBronzeToSilverFailed: "
                                        r".*activity\('AlertSilverToGoldFailed'\), which is not an ancestor"):
        run(bronze_root, adf_dir=copy_factory(tmp_path / "b", sibling_branch))
    _, _, fake = run(bronze_root, adf_dir=copy_factory(tmp_path / "c", outer_ancestor))
    assert fake.calls[0][1][2:4] == ["--run-id", "1"]  # the one file of stores' 2026-01-07 folder


def test_descriptions_are_not_expressions_but_user_properties_are(tmp_path, bronze_root):
    def described(pipeline):
        pipeline["description"] = "@utcNow() is not evaluated in a description"
        stages_of(pipeline)["BronzeToSilver"]["description"] = "see @{rand(1, 2)}"

    def user_property(pipeline):
        stages_of(pipeline)["BronzeToSilver"]["userProperties"].append({"name": "when", "value": "@utcNow()"})

    _, _, fake = run(bronze_root, adf_dir=copy_factory(tmp_path / "a", described))
    assert fake.names() == [B2S, S2G]
    with pytest.raises(UserError, match=r"activity BronzeToSilver: ADF expression '@utcNow\(\)' calls utcNow\(\)"):
        run(bronze_root, adf_dir=copy_factory(tmp_path / "b", user_property))


def test_connect_via_is_tolerated_and_must_name_an_existing_runtime(tmp_path, bronze_root):
    def on_ghost_runtime(pipeline):
        properties = stages_of(pipeline)["GetAlertWebhookUrl"]["typeProperties"]
        properties["connectVia"] = {"referenceName": "Ghost", "type": "IntegrationRuntimeReference"}

    def on_default_runtime(pipeline):
        properties = stages_of(pipeline)["GetAlertWebhookUrl"]["typeProperties"]
        properties["connectVia"] = {"referenceName": "AutoResolveIntegrationRuntime",
                                    "type": "IntegrationRuntimeReference"}

    with pytest.raises(UserError, match=r"integrationRuntime 'Ghost' is referenced but .*Ghost.json does not exist"):
        run(bronze_root, adf_dir=copy_factory(tmp_path / "a", on_ghost_runtime))
    result, _, _ = run(bronze_root, adf_dir=copy_factory(tmp_path / "b", on_default_runtime))
    assert result.status == SUCCEEDED


@pytest.mark.parametrize(("edit", "message"), [
    (lambda stage: stage["policy"].update(retry="1"), "policy.retry must be a whole number of at least 0, not '1'"),
    (lambda stage: stage["policy"].update(retry=-1), "policy.retry must be a whole number"),
    (lambda stage: stage["policy"].update(retryIntervalInSeconds="5m"), "policy.retryIntervalInSeconds must be"),
    (lambda stage: stage.update(state="Inactive", onInactiveMarkAs="Maybe"), "onInactiveMarkAs must be one of"),
    (lambda stage: stage.update(dependsOn={"activity": "X"}), "dependsOn must be a list of objects"),
])
def test_malformed_policies_are_refused_naming_the_file_and_field(tmp_path, bronze_root, edit, message):
    adf_dir = copy_factory(tmp_path, lambda pipeline: edit(stages_of(pipeline)["BronzeToSilver"]))
    with pytest.raises(UserError, match="CustomerAnalyticsPipeline.json: IfNewBronzeFiles.ifTrueActivities: "
                                        f"activity BronzeToSilver: {message}"):
        run(bronze_root, adf_dir=adf_dir)


def test_malformed_job_files_are_refused_before_running(tmp_path, bronze_root):
    jobs_dir = tmp_path / "jobs"
    shutil.copytree(JOBS_DIR, jobs_dir)
    path = jobs_dir / "lakehouse_silver_to_gold.json"
    job = json.loads(path.read_text())
    del job["parameters"][0]["name"]
    del job["tasks"][0]["task_key"]
    path.write_text(json.dumps(job))
    request = RunRequest(bronze_root, ADF_DIR, jobs_dir, trigger_time=TRIGGER_TIME, run_id=RUN_ID)
    with pytest.raises(UserError, match=r"lakehouse_silver_to_gold.json: parameters\[0\].name must be a non-empty "
                                        r"string; tasks\[0\].task_key must be a non-empty string"):
        run_pipeline(request, call_entry_point=FakeEntryPoints())


@pytest.mark.parametrize(("arguments", "message"), [
    (["--param", "forceRun=true", "--param", "forceRun=false"], "lakehouse: error: --param forceRun is given twice"),
    (["--max-retry-wait", "-1"], "argument --max-retry-wait: '-1' is not a number of seconds of at least 0"),
    (["--max-retry-wait", "soon"], "argument --max-retry-wait: 'soon' is not a number of seconds of at least 0"),
])
def test_command_line_arguments_are_checked(bronze_root, capsys, arguments, message):
    try:
        status = main(["adf-run", "--root", str(bronze_root), *arguments])
    except SystemExit as exit_:  # argparse's own refusal
        status = exit_.code
    assert status in (1, 2) and message in capsys.readouterr().err
