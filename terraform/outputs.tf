output "rules_bucket" {
  description = "Upload rules here (mantissa rules sync --to s3://<bucket>/rules/)."
  value       = module.storage.buckets["rules"]
}

output "raw_bucket" {
  description = "Raw logs (CloudTrail, VPC Flow Logs, GuardDuty exports, custom JSON) land here."
  value       = module.storage.buckets["raw"]
}

output "tables_bucket" {
  description = "The Parquet tables ([storage] url = s3://<bucket>/)."
  value       = module.storage.buckets["tables"]
}

output "glue_database" {
  description = "[engine.athena] database."
  value       = module.catalog.database
}

output "athena_workgroup" {
  description = "[engine.athena] workgroup."
  value       = module.catalog.workgroup
}
