"""The Data Factory resources load adf/ (one copy of each definition) and wire the jobs deployed from jobs/."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.terraform.hcl_files import REPO, TF_DIR, expr, locals_, resources, source_text

ADF_DIR = REPO / "adf"
FOLDERS = {"pipeline": "adf_pipelines", "trigger": "adf_triggers", "linkedService": "adf_linked_services",
           "dataset": "adf_datasets"}


def _adf(folder: str) -> dict[str, dict[str, Any]]:
    paths = sorted((ADF_DIR / folder).glob("*.json"))
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in paths}


def _activities(activities: list[dict]) -> Iterator[dict]:
    """Every activity, nested ones (If/ForEach/Until/Switch branches) included."""
    for activity in activities:
        yield activity
        props = activity.get("typeProperties", {})
        for key in ("ifTrueActivities", "ifFalseActivities", "activities", "defaultActivities"):
            yield from _activities(props.get(key, []))
        for case in props.get("cases", []):
            yield from _activities(case.get("activities", []))


@pytest.mark.parametrize("folder,local_name", FOLDERS.items())
def test_each_adf_folder_is_loaded_from_its_files(folder, local_name):
    assert _adf(folder), f"adf/{folder}/ has no JSON file"
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
    for trigger_json in _adf("trigger").values():
        assert trigger_json["properties"]["type"] == "ScheduleTrigger"
        for ref in trigger_json["properties"]["pipelines"]:
            assert ref["pipelineReference"]["referenceName"] in {p["name"] for p in _adf("pipeline").values()}


def test_no_adf_definition_is_copied_into_terraform():
    text = source_text()
    for folder in FOLDERS:
        for definition in _adf(folder).values():
            props = definition["properties"]
            for activity in _activities(props.get("activities", [])):
                assert activity["name"] not in text, f"activity {activity['name']} is spelled out in terraform/"
            if "typeProperties" in props:
                assert json.dumps(props["typeProperties"])[:60] not in text
    assert '"typeProperties"' not in text and "activities = [" not in text


def test_overridden_parameters_exist_in_adf():
    pipeline_params = {name for p in _adf("pipeline").values() for name in p["properties"].get("parameters", {})}
    linked_params = {name for ls in _adf("linkedService").values() for name in ls["properties"].get("parameters", {})}
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
    activities = [a for p in _adf("pipeline").values() for a in _activities(p["properties"]["activities"])]
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
    for pipeline in _adf("pipeline").values():
        text = json.dumps(pipeline["properties"]["activities"])
        for name, spec in pipeline["properties"].get("parameters", {}).items():
            kind = spec["type"].lower()
            if kind in ("string", "securestring"):
                continue
            converter = {"int": "int", "float": "float", "bool": "bool"}.get(kind, "json")
            raw = [m.start() for m in re.finditer(rf"pipeline\(\)\.parameters\.{name}\b", text)
                   if not text[: m.start()].endswith(f"{converter}(")]
            assert not raw, f"{pipeline['name']}: parameter {name} ({kind}) is used without {converter}() {len(raw)}x"
