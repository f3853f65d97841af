# Azure Databricks: a premium workspace injected into the environment's VNet (no public IPs on clusters), the
# Key Vault-backed secret scope, and who may run or manage the jobs.
#
# One owner per object: the jobs of jobs/ are created and updated by `lakehouse deploy` (by job name, with the
# wheel they install), never by Terraform. Terraform only looks them up by name to put their ids into the ADF
# pipeline and to set their permissions. Order on a new environment:
#   1. terraform apply -var-file=envs/<env>.tfvars -var adf_job_wiring_enabled=false   (infrastructure; trigger stopped)
#   2. lakehouse deploy                                                                  (creates the jobs)
#   3. terraform apply -var-file=envs/<env>.tfvars                                       (job ids wired, permissions set, trigger started)
# Afterwards every apply finds the jobs: `lakehouse deploy` keeps their ids when it updates them.

resource "azurerm_databricks_workspace" "this" {
  #checkov:skip=CKV_AZURE_158:The workspace API must stay reachable from the GitHub-hosted runners (Terraform's databricks provider, `lakehouse deploy`) and from Data Factory's Azure IR; sign-in is Entra ID only and clusters run without public IPs (secure cluster connectivity) in the VNet.
  #checkov:skip=CKV2_AZURE_48:Microsoft-managed keys for DBFS root, like the lake: a CMK needs keys managed through the Key Vault data plane, closed to the CI runners. The pipeline keeps no data in DBFS (the lake is in Unity Catalog volumes).
  name                                  = local.names.databricks_workspace
  resource_group_name                   = azurerm_resource_group.this.name
  location                              = azurerm_resource_group.this.location
  sku                                   = "premium"
  managed_resource_group_name           = local.names.databricks_managed_rg
  public_network_access_enabled         = true
  network_security_group_rules_required = "AllRules"
  infrastructure_encryption_enabled     = true

  custom_parameters {
    no_public_ip                                         = true
    virtual_network_id                                   = azurerm_virtual_network.this.id
    public_subnet_name                                   = azurerm_subnet.this["databricks-host"].name
    private_subnet_name                                  = azurerm_subnet.this["databricks-container"].name
    public_subnet_network_security_group_association_id  = azurerm_subnet_network_security_group_association.this["databricks-host"].id
    private_subnet_network_security_group_association_id = azurerm_subnet_network_security_group_association.this["databricks-container"].id
  }

  tags = local.tags
}

# Secrets for notebooks and jobs come from the Key Vault through this scope (read via the AzureDatabricks
# application, granted Key Vault Secrets User in key_vault.tf). Engineers may read; nobody writes through it.
resource "databricks_secret_scope" "key_vault" {
  name = "${var.project}-keyvault"

  keyvault_metadata {
    resource_id = azurerm_key_vault.this.id
    dns_name    = azurerm_key_vault.this.vault_uri
  }
}

resource "databricks_secret_acl" "engineers_read" {
  scope      = databricks_secret_scope.key_vault.name
  principal  = local.groups.engineers
  permission = "READ"
}

# The factory's managed identity as a workspace user (not an admin): it may run its pipelines' jobs, nothing else.
data "azuread_service_principal" "data_factory" {
  object_id = azurerm_data_factory.this.identity[0].principal_id
}

resource "databricks_service_principal" "data_factory" {
  application_id        = data.azuread_service_principal.data_factory.client_id
  display_name          = azurerm_data_factory.this.name
  workspace_access      = true
  allow_cluster_create  = false
  databricks_sql_access = false
}

# The jobs deployed by `lakehouse deploy`: every job of jobs/, found by its name (see the order above).
data "databricks_job" "deployed" {
  for_each = var.adf_job_wiring_enabled ? local.databricks_jobs : toset([])
  job_name = each.value
}

# Authoritative ACL of every job of jobs/: engineers may run them, admins manage them, and the factory's identity
# may run only the jobs its pipelines run (local.adf_job_parameters: the two stages and lakehouse_maintain), so not
# lakehouse_daily. (`lakehouse deploy`
# must not set access_control_list on these jobs, or the two would fight over it.)
resource "databricks_permissions" "jobs" {
  for_each = data.databricks_job.deployed
  job_id   = each.value.id

  dynamic "access_control" {
    for_each = contains(values(local.adf_job_parameters), each.key) ? [databricks_service_principal.data_factory.application_id] : []
    content {
      service_principal_name = access_control.value
      permission_level       = "CAN_MANAGE_RUN"
    }
  }
  access_control {
    group_name       = local.groups.engineers
    permission_level = "CAN_MANAGE_RUN"
  }
  access_control {
    group_name       = local.groups.admins
    permission_level = "CAN_MANAGE"
  }
}

# Formerly one resource per pipeline parameter (databricks_permissions.adf_jobs); now one per job, by name.
moved {
  from = databricks_permissions.adf_jobs["bronzeToSilverJobId"]
  to   = databricks_permissions.jobs["lakehouse_bronze_to_silver"]
}

moved {
  from = databricks_permissions.adf_jobs["silverToGoldJobId"]
  to   = databricks_permissions.jobs["lakehouse_silver_to_gold"]
}
