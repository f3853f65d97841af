# The lake: one ADLS Gen2 account, one container per layer (contract §1), lifecycle tiering, soft delete.
# Entra ID only (shared keys and local users off); the firewall denies by default (see the skip below).

resource "azurerm_storage_account" "lake" {
  #checkov:skip=CKV_AZURE_59:Public endpoint stays on behind a default-Deny firewall: Synapse serverless SQL and the Databricks access connector get in through resource-instance rules, which only apply with "enabled from selected networks"; VNet clients use the private endpoints.
  #checkov:skip=CKV2_AZURE_1:Microsoft-managed keys plus infrastructure (double) encryption. A CMK needs Terraform to create and rotate keys through the Key Vault data plane, which the vault firewall closes to the CI runners.
  #checkov:skip=CKV_AZURE_33:No queues are used. The classic queue_properties logging needs the shared key, which is disabled; every service's logs go to Log Analytics through diagnostic settings (monitoring.tf).
  name                     = local.names.storage_account
  resource_group_name      = azurerm_resource_group.this.name
  location                 = azurerm_resource_group.this.location
  account_kind             = "StorageV2"
  account_tier             = "Standard"
  account_replication_type = var.storage_replication_type
  is_hns_enabled           = true
  access_tier              = "Hot"

  min_tls_version                   = "TLS1_2"
  https_traffic_only_enabled        = true
  allow_nested_items_to_be_public   = false
  shared_access_key_enabled         = false
  default_to_oauth_authentication   = true
  local_user_enabled                = false
  sftp_enabled                      = false
  cross_tenant_replication_enabled  = false
  infrastructure_encryption_enabled = true
  public_network_access_enabled     = true

  blob_properties {
    delete_retention_policy {
      days = var.soft_delete_retention_days
    }
    container_delete_retention_policy {
      days = var.soft_delete_retention_days
    }
  }

  network_rules {
    default_action = "Deny"
    # Data Factory (managed identity) is a trusted service; Logging/Metrics let diagnostics write.
    bypass   = ["AzureServices", "Logging", "Metrics"]
    ip_rules = var.storage_allowed_ip_ranges

    private_link_access {
      endpoint_resource_id = azurerm_databricks_access_connector.this.id
    }
    # Built from the name: synapse.tf's workspace uses the ops container, so a reference would be a cycle.
    private_link_access {
      endpoint_resource_id = "${azurerm_resource_group.this.id}/providers/Microsoft.Synapse/workspaces/${local.names.synapse_workspace}"
    }
  }

  tags = local.tags
}

# Created through Resource Manager (storage_account_id), so the firewall does not get in Terraform's way.
resource "azurerm_storage_container" "lake" {
  #checkov:skip=CKV2_AZURE_21:Blob read/write/delete logs go to Log Analytics through the blobServices diagnostic setting (monitoring.tf); the storage-insights resource this check wants needs the account key, and shared keys are disabled.
  for_each              = toset(local.lake_containers)
  name                  = each.key
  storage_account_id    = azurerm_storage_account.lake.id
  container_access_type = "private"
}

# Days since last modification. Gold stays hot: it is what analysts and Synapse read.
resource "azurerm_storage_management_policy" "lake" {
  storage_account_id = azurerm_storage_account.lake.id

  rule {
    name    = "bronze-cool-90d-archive-365d"
    enabled = true
    filters {
      prefix_match = ["${azurerm_storage_container.lake["bronze"].name}/"]
      blob_types   = ["blockBlob"]
    }
    actions {
      base_blob {
        tier_to_cool_after_days_since_modification_greater_than    = 90
        tier_to_archive_after_days_since_modification_greater_than = 365
      }
    }
  }

  rule {
    name    = "silver-cool-180d"
    enabled = true
    filters {
      prefix_match = ["${azurerm_storage_container.lake["silver"].name}/"]
      blob_types   = ["blockBlob"]
    }
    actions {
      base_blob {
        tier_to_cool_after_days_since_modification_greater_than = 180
      }
    }
  }
}

# Private endpoints for the VNet's clients (Databricks clusters): dfs for abfss://, blob for the Blob API.
resource "azurerm_private_endpoint" "lake" {
  for_each            = toset(["dfs", "blob"])
  name                = "pe-${local.names.storage_account}-${each.key}"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  subnet_id           = azurerm_subnet.this["private-endpoints"].id

  private_service_connection {
    name                           = "psc-${local.names.storage_account}-${each.key}"
    private_connection_resource_id = azurerm_storage_account.lake.id
    subresource_names              = [each.key]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [azurerm_private_dns_zone.this[each.key].id]
  }

  tags = local.tags
}
