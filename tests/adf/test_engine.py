"""ADF's execution rules as adf-run applies them: dependency conditions, retries, and the leaf rule of status.

The containers are the real ones of adf/ (the If's true branch), run with fake activities: what is under test is
that their dependsOn graph gives the promised paths — a failing stage stops the next one and reaches the alert,
and the run ends Failed even though the alert succeeded.
"""

from __future__ import annotations

import json

import pytest

from lakehouse.adf.engine import FAILED, SKIPPED, SUCCEEDED, ActivityFailed, Engine, ancestors, check_container
from lakehouse.errors import UserError
from lakehouse.paths import ADF_DIR

PIPELINE = json.loads((ADF_DIR / "pipeline" / "CustomerAnalyticsPipeline.json").read_text())["properties"]
STAGES = next(a for a in PIPELINE["activities"] if a["type"] == "IfCondition")["typeProperties"]["ifTrueActivities"]


class FakeRun:
    """execute() for an Engine: `failing` names fail (each a number of times, or always); a Fail activity fails."""

    def __init__(self, failing: dict[str, int | None] | None = None) -> None:
        self.failing = failing or {}
        self.executed: list[str] = []

    def __call__(self, activity, path) -> dict:
        name = activity["name"]
        self.executed.append(name)
        if activity["type"] == "Fail":
            raise ActivityFailed("failed on purpose", "StageFailed")
        if name in self.failing:
            left = self.failing[name]
            if left is None or left > 0:
                self.failing[name] = None if left is None else left - 1
                raise ActivityFailed(f"{name} broke", "Boom")
        return {"ran": name}


def run(activities, fake: FakeRun, **engine_args):
    sleeps: list[float] = []
    engine = Engine(fake, sleep=sleeps.append, **engine_args)
    outcome = engine.run_container(activities, "test")
    statuses = {name: r.status for name, r in engine.runs.items()}
    return outcome, statuses, sleeps, engine


def test_both_stages_succeed_and_the_failure_path_is_skipped():
    outcome, statuses, _, _ = run(STAGES, FakeRun())
    assert statuses == {"BronzeToSilver": SUCCEEDED, "SilverToGold": SUCCEEDED, "GetAlertWebhookUrl": SKIPPED,
                        "AlertBronzeToSilverFailed": SKIPPED, "AlertSilverToGoldFailed": SKIPPED,
                        "FailPipeline": SKIPPED}
    assert outcome.status == SUCCEEDED  # skipped leaves are judged by their parents: SilverToGold succeeded


def test_failing_first_stage_skips_the_second_alerts_and_fails_the_run():
    fake = FakeRun({"BronzeToSilver": None})
    outcome, statuses, sleeps, _ = run(STAGES, fake, max_retry_wait=0)
    assert statuses == {"BronzeToSilver": FAILED, "SilverToGold": SKIPPED, "GetAlertWebhookUrl": SUCCEEDED,
                        "AlertBronzeToSilverFailed": SUCCEEDED, "AlertSilverToGoldFailed": SKIPPED,
                        "FailPipeline": FAILED}
    assert fake.executed.count("BronzeToSilver") == 2  # policy.retry = 1
    assert sleeps == [0]  # the 300 s retry interval, capped
    assert outcome.status == FAILED and outcome.failed is not None and outcome.failed.name == "FailPipeline"


def test_failing_second_stage_alerts_with_its_own_activity():
    _, statuses, _, _ = run(STAGES, FakeRun({"SilverToGold": None}), max_retry_wait=0)
    assert statuses["AlertSilverToGoldFailed"] == SUCCEEDED
    assert statuses["AlertBronzeToSilverFailed"] == SKIPPED
    assert statuses["FailPipeline"] == FAILED


def test_run_fails_even_when_the_alert_cannot_be_sent():
    outcome, statuses, _, _ = run(STAGES, FakeRun({"BronzeToSilver": None, "AlertBronzeToSilverFailed": None}),
                                  max_retry_wait=0)
    assert statuses["FailPipeline"] == FAILED  # Completed covers a failed alert
    assert outcome.status == FAILED


def test_run_fails_when_key_vault_cannot_be_read():
    outcome, statuses, _, _ = run(STAGES, FakeRun({"BronzeToSilver": None, "GetAlertWebhookUrl": None}),
                                  max_retry_wait=0)
    assert statuses["FailPipeline"] == SKIPPED
    # The skipped leaf is replaced by its parents; GetAlertWebhookUrl failed, so the run failed.
    assert outcome.status == FAILED and outcome.failed is not None and outcome.failed.name == "GetAlertWebhookUrl"


