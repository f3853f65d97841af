"""The lake's containers and lifecycle, Key Vault protection, and least-privilege access (contract §1)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from lakehouse import contract as c
from lakehouse.land.adls import BRONZE_CONTAINER
from lakehouse.storage.layout import Layout
from tests.terraform.hcl_files import REPO, blocks, expr, locals_, resources, string_list, unquote

JOBS_DIR = REPO / "jobs"


def _layer_names_used_by_the_code() -> set[str]:
    """Top-level folders of a root as the pipeline's Layout builds them: in Azure, these are containers."""
    root = Path("/root")
    layout = Layout(root)
    paths = [
        layout.bronze,
        layout.silver_table(c.TRANSACTIONS),
        layout.quarantine(c.TRANSACTIONS),
        layout.gold_table("fact_sales"),
        layout.ops_table("pipeline_runs"),
        layout.lock_file,
    ]
    return {path.relative_to(root).parts[0] for path in paths} | {BRONZE_CONTAINER}


def test_containers_are_exactly_the_layers_the_code_names():
    containers = string_list(locals_()["lake_containers"])
    assert sorted(containers) == sorted(_layer_names_used_by_the_code()) == ["bronze", "gold", "ops", "silver"]
    lake = resources("azurerm_storage_container")["lake"]
    assert expr(lake["for_each"]) == "toset(local.lake_containers)"
    assert expr(lake["name"]) == "each.key"
    assert unquote(lake["container_access_type"]) == "private"


def test_lake_account_is_hardened_adls_gen2():
    account = resources("azurerm_storage_account")["lake"]
    assert account["is_hns_enabled"] is True
    assert unquote(account["min_tls_version"]) == "TLS1_2"
    assert account["allow_nested_items_to_be_public"] is False
    assert account["shared_access_key_enabled"] is False
    assert account["https_traffic_only_enabled"] is True
    blob = account["blob_properties"][0]
    assert blob["delete_retention_policy"][0]["days"]
    assert blob["container_delete_retention_policy"][0]["days"]
    assert unquote(account["network_rules"][0]["default_action"]) == "Deny"


def _lifecycle_rules() -> dict[str, dict]:
    policy = resources("azurerm_storage_management_policy")["lake"]
    rules = {}
    for rule in policy["rule"]:
        (prefix,) = rule["filters"][0]["prefix_match"]
        (container,) = re.findall(r'lake\["(\w+)"\]', prefix)
        rules[container] = rule["actions"][0]["base_blob"][0]
    return rules


def test_lifecycle_bronze_cool_90_archive_365_silver_cool_180_gold_hot():
    rules = _lifecycle_rules()
    assert set(rules) == {"bronze", "silver"}, "Gold (and ops) have no rule: they stay hot"
    bronze, silver = rules["bronze"], rules["silver"]
    assert bronze["tier_to_cool_after_days_since_modification_greater_than"] == 90
    assert bronze["tier_to_archive_after_days_since_modification_greater_than"] == 365
    assert silver["tier_to_cool_after_days_since_modification_greater_than"] == 180
    assert "tier_to_archive_after_days_since_modification_greater_than" not in silver
    assert "delete_after_days_since_modification_greater_than" not in bronze | silver


def test_key_vault_uses_rbac_with_purge_protection_and_soft_delete():
    vault = resources("azurerm_key_vault")["this"]
    assert vault.get("rbac_authorization_enabled", vault.get("enable_rbac_authorization")) is True
    assert vault["purge_protection_enabled"] is True
    assert "soft_delete_retention_days" in vault
    assert unquote(vault["network_acls"][0]["default_action"]) == "Deny"


def _container_scope(assignment: dict) -> str:
    return expr(assignment["scope"])


def test_analysts_hold_roles_on_the_gold_container_only():
    assert string_list(locals_()["analyst_readable_layers"]) == ["gold"]
    assignments = resources("azurerm_role_assignment")
    analyst_assignments = {name: body for name, body in assignments.items() if "analysts" in expr(body["principal_id"])}
    assert list(analyst_assignments) == ["analysts"], "every analyst role assignment lives in one place"
    body = analyst_assignments["analysts"]
    assert expr(body["for_each"]) == "toset(local.analyst_readable_layers)"
    assert _container_scope(body) == "azurerm_storage_container.lake[each.key].id"
    assert unquote(body["role_definition_name"]) == "Storage Blob Data Reader"


