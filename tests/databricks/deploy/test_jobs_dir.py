"""The Databricks job definitions of jobs/: they call entry points that exist, on a cluster that matches our pins."""

from __future__ import annotations

import json
import re
import tomllib
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from lakehouse.config import DEFAULT_MAX_QUARANTINE_RATIO
from lakehouse.databricks.deploy.definitions import WHEEL_LIBRARY, definition_problems, read_definition
from lakehouse.databricks.spec import PACKAGE
from lakehouse.storage.maintenance import RETENTION_FLOOR_HOURS
from tests.databricks.deploy.conftest import JOB_NAMES, JOBS_DIR

# Databricks Runtime LTS releases and what they ship (release notes, "System environment"): a job's runtime must be
# one of these, with Spark and Delta of the same major.minor as the `local` extra's pins.
LTS_RUNTIMES = {"17.3": {"spark": "4.0.0", "delta": "4.0"}}
JOB_FILES = sorted(JOBS_DIR.glob("*.json"))
RATIO_PARAMETER = "max_quarantine_ratio"  # the Silver quality gate's limit, passed to lakehouse-bronze-to-silver
GATE_ARGUMENTS = ["--max-quarantine-ratio", "{{job.parameters.max_quarantine_ratio}}"]
RETENTION_PARAMETER = "vacuum_retain_hours"  # the vacuum retention, passed to lakehouse-maintain
RETENTION_ARGUMENTS = ["--vacuum-retain-hours", "{{job.parameters.vacuum_retain_hours}}"]


