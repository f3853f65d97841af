# The environment's Key Vault: Azure RBAC (no access policies), soft delete with purge protection, firewall
# default Deny. It holds the pipeline's one secret (the alert webhook URL, secret "alert-webhook-url"), which an
# operator puts in; Terraform never handles secret values. Who gets in, and how: VNet clients through the private
# endpoint below; Data Factory through its managed private endpoint (data_factory.tf), as the trusted-services
# exception would only cover its linked-service credentials, not the Web activity that reads the secret; the
# Databricks secret scope as a trusted service.

resource "azurerm_key_vault" "this" {
  #checkov:skip=CKV_AZURE_189:Public endpoint stays on behind a default-Deny firewall so the trusted service that reads it from Microsoft's network gets in: the Databricks Key Vault-backed secret scope. Data Factory and VNet clients use private endpoints.
  name                          = local.names.key_vault
  location                      = azurerm_resource_group.this.location
  resource_group_name           = azurerm_resource_group.this.name
  tenant_id                     = data.azurerm_client_config.current.tenant_id
  sku_name                      = "standard"
  rbac_authorization_enabled    = true
  purge_protection_enabled      = true
  soft_delete_retention_days    = var.soft_delete_retention_days
  public_network_access_enabled = true

  network_acls {
    default_action = "Deny"
    bypass         = "AzureServices"
  }

  tags = local.tags
}

resource "azurerm_private_endpoint" "key_vault" {
  name                = "pe-${local.names.key_vault}"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  subnet_id           = azurerm_subnet.this["private-endpoints"].id

  private_service_connection {
    name                           = "psc-${local.names.key_vault}"
    private_connection_resource_id = azurerm_key_vault.this.id
    subresource_names              = ["vault"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [azurerm_private_dns_zone.this["vault"].id]
  }

  tags = local.tags
}

# Readers of secrets: the factory's identity (the pipeline's Web activity reads the webhook URL) and Azure
# Databricks' first-party application, through which the Key Vault-backed secret scope reads.
data "azuread_service_principal" "azure_databricks" {
  client_id = "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d" # the AzureDatabricks application, the same in every tenant
}

resource "azurerm_role_assignment" "key_vault_secrets_user" {
  for_each = {
    data_factory     = azurerm_data_factory.this.identity[0].principal_id
    azure_databricks = data.azuread_service_principal.azure_databricks.object_id
  }
  scope                = azurerm_key_vault.this.id
  role_definition_name = "Key Vault Secrets User"
  principal_id         = each.value
}
