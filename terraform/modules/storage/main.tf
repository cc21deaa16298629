# The stack's S3 buckets: raw logs (CloudTrail, VPC Flow Logs, GuardDuty
# exports, custom JSON), the Parquet tables, Athena query results and the
# detection rules. Every bucket: SSE-KMS with the stack's key, public access
# blocked, TLS-only policy, owner-enforced object ownership.

locals {
  buckets = {
    raw     = "${var.name}-raw-${var.account_id}"
    tables  = "${var.name}-tables-${var.account_id}"
    results = "${var.name}-athena-results-${var.account_id}"
    rules   = "${var.name}-rules-${var.account_id}"
  }
}

resource "aws_kms_key" "data" {
  description         = "${var.name}: log data, query results, rules, state and secrets"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.kms.json
}

resource "aws_kms_alias" "data" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.data.key_id
}

# The account administers the key; AWS services that write log data into
# the raw bucket (CloudTrail, VPC Flow Logs delivery) may encrypt with it.
data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_109:A KMS key policy: the account root administers the key (AWS's default key policy); IAM policies decide who in the account may use it.
  #checkov:skip=CKV_AWS_111:As above: `*` in a key policy is this key.
  #checkov:skip=CKV_AWS_356:As above: `*` in a key policy is this key.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${var.partition}:iam::${var.account_id}:root"]
    }
  }
  statement {
    sid = "CloudWatchLogsEncrypts"
    actions = [
      "kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*",
    ]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${var.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${var.partition}:logs:${var.region}:${var.account_id}:log-group:*"]
    }
  }
  # Alarms and the billing alert publish to the encrypted SNS topic.
  statement {
    sid       = "AlarmsPublish"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com", "budgets.amazonaws.com"]
    }
  }
  statement {
    sid       = "LogDeliveryEncrypts"
    actions   = ["kms:GenerateDataKey*", "kms:Decrypt"]
    resources = ["*"]
    principals {
      type = "Service"
      identifiers = [
        "cloudtrail.amazonaws.com",
        "delivery.logs.amazonaws.com",
        "guardduty.amazonaws.com",
      ]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }
  }
}

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_21:Versioning is on where objects are edited (rules); raw logs are write-once, the tables are rebuilt from raw, results expire.
  #checkov:skip=CKV_AWS_144:Single-region stack; raw logs are already a copy of what AWS delivers, and replication doubles storage cost.
  #checkov:skip=CKV_AWS_18:Server access logs would need a bucket of their own; turn on CloudTrail S3 data events for object-level audit.
  #checkov:skip=CKV2_AWS_62:Only the raw bucket has something to notify (the ingest function); see modules/schedules.
  #checkov:skip=CKV2_AWS_61:Each bucket has its lifecycle below (results expire, raw logs to cheaper storage, tables and rules clean up); checkov does not follow for_each.
  for_each      = local.buckets
  bucket        = each.value
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket_ownership_controls" "this" {
  for_each = aws_s3_bucket.this
  bucket   = each.value.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  for_each                = aws_s3_bucket.this
  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  for_each = aws_s3_bucket.this
  bucket   = each.value.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.data.arn
    }
    bucket_key_enabled = true
  }
}

# Rules are code: every upload is kept, so a bad change can be rolled back.
resource "aws_s3_bucket_versioning" "rules" {
  bucket = aws_s3_bucket.this["rules"].id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "tables_and_rules" {
  for_each = toset(["tables", "rules"])
  bucket   = aws_s3_bucket.this[each.key].id
  rule {
    id     = "clean-up"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 90
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "results" {
  bucket = aws_s3_bucket.this["results"].id
  rule {
    id     = "expire-query-results"
    status = "Enabled"
    filter {}
    expiration {
      days = var.results_expiry_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "raw" {
  bucket = aws_s3_bucket.this["raw"].id
  rule {
    id     = "raw-logs-to-cheaper-storage"
    status = "Enabled"
    filter {}
    transition {
      days          = var.raw_infrequent_access_days
      storage_class = "STANDARD_IA"
    }
    transition {
      days          = var.raw_glacier_days
      storage_class = "GLACIER_IR"
    }
    expiration {
      days = var.raw_expiry_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

# TLS only, on every bucket; the raw bucket also admits the AWS log
# deliveries the wizard enables, each to its own prefix.
data "aws_iam_policy_document" "bucket" {
  for_each = aws_s3_bucket.this
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      each.value.arn,
      "${each.value.arn}/*",
    ]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
  dynamic "statement" {
    for_each = each.key == "raw" ? [1] : []
    content {
      sid       = "LogDeliveryAclCheck"
      actions   = ["s3:GetBucketAcl"]
      resources = [each.value.arn]
      principals {
        type        = "Service"
        identifiers = ["cloudtrail.amazonaws.com", "delivery.logs.amazonaws.com"]
      }
      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [var.account_id]
      }
    }
  }
  dynamic "statement" {
    for_each = each.key == "raw" ? [1] : []
    content {
      sid       = "LogDeliveryWrite"
      actions   = ["s3:PutObject"]
      resources = ["${each.value.arn}/AWSLogs/${var.account_id}/*"]
      principals {
        type        = "Service"
        identifiers = ["cloudtrail.amazonaws.com", "delivery.logs.amazonaws.com"]
      }
      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [var.account_id]
      }
      condition {
        test     = "StringEquals"
        variable = "s3:x-amz-acl"
        values   = ["bucket-owner-full-control"]
      }
    }
  }
}

# GuardDuty's findings export writes to the raw bucket too.
data "aws_iam_policy_document" "guardduty" {
  source_policy_documents = [data.aws_iam_policy_document.bucket["raw"].json]
  statement {
    sid       = "GuardDutyLocation"
    actions   = ["s3:GetBucketLocation"]
    resources = [aws_s3_bucket.this["raw"].arn]
    principals {
      type        = "Service"
      identifiers = ["guardduty.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }
  }
  statement {
    sid       = "GuardDutyWrite"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.this["raw"].arn}/AWSLogs/${var.account_id}/GuardDuty/*"]
    principals {
      type        = "Service"
      identifiers = ["guardduty.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  for_each = aws_s3_bucket.this
  bucket   = each.value.id
  policy   = each.key == "raw" ? data.aws_iam_policy_document.guardduty.json : data.aws_iam_policy_document.bucket[each.key].json
  depends_on = [
    aws_s3_bucket_public_access_block.this,
  ]
}