def test_without_the_fail_activity_a_handled_failure_would_count_as_success():
    """Why FailPipeline exists: ADF judges leaves. Without it, when SilverToGold fails the leaves are the alert
    that succeeded and the other alert, skipped, whose parents (the vault read, BronzeToSilver) succeeded."""
    without_fail = [a for a in STAGES if a["type"] != "Fail"]
    outcome, statuses, _, _ = run(without_fail, FakeRun({"SilverToGold": None}), max_retry_wait=0)
    assert statuses["SilverToGold"] == FAILED
    assert outcome.status == SUCCEEDED


def test_retries_until_success_and_waits_the_policy_interval():
    activity = {"name": "Flaky", "type": "Fake", "policy": {"retry": 3, "retryIntervalInSeconds": 7}}
    outcome, statuses, sleeps, engine = run([activity], FakeRun({"Flaky": 2}))
    assert statuses == {"Flaky": SUCCEEDED} and outcome.status == SUCCEEDED
    assert engine.runs["Flaky"].attempts == 3 and sleeps == [7.0, 7.0]


def test_completed_and_skipped_conditions_and_inactive_activities():
    activities = [
        {"name": "A", "type": "Fake"},
        {"name": "B", "type": "Fake", "dependsOn": [{"activity": "A", "dependencyConditions": ["Failed"]}]},
        {"name": "C", "type": "Fake", "dependsOn": [{"activity": "B", "dependencyConditions": ["Skipped"]}]},
        {"name": "D", "type": "Fake", "dependsOn": [{"activity": "A", "dependencyConditions": ["Completed"]}],
         "state": "Inactive", "onInactiveMarkAs": "Failed"},
    ]
    fake = FakeRun()
    outcome, statuses, _, _ = run(activities, fake)
    assert statuses == {"A": SUCCEEDED, "B": SKIPPED, "C": SUCCEEDED, "D": FAILED}
    assert fake.executed == ["A", "C"]
    assert outcome.status == FAILED


def test_activity_outputs_and_errors_are_what_expressions_see():
    activities = [{"name": "Ok", "type": "Fake"}, {"name": "Bad", "type": "Fake"}]
    _, _, _, engine = run(activities, FakeRun({"Bad": None}))
    assert engine.reference("Ok") == {"output": {"ran": "Ok"}, "error": {
        "errorCode": "", "message": "", "failureType": "", "target": "Ok"}}
    assert engine.reference("Bad")["error"] == {"errorCode": "Boom", "message": "Bad broke",
                                                "failureType": "UserError", "target": "Bad"}
    with pytest.raises(KeyError, match="has not run"):
        engine.reference("Other")


@pytest.mark.parametrize(("activities", "message"), [
    ([{"name": "A", "type": "Fake"}, {"name": "A", "type": "Fake"}], "'A' is used twice"),
    ([{"name": "A", "type": "Fake", "dependsOn": [{"activity": "Z", "dependencyConditions": ["Succeeded"]}]}],
     "depends on 'Z', which is not an activity of the same container"),
    ([{"name": "A", "type": "Fake", "dependsOn": [{"activity": "B", "dependencyConditions": ["Done"]}]},
      {"name": "B", "type": "Fake"}], r"with conditions \['Done'\]"),
    ([{"name": "A", "type": "Fake", "dependsOn": [{"activity": "B", "dependencyConditions": ["Succeeded"]}]},
      {"name": "B", "type": "Fake", "dependsOn": [{"activity": "A", "dependencyConditions": ["Succeeded"]}]}],
     "form a cycle"),
    ([{"type": "Fake"}], "every activity needs a name and a type"),
    ([{"name": "A", "type": "Fake", "policy": {"retry": True}}], "A: policy.retry must be a whole number"),
    ([{"name": "A", "type": "Fake", "policy": {"retry": 1.5}}], "A: policy.retry must be a whole number"),
    ([{"name": "A", "type": "Fake", "policy": {"retryIntervalInSeconds": -1}}], "A: policy.retryIntervalInSeconds"),
    ([{"name": "A", "type": "Fake", "policy": []}], "A: policy must be an object"),
    ([{"name": "A", "type": "Fake", "state": "Off"}], "A: state must be Active or Inactive, not 'Off'"),
    ([{"name": "A", "type": "Fake", "onInactiveMarkAs": "Done"}], "A: onInactiveMarkAs must be one of Succeeded"),
    ([{"name": "A", "type": "Fake", "typeProperties": []}], "A: typeProperties must be an object"),
])
def test_malformed_containers_are_refused_before_running(activities, message):
    with pytest.raises(UserError, match=message):
        check_container(activities, "test")


def test_ancestors_are_the_dependency_closure():
    found = ancestors(STAGES)
    assert found["BronzeToSilver"] == set()
    assert found["GetAlertWebhookUrl"] == {"SilverToGold", "BronzeToSilver"}
    assert found["FailPipeline"] == {"GetAlertWebhookUrl", "AlertBronzeToSilverFailed", "AlertSilverToGoldFailed",
                                     "SilverToGold", "BronzeToSilver"}
    assert "AlertSilverToGoldFailed" not in found["AlertBronzeToSilverFailed"]
