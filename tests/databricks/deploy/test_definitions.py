"""Job definitions (lakehouse.databricks.deploy.definitions): the checks before a deploy, and what deploy fills in."""

from __future__ import annotations

import copy
import json

import pytest

from lakehouse.databricks.deploy.definitions import (
    DEFINITION_TAG,
    WHEEL_LIBRARY,
    Environment,
    JobDefinition,
    check_definitions,
    definition_problems,
    load_definitions,
    render,
)
from lakehouse.errors import UserError
from tests.databricks.deploy.conftest import JOBS_DIR

SCRIPTS = ("lakehouse-bronze-to-silver", "lakehouse-silver-to-gold")
WHEEL = "/Workspace/Shared/lakehouse/wheels/0123456789ab/lakehouse-0.1.0-py3-none-any.whl"


@pytest.fixture
def daily() -> JobDefinition:
    (definition,) = [d for d in load_definitions(JOBS_DIR) if d.name == "lakehouse_daily"]
    return definition


def edited(definition: JobDefinition, edit) -> JobDefinition:
    settings = copy.deepcopy(definition.settings)
    edit(settings)
    return JobDefinition(definition.name, definition.path, settings)


def test_the_repository_definitions_check(daily):
    assert definition_problems(daily, SCRIPTS) == []


@pytest.mark.parametrize(("edit", "problem"), [
    (lambda s: s.update(name="daily"), "name is 'daily', not the file's stem 'lakehouse_daily'"),
    (lambda s: s["tasks"][0]["python_wheel_task"].update(entry_point="lakehouse-bronze"),
     "task bronze_to_silver calls entry point 'lakehouse-bronze', which the wheel does not have"),
    (lambda s: s["tasks"][1].update(libraries=[]), "task silver_to_gold lacks the library"),
    (lambda s: s["tasks"][1]["python_wheel_task"]["parameters"].append("{{job.parameters.day}}"),
     "task silver_to_gold uses undeclared job parameter(s) day"),
    (lambda s: s.update(parameters=[{"name": "root", "default": "/x"}]), "job parameter(s) run_id not declared"),
    (lambda s: s.update(max_concurent_runs=1), "max_concurent_runs would not be sent by databricks-sdk"),
    (lambda s: s["job_clusters"][0]["new_cluster"].update(data_security_mode="DEDICATED_ISH"),
     "job_clusters[0].new_cluster.data_security_mode would not be sent"),
    (lambda s: s.update(tasks=[]), "no tasks"),
    (lambda s: s["tasks"][0].pop("python_wheel_task"), "task bronze_to_silver is not a python_wheel_task"),
])
def test_a_definition_that_would_deploy_wrongly_is_refused(daily, edit, problem):
    with pytest.raises(UserError, match="job definitions not deployable: lakehouse_daily.json: ") as raised:
        check_definitions([edited(daily, edit)], SCRIPTS)
    assert problem in str(raised.value)


def test_not_json_is_refused_with_its_line(tmp_path):
    (tmp_path / "broken.json").write_text('{\n  "name": "broken",\n}')
    with pytest.raises(UserError, match=r"broken.json: not valid JSON \(.* at line 3\)"):
        load_definitions(tmp_path)


def test_an_empty_jobs_folder_is_refused(tmp_path):
    with pytest.raises(UserError, match="no job definitions"):
        load_definitions(tmp_path)
    with pytest.raises(UserError, match="does not exist"):
        load_definitions(tmp_path / "missing")


def test_render_fills_in_the_wheel_and_keeps_the_file_defaults(daily):
    settings = render(daily, Environment(WHEEL))

    assert all(task["libraries"] == [{"whl": WHEEL}] for task in settings["tasks"])
    assert settings["parameters"] == daily.settings["parameters"]
    assert settings["email_notifications"] == daily.settings["email_notifications"]
    assert WHEEL_LIBRARY in daily.settings["tasks"][0]["libraries"]  # the definition itself is left as it was


def test_render_sets_root_and_notifications_per_environment(daily):
    settings = render(daily, Environment(WHEEL, root="/Volumes/lakehouse/test", notify=("ops@contoso.com",)))

    assert settings["parameters"][0] == {"name": "root", "default": "/Volumes/lakehouse/test"}
    assert settings["email_notifications"]["on_failure"] == ["ops@contoso.com"]


def test_the_definition_tag_changes_with_any_field_and_only_then(daily):
    tag = render(daily, Environment(WHEEL))["tags"][DEFINITION_TAG]

    assert render(daily, Environment(WHEEL))["tags"][DEFINITION_TAG] == tag
    without_queue = edited(daily, lambda s: s.pop("queue"))
    assert render(without_queue, Environment(WHEEL))["tags"][DEFINITION_TAG] != tag
    assert render(daily, Environment(WHEEL.replace("0123", "9999")))["tags"][DEFINITION_TAG] != tag
    rendered_again = edited(daily, lambda s: s.update(tags=render(daily, Environment(WHEEL))["tags"]))
    assert render(rendered_again, Environment(WHEEL))["tags"][DEFINITION_TAG] == tag  # a stale tag is replaced


def test_rendered_settings_are_plain_json(daily):
    settings = render(daily, Environment(WHEEL))
    assert json.loads(json.dumps(settings)) == settings
