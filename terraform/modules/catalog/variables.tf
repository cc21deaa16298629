variable "database" {
  description = "The Glue database of the log tables ([engine.athena] database)."
  type        = string
}

variable "workgroup" {
  description = "The Athena workgroup ([engine.athena] workgroup)."
  type        = string
}

variable "tables_bucket" {
  description = "The bucket holding the Parquet tables ([storage] url)."
  type        = string
}

variable "results_bucket" {
  description = "The bucket for Athena query results."
  type        = string
}

variable "kms_key_arn" {
  description = "The KMS key query results are encrypted with."
  type        = string
}

variable "bytes_scanned_cutoff_per_query" {
  description = "The most one query may scan, in bytes: a runaway question is cancelled there (10 GB ≈ $0.05)."
  type        = number
  default     = 10000000000
}
