# Azure Data Factory: the orchestration of adf/ (the ADF Git layout), loaded from its JSON files (locals.tf), so
# each definition exists once. Terraform only sets the parameter defaults that differ per environment: the lake
# root, the Key Vault URL, the endpoints of the linked services and the Databricks job ids (see databricks.tf
# for the order on a new environment: the ids exist once `lakehouse deploy` has created the jobs).
#
# Network paths. The factory's default Azure integration runtime reaches the lake (GetMetadata, managed identity,
# a trusted service of the storage firewall) and the Databricks workspace API. The Key Vault is different: its
# trusted-services exception lets Data Factory in only to fetch linked-service credentials, so the Web activity
# that reads the alert webhook URL would get 403 ForbiddenByFirewall. That activity runs on the managed virtual
# network integration runtime of adf/integrationRuntime/ (connectVia) and reaches the vault through the managed
# private endpoint below, which the vault's owner approves once (README "Deploy to Azure").
#
# Note: the provider declares pipeline parameters as String, whatever adf/ says; expressions in adf/ convert
# non-string parameters with int()/bool().

resource "azurerm_data_factory" "this" {
  #checkov:skip=CKV_AZURE_103:The factory is deployed from adf/ in this repository by Terraform (one owner); a live Git integration would let ADF Studio publish a second copy of the definitions.
  #checkov:skip=CKV2_AZURE_15:Microsoft-managed keys: a CMK needs keys managed through the Key Vault data plane, closed to the CI runners. The factory stores definitions only, no data and no credentials (managed identity everywhere).
  name                   = local.names.data_factory
  location               = azurerm_resource_group.this.location
  resource_group_name    = azurerm_resource_group.this.name
  public_network_enabled = false
  # The "default" managed virtual network: home of the integration runtime and the managed private endpoints below.
  managed_virtual_network_enabled = true

  identity {
    type = "SystemAssigned"
  }

  tags = local.tags
}

# The factory lists new Bronze files (GetMetadata): read access on the bronze container only.
resource "azurerm_role_assignment" "data_factory_lake" {
  for_each             = toset(local.adf_readable_layers)
  scope                = azurerm_storage_container.lake[each.key].id
  role_definition_name = "Storage Blob Data Reader"
  principal_id         = azurerm_data_factory.this.identity[0].principal_id
}

# Integration runtimes of adf/integrationRuntime/: Azure IRs ("Managed"), in the managed virtual network when the
# file references it. Each property the file may hold maps to an argument here (tests/terraform checks the files hold
# no other), so nothing in adf/ is dropped on the way.
resource "azurerm_data_factory_integration_runtime_azure" "this" {
  for_each                = { for k, ir in local.adf_integration_runtimes : k => ir if ir.properties.type == "Managed" }
  name                    = each.value.name
  data_factory_id         = azurerm_data_factory.this.id
  description             = try(each.value.properties.description, null)
  location                = each.value.properties.typeProperties.computeProperties.location
  virtual_network_enabled = try(each.value.properties.managedVirtualNetwork.referenceName, null) == "default"
  compute_type            = try(each.value.properties.typeProperties.computeProperties.dataFlowProperties.computeType, null)
  core_count              = try(each.value.properties.typeProperties.computeProperties.dataFlowProperties.coreCount, null)
  time_to_live_min        = try(each.value.properties.typeProperties.computeProperties.dataFlowProperties.timeToLive, null)
  cleanup_enabled         = try(each.value.properties.typeProperties.computeProperties.dataFlowProperties.cleanup, null)
}

# The factory's private link to the Key Vault, for the activities on the managed virtual network IR. Azure creates
# the connection Pending: the vault's owner approves it once per environment (README "Deploy to Azure"; azurerm
# cannot approve a connection it did not request, and the azapi provider that could is not used here).
resource "azurerm_data_factory_managed_private_endpoint" "key_vault" {
  name               = "mpe-${local.names.key_vault}"
  data_factory_id    = azurerm_data_factory.this.id
  target_resource_id = azurerm_key_vault.this.id
  subresource_name   = "vault"
}

