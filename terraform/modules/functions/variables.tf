variable "name" {
  description = "Stack name: functions are <name>-<function>."
  type        = string
}

variable "region" {
  description = "The stack's region."
  type        = string
}

variable "account_id" {
  description = "The AWS account id."
  type        = string
}

variable "partition" {
  description = "The AWS partition."
  type        = string
}

variable "lambda_dist" {
  description = "Directory holding <function>.zip (scripts/build-lambdas.sh)."
  type        = string
}

variable "kms_key_arn" {
  description = "The stack's KMS key (logs, environment, dead-letter queue, data)."
  type        = string
}

variable "buckets" {
  description = "Bucket names by role: raw, tables, results, rules."
  type        = map(string)
}

variable "bucket_arns" {
  description = "Bucket ARNs by role."
  type        = map(string)
}

variable "table_arns" {
  description = "The DynamoDB tables' ARNs and their indexes'."
  type        = list(string)
}

variable "glue_database" {
  description = "The Glue database the tables are in."
  type        = string
}

variable "workgroup" {
  description = "The Athena workgroup."
  type        = string
}

variable "workgroup_arn" {
  description = "The Athena workgroup's ARN."
  type        = string
}

variable "secret_arns" {
  description = "Secret ARNs by platform: slack, discord, pagerduty, llm."
  type        = map(string)
}

variable "llm_provider" {
  description = "bedrock, anthropic, openai or none."
  type        = string
}

variable "bedrock_model_id" {
  description = "The Bedrock model, for llm_provider = bedrock."
  type        = string
}

variable "jwt_issuer" {
  description = "The Cognito pool's issuer ([api.jwt] issuer)."
  type        = string
}

variable "jwt_jwks_url" {
  description = "The Cognito pool's JWKS URL."
  type        = string
}

variable "jwt_audience" {
  description = "The API's app client id."
  type        = string
}

variable "slack_alert_channel" {
  description = "Slack channel id for alerts (empty: not posted)."
  type        = string
}

variable "discord" {
  description = "The Discord application (public_key, application_id; empty: Discord off)."
  type = object({
    public_key     = string
    application_id = string
  })
}

variable "log_retention_days" {
  description = "Days the functions' logs are kept."
  type        = number
}

variable "detector_concurrency" {
  description = "Concurrent detector invocations: 1, so cycles never overlap (each catches up what it finds missing)."
  type        = number
  default     = 1
}
