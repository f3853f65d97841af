# terraform plan -var-file=envs/prod.tfvars (state: terraform init -backend-config=envs/prod.backend.hcl)
environment              = "prod"
location                 = "westeurope"
vnet_address_space       = "10.40.8.0/22"
storage_replication_type = "RAGRS"
unity_catalog_name       = "lakehouse"
alert_email_addresses    = ["data-platform-alerts@example.com"] # placeholder: the team's address (Azure alerts, job failure e-mails)
monthly_budget_amount    = 3000
budget_start_date        = "2026-01-01"
tags = {
  cost_center = "analytics"
}
