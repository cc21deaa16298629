output "buckets" {
  description = "Bucket names by role: raw, tables, results, rules."
  value       = { for k, b in aws_s3_bucket.this : k => b.id }
}

output "bucket_arns" {
  description = "Bucket ARNs by role."
  value       = { for k, b in aws_s3_bucket.this : k => b.arn }
}

output "kms_key_arn" {
  description = "The stack's KMS key."
  value       = aws_kms_key.data.arn
}
