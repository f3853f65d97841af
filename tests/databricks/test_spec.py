"""Job definitions of jobs/ as both deploy and adf-run read them (lakehouse.databricks.spec)."""

from __future__ import annotations

import json

import pytest

from lakehouse.databricks import spec
from lakehouse.errors import UserError
from lakehouse.paths import JOBS_DIR

SCRIPTS = ("lakehouse-bronze-to-silver", "lakehouse-silver-to-gold")


def daily() -> dict:
    return spec.load_job(JOBS_DIR, "lakehouse_daily")


def test_the_repository_jobs_read_and_check():
    for path in sorted(JOBS_DIR.glob("*.json")):
        assert spec.job_problems(spec.read_job(path), path.stem, spec.installed_scripts(), "the package") == []


@pytest.mark.parametrize(("edit", "problem"), [
    (lambda s: s.update(parameters={"root": "/x"}), "parameters must be a list of objects"),
    (lambda s: s["parameters"][0].pop("name"), "parameters[0].name must be a non-empty string"),
    (lambda s: s["parameters"][1].update(name="root"), "parameters: name 'root' is used twice"),
    (lambda s: s["parameters"][0].update(default=5), "parameters[0].default must be a string"),
    (lambda s: s.update(tasks={"a": {}}), "tasks must be a list of objects"),
    (lambda s: s["tasks"][1].update(task_key="bronze_to_silver"), "tasks: task_key 'bronze_to_silver' is used twice"),
    (lambda s: s["tasks"][1].update(depends_on=["bronze_to_silver"]), "tasks[1].depends_on must be a list of objects"),
    (lambda s: s["tasks"][1].update(depends_on=[{}]), "tasks[1].depends_on[0].task_key must be a string"),
    (lambda s: s["tasks"][0].update(python_wheel_task="x"), "tasks[0].python_wheel_task must be an object"),
    (lambda s: s["tasks"][0]["python_wheel_task"].update(parameters="--root"),
     "tasks[0].python_wheel_task.parameters must be a list of strings"),
])
def test_a_file_of_the_wrong_shape_is_refused_naming_the_file_and_field(tmp_path, edit, problem):
    settings = daily()
    edit(settings)
    path = tmp_path / "lakehouse_daily.json"
    path.write_text(json.dumps(settings))
    with pytest.raises(UserError) as refused:
        spec.read_job(path)
    assert str(refused.value) == f"{path}: {problem}"
    assert spec.job_problems(settings, "lakehouse_daily", SCRIPTS, "the wheel") == [problem]


@pytest.mark.parametrize(("edit", "problem"), [
    (lambda s: s.update(name="daily"), "name is 'daily', not the file's stem 'lakehouse_daily'"),
    (lambda s: s["parameters"].pop(1), "job parameter(s) run_id not declared"),
    (lambda s: s.update(tasks=[]), "no tasks"),
    (lambda s: s["tasks"][0].pop("python_wheel_task"), "task bronze_to_silver is not a python_wheel_task (it has no"),
    (lambda s: s["tasks"][0]["python_wheel_task"].update(package_name="other"),
     "task bronze_to_silver runs package 'other', not 'lakehouse'"),
    (lambda s: s["tasks"][0]["python_wheel_task"].update(entry_point="x"),
     "task bronze_to_silver calls entry point 'x', which the wheel does not have (it has lakehouse-bronze-to-silver"),
    (lambda s: s["tasks"][1]["python_wheel_task"]["parameters"].append("{{ job.parameters.day }}"),
     "task silver_to_gold uses undeclared job parameter(s) day"),
])
def test_content_problems_are_listed(edit, problem):
    settings = daily()
    edit(settings)
    problems = spec.job_problems(settings, "lakehouse_daily", SCRIPTS, "the wheel")
    assert any(found.startswith(problem) for found in problems), problems


def test_references_are_found_and_substituted_with_one_pattern():
    assert spec.referenced_parameters(["--root", "{{job.parameters.root}}", "{{ job.parameters.run_id }}",
                                       "{{job.run_id}}"]) == {"root", "run_id"}
    assert spec.substitute("{{ job.parameters.root }}/{{job.run_id}}",
                           {"job.parameters.root": "/r", "job.run_id": "7"}) == "/r/7"
    with pytest.raises(UserError, match=r"dynamic value reference \{\{job.start_time\}\} is not supported"):
        spec.substitute("{{job.start_time}}", {"job.run_id": "7"})
