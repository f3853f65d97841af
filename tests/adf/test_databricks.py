"""A DatabricksJob activity's job, run locally: parameters, task order, references, entry points."""

from __future__ import annotations

import json

import pytest

from lakehouse.adf import databricks
from lakehouse.adf.engine import ActivityFailed, Engine
from lakehouse.cli import commands as cli
from lakehouse.databricks import spec
from lakehouse.errors import UserError
from tests.adf.conftest import FakeEntryPoints


def wheel_task(key, entry_point, depends=(), parameters=("--root", "{{job.parameters.root}}")):
    task = {"task_key": key, "python_wheel_task": {"package_name": "lakehouse", "entry_point": entry_point,
                                                   "parameters": list(parameters)}}
    if depends:
        task["depends_on"] = [{"task_key": d} for d in depends]
    return task


def write_job(tmp_path, name, tasks, parameters=(("root", "/default"), ("run_id", "{{job.run_id}}"))):
    job = {"name": name, "parameters": [{"name": n, "default": d} for n, d in parameters], "tasks": tasks}
    (tmp_path / f"{name}.json").write_text(json.dumps(job))
    return job


def test_tasks_run_in_dependency_order_with_parameters_and_references(tmp_path):
    write_job(tmp_path, "daily", [
        wheel_task("gold", "s2g", depends=["silver"], parameters=["--run-id", "{{ job.parameters.run_id }}"]),
        wheel_task("silver", "b2s", parameters=["--root", "{{job.parameters.root}}", "{{job.name}}/{{task.name}}"]),
    ])
    fake = FakeEntryPoints()
    output = databricks.run_job(tmp_path, "daily", {"run_id": "r-1"}, fake)
    assert fake.calls == [("b2s", ["--root", "/default", "daily/silver"]), ("s2g", ["--run-id", "r-1"])]
    assert output["tasks"] == {"silver": "SUCCESS", "gold": "SUCCESS"}


def test_default_run_id_reference_is_a_local_job_run_id(tmp_path):
    write_job(tmp_path, "one", [wheel_task("only", "b2s", parameters=["{{job.parameters.run_id}}"])])
    fake = FakeEntryPoints()
    output = databricks.run_job(tmp_path, "one", {}, fake)
    assert fake.calls == [("b2s", [output["jobRunId"]])] and output["jobRunId"].startswith("local-")


def test_a_failed_task_fails_the_job_and_its_dependants_do_not_run(tmp_path):
    write_job(tmp_path, "daily", [wheel_task("silver", "b2s"), wheel_task("gold", "s2g", depends=["silver"])])
    fake = FakeEntryPoints({"b2s": "no bronze"})
    with pytest.raises(ActivityFailed, match="job daily, task silver failed: no bronze"):
        databricks.run_job(tmp_path, "daily", {}, fake)
    assert fake.names() == ["b2s"]


@pytest.mark.parametrize(("tasks", "given", "message"), [
    ([wheel_task("a", "b2s")], {"nope": "x"}, "Databricks job job has no parameter nope"),
    ([wheel_task("a", "b2s", parameters=["{{job.start_time.iso_date}}"])], {},
     r"dynamic value reference \{\{job.start_time.iso_date\}\} is not supported"),
    ([{"task_key": "a", "notebook_task": {"notebook_path": "/x"}}], {}, r"not a python_wheel_task \(notebook_task\)"),
    ([wheel_task("a", "b2s", depends=["b"]), wheel_task("b", "b2s", depends=["a"])], {}, "dependency cycle"),
    ([wheel_task("a", "b2s", depends=["ghost"])], {}, r"depends on unknown tasks \['ghost'\]"),
])
def test_job_definitions_adf_run_cannot_follow_are_refused(tmp_path, tasks, given, message):
    write_job(tmp_path, "job", tasks)
    with pytest.raises(UserError, match=message):
        databricks.run_job(tmp_path, "job", given, FakeEntryPoints())


