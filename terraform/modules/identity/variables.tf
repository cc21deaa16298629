variable "name" {
  description = "Stack name."
  type        = string
}

variable "region" {
  description = "The region (the issuer URL carries it)."
  type        = string
}

variable "deletion_protection" {
  description = "Refuse to delete the user pool (turned off by scripts/destroy.sh)."
  type        = bool
  default     = true
}
