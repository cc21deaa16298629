variable "name" {
  description = "Table name prefix ([stores] table_prefix): tables are <name>-<table>."
  type        = string
}

variable "kms_key_arn" {
  description = "The KMS key the tables are encrypted with."
  type        = string
}

variable "deletion_protection" {
  description = "Refuse to delete the tables (turned off by scripts/destroy.sh)."
  type        = bool
  default     = true
}