resource "azurerm_data_factory_linked_custom_service" "this" {
  for_each             = local.adf_linked_services
  name                 = each.value.name
  data_factory_id      = azurerm_data_factory.this.id
  type                 = each.value.properties.type
  description          = try(each.value.properties.description, null)
  annotations          = try(each.value.properties.annotations, null)
  type_properties_json = jsonencode(each.value.properties.typeProperties)
  parameters = {
    for name, p in try(each.value.properties.parameters, {}) :
    name => lookup(local.adf_linked_service_parameter_values, name, try(tostring(p.defaultValue), ""))
  }

  dynamic "integration_runtime" {
    for_each = can(each.value.properties.connectVia) ? [each.value.properties.connectVia] : []
    content {
      name       = azurerm_data_factory_integration_runtime_azure.this[local.adf_integration_runtime_keys[integration_runtime.value.referenceName]].name
      parameters = try(integration_runtime.value.parameters, null)
    }
  }
}

resource "azurerm_data_factory_custom_dataset" "this" {
  for_each             = local.adf_datasets
  name                 = each.value.name
  data_factory_id      = azurerm_data_factory.this.id
  type                 = each.value.properties.type
  description          = try(each.value.properties.description, null)
  annotations          = try(each.value.properties.annotations, null)
  folder               = try(each.value.properties.folder.name, null)
  type_properties_json = jsonencode(each.value.properties.typeProperties)
  parameters = {
    for name, p in try(each.value.properties.parameters, {}) : name => try(tostring(p.defaultValue), "")
  }

  linked_service {
    name       = azurerm_data_factory_linked_custom_service.this[local.adf_linked_service_keys[each.value.properties.linkedServiceName.referenceName]].name
    parameters = try(each.value.properties.linkedServiceName.parameters, null)
  }
}

resource "azurerm_data_factory_pipeline" "this" {
  for_each        = local.adf_pipelines
  name            = each.value.name
  data_factory_id = azurerm_data_factory.this.id
  description     = try(each.value.properties.description, null)
  annotations     = try(each.value.properties.annotations, null)
  concurrency     = try(each.value.properties.concurrency, null)
  folder          = try(each.value.properties.folder.name, null)
  activities_json = jsonencode(each.value.properties.activities)
  parameters = {
    for name, p in try(each.value.properties.parameters, {}) :
    name => lookup(local.adf_pipeline_parameter_values, name, try(tostring(p.defaultValue), ""))
  }
  variables = {
    for name, v in try(each.value.properties.variables, {}) : name => try(tostring(v.defaultValue), "")
  }

  # Activities name datasets, linked services and integration runtimes (connectVia) only inside activities_json.
  depends_on = [
    azurerm_data_factory_custom_dataset.this,
    azurerm_data_factory_linked_custom_service.this,
    azurerm_data_factory_integration_runtime_azure.this,
  ]
}

# Schedule triggers of adf/trigger/. A trigger runs only once the job ids are wired (adf_job_wiring_enabled).
resource "azurerm_data_factory_trigger_schedule" "this" {
  for_each        = { for k, t in local.adf_triggers : k => t if t.properties.type == "ScheduleTrigger" }
  name            = each.value.name
  data_factory_id = azurerm_data_factory.this.id
  description     = try(each.value.properties.description, null)
  annotations     = try(each.value.properties.annotations, null)
  activated       = var.adf_job_wiring_enabled && try(each.value.properties.runtimeState, "Started") == "Started"

  frequency  = each.value.properties.typeProperties.recurrence.frequency
  interval   = each.value.properties.typeProperties.recurrence.interval
  start_time = try(each.value.properties.typeProperties.recurrence.startTime, null)
  end_time   = try(each.value.properties.typeProperties.recurrence.endTime, null)
  time_zone  = try(each.value.properties.typeProperties.recurrence.timeZone, null)

  dynamic "schedule" {
    for_each = can(each.value.properties.typeProperties.recurrence.schedule) ? [each.value.properties.typeProperties.recurrence.schedule] : []
    content {
      hours         = try(schedule.value.hours, null)
      minutes       = try(schedule.value.minutes, null)
      days_of_week  = try(schedule.value.weekDays, null)
      days_of_month = try(schedule.value.monthDays, null)
    }
  }

  dynamic "pipeline" {
    for_each = each.value.properties.pipelines
    content {
      name       = azurerm_data_factory_pipeline.this[local.adf_pipeline_keys[pipeline.value.pipelineReference.referenceName]].name
      parameters = try(pipeline.value.parameters, null)
    }
  }
}
