"""Everything adf/ refers to exists: linked services, datasets, the jobs of jobs/ and their entry points; the
trigger is the daily 02:00 UTC schedule; connections use the factory's managed identity and hold no secret."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lakehouse.adf import PIPELINE, databricks, dotnet_time
from lakehouse.adf.activities import all_activities
from lakehouse.adf.checks import check_pipeline
from lakehouse.adf.factory import load_factory, reference_name
from lakehouse.config import DEFAULT_MAX_QUARANTINE_RATIO
from lakehouse.databricks import spec
from lakehouse.paths import ADF_DIR, JOBS_DIR

FACTORY = load_factory(ADF_DIR)  # also checks each file is {"name": <file name>, "properties": {...}}
ACTIVITIES = all_activities(FACTORY.pipeline(PIPELINE)["activities"])
PARAMETERS = FACTORY.pipeline(PIPELINE)["parameters"]
JOB_ACTIVITIES = [a for a in ACTIVITIES if a["type"] == "DatabricksJob"]
EXECUTION_TYPES = ("GetMetadata", "DatabricksJob", "WebActivity")
RATIO_EXPRESSION = "@pipeline().parameters.maxQuarantineRatio"
SECRET_KEYS = {"accountkey", "serviceprincipalkey", "serviceprincipalcredential", "sasuri", "sastoken",
               "accesstoken", "password", "connectionstring", "encryptedcredential", "clientsecret"}


def keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return {str(k).lower() for k in value} | {k for item in value.values() for k in keys(item)}
    if isinstance(value, list):
        return {k for item in value for k in keys(item)}
    return set()


def test_factory_layout_holds_the_agreed_resources():
    resources = {folder: sorted(names) for folder, names in FACTORY.resources.items() if folder != "integrationRuntime"}
    assert resources == {
        "pipeline": ["CustomerAnalyticsPipeline", "MaintainPipeline"], "dataset": ["BronzeIngestDateFolder"],
        "linkedService": ["Databricks", "LakeStorage"], "trigger": ["DailyAt0200Utc", "WeeklySundayAt0500Utc"]}
    # types, containers, expressions, activity() references, integration runtimes (connectVia) and jobs
    check_pipeline(FACTORY, PIPELINE, JOBS_DIR)


def test_every_linked_service_and_dataset_reference_resolves():
    for activity in ACTIVITIES:
        if "linkedServiceName" in activity:
            FACTORY.linked_service(reference_name(activity["linkedServiceName"], "LinkedServiceReference", "a"))
        dataset_ref = (activity.get("typeProperties") or {}).get("dataset")
        if dataset_ref is not None:
            dataset = FACTORY.dataset(reference_name(dataset_ref, "DatasetReference", activity["name"]))
            assert set(dataset_ref.get("parameters") or {}) == set(dataset.get("parameters") or {})
    for dataset in FACTORY.resources["dataset"].values():
        FACTORY.linked_service(reference_name(dataset["linkedServiceName"], "LinkedServiceReference", "d"))
    assert {a["linkedServiceName"]["referenceName"] for a in JOB_ACTIVITIES} == {"Databricks"}


def test_databricks_activities_name_existing_jobs_whose_parameters_they_pass():
    assert [databricks.job_name_of(a) for a in JOB_ACTIVITIES] == ["lakehouse_bronze_to_silver",
                                                                   "lakehouse_silver_to_gold"]
    for activity in JOB_ACTIVITIES:
        job = spec.load_job(JOBS_DIR, databricks.job_name_of(activity))
        properties = activity["typeProperties"]
        passed = {name: value["value"] for name, value in properties["jobParameters"].items()}
        assert set(passed) == {p["name"] for p in job["parameters"]}  # each of the job's parameters, and only those
        assert passed["run_id"] == "@pipeline().RunId"  # both stages: one run id
        assert passed["root"] == "@pipeline().parameters.lakeRoot"
        assert passed.get("max_quarantine_ratio", RATIO_EXPRESSION) == RATIO_EXPRESSION
        job_id = re.fullmatch(r"@pipeline\(\)\.parameters\.(\w+)", properties["jobId"]["value"])
        assert job_id is not None and job_id.group(1) in PARAMETERS  # known after deployment only


@pytest.mark.parametrize("job_file", sorted(JOBS_DIR.glob("*.json")), ids=lambda path: path.stem)
def test_every_job_task_calls_an_installed_entry_point_with_declared_parameters(job_file: Path):
    job = spec.load_job(JOBS_DIR, job_file.stem)
    databricks.task_order(job)  # dependencies resolve, no cycle
    assert spec.job_problems(job, job_file.stem, spec.installed_scripts(), "lakehouse") == []
    for task in job["tasks"]:
        databricks.find_entry_point(task["python_wheel_task"]["entry_point"], spec.PACKAGE)


def test_jobs_of_the_agreed_names_exist():
    assert {"lakehouse_bronze_to_silver", "lakehouse_silver_to_gold", "lakehouse_daily"} <= {
        path.stem for path in JOBS_DIR.glob("*.json")}


def test_trigger_runs_the_pipeline_daily_at_0200_utc():
    trigger = FACTORY.resources["trigger"]["DailyAt0200Utc"]
    assert trigger["type"] == "ScheduleTrigger"
    recurrence = trigger["typeProperties"]["recurrence"]
    assert (recurrence["frequency"], recurrence["interval"], recurrence["timeZone"]) == ("Day", 1, "UTC")
    assert recurrence["schedule"] == {"hours": [2], "minutes": [0]}
    assert dotnet_time.parse_timestamp(recurrence["startTime"]).strftime("%H:%M:%S") == "02:00:00"
    (pipeline,) = trigger["pipelines"]
    assert FACTORY.pipeline(reference_name(pipeline["pipelineReference"], "PipelineReference", "trigger"))
    assert set(pipeline.get("parameters") or {}) <= set(PARAMETERS)


def test_linked_services_use_managed_identity_and_no_file_holds_a_secret():
    services = FACTORY.resources["linkedService"]
    assert services["LakeStorage"]["type"] == "AzureBlobFS"
    assert set(services["LakeStorage"]["typeProperties"]) == {"url"}  # url only: system-assigned identity
    databricks_service = services["Databricks"]
    assert databricks_service["type"] == "AzureDatabricks"
    assert databricks_service["typeProperties"]["authentication"] == "MSI"
    assert "workspaceResourceId" in databricks_service["typeProperties"]
    for path in sorted(ADF_DIR.rglob("*.json")):
        assert not keys(json.loads(path.read_text())) & SECRET_KEYS, path


def test_only_the_bronze_to_silver_stage_gets_the_quarantine_limit():
    passes_it = {a["name"]: "max_quarantine_ratio" in a["typeProperties"]["jobParameters"] for a in JOB_ACTIVITIES}
    assert passes_it == {"BronzeToSilver": True, "SilverToGold": False}


def test_the_quarantine_limit_defaults_to_the_command_line_default():
    # The limit is decided once, in lakehouse.config; the pipeline's default is a copy of it, kept equal. A string,
    # as the job parameter it becomes (and Terraform deploys every parameter as String anyway).
    assert PARAMETERS["maxQuarantineRatio"] == {"type": "string", "defaultValue": str(DEFAULT_MAX_QUARANTINE_RATIO)}


def test_pipeline_parameters_have_plain_defaults_for_deployment():
    assert {name: spec["type"] for name, spec in PARAMETERS.items()} == {
        "lakeRoot": "string", "bronzeToSilverJobId": "string", "silverToGoldJobId": "string",
        "keyVaultUrl": "string",
        "alertWebhookSecretName": "string",  # pragma: allowlist secret (a parameter's name, not a secret)
        "lookbackHours": "int", "forceRun": "bool", "maxQuarantineRatio": "string"}
    assert all(isinstance(spec["defaultValue"], str | bool | int) for spec in PARAMETERS.values())
    assert PARAMETERS["keyVaultUrl"]["defaultValue"].endswith("/")


def test_execution_activities_have_retry_and_timeout_and_secrets_are_hidden():
    for activity in ACTIVITIES:
        if activity["type"] in EXECUTION_TYPES:
            policy = activity["policy"]
            assert policy["retry"] >= 1 and policy["retryIntervalInSeconds"] > 0, activity["name"]
            assert 0 < dotnet_time.parse_timespan(policy["timeout"]) <= 3 * 3600, activity["name"]
    by_name = {activity["name"]: activity for activity in ACTIVITIES}
    assert by_name["GetAlertWebhookUrl"]["policy"]["secureOutput"] is True  # the secret read from Key Vault
    assert by_name["GetAlertWebhookUrl"]["typeProperties"]["authentication"] == {
        "type": "MSI", "resource": "https://vault.azure.net"}
    for alert in ("AlertBronzeToSilverFailed", "AlertSilverToGoldFailed"):
        assert by_name[alert]["policy"]["secureInput"] is True  # its input holds the webhook's URL
