"""Planning a deploy (databricks.deploy.plan): what counts as unchanged, and the refusal of duplicate names."""

from __future__ import annotations

import pytest

from lakehouse.databricks.deploy.plan import (
    CREATE,
    UNCHANGED,
    UPDATE,
    ExistingJob,
    JobPlan,
    changed_fields,
    covers,
    describe,
    plan_jobs,
)
from lakehouse.errors import UserError

WANTED = {
    "name": "lakehouse_daily",
    "max_concurrent_runs": 1,
    "tasks": [
        {"task_key": "a", "retry_on_timeout": False, "libraries": [{"whl": "/Workspace/x.whl"}]},
        {"task_key": "b", "depends_on": [{"task_key": "a"}]},
    ],
}


def test_fields_the_workspace_adds_do_not_count_as_changes():
    existing = {**WANTED, "format": "MULTI_TASK",
                "tasks": [{**task, "run_if": "ALL_SUCCESS"} for task in WANTED["tasks"]]}
    assert covers(existing, WANTED)


def test_zero_values_the_workspace_leaves_out_do_not_count_as_changes():
    existing = {**WANTED, "tasks": [{"task_key": "a", "libraries": [{"whl": "/Workspace/x.whl"}]}, WANTED["tasks"][1]]}
    assert covers(existing, WANTED)
    assert not covers({"retry_on_timeout": True}, {"retry_on_timeout": False})
    assert not covers({}, {"max_retries": 2})


def test_named_items_are_matched_by_name_not_position():
    existing = {**WANTED, "tasks": list(reversed(WANTED["tasks"]))}
    assert covers(existing, WANTED)


def test_a_different_value_an_extra_task_or_a_missing_one_is_a_change():
    assert changed_fields(WANTED, {**WANTED, "max_concurrent_runs": 2}) == ("max_concurrent_runs",)
    assert changed_fields(WANTED, {**WANTED, "tasks": WANTED["tasks"][:1]}) == ("tasks",)
    assert changed_fields(WANTED, {**WANTED, "tasks": [*WANTED["tasks"], {"task_key": "c"}]}) == ("tasks",)
    renamed = [{**WANTED["tasks"][0], "task_key": "z"}, WANTED["tasks"][1]]
    assert changed_fields(WANTED, {**WANTED, "tasks": renamed}) == ("tasks",)


def test_true_is_not_one():
    assert not covers({"x": 1}, {"x": True})


def test_each_job_is_created_updated_or_left_alone():
    plans = plan_jobs(
        {"new": {"name": "new"}, "same": {"name": "same"}, "old": {"name": "old", "timeout_seconds": 60}},
        {"same": [ExistingJob(7, {"name": "same"})], "old": [ExistingJob(8, {"name": "old"})]},
    )
    assert [(plan.name, plan.action, plan.job_id, plan.changed) for plan in plans] == [
        ("new", CREATE, None, ()), ("same", UNCHANGED, 7, ()), ("old", UPDATE, 8, ("timeout_seconds",))]


def test_several_jobs_of_one_name_are_refused_naming_them_all():
    with pytest.raises(UserError, match=r"'a' \(jobs 1, 2\); 'c' \(jobs 5, 6, 7\)"):
        plan_jobs({"a": {}, "b": {}, "c": {}},
                  {"a": [ExistingJob(1, {}), ExistingJob(2, {})], "c": [ExistingJob(j, {}) for j in (5, 6, 7)]})


@pytest.mark.parametrize(("plan", "dry_run", "line"), [
    (JobPlan("j", CREATE, {}), True, "would create j"),
    (JobPlan("j", CREATE, {}, 3), False, "created j (job 3)"),
    (JobPlan("j", UPDATE, {}, 3, ("tasks", "tags")), True, "would update j (job 3): tasks, tags changed"),
    (JobPlan("j", UPDATE, {}, 3, ("tags",)), False, "updated j (job 3): tags changed"),
    (JobPlan("j", UNCHANGED, {}, 3), False, "unchanged j (job 3)"),
])
def test_describe(plan, dry_run, line):
    assert describe(plan, dry_run=dry_run) == line
