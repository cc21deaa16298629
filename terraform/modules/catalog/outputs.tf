output "database" {
  description = "The Glue database."
  value       = aws_glue_catalog_database.logs.name
}

output "workgroup" {
  description = "The Athena workgroup."
  value       = aws_athena_workgroup.queries.name
}

output "workgroup_arn" {
  description = "The Athena workgroup's ARN (for IAM)."
  value       = aws_athena_workgroup.queries.arn
}
