# Synapse Analytics workspace for serverless SQL over Gold (synapse_sql/): Entra ID authentication only, managed
# virtual network with data exfiltration protection, no public endpoint (clients connect through the private
# endpoint below, e.g. over the corporate VPN or a Power BI VNet data gateway), audit logs to Log Analytics.

resource "azurerm_synapse_workspace" "this" {
  #checkov:skip=CKV_AZURE_240:Microsoft-managed keys: a CMK needs keys managed through the Key Vault data plane, closed to the CI runners. Serverless SQL stores no data of its own; Gold stays in the lake.
  name                        = local.names.synapse_workspace
  resource_group_name         = azurerm_resource_group.this.name
  location                    = azurerm_resource_group.this.location
  managed_resource_group_name = local.names.synapse_managed_rg
  # The workspace's default filesystem. With serverless SQL only (no Spark pools) Synapse keeps nothing there;
  # its identity holds no role on ops: it reads the gold container and nothing else (below).
  storage_data_lake_gen2_filesystem_id = "${azurerm_storage_account.lake.primary_dfs_endpoint}${azurerm_storage_container.lake["ops"].name}"
  managed_virtual_network_enabled      = true
  data_exfiltration_protection_enabled = true
  public_network_access_enabled        = false
  azuread_authentication_only          = true

  identity {
    type = "SystemAssigned"
  }

  tags = local.tags
}

resource "azurerm_synapse_workspace_aad_admin" "this" {
  synapse_workspace_id = azurerm_synapse_workspace.this.id
  login                = local.groups.admins
  object_id            = azuread_group.this["admins"].object_id
  tenant_id            = data.azurerm_client_config.current.tenant_id
}

# SQL audit events go to Log Analytics (diagnostic setting in monitoring.tf).
resource "azurerm_synapse_workspace_extended_auditing_policy" "this" {
  synapse_workspace_id   = azurerm_synapse_workspace.this.id
  log_monitoring_enabled = true
}

resource "azurerm_synapse_workspace_security_alert_policy" "this" {
  synapse_workspace_id = azurerm_synapse_workspace.this.id
  policy_state         = "Enabled"
  email_addresses      = var.alert_email_addresses
}

# The serverless SQL credential is the workspace's managed identity (synapse_sql/01_security): Storage Blob Data
# Reader on the gold container only (local.synapse_readable_layers).
resource "azurerm_role_assignment" "synapse_lake" {
  for_each             = toset(local.synapse_readable_layers)
  scope                = azurerm_storage_container.lake[each.key].id
  role_definition_name = "Storage Blob Data Reader"
  principal_id         = azurerm_synapse_workspace.this.identity[0].principal_id
}

resource "azurerm_private_endpoint" "synapse_sql_on_demand" {
  name                = "pe-${local.names.synapse_workspace}-sqlondemand"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  subnet_id           = azurerm_subnet.this["private-endpoints"].id

  private_service_connection {
    name                           = "psc-${local.names.synapse_workspace}-sqlondemand"
    private_connection_resource_id = azurerm_synapse_workspace.this.id
    subresource_names              = ["SqlOnDemand"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [azurerm_private_dns_zone.this["sql"].id]
  }

  tags = local.tags
}
