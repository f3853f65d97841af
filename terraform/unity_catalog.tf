# Unity Catalog wiring that makes the jobs' root /Volumes/<catalog>/<environment> the lake: an access connector
# (managed identity) as storage credential, one external location and one external volume per container.
# Prerequisite (account level, outside this configuration): the workspace is attached to the region's metastore
# (automatic for new workspaces) and the Entra groups of identity.tf are known to the Databricks account
# (automatic identity management or SCIM provisioning).

resource "azurerm_databricks_access_connector" "this" {
  name                = local.names.access_connector
  resource_group_name = azurerm_resource_group.this.name
  location            = azurerm_resource_group.this.location

  identity {
    type = "SystemAssigned"
  }

  tags = local.tags
}

# The connector reads and writes the four layer containers (container scope, not the account).
resource "azurerm_role_assignment" "access_connector_lake" {
  for_each             = toset(local.lake_containers)
  scope                = azurerm_storage_container.lake[each.key].id
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = azurerm_databricks_access_connector.this.identity[0].principal_id
}

resource "databricks_storage_credential" "lake" {
  name    = "${local.prefix}-lake"
  comment = "Managed identity of ${local.names.access_connector}: the lake's containers (Terraform)"

  azure_managed_identity {
    access_connector_id = azurerm_databricks_access_connector.this.id
  }
}

resource "databricks_external_location" "lake" {
  for_each        = toset(local.lake_containers)
  name            = "${local.prefix}-${each.key}"
  url             = "abfss://${azurerm_storage_container.lake[each.key].name}@${azurerm_storage_account.lake.name}.dfs.core.windows.net/"
  credential_name = databricks_storage_credential.lake.name
  comment         = "The ${each.key} container (contract §1)"

  depends_on = [azurerm_role_assignment.access_connector_lake]
}

# One catalog per environment, bound to this workspace only.
resource "databricks_catalog" "this" {
  name           = var.unity_catalog_name
  storage_root   = var.catalog_storage_root
  isolation_mode = "ISOLATED"
  comment        = "Customer analytics lakehouse, ${var.environment} (Terraform)"
}

resource "databricks_schema" "this" {
  catalog_name = databricks_catalog.this.name
  name         = var.environment
  comment      = "Volumes of the lake's layers; the jobs' root is ${local.lake_root}"
}

# <lake_root>/<layer> is the root of the <layer> container, so the paths below it are the same as locally.
resource "databricks_volume" "lake" {
  for_each         = toset(local.lake_containers)
  name             = each.key
  catalog_name     = databricks_catalog.this.name
  schema_name      = databricks_schema.this.name
  volume_type      = "EXTERNAL"
  storage_location = databricks_external_location.lake[each.key].url
  comment          = "The ${each.key} container"
}

resource "databricks_grants" "catalog" {
  catalog = databricks_catalog.this.name
  grant {
    principal  = local.groups.admins
    privileges = ["ALL_PRIVILEGES"]
  }
  grant {
    principal  = local.groups.engineers
    privileges = ["USE_CATALOG"]
  }
  grant {
    principal  = local.groups.analysts
    privileges = ["USE_CATALOG"]
  }
}

resource "databricks_grants" "schema" {
  schema = databricks_schema.this.id
  grant {
    principal  = local.groups.engineers
    privileges = ["USE_SCHEMA"]
  }
  grant {
    principal  = local.groups.analysts
    privileges = ["USE_SCHEMA"]
  }
}

# Engineers read and write every layer; analysts read Gold only (local.analyst_readable_layers).
resource "databricks_grants" "volume" {
  for_each = databricks_volume.lake
  volume   = each.value.id

  grant {
    principal  = local.groups.engineers
    privileges = ["READ_VOLUME", "WRITE_VOLUME"]
  }

  dynamic "grant" {
    for_each = contains(local.analyst_readable_layers, each.key) ? [local.groups.analysts] : []
    content {
      principal  = grant.value
      privileges = ["READ_VOLUME"]
    }
  }
}

# Only the volumes use the external locations; engineers may browse them, nobody else gets file access.
resource "databricks_grants" "external_location" {
  for_each          = databricks_external_location.lake
  external_location = each.value.id
  grant {
    principal  = local.groups.engineers
    privileges = ["READ_FILES"]
  }
  grant {
    principal  = local.groups.admins
    privileges = ["ALL_PRIVILEGES"]
  }
}
