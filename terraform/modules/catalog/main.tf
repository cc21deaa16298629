# The Glue database with the log tables (tables.tf.json, generated from the
# product's catalog) and the Athena workgroup every query runs in.

resource "aws_glue_catalog_database" "logs" {
  name        = var.database
  description = "Mantissa Log tables: day-partitioned Parquet with partition projection on dt"
}

# Enforced configuration: clients cannot lift the per-query scan cutoff or
# send results elsewhere; results are encrypted with the stack's key.
resource "aws_athena_workgroup" "queries" {
  name          = var.workgroup
  force_destroy = true
  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.bytes_scanned_cutoff_per_query
    engine_version {
      selected_engine_version = "Athena engine version 3"
    }
    result_configuration {
      output_location = "s3://${var.results_bucket}/results/"
      encryption_configuration {
        encryption_option = "SSE_KMS"
        kms_key_arn       = var.kms_key_arn
      }
    }
  }
}