def job(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def local_pins() -> dict[str, str]:
    project = tomllib.loads((JOBS_DIR.parent / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return dict(requirement.split("==") for requirement in project["optional-dependencies"]["local"])


def major_minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def wheel_tasks(path: Path) -> list[dict]:
    return [task for task in job(path)["tasks"] if "python_wheel_task" in task]


def is_bronze_to_silver(task: dict) -> bool:
    return bool(task["python_wheel_task"]["entry_point"] == "lakehouse-bronze-to-silver")


def is_maintain(task: dict) -> bool:
    return bool(task["python_wheel_task"]["entry_point"] == "lakehouse-maintain")


def test_the_jobs_are_there():
    assert sorted(path.stem for path in JOB_FILES) == sorted(JOB_NAMES)


@pytest.mark.parametrize("path", JOB_FILES, ids=lambda p: p.stem)
def test_the_name_is_the_file_stem(path):
    assert job(path)["name"] == path.stem


@pytest.mark.parametrize("path", JOB_FILES, ids=lambda p: p.stem)
def test_every_wheel_task_calls_an_installed_console_script_of_the_package(path):
    for task in wheel_tasks(path):
        wheel_task = task["python_wheel_task"]
        assert wheel_task["package_name"] == PACKAGE
        (script,) = entry_points(group="console_scripts", name=wheel_task["entry_point"])
        assert script.dist is not None and script.dist.name == PACKAGE
        assert callable(script.load())
        assert WHEEL_LIBRARY in task["libraries"]


@pytest.mark.parametrize("path", JOB_FILES, ids=lambda p: p.stem)
def test_deploy_accepts_the_definition(path):
    scripts = [script.name for script in entry_points(group="console_scripts") if script.dist.name == PACKAGE]
    assert definition_problems(read_definition(path), scripts) == []


@pytest.mark.parametrize("path", JOB_FILES, ids=lambda p: p.stem)
def test_tasks_pass_root_and_run_id_and_the_gate_limit_from_declared_job_parameters(path):
    settings = job(path)
    declared = {parameter["name"] for parameter in settings["parameters"]}
    runs_bronze_to_silver = any(is_bronze_to_silver(task) for task in wheel_tasks(path))
    runs_maintain = any(is_maintain(task) for task in wheel_tasks(path))
    assert declared == ({"root", "run_id"} | ({RATIO_PARAMETER} if runs_bronze_to_silver else set())
                        | ({RETENTION_PARAMETER} if runs_maintain else set()))
    for task in wheel_tasks(path):
        gate = GATE_ARGUMENTS if is_bronze_to_silver(task) else []
        retention = RETENTION_ARGUMENTS if is_maintain(task) else []
        assert task["python_wheel_task"]["parameters"] == [
            "--root", "{{job.parameters.root}}", "--run-id", "{{job.parameters.run_id}}", *gate, *retention]


@pytest.mark.parametrize("path", JOB_FILES, ids=lambda p: p.stem)
def test_job_parameter_defaults_are_the_command_line_defaults(path):
    # The quality gate's limit is decided once, in lakehouse.config; a job's default is a copy of it, kept equal.
    defaults = {parameter["name"]: parameter["default"] for parameter in job(path)["parameters"]}
    assert defaults["root"] == "/Volumes/lakehouse/prod" and defaults["run_id"] == "{{job.run_id}}"
    if RATIO_PARAMETER in defaults:
        assert defaults[RATIO_PARAMETER] == str(DEFAULT_MAX_QUARANTINE_RATIO)
    if RETENTION_PARAMETER in defaults:
        assert defaults[RETENTION_PARAMETER] == str(RETENTION_FLOOR_HOURS)


@pytest.mark.parametrize("path", JOB_FILES, ids=lambda p: p.stem)
def test_the_cluster_is_an_lts_runtime_matching_our_spark_and_delta_pins(path):
    pins = local_pins()
    for cluster in job(path)["job_clusters"]:
        spec = cluster["new_cluster"]
        match = re.fullmatch(r"(\d+\.\d+)\.x-scala2\.13", spec["spark_version"])
        assert match and match.group(1) in LTS_RUNTIMES, spec["spark_version"]
        runtime = LTS_RUNTIMES[match.group(1)]
        assert major_minor(runtime["spark"]) == major_minor(pins["pyspark"])
        assert major_minor(runtime["delta"]) == major_minor(pins["delta-spark"])
        assert spec["autoscale"] == {"min_workers": 1, "max_workers": 4}
        assert spec["node_type_id"].startswith("Standard_")  # an Azure VM size
        assert spec["data_security_mode"] == "SINGLE_USER"
        assert spec["spark_env_vars"]["GX_ANALYTICS_ENABLED"] == "false"


@pytest.mark.parametrize("path", JOB_FILES, ids=lambda p: p.stem)
def test_every_task_runs_on_the_job_cluster_with_retries_and_a_timeout(path):
    settings = job(path)
    clusters = {cluster["job_cluster_key"] for cluster in settings["job_clusters"]}
    for task in settings["tasks"]:
        assert task["job_cluster_key"] in clusters
        assert task["max_retries"] >= 1 and task["min_retry_interval_millis"] >= 60_000
        assert "retry_on_timeout" in task
        assert 0 < task["timeout_seconds"] <= settings["timeout_seconds"]


@pytest.mark.parametrize("path", JOB_FILES, ids=lambda p: p.stem)
def test_one_run_at_a_time_failure_mail_and_tags(path):
    settings = job(path)
    assert settings["max_concurrent_runs"] == 1  # per job; one writer per root is the root lock's (README)
    assert settings["email_notifications"]["on_failure"]
    # Jobs API 2.2: no mail for a skipped run is a notification setting; under email_notifications it is deprecated.
    assert settings["notification_settings"] == {"no_alert_for_skipped_runs": True}
    assert "no_alert_for_skipped_runs" not in settings["email_notifications"]
    assert settings["tags"]["project"] == "lakehouse"


def test_the_daily_job_runs_silver_to_gold_after_bronze_to_silver():
    tasks = {task["task_key"]: task for task in job(JOBS_DIR / "lakehouse_daily.json")["tasks"]}
    assert [task["python_wheel_task"]["entry_point"] for task in tasks.values()] == [
        "lakehouse-bronze-to-silver", "lakehouse-silver-to-gold"]
    assert "depends_on" not in tasks["bronze_to_silver"]
    assert tasks["silver_to_gold"]["depends_on"] == [{"task_key": "bronze_to_silver"}]


@pytest.mark.parametrize(("name", "entry_point"), [("lakehouse_bronze_to_silver", "lakehouse-bronze-to-silver"),
                                                   ("lakehouse_silver_to_gold", "lakehouse-silver-to-gold"),
                                                   ("lakehouse_maintain", "lakehouse-maintain")])
def test_the_single_stage_jobs_run_their_stage(name, entry_point):
    (task,) = job(JOBS_DIR / f"{name}.json")["tasks"]
    assert task["python_wheel_task"]["entry_point"] == entry_point
