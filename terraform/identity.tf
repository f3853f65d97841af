# Entra ID groups and their Azure role assignments, least privilege (scopes as narrow as the work allows):
#   data-platform-admins  Contributor on the resource group; Key Vault Secrets Officer (put the webhook secret)
#   data-engineers        Reader on the resource group; Storage Blob Data Contributor on each layer container;
#                         Data Factory Contributor on the factory (rerun and debug runs)
#   data-analysts         Storage Blob Data Reader on the gold container only (and, in Synapse, the
#                         analytics_reader role of synapse_sql/06_access)
# Service identities get their roles next to their service (key_vault.tf, unity_catalog.tf, data_factory.tf,
# synapse.tf). Databricks and Unity Catalog privileges of the groups are in databricks.tf and unity_catalog.tf.

resource "azuread_group" "this" {
  for_each                = local.groups
  display_name            = each.value
  description             = "Customer analytics lakehouse (${var.environment}): ${each.key} (Terraform)"
  security_enabled        = true
  prevent_duplicate_names = true
}

resource "azurerm_role_assignment" "admins" {
  for_each = {
    resource_group = { scope = azurerm_resource_group.this.id, role = "Contributor" }
    key_vault      = { scope = azurerm_key_vault.this.id, role = "Key Vault Secrets Officer" }
  }
  scope                = each.value.scope
  role_definition_name = each.value.role
  principal_id         = azuread_group.this["admins"].object_id
}

resource "azurerm_role_assignment" "engineers" {
  for_each = merge(
    {
      resource_group = { scope = azurerm_resource_group.this.id, role = "Reader" }
      data_factory   = { scope = azurerm_data_factory.this.id, role = "Data Factory Contributor" }
    },
    {
      for layer in local.engineer_writable_layers :
      "lake_${layer}" => { scope = azurerm_storage_container.lake[layer].id, role = "Storage Blob Data Contributor" }
    },
  )
  scope                = each.value.scope
  role_definition_name = each.value.role
  principal_id         = azuread_group.this["engineers"].object_id
}

resource "azurerm_role_assignment" "analysts" {
  for_each             = toset(local.analyst_readable_layers)
  scope                = azurerm_storage_container.lake[each.key].id
  role_definition_name = "Storage Blob Data Reader"
  principal_id         = azuread_group.this["analysts"].object_id
}
