output "rules_bucket" {
  description = "Upload rules here (mantissa rules sync --to s3://<bucket>/rules/)."
  value       = module.storage.buckets["rules"]
}

output "raw_bucket" {
  description = "Raw logs (CloudTrail, VPC Flow Logs, GuardDuty exports, custom JSON) land here."
  value       = module.storage.buckets["raw"]
}

output "tables_bucket" {
  description = "The Parquet tables ([storage] url = s3://<bucket>/)."
  value       = module.storage.buckets["tables"]
}

output "glue_database" {
  description = "[engine.athena] database."
  value       = module.catalog.database
}

output "athena_workgroup" {
  description = "[engine.athena] workgroup."
  value       = module.catalog.workgroup
}

output "api_url" {
  description = "The API's base URL (the Slack and Discord request URLs start with it)."
  value       = module.api.url
}

output "api_endpoint" {
  description = "The REST API: POST $API_ENDPOINT/query, GET $API_ENDPOINT/alerts (Cognito JWT)."
  value       = "${module.api.url}/api"
}

output "slack_events_url" {
  description = "Slack app → Event Subscriptions → Request URL."
  value       = "${module.api.url}/slack/events"
}

output "slack_interactions_url" {
  description = "Slack app → Interactivity → Request URL."
  value       = "${module.api.url}/slack/interactions"
}

output "slack_commands_url" {
  description = "Slack app → Slash Commands → /mantissa → Request URL."
  value       = "${module.api.url}/slack/commands"
}

output "discord_interactions_url" {
  description = "Discord Developer Portal → Interactions Endpoint URL."
  value       = "${module.api.url}/discord/interactions"
}

output "cognito_user_pool_id" {
  description = "Create API users here (aws cognito-idp admin-create-user)."
  value       = module.identity.user_pool_id
}

output "cognito_client_id" {
  description = "The API's app client (initiate-auth --client-id)."
  value       = module.identity.client_id
}

output "slack_secret_arn" {
  description = "Slack signing secret and bot token (JSON: signing_secret, bot_token)."
  value       = module.secrets.arns["slack"]
}

output "discord_secret_arn" {
  description = "Discord bot token (JSON: bot_token)."
  value       = module.secrets.arns["discord"]
}

output "pagerduty_secret_arn" {
  description = "PagerDuty routing key (JSON: routing_key)."
  value       = module.secrets.arns["pagerduty"]
}

output "llm_secret_arn" {
  description = "The LLM API key for anthropic or openai (JSON: api_key)."
  value       = module.secrets.arns["llm"]
}

output "functions" {
  description = "The Lambda functions by role."
  value       = module.functions.names
}

output "detector_log_group" {
  description = "aws logs tail <this> --follow"
  value       = module.functions.log_groups["detector"]
}

output "alarms_topic_arn" {
  description = "Alarms and the billing alert are published here."
  value       = module.alarms.topic_arn
}
