# Providers and the remote state. Credentials never live here: locally `az login`; in GitHub Actions the
# workflow's OIDC login (ARM_USE_OIDC, ARM_CLIENT_ID, ARM_TENANT_ID, ARM_SUBSCRIPTION_ID) for azurerm, azuread
# and the backend, and the Azure CLI session (DATABRICKS_AUTH_TYPE=azure-cli) for Databricks.
terraform {
  required_version = ">= 1.9.0, < 2.0.0"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.55"
    }
    azuread = {
      source  = "hashicorp/azuread"
      version = "~> 3.7"
    }
    databricks = {
      source  = "databricks/databricks"
      version = "~> 1.99"
    }
  }

  # Partial configuration: the state's resource group, account, container and key come from
  # envs/<environment>.backend.hcl (`terraform init -backend-config=envs/dev.backend.hcl`). Entra ID auth only:
  # the state account has shared keys disabled.
  backend "azurerm" {
    use_azuread_auth = true
  }
}

provider "azurerm" {
  # Data-plane calls to storage use Entra ID: the lake account has shared-key access disabled.
  storage_use_azuread = true

  features {
    key_vault {
      # Purge protection is on; a destroyed vault stays recoverable for its retention period.
      purge_soft_delete_on_destroy    = false
      recover_soft_deleted_key_vaults = true
    }
    resource_group {
      prevent_deletion_if_contains_resources = true
    }
  }
}

provider "azuread" {}

# The workspace created in databricks.tf; Entra ID auth against it (no personal access tokens).
provider "databricks" {
  host                        = "https://${azurerm_databricks_workspace.this.workspace_url}"
  azure_workspace_resource_id = azurerm_databricks_workspace.this.id
}
