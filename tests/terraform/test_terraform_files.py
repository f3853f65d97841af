"""terraform/ parses, is laid out one file per service, and its inputs are typed, described and secret-free."""

from __future__ import annotations

import re

import hcl2
import pytest

from tests.terraform.hcl_files import (
    ENVIRONMENTS,
    ENVS_DIR,
    TF_DIR,
    blocks,
    expr,
    parse,
    source_text,
    tf_files,
    unquote,
    variables,
)

SERVICE_FILES = {
    "providers.tf", "variables.tf", "locals.tf", "network.tf", "storage.tf", "key_vault.tf", "databricks.tf",
    "unity_catalog.tf", "data_factory.tf", "synapse.tf", "identity.tf", "monitoring.tf", "outputs.tf",
}
SECRET_NAME = re.compile(r"password|secret|token|key", re.IGNORECASE)


def test_one_file_per_service():
    assert {path.name for path in tf_files()} == SERVICE_FILES


@pytest.mark.parametrize("path", sorted(TF_DIR.glob("*.tf")) + sorted(ENVS_DIR.glob("*")), ids=lambda p: p.name)
def test_every_file_parses(path):
    with path.open(encoding="utf-8") as handle:
        assert isinstance(hcl2.load(handle), dict)


def test_every_variable_has_a_type_and_a_description():
    found = variables()
    assert found
    for name, body in found.items():
        assert "type" in body, f"variable {name} has no type"
        assert unquote(body.get("description", "")).strip(), f"variable {name} has no description"


def test_environment_is_validated_to_dev_staging_prod():
    validations = variables()["environment"].get("validation", [])
    assert validations, "variable environment has no validation block"
    condition = expr(validations[0]["condition"])
    for env in ENVIRONMENTS:
        assert f'"{env}"' in condition
    assert "var.environment" in condition


def test_no_secret_variable_has_a_default():
    for name, body in variables().items():
        if SECRET_NAME.search(name):
            assert "default" not in body, f"variable {name} looks like a secret and has a default"
            assert body.get("sensitive") is True, f"variable {name} looks like a secret and is not sensitive"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_tfvars_set_declared_variables_of_their_environment(env):
    values = parse(ENVS_DIR / f"{env}.tfvars")
    declared = variables()
    assert set(values) <= set(declared), f"undeclared variables in {env}.tfvars: {set(values) - set(declared)}"
    assert unquote(values["environment"]) == env
    required = {name for name, body in declared.items() if "default" not in body}
    assert required <= set(values), f"{env}.tfvars misses {required - set(values)}"
    assert not any(SECRET_NAME.search(name) for name in values), "no secret belongs in a tfvars file"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_backend_config_per_environment(env):
    backend = parse(ENVS_DIR / f"{env}.backend.hcl")
    assert {"resource_group_name", "storage_account_name", "container_name", "key"} <= set(backend)
    assert env in unquote(backend["key"])


def test_providers_pinned_and_backend_is_partial_azurerm():
    terraform = parse(TF_DIR / "providers.tf")["terraform"][0]
    providers = terraform["required_providers"][0]
    assert set(providers) == {"azurerm", "azuread", "databricks"}
    for name, spec in providers.items():
        assert re.fullmatch(r"~> \d+\.\d+", unquote(spec["version"])), f"{name} is not pinned to a minor series"
    backend = terraform["backend"][0]
    assert list(backend) == ['"azurerm"']
    assert "key" not in backend['"azurerm"'], "the backend key comes from envs/<env>.backend.hcl"


def test_checkov_skips_carry_a_reason_next_to_their_resource():
    skips = re.findall(r"#\s*checkov:skip=([A-Z0-9_]+)(?::(.*))?", source_text())
    assert skips, "expected the few documented skips"
    for check_id, reason in skips:
        assert re.fullmatch(r"CKV2?_AZURE_\d+", check_id), check_id
        assert reason and len(reason.split()) >= 8, f"{check_id} skipped without a real reason"
    assert len(skips) <= 12, "the skip list should stay short"


def test_jobs_are_not_declared_by_terraform():
    # `lakehouse deploy` owns the Databricks jobs; Terraform only looks them up.
    assert not [name for (kind, name) in blocks("resource") if kind == "databricks_job"]
    assert ("databricks_job", "deployed") in blocks("data")
