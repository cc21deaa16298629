# Mantissa Log on AWS: the data layer (buckets, the Glue tables and the
# Athena workgroup, the DynamoDB state), the secrets, the five Lambda
# functions, the API in front of the bot, what starts the others
# (schedules, S3 notifications), the AWS log sources and the alarms.
# Modules are named for what they make; the Glue and DynamoDB table
# definitions are generated from the product's code (see terraform/README.md).

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

module "storage" {
  source        = "./modules/storage"
  name          = var.name
  account_id    = data.aws_caller_identity.current.account_id
  partition     = data.aws_partition.current.partition
  region        = var.region
  force_destroy = var.force_destroy
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

module "secrets" {
  source                  = "./modules/secrets"
  name                    = var.name
  kms_key_arn             = module.storage.kms_key_arn
  recovery_window_in_days = var.force_destroy ? 0 : 7
}

module "identity" {
  source              = "./modules/identity"
  name                = var.name
  region              = var.region
  deletion_protection = var.deletion_protection
}

module "functions" {
  source              = "./modules/functions"
  name                = var.name
  region              = var.region
  account_id          = data.aws_caller_identity.current.account_id
  partition           = data.aws_partition.current.partition
  lambda_dist         = var.lambda_dist
  kms_key_arn         = module.storage.kms_key_arn
  buckets             = module.storage.buckets
  bucket_arns         = module.storage.bucket_arns
  table_arns          = module.state.table_arns
  glue_database       = module.catalog.database
  workgroup           = module.catalog.workgroup
  workgroup_arn       = module.catalog.workgroup_arn
  secret_arns         = module.secrets.arns
  llm_provider        = var.llm_provider
  bedrock_model_id    = var.bedrock_model_id
  jwt_issuer          = module.identity.issuer
  jwt_jwks_url        = module.identity.jwks_url
  jwt_audience        = module.identity.client_id
  slack_alert_channel = var.slack_alert_channel
  discord = {
    public_key     = var.discord_public_key
    application_id = var.discord_application_id
  }
  log_retention_days = var.log_retention_days
}

module "api" {
  source             = "./modules/api"
  name               = var.name
  bot_invoke_arn     = module.functions.invoke_arns["bot"]
  bot_function_name  = module.functions.names["bot"]
  jwt_issuer         = module.identity.issuer
  jwt_audience       = module.identity.client_id
  kms_key_arn        = module.storage.kms_key_arn
  log_retention_days = var.log_retention_days
}

module "schedules" {
  source         = "./modules/schedules"
  name           = var.name
  account_id     = data.aws_caller_identity.current.account_id
  schedules      = { detector = var.detector_schedule, router = var.router_schedule }
  function_arns  = module.functions.arns
  raw_bucket     = module.storage.buckets["raw"]
  raw_bucket_arn = module.storage.bucket_arns["raw"]
}

module "sources" {
  source               = "./modules/sources"
  name                 = var.name
  raw_bucket           = module.storage.buckets["raw"]
  raw_bucket_arn       = module.storage.bucket_arns["raw"]
  kms_key_arn          = module.storage.kms_key_arn
  enable_cloudtrail    = var.enable_cloudtrail
  enable_vpc_flow_logs = var.enable_vpc_flow_logs
  enable_guardduty     = var.enable_guardduty
}

module "alarms" {
  source             = "./modules/alarms"
  name               = var.name
  account_id         = data.aws_caller_identity.current.account_id
  kms_key_arn        = module.storage.kms_key_arn
  function_names     = module.functions.names
  dlq_name           = module.functions.dlq_name
  alarm_email        = var.alarm_email
  monthly_budget_usd = var.monthly_budget_usd
}
