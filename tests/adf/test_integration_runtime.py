"""adf/integrationRuntime/: the managed virtual network integration runtime, and the activities that must use it.

The Key Vault's firewall denies public traffic, and its trusted-services exception lets Data Factory in only to fetch
linked-service credentials, not for a Web activity. So every activity that calls the vault runs on an integration
runtime in the factory's managed virtual network (connectVia) and reaches the vault through the factory's managed
private endpoint (terraform/data_factory.tf). Plain JSON here: how Terraform deploys these files is checked in
tests/terraform/test_adf_wiring.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.adf_files import NESTED_KEYS, all_activities, folder_files, load

RUNTIME_FILES = folder_files("integrationRuntime")
REFERENCE = "IntegrationRuntimeReference"


def _runtimes() -> dict[str, dict[str, Any]]:
    return {path.stem: load(path)["properties"] for path in RUNTIME_FILES}


def _pipeline_activities() -> list[dict]:
    return [activity for path in folder_files("pipeline")
            for activity in all_activities(load(path)["properties"]["activities"])]


def _own(activity: dict) -> dict:
    """The activity without the activities nested in it (they are visited on their own)."""
    nested = {*NESTED_KEYS, "cases"}
    props = {k: v for k, v in activity.get("typeProperties", {}).items() if k not in nested}
    return {**activity, "typeProperties": props}


def _reference_paths(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], dict]]:
    """(keys leading to it, reference) for every IntegrationRuntimeReference in value."""
    if isinstance(value, dict):
        if value.get("type") == REFERENCE:
            yield path, value
        for key, item in value.items():
            yield from _reference_paths(item, (*path, str(key)))
    elif isinstance(value, list):
        for item in value:
            yield from _reference_paths(item, path)


@pytest.mark.parametrize("path", RUNTIME_FILES, ids=lambda p: p.stem)
def test_runtime_file_is_an_azure_ir_in_the_managed_virtual_network(path: Path):
    document = load(path)
    assert document["name"] == path.stem, "ADF names a resource after its file"
    props = document["properties"]
    assert props["type"] == "Managed"  # an Azure integration runtime (not self-hosted)
    assert props["managedVirtualNetwork"] == {"type": "ManagedVirtualNetworkReference", "referenceName": "default"}
    assert props["typeProperties"]["computeProperties"]["location"]


def test_connect_via_sits_where_adf_reads_it_and_names_an_existing_runtime():
    assert RUNTIME_FILES, "adf/integrationRuntime/ is empty"
    runtimes = _runtimes()
    found = 0
    for activity in _pipeline_activities():
        for path, reference in _reference_paths(_own(activity)):
            assert path == ("typeProperties", "connectVia"), f"{activity['name']}: IR reference at {'/'.join(path)}"
            assert reference["referenceName"] in runtimes, f"{activity['name']}: no runtime {reference}"
            found += 1
    for folder in ("linkedService", "dataset"):
        for file in folder_files(folder):
            for path, reference in _reference_paths(load(file)):
                assert folder == "linkedService" and path == ("properties", "connectVia"), f"{file.name}: {path}"
                assert reference["referenceName"] in runtimes, f"{file.name}: no runtime {reference}"
                found += 1
    assert found, "nothing runs on the integration runtimes of adf/integrationRuntime/"


def test_activities_that_call_the_key_vault_run_in_the_managed_virtual_network():
    in_vnet = {name for name, props in _runtimes().items()
               if props.get("managedVirtualNetwork", {}).get("referenceName") == "default"}
    vault_calls = [activity for activity in _pipeline_activities()
                   if "vault.azure.net" in json.dumps(activity.get("typeProperties", {}).get("authentication", {}))
                   or "keyVaultUrl" in json.dumps(activity.get("typeProperties", {}).get("url", ""))]
    assert {activity["name"] for activity in vault_calls} == {"GetAlertWebhookUrl"}  # one per pipeline
    for activity in vault_calls:
        assert activity["type"] == "WebActivity"
        connect_via = activity["typeProperties"]["connectVia"]
        assert set(connect_via) == {"referenceName", "type"} and connect_via["type"] == REFERENCE
        assert connect_via["referenceName"] in in_vnet, f"{activity['name']} does not run in the managed VNet"