def test_synapse_identity_reads_the_gold_container_only():
    assert string_list(locals_()["synapse_readable_layers"]) == ["gold"]
    assignments = resources("azurerm_role_assignment").values()
    synapse = [body for body in assignments if "azurerm_synapse_workspace" in expr(body["principal_id"])]
    assert len(synapse) == 1
    assert expr(synapse[0]["for_each"]) == "toset(local.synapse_readable_layers)"
    assert _container_scope(synapse[0]) == "azurerm_storage_container.lake[each.key].id"
    assert unquote(synapse[0]["role_definition_name"]) == "Storage Blob Data Reader"


def test_no_principal_holds_a_data_role_on_the_whole_lake_account():
    for name, body in resources("azurerm_role_assignment").items():
        assert "azurerm_storage_account.lake.id" not in str(body["scope"]), f"{name} is scoped to the whole account"


def test_analysts_get_unity_catalog_read_on_the_gold_volume_only():
    grants = resources("databricks_grants")["volume"]
    (dynamic,) = grants["dynamic"]
    (analyst_grant,) = dynamic.values()
    assert expr(analyst_grant["for_each"]) == (
        "contains(local.analyst_readable_layers, each.key) ? [local.groups.analysts] : []"
    )
    assert analyst_grant["content"][0]["privileges"] == ['"READ_VOLUME"']
    assert all("analysts" not in str(grant) for grant in grants["grant"])


def _job_names_of_files() -> dict[str, Path]:
    names: dict[str, Path] = {}
    for path in sorted(JOBS_DIR.glob("*.json")):
        name = json.loads(path.read_text(encoding="utf-8"))["name"]
        assert name not in names, f"{path.name} and {names[name].name} both define job {name}"
        names[name] = path
    return names


def test_every_job_of_jobs_dir_gets_its_permissions_from_terraform():
    # The permissions map is every file of jobs/, read by name, so a new job cannot be left without an ACL.
    names = _job_names_of_files()
    assert {"lakehouse_bronze_to_silver", "lakehouse_silver_to_gold", "lakehouse_daily", "lakehouse_maintain"} <= set(
        names)
    loader = expr(locals_()["databricks_jobs"])
    assert 'fileset("${path.module}/../jobs", "*.json")' in loader
    assert 'jsondecode(file("${path.module}/../jobs/${f}")).name' in loader
    (looked_up,) = [body for (kind, _), body in blocks("data").items() if kind == "databricks_job"]
    assert expr(looked_up["for_each"]) == "var.adf_job_wiring_enabled ? local.databricks_jobs : toset([])"
    assert expr(looked_up["job_name"]) == "each.value"
    (permissions,) = resources("databricks_permissions").values()
    assert expr(permissions["for_each"]) == "data.databricks_job.deployed"
    groups = {unquote(acl["group_name"]): unquote(acl["permission_level"]) for acl in permissions["access_control"]}
    assert groups == {"${local.groups.engineers}": "CAN_MANAGE_RUN", "${local.groups.admins}": "CAN_MANAGE"}


def test_the_factory_may_run_only_the_jobs_the_pipeline_runs():
    (permissions,) = resources("databricks_permissions").values()
    (dynamic,) = permissions["dynamic"]
    (factory_acl,) = dynamic.values()
    assert expr(factory_acl["for_each"]) == (
        "contains(values(local.adf_job_parameters), each.key) ? "
        "[databricks_service_principal.data_factory.application_id] : []")
    assert unquote(factory_acl["content"][0]["permission_level"]) == "CAN_MANAGE_RUN"
    run_by_adf = set()
    for value in locals_()["adf_job_parameters"].values():
        (relative,) = re.findall(r'file\("\$\{path\.module\}/\.\./jobs/([^"]+)"\)', expr(value))
        run_by_adf.add(json.loads((JOBS_DIR / relative).read_text(encoding="utf-8"))["name"])
    assert run_by_adf == {"lakehouse_bronze_to_silver", "lakehouse_silver_to_gold", "lakehouse_maintain"}
    assert "lakehouse_daily" in set(_job_names_of_files()) - run_by_adf, "ADF does not run the daily job"
