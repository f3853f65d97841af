# terraform plan -var-file=envs/dev.tfvars (state: terraform init -backend-config=envs/dev.backend.hcl)
environment              = "dev"
location                 = "westeurope"
vnet_address_space       = "10.40.0.0/22"
storage_replication_type = "LRS"
unity_catalog_name       = "lakehouse_dev"
alert_email_addresses    = ["data-platform-alerts@example.com"] # placeholder: the team's address (Azure alerts, job failure e-mails)
monthly_budget_amount    = 500
budget_start_date        = "2026-01-01"
tags = {
  cost_center = "analytics"
}
