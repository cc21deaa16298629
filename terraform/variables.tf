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