def test_missing_or_misnamed_job_files_are_refused(tmp_path):
    with pytest.raises(UserError, match="Databricks job ghost is referenced but .*ghost.json does not exist"):
        spec.load_job(tmp_path, "ghost")
    (tmp_path / "other.json").write_text(json.dumps({"name": "something else"}))
    with pytest.raises(UserError, match="other.json: name is 'something else', not the file's stem 'other'"):
        spec.load_job(tmp_path, "other")


def test_activity_names_its_job_in_user_properties():
    activity = {"name": "A", "userProperties": [{"name": "databricksJob", "value": "lakehouse_daily"}]}
    assert databricks.job_name_of(activity) == "lakehouse_daily"
    with pytest.raises(UserError, match="DatabricksJob activity B does not name its job"):
        databricks.job_name_of({"name": "B", "userProperties": []})


def test_entry_points_are_the_installed_console_scripts_called_in_process(tmp_path):
    assert databricks.find_entry_point("lakehouse-bronze-to-silver", "lakehouse").value == \
        "lakehouse.databricks.entrypoints:bronze_to_silver"
    with pytest.raises(UserError, match="console script lakehouse-nope of package lakehouse is not installed"):
        databricks.find_entry_point("lakehouse-nope", "lakehouse")
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    with pytest.raises(ActivityFailed) as failure:  # the job's own one-line error becomes the activity's message
        databricks.call_entry_point("lakehouse-bronze-to-silver", ["--root", str(not_a_directory)])
    assert failure.value.message == f"root {not_a_directory} is not a directory"


def test_a_bug_in_a_job_fails_the_task_and_keeps_its_traceback_in_the_log(monkeypatch, tmp_path, caplog):
    def broken(args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setitem(cli.COMMANDS, "bronze-to-silver", broken)
    with pytest.raises(ActivityFailed, match="lakehouse-bronze-to-silver raised ZeroDivisionError: division by zero"):
        databricks.call_entry_point("lakehouse-bronze-to-silver", ["--root", str(tmp_path)])
    (record,) = [r for r in caplog.records if r.name == "lakehouse.adf.databricks"]
    assert record.levelname == "ERROR" and record.exc_info is not None
    assert record.exc_info[0] is ZeroDivisionError  # the traceback is logged, not reduced to a line


def test_a_bug_is_retried_by_the_activity_policy_and_logged_at_each_attempt(monkeypatch, tmp_path, caplog):
    def broken(args):
        raise RuntimeError("bug")

    monkeypatch.setitem(cli.COMMANDS, "bronze-to-silver", broken)
    write_job(tmp_path, "job", [wheel_task("a", "lakehouse-bronze-to-silver")])
    activity = {"name": "Stage", "type": "Fake", "policy": {"retry": 1, "retryIntervalInSeconds": 0}}
    engine = Engine(lambda activity, path: databricks.run_job(tmp_path, "job", {}), sleep=lambda seconds: None)
    engine.run_container([activity], "test")
    assert engine.runs["Stage"].status == "Failed" and engine.runs["Stage"].attempts == 2
    assert len([r for r in caplog.records if r.exc_info]) == 2


def test_ctrl_c_in_a_job_is_not_a_failed_task(monkeypatch, tmp_path):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setitem(cli.COMMANDS, "bronze-to-silver", interrupted)
    with pytest.raises(KeyboardInterrupt):
        databricks.call_entry_point("lakehouse-bronze-to-silver", ["--root", str(tmp_path)])


def test_task_keys_and_job_parameters_of_the_wrong_shape_are_refused_as_the_file_is_read(tmp_path):
    write_job(tmp_path, "job", [{"python_wheel_task": {"entry_point": 3, "package_name": "lakehouse"}}],
              parameters=(("root", 1),))
    with pytest.raises(UserError) as refused:
        databricks.run_job(tmp_path, "job", {}, FakeEntryPoints())
    assert str(refused.value) == (
        f"{tmp_path / 'job.json'}: parameters[0].default must be a string; tasks[0].task_key must be a non-empty "
        "string; tasks[0].python_wheel_task.entry_point must be a string")
