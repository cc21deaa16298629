variable "name" {
  description = "Stack name."
  type        = string
}

variable "bot_invoke_arn" {
  description = "The bot function's invoke ARN."
  type        = string
}

variable "bot_function_name" {
  description = "The bot function's name."
  type        = string
}

variable "jwt_issuer" {
  description = "The Cognito pool's issuer."
  type        = string
}

variable "jwt_audience" {
  description = "The API's app client id."
  type        = string
}

variable "kms_key_arn" {
  description = "The stack's KMS key (access logs)."
  type        = string
}

variable "log_retention_days" {
  description = "Days the access logs are kept."
  type        = number
}

variable "throttling_burst_limit" {
  description = "Requests the API accepts in a burst."
  type        = number
  default     = 100
}

variable "throttling_rate_limit" {
  description = "Requests per second the API accepts."
  type        = number
  default     = 50
}
