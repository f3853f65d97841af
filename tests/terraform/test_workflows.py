"""GitHub workflows: tests on pull requests, Terraform plan/apply with OIDC and an approval gate, deploy on main."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.terraform.hcl_files import REPO

WORKFLOWS = REPO / ".github" / "workflows"
ALLOWED_SECRETS = {"AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_SUBSCRIPTION_ID"}


def _load(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def _triggers(workflow: dict) -> dict:
    return workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True


def _steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.yml")), ids=lambda p: p.name)
def test_workflow_is_valid_yaml_with_pinned_actions_and_only_id_secrets(path: Path):
    text = path.read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)
    assert workflow["jobs"]
    for step in _steps(workflow):
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})", step["uses"]), step["uses"]
    assert set(re.findall(r"secrets\.(\w+)", text)) <= ALLOWED_SECRETS
    assert workflow["permissions"] == {"contents": "read"}, "least privilege by default; jobs widen it"


def test_ci_runs_the_ci_entry_point_on_pull_requests():
    workflow = _load("ci.yml")
    assert "pull_request" in _triggers(workflow)
    assert any(step.get("run") == "bash .ci/run" for step in _steps(workflow))


def test_terraform_plans_on_pull_requests_and_applies_main_behind_an_approval():
    workflow = _load("terraform.yml")
    assert {"pull_request", "push"} <= set(_triggers(workflow))
    jobs = workflow["jobs"]
    runs = " ".join(step.get("run", "") for step in _steps(workflow))
    for command in ("terraform fmt -check", "terraform validate", "terraform plan", "terraform apply tfplan"):
        assert command in runs
    apply = jobs["apply"]
    assert apply["environment"] == "production"
    assert "refs/heads/main" in apply["if"]
    assert apply["needs"] == "plan"
    assert any("download-artifact" in step.get("uses", "") for step in apply["steps"])


def test_cloud_jobs_sign_in_with_oidc():
    workflow = _load("terraform.yml")
    for name in ("plan", "apply", "deploy"):
        job = workflow["jobs"][name]
        assert job["permissions"]["id-token"] == "write"
        (login,) = [step for step in job["steps"] if step.get("uses", "").startswith("azure/login@")]
        assert set(login["with"]) == {"client-id", "tenant-id", "subscription-id"}
        assert job["env"]["ARM_USE_OIDC"] == "true"


def test_lakehouse_deploy_runs_on_main_after_apply_with_azure_cli_auth():
    deploy = _load("terraform.yml")["jobs"]["deploy"]
    assert deploy["needs"] == "apply"
    assert deploy["env"]["DATABRICKS_AUTH_TYPE"] == "azure-cli"
    (run,) = [step["run"] for step in deploy["steps"] if "lakehouse deploy" in step.get("run", "")]
    assert re.search(r'^lakehouse deploy --root "\$LAKEHOUSE_ROOT"', run, flags=re.M)


def test_lakehouse_deploy_sends_failure_emails_to_the_environment_alert_addresses():
    # Without --notify the jobs keep the placeholder addresses of jobs/; the addresses are the tfvars' ones.
    assert re.search(r'output "alert_email_addresses"\s*\{[^}]*value\s*=\s*var\.alert_email_addresses',
                     (REPO / "terraform" / "outputs.tf").read_text(encoding="utf-8"))
    steps = _load("terraform.yml")["jobs"]["deploy"]["steps"]
    runs = [step.get("run", "") for step in steps]
    (outputs,) = [run for run in runs if "terraform output -json" in run]
    assert "terraform output -json alert_email_addresses" in outputs
    assert "ALERT_EMAILS=" in outputs and "GITHUB_ENV" in outputs
    (deploy,) = [run for run in runs if "lakehouse deploy" in run]
    assert "jq -r '.[]' <<<\"$ALERT_EMAILS\"" in deploy
    assert 'notify+=(--notify "$email")' in deploy
    assert re.search(r'lakehouse deploy .*"\$\{notify\[@\]\}"', deploy)
    assert runs.index(outputs) < runs.index(deploy)
