variable "name" {
  description = "Stack name (the wizard's environment name), prefix of every resource."
  type        = string
}

variable "account_id" {
  description = "The AWS account id (bucket names are global: they carry it)."
  type        = string
}

variable "region" {
  description = "The stack's region (CloudWatch Logs encrypts with the key there)."
  type        = string
}

variable "partition" {
  description = "The AWS partition (aws, aws-us-gov, aws-cn)."
  type        = string
  default     = "aws"
}

variable "results_expiry_days" {
  description = "Days Athena query results are kept."
  type        = number
  default     = 7
}

variable "raw_infrequent_access_days" {
  description = "Days before raw logs move to S3 Standard-IA (the Parquet tables are what queries read)."
  type        = number
  default     = 30
}

variable "raw_glacier_days" {
  description = "Days before raw logs move to Glacier Instant Retrieval."
  type        = number
  default     = 90
}

variable "raw_expiry_days" {
  description = "Days raw logs are kept."
  type        = number
  default     = 400
}

variable "force_destroy" {
  description = "Let Terraform delete the buckets with their objects (scripts/destroy.sh sets it)."
  type        = bool
  default     = false
}
