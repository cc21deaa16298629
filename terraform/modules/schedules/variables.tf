variable "name" {
  description = "Stack name."
  type        = string
}

variable "account_id" {
  description = "The AWS account id."
  type        = string
}

variable "schedules" {
  description = "Schedule expression by function (detector, router)."
  type        = map(string)
}

variable "function_arns" {
  description = "Function ARNs by function."
  type        = map(string)
}

variable "raw_bucket" {
  description = "The raw-logs bucket."
  type        = string
}

variable "raw_bucket_arn" {
  description = "Its ARN."
  type        = string
}
