"""The Data Factory resources load adf/ (one copy of each definition) and wire the jobs deployed from jobs/."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.adf_files import ADF_DIR, all_activities, load_folder
from tests.terraform.hcl_files import REPO, TF_DIR, expr, locals_, resources, source_text, unquote

FOLDERS = {"pipeline": "adf_pipelines", "trigger": "adf_triggers", "linkedService": "adf_linked_services",
           "dataset": "adf_datasets", "integrationRuntime": "adf_integration_runtimes"}
# What an adf/integrationRuntime/ file may hold: each maps to an argument of
# azurerm_data_factory_integration_runtime_azure, so nothing in the file is dropped on deployment.
IR_PROPERTIES = {"description", "type", "typeProperties", "managedVirtualNetwork"}
IR_COMPUTE_PROPERTIES = {"location", "dataFlowProperties"}
IR_DATA_FLOW_PROPERTIES = {"computeType", "coreCount", "timeToLive", "cleanup"}




@pytest.mark.parametrize("folder,local_name", FOLDERS.items())
def test_each_adf_folder_is_loaded_from_its_files(folder, local_name):
    assert load_folder(folder), f"adf/{folder}/ has no JSON file"
    loader = expr(locals_()[local_name])
    assert f'fileset("${{local.adf_dir}}/{folder}", "*.json")' in loader
    assert f'jsondecode(file("${{local.adf_dir}}/{folder}/${{f}}"))' in loader
    assert expr(locals_()["adf_dir"]) == "${path.module}/../adf"
    assert (TF_DIR / "../adf").resolve() == ADF_DIR


@pytest.mark.parametrize("rtype,local_name,content_attr", [
    ("azurerm_data_factory_pipeline", "adf_pipelines", "activities_json"),
    ("azurerm_data_factory_linked_custom_service", "adf_linked_services", "type_properties_json"),
    ("azurerm_data_factory_custom_dataset", "adf_datasets", "type_properties_json"),
])
def test_adf_resources_take_their_content_from_the_files(rtype, local_name, content_attr):
    (body,) = resources(rtype).values()
    assert expr(body["for_each"]) == f"local.{local_name}"
    assert expr(body["name"]) == "each.value.name"
    assert expr(body[content_attr]).startswith("jsonencode(each.value.properties.")


def test_trigger_schedule_comes_from_the_trigger_files():
    (trigger,) = resources("azurerm_data_factory_trigger_schedule").values()
    assert "local.adf_triggers" in expr(trigger["for_each"])
    for attr in ("frequency", "interval"):
        assert expr(trigger[attr]) == f"each.value.properties.typeProperties.recurrence.{attr}"
    for trigger_json in load_folder("trigger").values():
        assert trigger_json["properties"]["type"] == "ScheduleTrigger"
        for ref in trigger_json["properties"]["pipelines"]:
            assert ref["pipelineReference"]["referenceName"] in {p["name"] for p in load_folder("pipeline").values()}


# What a schedule in adf/trigger/ may hold: each maps to an argument of the schedule block of
# azurerm_data_factory_trigger_schedule (so the weekly maintenance keeps its day on deployment).
SCHEDULE_ARGUMENTS = {"hours": "hours", "minutes": "minutes", "weekDays": "days_of_week", "monthDays": "days_of_month"}


def test_trigger_schedules_are_deployed_without_loss():
    (trigger,) = resources("azurerm_data_factory_trigger_schedule").values()
    (schedule,) = [body for block in trigger.get("dynamic", []) for label, body in block.items()
                   if unquote(label) == "schedule"]
    (content,) = schedule["content"]
    for key, argument in SCHEDULE_ARGUMENTS.items():
        assert expr(content[argument]) == f"try(schedule.value.{key}, null)"
    for name, document in load_folder("trigger").items():
        recurrence = document["properties"]["typeProperties"]["recurrence"]
        assert set(recurrence.get("schedule", {})) <= set(SCHEDULE_ARGUMENTS), f"{name}: part of its schedule dropped"


def test_no_adf_definition_is_copied_into_terraform():
    text = source_text()
    for folder in FOLDERS:
        for definition in load_folder(folder).values():
            props = definition["properties"]
            for activity in all_activities(props.get("activities", [])):
                assert activity["name"] not in text, f"activity {activity['name']} is spelled out in terraform/"
            if "typeProperties" in props:
                assert json.dumps(props["typeProperties"])[:60] not in text
    assert '"typeProperties"' not in text and "activities = [" not in text


def test_overridden_parameters_exist_in_adf():
    pipeline_params = {name for p in load_folder("pipeline").values() for name in p["properties"].get("parameters", {})}
    linked_params = {name for ls in load_folder("linkedService").values()
                     for name in ls["properties"].get("parameters", {})}
    overrides = locals_()
    pipeline_keys = set(re.findall(r"^\s*(\w+)\s*=", expr(overrides["adf_pipeline_parameter_values"]), flags=re.M))
    pipeline_keys |= set(overrides["adf_job_parameters"])
    unknown = pipeline_keys - pipeline_params
    assert not unknown, f"overrides of unknown pipeline parameters: {unknown}"
    assert set(overrides["adf_linked_service_parameter_values"]) <= linked_params


def _job_parameter_files() -> dict[str, Path]:
    files = {}
    for parameter, value in locals_()["adf_job_parameters"].items():
        (relative,) = re.findall(r'file\("\$\{path\.module\}/(\.\./jobs/[^"]+)"\)', expr(value))
        files[parameter] = (TF_DIR / relative).resolve()
    return files


def test_job_id_parameters_name_the_jobs_of_jobs_dir():
    activities = [a for p in load_folder("pipeline").values() for a in all_activities(p["properties"]["activities"])]
    job_activities = {
        expr(a["typeProperties"]["jobId"]["value"]).removeprefix("@pipeline().parameters."): a
        for a in activities if a["type"] == "DatabricksJob"
    }
    files = _job_parameter_files()
    assert set(files) == set(job_activities)
    for parameter, path in files.items():
        assert path.is_file(), f"{path.relative_to(REPO)} (job of {parameter}) does not exist"
        job_name = json.loads(path.read_text(encoding="utf-8"))["name"]
        properties = job_activities[parameter].get("userProperties", [])
        named = {p["value"] for p in properties if p["name"] == "databricksJob"}
        assert named in (set(), {job_name}), f"{parameter}: ADF names {named}, jobs/ names {job_name}"


def test_non_string_pipeline_parameters_are_converted_in_expressions():
    # azurerm_data_factory_pipeline declares every parameter as String, so an Int or Bool parameter must be
    # converted where it is used (int(...), bool(...)), or the deployed pipeline fails at run time.
    for pipeline in load_folder("pipeline").values():
        text = json.dumps(pipeline["properties"]["activities"])
        for name, spec in pipeline["properties"].get("parameters", {}).items():
            kind = spec["type"].lower()
            if kind in ("string", "securestring"):
                continue
            converter = {"int": "int", "float": "float", "bool": "bool"}.get(kind, "json")
            raw = [m.start() for m in re.finditer(rf"pipeline\(\)\.parameters\.{name}\b", text)
                   if not text[: m.start()].endswith(f"{converter}(")]
            assert not raw, f"{pipeline['name']}: parameter {name} ({kind}) is used without {converter}() {len(raw)}x"


def _references(value: Any, kind: str) -> Iterator[str]:
    """referenceName of every `{"referenceName", "type": kind}` anywhere in value."""
    if isinstance(value, dict):
        if value.get("type") == kind and isinstance(value.get("referenceName"), str):
            yield value["referenceName"]
        for item in value.values():
            yield from _references(item, kind)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item, kind)


def test_integration_runtimes_are_deployed_from_their_files_without_loss():
    (runtime,) = resources("azurerm_data_factory_integration_runtime_azure").values()
    assert "local.adf_integration_runtimes" in expr(runtime["for_each"])
    assert expr(runtime["name"]) == "each.value.name"
    assert expr(runtime["data_factory_id"]) == "azurerm_data_factory.this.id"
    assert expr(runtime["location"]) == "each.value.properties.typeProperties.computeProperties.location"
    assert expr(runtime["virtual_network_enabled"]) == (
        'try(each.value.properties.managedVirtualNetwork.referenceName, null) == "default"')
    for argument, key in (("compute_type", "computeType"), ("core_count", "coreCount"),
                          ("time_to_live_min", "timeToLive"), ("cleanup_enabled", "cleanup")):
        assert f"dataFlowProperties.{key}" in expr(runtime[argument])
    for name, document in load_folder("integrationRuntime").items():
        props = document["properties"]
        assert props["type"] == "Managed", f"{name}: only Azure integration runtimes are deployed by Terraform"
        assert set(props) <= IR_PROPERTIES, f"{name}: {set(props) - IR_PROPERTIES} would be dropped"
        compute = props["typeProperties"]["computeProperties"]
        assert set(props["typeProperties"]) == {"computeProperties"}
        assert set(compute) <= IR_COMPUTE_PROPERTIES, f"{name}: {set(compute) - IR_COMPUTE_PROPERTIES} dropped"
        assert set(compute.get("dataFlowProperties", {})) <= IR_DATA_FLOW_PROPERTIES
        if "managedVirtualNetwork" in props:
            assert props["managedVirtualNetwork"] == {"type": "ManagedVirtualNetworkReference",
                                                      "referenceName": "default"}


def test_every_connect_via_names_a_deployed_integration_runtime():
    runtimes = {document["name"] for document in load_folder("integrationRuntime").values()}
    referenced = {name for folder in ("pipeline", "linkedService", "dataset")
                  for document in load_folder(folder).values()
                  for name in _references(document, "IntegrationRuntimeReference")}
    assert referenced, "adf/ routes nothing through an integration runtime of its own"
    assert referenced <= runtimes, f"connectVia names missing runtimes: {referenced - runtimes}"
    # Linked services carry connectVia outside typeProperties: Terraform passes it on as integration_runtime.
    (linked,) = resources("azurerm_data_factory_linked_custom_service").values()
    (runtime_block,) = [body for block in linked.get("dynamic", []) for label, body in block.items()
                        if unquote(label) == "integration_runtime"]
    assert expr(runtime_block["for_each"]) == (
        "can(each.value.properties.connectVia) ? [each.value.properties.connectVia] : []")
    (pipeline,) = resources("azurerm_data_factory_pipeline").values()
    assert "${azurerm_data_factory_integration_runtime_azure.this}" in pipeline["depends_on"]


def test_key_vault_has_a_managed_private_endpoint_from_the_factory():
    # The activities that read the vault run in the managed VNet (tests/adf/test_integration_runtime.py); this is
    # their way in past the vault's firewall.
    factory = resources("azurerm_data_factory")["this"]
    assert factory["managed_virtual_network_enabled"] is True
    endpoint = resources("azurerm_data_factory_managed_private_endpoint")["key_vault"]
    assert expr(endpoint["data_factory_id"]) == "azurerm_data_factory.this.id"
    assert expr(endpoint["target_resource_id"]) == "azurerm_key_vault.this.id"
    assert unquote(endpoint["subresource_name"]) == "vault"


def test_every_linked_service_is_used():
    # An unused linked service is dead configuration; Key Vault in particular needs none: no linked service holds a
    # secret (managed identity everywhere), and the Web activity reads the webhook URL from the vault directly.
    used = {name for folder in ("pipeline", "dataset", "linkedService") for document in load_folder(folder).values()
            for name in _references(document, "LinkedServiceReference")}
    assert set(ls["name"] for ls in load_folder("linkedService").values()) <= used
