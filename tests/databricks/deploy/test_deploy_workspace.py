"""`lakehouse deploy` against a local workspace server (databricks_server.py): create, no-op, update in place."""

from __future__ import annotations

import json
import socket
import time

import pytest

from lakehouse.cli import deploy as deploy_cli
from lakehouse.cli import main
from lakehouse.databricks.deploy.definitions import DEFINITION_TAG, WHEEL_PLACEHOLDER
from tests.databricks.deploy.conftest import JOB_NAMES
from tests.databricks.deploy.databricks_server import TOKEN

CREATE = ("POST", "/api/2.2/jobs/create")
RESET = ("POST", "/api/2.2/jobs/reset")
IMPORT = ("POST", "/api/2.0/workspace/import")


def wheel_path_of(built_wheel) -> str:
    return f"/Workspace/Shared/lakehouse/wheels/{built_wheel.sha256[:12]}/{built_wheel.filename}"


def job_ids(state) -> dict[str, int]:
    return {job["settings"]["name"]: job_id for job_id, job in state.jobs.items()}


def test_first_deploy_uploads_the_wheel_and_creates_every_job(run_deploy, workspace, built_wheel):
    result = run_deploy()

    assert result.status == 0, result.err
    path = wheel_path_of(built_wheel)
    assert workspace.state.files == {path: built_wheel.path.read_bytes()}
    assert sorted(job_ids(workspace.state)) == sorted(JOB_NAMES)
    assert result.writes.count(CREATE) == len(JOB_NAMES) and result.writes.count(IMPORT) == 1
    ids = job_ids(workspace.state)
    assert result.lines == [f"uploaded wheel to {path}"] + [f"created {name} (job {ids[name]})" for name in JOB_NAMES]
    for job in workspace.state.jobs.values():
        settings = job["settings"]
        assert all(task["libraries"] == [{"whl": path}] for task in settings["tasks"])
        assert WHEEL_PLACEHOLDER not in json.dumps(settings)
        assert DEFINITION_TAG in settings["tags"]


def test_a_second_deploy_only_reads(run_deploy, workspace):
    first = run_deploy()
    ids = job_ids(workspace.state)

    second = run_deploy()

    assert first.status == second.status == 0
    assert second.writes == []
    assert job_ids(workspace.state) == ids
    assert second.lines[0].startswith("wheel already at /Workspace/Shared/lakehouse/wheels/")
    assert second.lines[1:] == [f"unchanged {name} (job {ids[name]})" for name in JOB_NAMES]


def test_a_changed_definition_resets_that_job_in_place(run_deploy, workspace, jobs_copy):
    assert run_deploy("--jobs-dir", str(jobs_copy)).status == 0
    ids = job_ids(workspace.state)
    path = jobs_copy / "lakehouse_silver_to_gold.json"
    definition = json.loads(path.read_text())
    definition["timeout_seconds"] = 9000
    path.write_text(json.dumps(definition))

    result = run_deploy("--jobs-dir", str(jobs_copy))

    assert result.status == 0, result.err
    assert result.writes == [RESET]
    assert job_ids(workspace.state) == ids
    assert workspace.state.jobs[ids["lakehouse_silver_to_gold"]]["settings"]["timeout_seconds"] == 9000
    assert f"updated lakehouse_silver_to_gold (job {ids['lakehouse_silver_to_gold']}): timeout_seconds, tags " \
           "changed" in result.lines
    assert f"unchanged lakehouse_daily (job {ids['lakehouse_daily']})" in result.lines


def test_a_field_removed_from_a_definition_still_updates_the_job(run_deploy, workspace, jobs_copy):
    assert run_deploy("--jobs-dir", str(jobs_copy)).status == 0
    path = jobs_copy / "lakehouse_daily.json"
    definition = json.loads(path.read_text())
    del definition["queue"]
    path.write_text(json.dumps(definition))

    result = run_deploy("--jobs-dir", str(jobs_copy))

    assert result.writes == [RESET]
    daily = workspace.state.jobs[job_ids(workspace.state)["lakehouse_daily"]]["settings"]
    assert "queue" not in daily


def test_a_job_edited_in_the_workspace_is_put_back(run_deploy, workspace):
    assert run_deploy().status == 0
    daily_id = job_ids(workspace.state)["lakehouse_daily"]
    workspace.state.jobs[daily_id]["settings"]["max_concurrent_runs"] = 5

    result = run_deploy()

    assert result.writes == [RESET]
    assert workspace.state.jobs[daily_id]["settings"]["max_concurrent_runs"] == 1


def test_two_jobs_with_one_name_are_refused_before_any_write(run_deploy, workspace):
    first = workspace.state.add_job({"name": "lakehouse_daily", "tasks": []})
    second = workspace.state.add_job({"name": "lakehouse_daily", "tasks": []})

    result = run_deploy()

    assert result.status == 1
    assert result.writes == []
    assert len(workspace.state.jobs) == 2 and workspace.state.files == {}
    (line,) = result.err.strip().splitlines()[-1:]
    assert line.startswith("lakehouse: error: more than one job with the name 'lakehouse_daily'")
    assert f"(jobs {first}, {second})" in line


def test_a_job_whose_name_differs_in_case_is_another_job(run_deploy, workspace):
    """The API's name filter ignores case; deploy matches the exact name, as the README says."""
    other = workspace.state.add_job({"name": "LAKEHOUSE_DAILY", "tasks": []})

    result = run_deploy()

    assert result.status == 0, result.err
    assert "created lakehouse_daily (job " in "\n".join(result.lines)
    assert workspace.state.jobs[other]["settings"]["name"] == "LAKEHOUSE_DAILY"  # left alone
    assert sorted(job["settings"]["name"] for job in workspace.state.jobs.values()) == [
        "LAKEHOUSE_DAILY", "lakehouse_bronze_to_silver", "lakehouse_daily", "lakehouse_maintain",
        "lakehouse_silver_to_gold"]
    assert workspace.state.jobs[other]["settings"]["tasks"] == []
    assert run_deploy().writes == []  # and the next deploy finds the exact names again: nothing to do


