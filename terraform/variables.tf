# Inputs of one environment; envs/<environment>.tfvars sets them. No variable holds a secret: the platform uses
# managed identities and Entra ID groups, and the one secret the pipeline reads (the alert webhook URL) is put in
# the Key Vault by an operator, never passed through Terraform.

variable "environment" {
  type        = string
  description = "Deployment environment; part of every resource name and tag."

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "The environment must be one of dev, staging, prod."
  }
}

variable "project" {
  type        = string
  description = "Short project name used as the naming prefix (lower-case letters and digits, 3-10 characters)."
  default     = "lakehouse"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{2,9}$", var.project))
    error_message = "The project must be 3-10 lower-case letters or digits, starting with a letter."
  }
}

variable "location" {
  type        = string
  description = "Azure region of every resource (a region with Databricks, Synapse and Data Factory)."
  default     = "westeurope"
}

variable "tags" {
  type        = map(string)
  description = "Extra tags merged into the standard ones (project, environment, managed_by)."
  default     = {}
}

variable "vnet_address_space" {
  type        = string
  description = "A /22 for the environment's virtual network: Databricks host and container subnets, private endpoints."
  default     = "10.40.0.0/22"

  validation {
    condition     = can(cidrhost(var.vnet_address_space, 0)) && endswith(var.vnet_address_space, "/22")
    error_message = "The vnet_address_space must be a /22 CIDR block."
  }
}

variable "storage_replication_type" {
  type        = string
  description = "Replication of the lake account. Zone-redundant types are excluded: they do not support the archive tier the Bronze lifecycle rule moves blobs to."
  default     = "GRS"

  validation {
    condition     = contains(["LRS", "GRS", "RAGRS"], var.storage_replication_type)
    error_message = "The storage_replication_type must be LRS, GRS or RAGRS (archive tier support)."
  }
}

variable "storage_allowed_ip_ranges" {
  type        = list(string)
  description = "Public egress ranges (CIDR) allowed through the lake account's firewall, e.g. the hosts that run `lakehouse land`. Everything else reaches the lake through private endpoints, trusted Azure services or resource-instance rules."
  default     = []
}

variable "soft_delete_retention_days" {
  type        = number
  description = "Days that deleted blobs, containers and Key Vault objects stay recoverable."
  default     = 30

  validation {
    condition     = var.soft_delete_retention_days >= 7 && var.soft_delete_retention_days <= 90
    error_message = "The soft_delete_retention_days must be between 7 and 90."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the Log Analytics workspace, in days."
  default     = 90

  validation {
    condition     = var.log_retention_days >= 30 && var.log_retention_days <= 730
    error_message = "The log_retention_days must be between 30 and 730."
  }
}

variable "alert_email_addresses" {
  type        = list(string)
  description = "Who the action group emails about failed Data Factory runs and budget thresholds."

  validation {
    condition     = length(var.alert_email_addresses) > 0 && alltrue([for a in var.alert_email_addresses : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", a))])
    error_message = "Give at least one e-mail address, each of the form name@domain.tld."
  }
}

variable "monthly_budget_amount" {
  type        = number
  description = "Monthly cost budget of the environment's resource group, in the billing currency."

  validation {
    condition     = var.monthly_budget_amount > 0
    error_message = "The monthly_budget_amount must be positive."
  }
}

variable "budget_start_date" {
  type        = string
  description = "First day of the budget's first month, YYYY-MM-01 (Azure requires the first of a month, not in the past when created)."

  validation {
    condition     = can(regex("^[0-9]{4}-[0-9]{2}-01$", var.budget_start_date))
    error_message = "The budget_start_date must be the first day of a month, YYYY-MM-01."
  }
}

variable "unity_catalog_name" {
  type        = string
  description = "Unity Catalog catalog of this environment. The jobs' root is /Volumes/<catalog>/<environment>, whose volumes bronze, silver, gold and ops are the lake's containers."
  default     = "lakehouse"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.unity_catalog_name))
    error_message = "The unity_catalog_name must be a lower-case identifier (letters, digits, underscores)."
  }
}

variable "catalog_storage_root" {
  type        = string
  description = "Managed storage location (abfss://...) of the catalog, outside the four layer containers; null uses the metastore's root storage. The catalog holds external volumes only, so little or nothing is written there."
  default     = null
  nullable    = true
}

variable "adf_job_wiring_enabled" {
  type        = bool
  description = "Look up the Databricks jobs of jobs/ that `lakehouse deploy` created, set their permissions, and wire the ids of the pipeline's jobs into the Data Factory pipeline (granting the factory CAN_MANAGE_RUN on those). Set false for the very first apply, when the jobs do not exist yet; the trigger stays stopped while it is false."
  default     = true
}
