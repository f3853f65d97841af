output "resource_group_name" {
  description = "The environment's resource group."
  value       = azurerm_resource_group.this.name
}

output "storage_account_name" {
  description = "The lake's ADLS Gen2 account; its containers are bronze, silver, gold and ops."
  value       = azurerm_storage_account.lake.name
}

output "bronze_root" {
  description = "The --root of `lakehouse land` for this environment."
  value       = "abfss://${azurerm_storage_container.lake["bronze"].name}@${azurerm_storage_account.lake.name}.dfs.core.windows.net/"
}

output "lake_root" {
  description = "The jobs' --root: Unity Catalog volumes over the lake's containers."
  value       = local.lake_root
}

output "key_vault_uri" {
  description = "URI of the Key Vault (put the secret alert-webhook-url here)."
  value       = azurerm_key_vault.this.vault_uri
}

output "key_vault_name" {
  description = "Name of the Key Vault: approve the factory's managed private endpoint on it (README \"Deploy to Azure\")."
  value       = azurerm_key_vault.this.name
}

output "databricks_host" {
  description = "URL of the Databricks workspace (DATABRICKS_HOST of `lakehouse deploy`)."
  value       = "https://${azurerm_databricks_workspace.this.workspace_url}"
}

output "alert_email_addresses" {
  description = "Who gets failure e-mails: the action group's addresses, passed to `lakehouse deploy` as --notify for the jobs."
  value       = var.alert_email_addresses
}

output "databricks_secret_scope" {
  description = "The Key Vault-backed secret scope."
  value       = databricks_secret_scope.key_vault.name
}

output "data_factory_name" {
  description = "The Data Factory that runs the pipelines of adf/."
  value       = azurerm_data_factory.this.name
}

output "synapse_serverless_endpoint" {
  description = "Serverless SQL endpoint for synapse_sql/ (reached through the private endpoint)."
  value       = azurerm_synapse_workspace.this.connectivity_endpoints["sqlOnDemand"]
}

output "group_object_ids" {
  description = "Object ids of the Entra ID groups, by role."
  value       = { for k, g in azuread_group.this : k => g.object_id }
}