def test_dry_run_prints_the_plan_and_writes_nothing(run_deploy, workspace, built_wheel):
    result = run_deploy("--dry-run")

    assert result.status == 0
    assert result.writes == []
    assert workspace.state.jobs == {} and workspace.state.files == {}
    assert result.lines == [f"would upload wheel to {wheel_path_of(built_wheel)}"] + [
        f"would create {name}" for name in JOB_NAMES]


def test_dry_run_names_the_fields_an_update_would_change(run_deploy, workspace):
    assert run_deploy().status == 0
    ids = job_ids(workspace.state)

    result = run_deploy("--dry-run", "--root", "/Volumes/lakehouse/test")

    assert result.writes == []
    assert result.lines[1:] == [
        f"would update {name} (job {ids[name]}): parameters, tags changed" for name in JOB_NAMES]


def test_root_and_notify_fill_in_each_job(run_deploy, workspace):
    result = run_deploy("--root", "/Volumes/lakehouse/test", "--notify", "a@contoso.com", "--notify", "b@contoso.com")

    assert result.status == 0
    assert "placeholder" not in result.err
    for job in workspace.state.jobs.values():
        settings = job["settings"]
        assert {"name": "root", "default": "/Volumes/lakehouse/test"} in settings["parameters"]
        assert settings["email_notifications"]["on_failure"] == ["a@contoso.com", "b@contoso.com"]


def test_placeholder_addresses_are_pointed_out(run_deploy):
    result = run_deploy("--dry-run")

    assert "note: failure e-mails go to the placeholder lakehouse-alerts@example.com" in result.err


def test_a_profile_of_databrickscfg_authenticates(run_deploy, workspace, monkeypatch, home):
    monkeypatch.delenv("DATABRICKS_HOST")
    monkeypatch.delenv("DATABRICKS_TOKEN")
    (home / ".databrickscfg").write_text(f"[staging]\nhost = {workspace.url}\ntoken = {TOKEN}\n")

    result = run_deploy("--profile", "staging", "--dry-run")

    assert result.status == 0, result.err
    assert len(result.lines) == 1 + len(JOB_NAMES)  # the wheel, then one line per job


def test_a_definition_that_does_not_check_is_refused_before_any_write(run_deploy, workspace, jobs_copy):
    path = jobs_copy / "lakehouse_daily.json"
    path.write_text(path.read_text().replace('"lakehouse-silver-to-gold"', '"lakehouse-silver-to-golden"'))

    result = run_deploy("--jobs-dir", str(jobs_copy))

    assert result.status == 1
    assert result.writes == []
    assert "lakehouse_daily.json: task silver_to_gold calls entry point 'lakehouse-silver-to-golden'" in result.err


def test_a_wheel_folder_outside_the_workspace_is_refused(run_deploy):
    result = run_deploy("--wheel-folder", "/Volumes/lakehouse/prod/wheels")

    assert result.status == 1
    assert "is not a workspace folder" in result.err


def test_missing_credentials_end_in_one_line(home, capsys):
    started = time.monotonic()
    status = main(["deploy", "--dry-run"])

    err = capsys.readouterr().err
    assert status == 1
    assert err.splitlines() == ["lakehouse: error: no Databricks credentials: set DATABRICKS_HOST and DATABRICKS_TOKEN "
                                "(on Azure: DATABRICKS_HOST with an Azure CLI login, a managed identity or ARM_* "
                                "service principal variables), or pass --profile NAME of ~/.databrickscfg"]
    assert time.monotonic() - started < 5


def test_an_unknown_profile_ends_in_one_line(home, capsys):
    (home / ".databrickscfg").write_text("[prod]\nhost = https://adb-1.2.azuredatabricks.net\ntoken = x\n")

    status = main(["deploy", "--profile", "staging", "--dry-run"])

    (line,) = capsys.readouterr().err.splitlines()
    assert status == 1
    assert line.startswith("lakehouse: error: Databricks authentication: ")
    assert "staging" in line


def test_a_rejected_token_ends_in_one_line(run_deploy, monkeypatch, workspace):
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-wrong")

    result = run_deploy("--dry-run")

    assert result.status == 1
    line = result.err.splitlines()[-1]
    assert line.startswith(f"lakehouse: error: {workspace.url} refused to look up /Workspace/Shared/lakehouse/")
    assert "Invalid access token" in line


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the socket is closed


def test_an_unreachable_host_ends_in_one_line_fast(home, monkeypatch, capsys, built_wheel):
    monkeypatch.setattr(deploy_cli, "build_wheel", lambda source_root, out_dir: built_wheel)
    host = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("DATABRICKS_HOST", host)
    monkeypatch.setenv("DATABRICKS_TOKEN", TOKEN)

    started = time.monotonic()
    status = main(["deploy", "--dry-run", "--timeout", "1"])
    elapsed = time.monotonic() - started

    assert status == 1
    assert capsys.readouterr().err.splitlines() == [
        f"lakehouse: error: cannot reach {host}: connection refused (gave up after 1 s; --timeout sets how long)"]
    assert elapsed < 10


def test_a_timeout_below_one_second_is_refused(capsys):
    with pytest.raises(SystemExit):
        main(["deploy", "--timeout", "0"])
    assert "argument --timeout: '0' is not a number of seconds of at least 1" in capsys.readouterr().err
