# The environment's virtual network: Databricks clusters run in it (VNet injection, no public IPs), and the lake,
# the Key Vault and Synapse serverless SQL are reached from it through private endpoints.

resource "azurerm_virtual_network" "this" {
  name                = local.names.vnet
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  address_space       = [var.vnet_address_space]
  tags                = local.tags
}

locals {
  subnets = {
    databricks-host      = cidrsubnet(var.vnet_address_space, 2, 0)
    databricks-container = cidrsubnet(var.vnet_address_space, 2, 1)
    private-endpoints    = cidrsubnet(var.vnet_address_space, 2, 2)
  }
  databricks_subnets = ["databricks-host", "databricks-container"]

  # One zone per private-link service in use; each is linked to the VNet so clusters resolve the private addresses.
  private_dns_zones = {
    dfs   = "privatelink.dfs.core.windows.net"
    blob  = "privatelink.blob.core.windows.net"
    vault = "privatelink.vaultcore.azure.net"
    sql   = "privatelink.sql.azuresynapse.net"
  }
}

resource "azurerm_subnet" "this" {
  for_each             = local.subnets
  name                 = "snet-${each.key}"
  resource_group_name  = azurerm_resource_group.this.name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = [each.value]

  dynamic "delegation" {
    for_each = contains(local.databricks_subnets, each.key) ? ["databricks"] : []
    content {
      name = "databricks"
      service_delegation {
        name = "Microsoft.Databricks/workspaces"
        actions = [
          "Microsoft.Network/virtualNetworks/subnets/join/action",
          "Microsoft.Network/virtualNetworks/subnets/prepareNetworkPolicies/action",
          "Microsoft.Network/virtualNetworks/subnets/unprepareNetworkPolicies/action",
        ]
      }
    }
  }
}

# Databricks adds and owns the rules of its subnets' group (network_security_group_rules_required = "AllRules");
# the private-endpoint subnet's group has Azure's default rules only.
resource "azurerm_network_security_group" "this" {
  for_each            = toset(["databricks", "private-endpoints"])
  name                = "nsg-${local.prefix}-${each.key}"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  tags                = local.tags
}

resource "azurerm_subnet_network_security_group_association" "this" {
  for_each                  = local.subnets
  subnet_id                 = azurerm_subnet.this[each.key].id
  network_security_group_id = azurerm_network_security_group.this[contains(local.databricks_subnets, each.key) ? "databricks" : "private-endpoints"].id
}

resource "azurerm_private_dns_zone" "this" {
  for_each            = local.private_dns_zones
  name                = each.value
  resource_group_name = azurerm_resource_group.this.name
  tags                = local.tags
}

resource "azurerm_private_dns_zone_virtual_network_link" "this" {
  for_each              = local.private_dns_zones
  name                  = "link-${local.prefix}-${each.key}"
  resource_group_name   = azurerm_resource_group.this.name
  private_dns_zone_name = azurerm_private_dns_zone.this[each.key].name
  virtual_network_id    = azurerm_virtual_network.this.id
  tags                  = local.tags
}
