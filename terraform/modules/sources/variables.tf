variable "name" {
  description = "Stack name."
  type        = string
}

variable "raw_bucket" {
  description = "The raw-logs bucket."
  type        = string
}

variable "raw_bucket_arn" {
  description = "Its ARN."
  type        = string
}

variable "kms_key_arn" {
  description = "The stack's KMS key."
  type        = string
}

variable "enable_cloudtrail" {
  description = "Create the trail."
  type        = bool
}

variable "enable_vpc_flow_logs" {
  description = "Flow logs for every VPC in the region."
  type        = bool
}

variable "enable_guardduty" {
  description = "Enable GuardDuty and export its findings."
  type        = bool
}
