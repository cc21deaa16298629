variable "name" {
  description = "Stack name: secrets are <name>/<platform>."
  type        = string
}

variable "kms_key_arn" {
  description = "The KMS key the secrets are encrypted with."
  type        = string
}

variable "recovery_window_in_days" {
  description = "Days a deleted secret can be restored (0: deleted at once)."
  type        = number
  default     = 7
}
