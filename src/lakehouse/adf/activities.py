"""What each activity type of CustomerAnalyticsPipeline does when `lakehouse adf-run` runs it locally.

- GetMetadata: the dataset (and its linked service) resolved and evaluated, then read on the local root (metadata).
- IfCondition: its expression must give a boolean; the chosen branch runs as a container of its own (engine);
  when the branch fails the If fails with ADF's message naming the inner activity.
- DatabricksJob: the job the activity names, run through its wheel entry points (databricks).
- WebActivity: a real HTTP request (web); `MSI` authentication is sent without a token, with a warning. Its
  timeout is the shorter of `policy.timeout` and `httpRequestTimeout` (default one minute, as ADF's).
- Fail: fails with its message and error code.
A DatabricksJob's `policy.timeout` is not enforced: its job runs in this process and cannot be stopped safely.
Other types are refused before the run starts (`check_types`). Expressions are evaluated where ADF evaluates them:
in typeProperties, at the time the activity runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lakehouse.adf import databricks, dotnet_time, metadata, web
from lakehouse.adf.engine import Activity, ActivityFailed, Engine
from lakehouse.adf.expr_eval import Scope, evaluate_value
from lakehouse.adf.factory import Factory, parameter_values, reference_name
from lakehouse.errors import UserError

log = logging.getLogger(__name__)
TYPES = ("GetMetadata", "IfCondition", "DatabricksJob", "WebActivity", "Fail")
BRANCHES = ("ifTrueActivities", "ifFalseActivities")  # an IfCondition's containers
DEFAULT_HTTP_TIMEOUT = "00:01:00"  # WebActivity's httpRequestTimeout when unset


def branches(activity: Activity) -> dict[str, list[Activity]]:
    """The containers inside a container activity (the branches of an If), by field name."""
    properties = activity.get("typeProperties") or {}
    return {branch: properties[branch] or [] for branch in BRANCHES if branch in properties}


def nested(activity: Activity) -> list[Activity]:
    """The activities inside a container activity."""
    return [inner for container in branches(activity).values() for inner in container]


def evaluated_fields(activity: Activity) -> dict[str, Any]:
    """What ADF evaluates of an activity: its typeProperties (but not the activities nested in them, evaluated as
    activities of their own), the parameters of its linked service reference and its userProperties' values. Its
    name, description, dependsOn and policy are never evaluated."""
    properties = {key: value for key, value in (activity.get("typeProperties") or {}).items() if key not in BRANCHES}
    service = activity.get("linkedServiceName")
    return {"typeProperties": properties,
            "linkedServiceName": service.get("parameters") if isinstance(service, Mapping) else None,
            "userProperties": [prop.get("value") for prop in activity.get("userProperties") or []
                               if isinstance(prop, Mapping)]}


def all_activities(activities: list[Activity]) -> list[Activity]:
    return [found for activity in activities for found in (activity, *all_activities(nested(activity)))]


def check_types(activities: list[Activity]) -> None:
    for activity in all_activities(activities):
        if activity.get("type") not in TYPES:
            raise UserError(f"activity {activity.get('name')} is of type {activity.get('type')!r}, which "
                            f"lakehouse adf-run does not run (it runs {', '.join(TYPES)})")


def _object(value: object, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ActivityFailed(f"{what} must be a JSON object, not {value!r}")
    return value


def _seconds(text: object, what: str) -> float:
    try:
        return dotnet_time.parse_timespan(text)
    except dotnet_time.TimeFormatError as error:
        raise ActivityFailed(f"{what}: {error}") from None


@dataclass
class LocalActivities:
    factory: Factory
    pipeline: Mapping[str, Any]  # what pipeline() gives
    root: Path  # the local root standing for the lake's storage account
    jobs_dir: Path
    call_entry_point: databricks.EntryPointCall = databricks.call_entry_point
    engine: Engine | None = None
    notes: dict[str, str] = field(default_factory=dict)  # activity path -> what it did, for the run's log

    def scope(self) -> Scope:
        assert self.engine is not None, "bind an Engine first"
        return Scope(pipeline=self.pipeline, activity=self.engine.reference)

    def execute(self, activity: Activity, path: str) -> Any:
        handlers: dict[str, Callable[[Activity, str], Any]] = {
            "GetMetadata": self.get_metadata, "IfCondition": self.if_condition,
            "DatabricksJob": self.databricks_job, "WebActivity": self.web_activity, "Fail": self.fail,
        }
        return handlers[activity["type"]](activity, path)

    def linked_service(self, reference: object, scope: Scope, where: str) -> tuple[str, Mapping[str, Any]]:
        """(type, evaluated typeProperties) of a referenced linked service, its parameters filled."""
        name = reference_name(reference, "LinkedServiceReference", where)
        service = self.factory.linked_service(name)
        given = _object(evaluate_value(_object(reference, where).get("parameters"), scope), "parameters")
        values = parameter_values(service.get("parameters") or {}, given, f"linked service {name}")
        properties = evaluate_value(service.get("typeProperties") or {}, Scope(linked_service=values))
        return str(service.get("type")), _object(properties, f"linked service {name} typeProperties")

    def get_metadata(self, activity: Activity, path: str) -> Any:
        properties, scope = activity.get("typeProperties") or {}, self.scope()
        where = f"activity {activity['name']}"
        reference = properties.get("dataset")
        name = reference_name(reference, "DatasetReference", where)
        dataset = self.factory.dataset(name)
        given = _object(evaluate_value(_object(reference, where).get("parameters"), scope), "dataset parameters")
        values = parameter_values(dataset.get("parameters") or {}, given, f"dataset {name}")
        dataset_scope = Scope(pipeline=self.pipeline, dataset=values)
        kind, _ = self.linked_service(dataset.get("linkedServiceName"), dataset_scope, f"dataset {name}")
        if kind != metadata.STORAGE_TYPE:
            raise ActivityFailed(f"dataset {name} is on a {kind} linked service; locally only "
                                 f"{metadata.STORAGE_TYPE} maps to the root")
        location = evaluate_value((dataset.get("typeProperties") or {}).get("location"), dataset_scope)
        target = metadata.local_path(self.root, _object(location, f"dataset {name} location"))
        self.notes[path] = str(target.relative_to(self.root))
        settings = _object(evaluate_value(properties.get("storeSettings"), scope), "storeSettings")
        return metadata.get_metadata(target, evaluate_value(properties.get("fieldList"), scope), settings)

    def if_condition(self, activity: Activity, path: str) -> Any:
        assert self.engine is not None
        properties = activity.get("typeProperties") or {}
        condition = evaluate_value(properties.get("expression"), self.scope())
        if not isinstance(condition, bool):
            raise ActivityFailed(f"the expression of {activity['name']} gave {condition!r}, not true or false")
        branch = BRANCHES[0] if condition else BRANCHES[1]
        inner = properties.get(branch) or []
        self.notes[path] = f"{str(condition).lower()} branch, {len(inner)} activities"
        outcome = self.engine.run_container(inner, f"{activity['name']}.{branch}", prefix=f"{path}/")
        if outcome.failed is not None:
            raise ActivityFailed("Activity failed because an inner activity failed; Inner activity name: "
                                 f"{outcome.failed.name}, Error: {outcome.failed.message}", "ActionFailed")
        return {}

    def databricks_job(self, activity: Activity, path: str) -> Any:
        job = databricks.job_name_of(activity)
        kind, _ = self.linked_service(activity.get("linkedServiceName"), self.scope(), f"activity {activity['name']}")
        if kind != "AzureDatabricks":
            raise ActivityFailed(f"activity {activity['name']} runs on a {kind} linked service, not AzureDatabricks")
        properties = _object(evaluate_value(activity.get("typeProperties"), self.scope()), "typeProperties")
        self.notes[path] = f"job {job} (jobId {properties.get('jobId')})"
        parameters = _object(properties.get("jobParameters"), "jobParameters")
        return databricks.run_job(self.jobs_dir, job, parameters, self.call_entry_point)

    def web_activity(self, activity: Activity, path: str) -> Any:
        raw = activity.get("typeProperties") or {}
        wanted = {key: raw[key] for key in ("method", "url", "headers", "body") if key in raw}
        values = _object(evaluate_value(wanted, self.scope()), "typeProperties")
        authentication = raw.get("authentication") or {}
        if authentication and authentication.get("type") != "MSI":
            raise ActivityFailed(f"authentication type {authentication.get('type')!r} is not supported locally")
        if authentication and path not in self.notes:  # once, not at every retry
            log.warning("%s: managed-identity authentication is not available locally; sending the request "
                        "without a token", activity["name"])
        policy_timeout = (activity.get("policy") or {}).get("timeout", "7.00:00:00")
        timeout = min(_seconds(policy_timeout, "policy.timeout"),
                      _seconds(raw.get("httpRequestTimeout", DEFAULT_HTTP_TIMEOUT), "httpRequestTimeout"))
        self.notes[path] = f"{str(values.get('method')).upper()} {web.public_part(str(values.get('url')))}"
        headers = _object(values.get("headers"), "headers")
        return web.call(values.get("method"), values.get("url"), headers, values.get("body"), timeout)

    def fail(self, activity: Activity, path: str) -> Any:
        properties = _object(evaluate_value(activity.get("typeProperties"), self.scope()), "typeProperties")
        raise ActivityFailed(str(properties.get("message")), str(properties.get("errorCode")))
