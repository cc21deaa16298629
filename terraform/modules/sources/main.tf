# The AWS log sources the wizard can turn on, each delivering into the raw
# bucket where the ingest function picks the new objects up: a multi-region
# CloudTrail trail, the flow logs of every VPC in the region, and GuardDuty
# with its findings exported.

resource "aws_cloudtrail" "this" {
  #checkov:skip=CKV2_AWS_10:Mantissa Log reads the trail from S3 and alerts on it itself; a CloudWatch Logs copy would double the ingestion cost.
  #checkov:skip=CKV_AWS_252:New log files are announced by the raw bucket's S3 notifications to the ingest function, not SNS.
  count                         = var.enable_cloudtrail ? 1 : 0
  name                          = var.name
  s3_bucket_name                = var.raw_bucket
  kms_key_id                    = var.kms_key_arn
  is_multi_region_trail         = true
  include_global_service_events = true
  enable_log_file_validation    = true
}

data "aws_vpcs" "all" {}

resource "aws_flow_log" "vpc" {
  for_each                 = var.enable_vpc_flow_logs ? toset(data.aws_vpcs.all.ids) : toset([])
  vpc_id                   = each.value
  traffic_type             = "ALL"
  log_destination_type     = "s3"
  log_destination          = var.raw_bucket_arn
  max_aggregation_interval = 60
}

resource "aws_guardduty_detector" "this" {
  #checkov:skip=CKV2_AWS_3:A single-account stack enables GuardDuty in its own region; organisation-wide delegation is set up in the organisation's management account.
  count                        = var.enable_guardduty ? 1 : 0
  enable                       = true
  finding_publishing_frequency = "FIFTEEN_MINUTES"
}

resource "aws_guardduty_publishing_destination" "raw" {
  count           = var.enable_guardduty ? 1 : 0
  detector_id     = aws_guardduty_detector.this[0].id
  destination_arn = var.raw_bucket_arn
  kms_key_arn     = var.kms_key_arn
}
