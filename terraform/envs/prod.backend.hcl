# Remote state of the prod environment (created once, see README "Deploy to Azure"). Entra ID auth, no keys.
resource_group_name  = "rg-lakehouse-tfstate"
storage_account_name = "stlakehousetfstate"
container_name       = "tfstate"
key                  = "lakehouse-prod.tfstate"
