"""What `lakehouse adf-run` checks before anything runs, so that a fault of the definitions or of the command line
ends in one sentence naming the file and the field, not halfway through a run.

- The root: an existing directory with a `bronze/` folder. A mistyped `--root` would otherwise make every
  GetMetadata find nothing, and the run would "succeed" doing nothing.
- The pipeline: activity types adf-run can run; well-formed containers (engine.check_container: names, types,
  dependencies, retry policies, states), the If's branches included; activity names unique in the whole pipeline.
- Expressions, only where ADF evaluates them (activities.evaluated_fields; datasets' and linked services'
  typeProperties), never in names or descriptions: every function is one the evaluator has, and `activity('X')`
  names an activity upstream of the one that reads it (ADF's rule: an ancestor, through dependsOn; inside an If's
  branch, also an ancestor of the If).
- Integration runtimes: a `connectVia` (of a linked service, or in an activity's typeProperties) names a runtime of
  `adf/integrationRuntime/` (or ADF's own AutoResolveIntegrationRuntime). Locally every activity runs in this
  process, so nothing else depends on it.
- Jobs: each DatabricksJob's job is in jobs/, checked by databricks.spec against the installed console scripts,
  takes the parameters the activity passes, and its tasks' dependencies resolve.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from lakehouse.adf import databricks
from lakehouse.adf.activities import all_activities, branches, check_types, evaluated_fields
from lakehouse.adf.engine import Activity, ancestors, check_container
from lakehouse.adf.expr_eval import activity_references, unsupported_calls
from lakehouse.adf.factory import Factory, reference_name
from lakehouse.databricks import spec
from lakehouse.errors import UserError
from lakehouse.graph import repeated
from lakehouse.storage.layout import check_bronze_root

AUTO_RESOLVE_RUNTIME = "AutoResolveIntegrationRuntime"  # ADF's default Azure runtime: not a file of the factory
INSTALLED = "the installed lakehouse package (pip install -e . installs its console scripts)"


def check_root(root: Path) -> None:
    check_bronze_root(root, ", so no metadata check could find a file: give the local root that holds "
                            "bronze/<source>/ingest_date=<day>/ (lakehouse generate or land)")


def _check_containers(activities: list[Activity], where: str) -> None:
    check_container(activities, where)
    for activity in activities:
        for branch, inner in branches(activity).items():
            _check_containers(inner, f"{where}: {activity['name']}.{branch}")


def _evaluated(factory: Factory, activities: list[Activity]) -> Iterator[tuple[str, object]]:
    """(where, JSON value) for every part of the pipeline and what it uses that ADF evaluates."""
    for activity in activities:
        yield f"activity {activity['name']}", evaluated_fields(activity)
    for name, dataset in factory.resources["dataset"].items():
        service = dataset.get("linkedServiceName")
        yield f"dataset {name}", [dataset.get("typeProperties"),
                                  service.get("parameters") if isinstance(service, Mapping) else None]
    for name, service in factory.resources["linkedService"].items():
        yield f"linked service {name}", service.get("typeProperties")


def check_functions(factory: Factory, activities: list[Activity]) -> None:
    for where, value in _evaluated(factory, activities):
        unsupported = unsupported_calls(value)
        if unsupported:
            function, expression = unsupported[0]
            raise UserError(f"{where}: ADF expression {expression!r} calls {function}(), which lakehouse adf-run "
                            "does not support")


def check_references(activities: list[Activity], where: str, upstream: frozenset[str] = frozenset()) -> None:
    """Every `activity('X')` of a container's activities (and of their branches) names an ancestor."""
    found = ancestors(activities)
    for activity in activities:
        allowed = upstream | found[activity["name"]]
        for name, expression in activity_references(evaluated_fields(activity)):
            if name not in allowed:
                raise UserError(f"{where}: activity {activity['name']}: ADF expression {expression!r} reads "
                                f"activity('{name}'), which is not an ancestor of {activity['name']} (ADF allows "
                                "only the activities it depends on, directly or through others)")
        for branch, inner in branches(activity).items():
            check_references(inner, f"{where}: {activity['name']}.{branch}", allowed)


def _connect_via(factory: Factory, activities: list[Activity]) -> Iterator[tuple[str, object]]:
    """(where, reference) of each `connectVia`: in a linked service's properties, in an activity's typeProperties."""
    for name, service in factory.resources["linkedService"].items():
        if "connectVia" in service:
            yield f"linked service {name}: connectVia", service["connectVia"]
    for activity in activities:
        properties = activity.get("typeProperties") or {}
        if "connectVia" in properties:
            yield f"activity {activity['name']}: typeProperties.connectVia", properties["connectVia"]


def check_connect_via(factory: Factory, activities: list[Activity]) -> None:
    for where, reference in _connect_via(factory, activities):
        runtime = reference_name(reference, "IntegrationRuntimeReference", where)
        if runtime != AUTO_RESOLVE_RUNTIME:
            factory.get("integrationRuntime", runtime)


def check_jobs(activities: list[Activity], jobs_dir: Path) -> None:
    scripts = spec.installed_scripts()
    for activity in activities:
        if activity.get("type") != "DatabricksJob":
            continue
        name = databricks.job_name_of(activity)
        job = spec.load_job(jobs_dir, name)
        problems = spec.job_problems(job, name, scripts, INSTALLED)
        if problems:
            raise UserError(f"{jobs_dir / f'{name}.json'}: {'; '.join(problems)}")
        passed = (activity.get("typeProperties") or {}).get("jobParameters") or {}
        databricks.job_parameters(job, dict.fromkeys(passed, ""))
        databricks.task_order(job)


def check_pipeline(factory: Factory, name: str, jobs_dir: Path | None = None) -> list[Activity]:
    """The pipeline's activities, once everything that can be checked without running is checked."""
    where = str(factory.path("pipeline", name))
    activities = factory.pipeline(name).get("activities") or []
    _check_containers(activities, where)
    everything = all_activities(activities)
    check_types(activities)
    twice = repeated(activity["name"] for activity in everything)
    if twice:
        raise UserError(f"{where}: activity name {twice[0]} is used twice")
    check_connect_via(factory, everything)
    check_functions(factory, everything)
    check_references(activities, where)
    if jobs_dir is not None:
        check_jobs(everything, jobs_dir)
    return activities
