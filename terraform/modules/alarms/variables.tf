variable "name" {
  description = "Stack name."
  type        = string
}

variable "account_id" {
  description = "The AWS account id."
  type        = string
}

variable "kms_key_arn" {
  description = "The stack's KMS key (the topic is encrypted)."
  type        = string
}

variable "function_names" {
  description = "Function names by function."
  type        = map(string)
}

variable "dlq_name" {
  description = "The dead-letter queue's name."
  type        = string
}

variable "alarm_email" {
  description = "Where alarms are e-mailed (empty: none)."
  type        = string
}

variable "monthly_budget_usd" {
  description = "The monthly budget, USD."
  type        = number
}
