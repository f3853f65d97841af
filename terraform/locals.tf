# Names, tags and the facts shared between services. Every name carries the environment; names that Azure wants
# globally unique also carry a short hash of subscription, project and environment (stable across applies).

data "azurerm_client_config" "current" {}

locals {
  env_short = { dev = "dev", staging = "stg", prod = "prd" }[var.environment]
  unique    = substr(sha1("${data.azurerm_client_config.current.subscription_id}/${var.project}/${var.environment}"), 0, 6)
  prefix    = "${var.project}-${var.environment}"

  names = {
    resource_group        = "rg-${local.prefix}"
    vnet                  = "vnet-${local.prefix}"
    storage_account       = "st${var.project}${local.env_short}${local.unique}"
    key_vault             = "kv-${var.project}-${local.env_short}-${local.unique}"
    databricks_workspace  = "dbw-${local.prefix}"
    databricks_managed_rg = "rg-${local.prefix}-databricks-managed"
    access_connector      = "dbac-${local.prefix}"
    data_factory          = "adf-${local.prefix}-${local.unique}"
    synapse_workspace     = "syn-${var.project}-${local.env_short}-${local.unique}"
    synapse_managed_rg    = "rg-${local.prefix}-synapse-managed"
    log_analytics         = "log-${local.prefix}"
    action_group          = "ag-${local.prefix}"
  }

  tags = merge(var.tags, {
    project     = var.project
    environment = var.environment
    managed_by  = "terraform"
  })

  # Contract §1: the layers are containers of one ADLS Gen2 account, named as the pipeline's Layout names them.
  lake_containers = ["bronze", "silver", "gold", "ops"]

  # Least privilege on the lake, by container: analysts and Synapse read Gold and nothing else.
  analyst_readable_layers  = ["gold"]
  synapse_readable_layers  = ["gold"]
  adf_readable_layers      = ["bronze"] # the pipeline only lists new Bronze files (GetMetadata)
  engineer_writable_layers = local.lake_containers

  # Entra ID groups. Group names are tenant-wide, so non-production environments get a suffix; production keeps
  # the plain names that synapse_sql/06_access uses.
  group_suffix = var.environment == "prod" ? "" : "-${var.environment}"
  groups = {
    engineers = "data-engineers${local.group_suffix}"
    analysts  = "data-analysts${local.group_suffix}"
    admins    = "data-platform-admins${local.group_suffix}"
  }

  # Unity Catalog: the jobs' root. Its volumes bronze, silver, gold and ops are the lake's containers, so
  # <lake_root>/bronze is abfss://bronze@<account>.dfs.core.windows.net/ (unity_catalog.tf).
  lake_root = "/Volumes/${var.unity_catalog_name}/${var.environment}"
}

# The Data Factory definitions live once, in adf/ (ADF Git layout), and are loaded from there; Terraform only
# overrides the parameter defaults that differ per environment. Nothing of their content is repeated here.
locals {
  adf_dir = "${path.module}/../adf"

  adf_pipelines = {
    for f in fileset("${local.adf_dir}/pipeline", "*.json") :
    trimsuffix(f, ".json") => jsondecode(file("${local.adf_dir}/pipeline/${f}"))
  }
  adf_triggers = {
    for f in fileset("${local.adf_dir}/trigger", "*.json") :
    trimsuffix(f, ".json") => jsondecode(file("${local.adf_dir}/trigger/${f}"))
  }
  adf_linked_services = {
    for f in fileset("${local.adf_dir}/linkedService", "*.json") :
    trimsuffix(f, ".json") => jsondecode(file("${local.adf_dir}/linkedService/${f}"))
  }
  adf_datasets = {
    for f in fileset("${local.adf_dir}/dataset", "*.json") :
    trimsuffix(f, ".json") => jsondecode(file("${local.adf_dir}/dataset/${f}"))
  }
  adf_integration_runtimes = {
    for f in fileset("${local.adf_dir}/integrationRuntime", "*.json") :
    trimsuffix(f, ".json") => jsondecode(file("${local.adf_dir}/integrationRuntime/${f}"))
  }

  # ADF object name -> file key, for references between the loaded definitions.
  adf_pipeline_keys            = { for k, p in local.adf_pipelines : p.name => k }
  adf_linked_service_keys      = { for k, ls in local.adf_linked_services : ls.name => k }
  adf_integration_runtime_keys = { for k, ir in local.adf_integration_runtimes : ir.name => k }

  # Every job of jobs/, by name: the files `lakehouse deploy` creates the jobs from. Terraform looks each one up and
  # owns its ACL (databricks.tf), so a job added to jobs/ is covered without a change here.
  databricks_jobs = toset([
    for f in fileset("${path.module}/../jobs", "*.json") : jsondecode(file("${path.module}/../jobs/${f}")).name
  ])

  # Pipeline parameter -> the Databricks job whose id it carries: the jobs the factory's pipelines run (and may run,
  # nothing more: only these give its identity CAN_MANAGE_RUN). A parameter's value goes to every pipeline that
  # declares it: the stages to CustomerAnalyticsPipeline, the maintenance job to MaintainPipeline.
  adf_job_parameters = {
    bronzeToSilverJobId = jsondecode(file("${path.module}/../jobs/lakehouse_bronze_to_silver.json")).name
    silverToGoldJobId   = jsondecode(file("${path.module}/../jobs/lakehouse_silver_to_gold.json")).name
    maintainJobId       = jsondecode(file("${path.module}/../jobs/lakehouse_maintain.json")).name
  }

  # Environment-specific parameter defaults (by parameter name); any other parameter keeps its default from adf/.
  adf_pipeline_parameter_values = merge(
    {
      lakeRoot    = local.lake_root
      keyVaultUrl = azurerm_key_vault.this.vault_uri
    },
    { for p, job_name in local.adf_job_parameters : p => data.databricks_job.deployed[job_name].id if var.adf_job_wiring_enabled },
  )
  adf_linked_service_parameter_values = {
    storageAccountUrl   = azurerm_storage_account.lake.primary_dfs_endpoint
    workspaceUrl        = "https://${azurerm_databricks_workspace.this.workspace_url}"
    workspaceResourceId = azurerm_databricks_workspace.this.id
  }
}

resource "azurerm_resource_group" "this" {
  name     = local.names.resource_group
  location = var.location
  tags     = local.tags
}
