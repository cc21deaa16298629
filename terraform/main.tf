# Mantissa Log on AWS: the data layer (buckets, the Glue tables and the
# Athena workgroup, the DynamoDB state). Modules are named for what they
# make; the Glue and DynamoDB table definitions inside them are generated
# from the product's code (see terraform/README.md).

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

module "storage" {
  source     = "./modules/storage"
  name       = var.name
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
}

module "catalog" {
  source                         = "./modules/catalog"
  database                       = replace(var.name, "-", "_")
  workgroup                      = var.name
  tables_bucket                  = module.storage.buckets["tables"]
  results_bucket                 = module.storage.buckets["results"]
  kms_key_arn                    = module.storage.kms_key_arn
  bytes_scanned_cutoff_per_query = var.bytes_scanned_cutoff_per_query
}

module "state" {
  source              = "./modules/state"
  name                = var.name
  kms_key_arn         = module.storage.kms_key_arn
  deletion_protection = var.deletion_protection
}
