variable "name" {
  description = "Environment name (the wizard's first question): prefix of every resource, e.g. mantissa-prod."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "3-31 characters: lower-case letters, digits and '-', starting with a letter (it names S3 buckets)."
  }
}

variable "region" {
  description = "AWS region of the stack (the wizard's second question)."
  type        = string
  default     = "us-east-1"
}

variable "bytes_scanned_cutoff_per_query" {
  description = "The most one Athena query may scan, in bytes (10 GB ≈ $0.05)."
  type        = number
  default     = 10000000000
}

variable "deletion_protection" {
  description = "Protect the DynamoDB tables from deletion (scripts/destroy.sh turns it off first)."
  type        = bool
  default     = true
}

variable "llm_provider" {
  description = "LLM for questions the built-in translator is not sure of (the wizard's third question): bedrock, anthropic, openai or none."
  type        = string
  default     = "bedrock"
  validation {
    condition     = contains(["bedrock", "anthropic", "openai", "none"], var.llm_provider)
    error_message = "One of bedrock, anthropic, openai, none."
  }
}

variable "bedrock_model_id" {
  description = "The Bedrock model (llm_provider = bedrock)."
  type        = string
  default     = "anthropic.claude-3-5-haiku-20241022-v1:0"
}

variable "enable_vpc_flow_logs" {
  description = "Send the flow logs of every VPC in the region to the raw bucket (the wizard's fourth question)."
  type        = bool
  default     = true
}

variable "enable_guardduty" {
  description = "Enable GuardDuty and export its findings to the raw bucket (the wizard's fifth question)."
  type        = bool
  default     = true
}

variable "enable_cloudtrail" {
  description = "Create a multi-region CloudTrail trail into the raw bucket (off if the account already sends CloudTrail there)."
  type        = bool
  default     = true
}

variable "lambda_dist" {
  description = "Directory holding <function>.zip for bot, worker, detector, router and ingest (scripts/build-lambdas.sh writes target/lambda)."
  type        = string
  default     = "../target/lambda"
}

variable "detector_schedule" {
  description = "How often the detector runs (EventBridge schedule expression)."
  type        = string
  default     = "rate(5 minutes)"
}

variable "router_schedule" {
  description = "How often the router drains the delivery outbox (retries, lifecycle edits)."
  type        = string
  default     = "rate(1 minute)"
}

variable "discord_public_key" {
  description = "Discord application's public key (Developer Portal → General Information), to verify interactions; empty: Discord off."
  type        = string
  default     = ""
}

variable "discord_application_id" {
  description = "Discord application id (Developer Portal → General Information)."
  type        = string
  default     = ""
}

variable "slack_alert_channel" {
  description = "Slack channel id alerts are posted to (empty: alerts are stored and shown by the API, not posted)."
  type        = string
  default     = ""
}

variable "log_retention_days" {
  description = "Days the functions' and the API's CloudWatch logs are kept (a year: what an incident review may ask for)."
  type        = number
  default     = 365
}

variable "alarm_email" {
  description = "Where alarms and the billing alert are e-mailed (empty: the SNS topic only)."
  type        = string
  default     = ""
}

variable "monthly_budget_usd" {
  description = "Monthly cost (USD) above which the billing alert fires (actual or forecast)."
  type        = number
  default     = 100
}

variable "force_destroy" {
  description = "Let Terraform delete the buckets with their data (scripts/destroy.sh sets it)."
  type        = bool
  default     = false
}
