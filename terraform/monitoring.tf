# Log Analytics, diagnostic settings of every service, an alert on failed Data Factory runs, a budget.

resource "azurerm_log_analytics_workspace" "this" {
  name                = local.names.log_analytics
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  sku                 = "PerGB2018"
  retention_in_days   = var.log_retention_days
  tags                = local.tags
}

locals {
  # Every log category of each service (category group allLogs); storage logs are per service (blob, dfs...).
  diagnostic_targets = merge(
    {
      key_vault    = azurerm_key_vault.this.id
      data_factory = azurerm_data_factory.this.id
      databricks   = azurerm_databricks_workspace.this.id
      synapse      = azurerm_synapse_workspace.this.id
    },
    {
      for service in ["blobServices", "queueServices", "tableServices", "fileServices"] :
      "lake_${service}" => "${azurerm_storage_account.lake.id}/${service}/default"
    },
  )
}

resource "azurerm_monitor_diagnostic_setting" "this" {
  for_each                       = local.diagnostic_targets
  name                           = "to-${local.names.log_analytics}"
  target_resource_id             = each.value
  log_analytics_workspace_id     = azurerm_log_analytics_workspace.this.id
  log_analytics_destination_type = each.key == "data_factory" ? "Dedicated" : null

  enabled_log {
    category_group = "allLogs"
  }
}

resource "azurerm_monitor_action_group" "this" {
  name                = local.names.action_group
  resource_group_name = azurerm_resource_group.this.name
  short_name          = substr("lh${local.env_short}alerts", 0, 12)

  dynamic "email_receiver" {
    for_each = var.alert_email_addresses
    content {
      name                    = "email-${email_receiver.key}"
      email_address           = email_receiver.value
      use_common_alert_schema = true
    }
  }

  tags = local.tags
}

# Any failed pipeline run of the factory (the pipeline also posts its own webhook alert; this one also catches
# failures before the pipeline's alert activities run, e.g. a broken trigger or linked service).
resource "azurerm_monitor_metric_alert" "adf_failed_runs" {
  name                = "alert-${local.names.data_factory}-failed-runs"
  resource_group_name = azurerm_resource_group.this.name
  scopes              = [azurerm_data_factory.this.id]
  description         = "A Data Factory pipeline run failed"
  severity            = 1
  frequency           = "PT5M"
  window_size         = "PT15M"
  auto_mitigate       = true

  criteria {
    metric_namespace = "Microsoft.DataFactory/factories"
    metric_name      = "PipelineFailedRuns"
    aggregation      = "Total"
    operator         = "GreaterThan"
    threshold        = 0

    dimension {
      name     = "Name"
      operator = "Include"
      values   = ["*"]
    }
  }

  action {
    action_group_id = azurerm_monitor_action_group.this.id
  }

  tags = local.tags
}

resource "azurerm_consumption_budget_resource_group" "this" {
  name              = "budget-${local.prefix}"
  resource_group_id = azurerm_resource_group.this.id
  amount            = var.monthly_budget_amount
  time_grain        = "Monthly"

  time_period {
    start_date = "${var.budget_start_date}T00:00:00Z"
  }

  notification {
    enabled        = true
    threshold      = 80
    operator       = "GreaterThan"
    threshold_type = "Actual"
    contact_groups = [azurerm_monitor_action_group.this.id]
  }

  notification {
    enabled        = true
    threshold      = 100
    operator       = "GreaterThan"
    threshold_type = "Forecasted"
    contact_groups = [azurerm_monitor_action_group.this.id]
  }

  lifecycle {
    # Azure refuses a start date in the past; the first one stays.
    ignore_changes = [time_period]
  }
}
