# terraform plan -var-file=envs/staging.tfvars (state: terraform init -backend-config=envs/staging.backend.hcl)
environment              = "staging"
location                 = "westeurope"
vnet_address_space       = "10.40.4.0/22"
storage_replication_type = "GRS"
unity_catalog_name       = "lakehouse_staging"
alert_email_addresses    = ["data-platform-alerts@example.com"] # placeholder: the team's address (Azure alerts, job failure e-mails)
monthly_budget_amount    = 1000
budget_start_date        = "2026-01-01"
tags = {
  cost_center = "analytics"
}
