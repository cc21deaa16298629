# The five Lambda functions (provided.al2023, x86_64, one `bootstrap` each
# from scripts/build-lambdas.sh), each with its own IAM role holding only
# what it does, its CloudWatch log group, and the stack's dead-letter queue
# for asynchronous invocations that still fail after Lambda's two retries.
#
# Who may do what:
# - bot, worker (the query path) and detector read the tables and run
#   Athena; none of them can write log data (no s3:PutObject on the raw or
#   tables buckets). Only ingest writes the tables, and only from raw.
# - bot may invoke the worker, nothing else.
# - every function reads and writes the stack's DynamoDB tables (sessions,
#   de-dup, alerts, outbox, manifest) and reads only the secrets it uses.

locals {
  functions = {
    bot = {
      description = "Slack, Discord and the REST API behind API Gateway: verify, acknowledge, hand off"
      memory      = 1024
      timeout     = 29 # API Gateway waits 30 s at most
      concurrency = 50
    }
    worker = {
      description = "The bot's jobs: questions, follow-ups, charts, button actions"
      memory      = 1024
      timeout     = 300
      concurrency = 20
    }
    detector = {
      description = "One detection cycle per scheduled event, catching up missed ticks"
      memory      = 1024
      timeout     = 300
      concurrency = var.detector_concurrency
    }
    router = {
      description = "Drains the alert delivery outbox (retries, message edits)"
      memory      = 256
      timeout     = 120
      concurrency = 1
    }
    ingest = {
      description = "New raw log objects normalised into the Parquet tables"
      memory      = 2048
      timeout     = 900
      concurrency = 10
    }
  }

  secret = { for k, arn in var.secret_arns : k => "aws-secretsmanager:${arn}" }

  # Every function: where the tables and state are.
  common_env = {
    MANTISSA_LOG                      = "info"
    MANTISSA_DATA_DIR                 = "/tmp/mantissa"
    MANTISSA_STORAGE_URL              = "s3://${var.buckets["tables"]}/"
    MANTISSA_ENGINE_TYPE              = "athena"
    MANTISSA_ENGINE_ATHENA__WORKGROUP = var.workgroup
    MANTISSA_ENGINE_ATHENA__DATABASE  = var.glue_database
    MANTISSA_STORES_TYPE              = "dynamodb"
    MANTISSA_STORES_TABLE_PREFIX      = var.name
  }

  # Alerts: the routing every function that raises or changes one applies.
  alert_env = merge(
    {
      MANTISSA_SLACK_BOT_TOKEN = "${local.secret["slack"]}#bot_token"
    },
    var.slack_alert_channel == "" ? {} : {
      MANTISSA_ROUTER__DESTINATIONS__SLACK__TYPE    = "slack"
      MANTISSA_ROUTER__DESTINATIONS__SLACK__CHANNEL = var.slack_alert_channel
      MANTISSA_ROUTER__DEFAULT_ROUTE__DESTINATIONS  = "slack"
    },
  )

  llm_env = {
    none      = { MANTISSA_LAMBDA_TRANSLATOR = "builtin" }
    bedrock   = { MANTISSA_LLM_PROVIDER = "bedrock", MANTISSA_LLM_MODEL = var.bedrock_model_id, MANTISSA_LLM_REGION = var.region }
    anthropic = { MANTISSA_LLM_PROVIDER = "anthropic", MANTISSA_LLM_API_KEY = "${local.secret["llm"]}#api_key" }
    openai    = { MANTISSA_LLM_PROVIDER = "openai", MANTISSA_LLM_API_KEY = "${local.secret["llm"]}#api_key" }
  }[var.llm_provider]

  # The chat path: platforms, API tokens, the worker.
  chat_env = merge(local.llm_env, var.discord.public_key == "" ? {} : {
    MANTISSA_DISCORD_PUBLIC_KEY     = var.discord.public_key
    MANTISSA_DISCORD_APPLICATION_ID = var.discord.application_id
    }, {
    MANTISSA_SLACK_SIGNING_SECRET = "${local.secret["slack"]}#signing_secret"
    MANTISSA_DISCORD_BOT_TOKEN    = "${local.secret["discord"]}#bot_token"
    MANTISSA_API__JWT__ISSUER     = var.jwt_issuer
    MANTISSA_API__JWT__JWKS_URL   = var.jwt_jwks_url
    MANTISSA_API__JWT__AUDIENCE   = var.jwt_audience
    MANTISSA_LAMBDA_WORKER        = "${var.name}-worker"
  })

  env = {
    bot      = merge(local.common_env, local.alert_env, local.chat_env)
    worker   = merge(local.common_env, local.alert_env, local.chat_env)
    detector = merge(local.common_env, local.alert_env, { MANTISSA_DETECTOR_RULES_DIRS = "s3://${var.buckets["rules"]}/rules/" })
    router   = merge(local.common_env, local.alert_env)
    ingest   = local.common_env
  }

  # The secrets each function reads.
  secrets_of = {
    bot      = [var.secret_arns["slack"], var.secret_arns["discord"], var.secret_arns["llm"]]
    worker   = [var.secret_arns["slack"], var.secret_arns["discord"], var.secret_arns["llm"]]
    detector = [var.secret_arns["slack"]]
    router   = [var.secret_arns["slack"], var.secret_arns["pagerduty"]]
    ingest   = []
  }

  queries = toset(["bot", "worker", "detector"])
}

resource "aws_sqs_queue" "dlq" {
  name                      = "${var.name}-dead-letters"
  message_retention_seconds = 1209600 # 14 days, to look at what failed
  kms_master_key_id         = var.kms_key_arn
}

resource "aws_cloudwatch_log_group" "this" {
  for_each          = local.functions
  name              = "/aws/lambda/${var.name}-${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }
  }
}

resource "aws_iam_role" "this" {
  for_each           = local.functions
  name               = "${var.name}-${each.key}"
  description        = "Mantissa Log ${var.name}: the ${each.key} function"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "function" {
  for_each = local.functions

  statement {
    sid       = "OwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this[each.key].arn}:*"]
  }
  statement {
    sid       = "DeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dlq.arn]
  }
  statement {
    sid       = "StackKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }
  statement {
    sid = "State"
    actions = [
      # What the stores call (TransactWriteItems is authorised item by item).
      "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
      "dynamodb:Query", "dynamodb:ConditionCheckItem",
    ]
    resources = var.table_arns
  }
  dynamic "statement" {
    for_each = length(local.secrets_of[each.key]) > 0 ? [1] : []
    content {
      sid       = "Secrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = local.secrets_of[each.key]
    }
  }
  # The query path: read the tables, run Athena in the stack's workgroup.
  dynamic "statement" {
    for_each = contains(local.queries, each.key) ? [1] : []
    content {
      sid       = "ReadTables"
      actions   = ["s3:GetObject"]
      resources = ["${var.bucket_arns["tables"]}/*"]
    }
  }
  dynamic "statement" {
    for_each = contains(local.queries, each.key) ? [1] : []
    content {
      sid       = "ListTables"
      actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
      resources = [var.bucket_arns["tables"]]
    }
  }
  dynamic "statement" {
    for_each = contains(local.queries, each.key) ? [1] : []
    content {
      sid = "Athena"
      actions = [
        "athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults",
        "athena:StopQueryExecution", "athena:GetWorkGroup",
      ]
      resources = [var.workgroup_arn]
    }
  }
  dynamic "statement" {
    for_each = contains(local.queries, each.key) ? [1] : []
    content {
      sid     = "Catalog"
      actions = ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions"]
      resources = [
        "arn:${var.partition}:glue:${var.region}:${var.account_id}:catalog",
        "arn:${var.partition}:glue:${var.region}:${var.account_id}:database/${var.glue_database}",
        "arn:${var.partition}:glue:${var.region}:${var.account_id}:table/${var.glue_database}/*",
      ]
    }
  }
  # Athena writes results with the caller's credentials.
  dynamic "statement" {
    for_each = contains(local.queries, each.key) ? [1] : []
    content {
      sid       = "QueryResults"
      actions   = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
      resources = ["${var.bucket_arns["results"]}/*"]
    }
  }
  dynamic "statement" {
    for_each = contains(local.queries, each.key) ? [1] : []
    content {
      sid       = "QueryResultsBucket"
      actions   = ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"]
      resources = [var.bucket_arns["results"]]
    }
  }
  dynamic "statement" {
    for_each = each.key == "bot" ? [1] : []
    content {
      sid       = "HandOffToWorker"
      actions   = ["lambda:InvokeFunction"]
      resources = ["arn:${var.partition}:lambda:${var.region}:${var.account_id}:function:${var.name}-worker"]
    }
  }
  dynamic "statement" {
    for_each = contains(["bot", "worker"], each.key) && var.llm_provider == "bedrock" ? [1] : []
    content {
      sid       = "Bedrock"
      actions   = ["bedrock:InvokeModel"]
      resources = ["arn:${var.partition}:bedrock:${var.region}::foundation-model/${var.bedrock_model_id}"]
    }
  }
  dynamic "statement" {
    for_each = each.key == "detector" ? [1] : []
    content {
      sid       = "ReadRules"
      actions   = ["s3:GetObject"]
      resources = ["${var.bucket_arns["rules"]}/rules/*"]
    }
  }
  dynamic "statement" {
    for_each = each.key == "detector" ? [1] : []
    content {
      sid       = "ListRules"
      actions   = ["s3:ListBucket"]
      resources = [var.bucket_arns["rules"]]
    }
  }
  # Ingest: read raw logs, write the tables (the only writer).
  dynamic "statement" {
    for_each = each.key == "ingest" ? [1] : []
    content {
      sid       = "ReadRaw"
      actions   = ["s3:GetObject"]
      resources = ["${var.bucket_arns["raw"]}/*"]
    }
  }
  dynamic "statement" {
    for_each = each.key == "ingest" ? [1] : []
    content {
      sid       = "WriteTables"
      actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
      resources = ["${var.bucket_arns["tables"]}/*"]
    }
  }
  dynamic "statement" {
    for_each = each.key == "ingest" ? [1] : []
    content {
      sid       = "ListRawAndTables"
      actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
      resources = [var.bucket_arns["raw"], var.bucket_arns["tables"]]
    }
  }
}

resource "aws_iam_role_policy" "this" {
  for_each = local.functions
  name     = "${var.name}-${each.key}"
  role     = aws_iam_role.this[each.key].id
  policy   = data.aws_iam_policy_document.function[each.key].json
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_117:The functions reach only AWS APIs and Slack, Discord, PagerDuty and LLM APIs on the internet; a VPC would add a NAT gateway (about $32 a month) and no private resource to reach.
  #checkov:skip=CKV_AWS_272:The zips are built from source by scripts/deploy.sh on the deployer's machine; add an AWS Signer profile to require signed code.
  #checkov:skip=CKV_AWS_50:The functions log one JSON object per line with the request id; X-Ray tracing would need a `Resource: *` permission in every role.
  for_each                       = local.functions
  function_name                  = "${var.name}-${each.key}"
  description                    = each.value.description
  role                           = aws_iam_role.this[each.key].arn
  runtime                        = "provided.al2023"
  architectures                  = ["x86_64"]
  handler                        = "bootstrap"
  filename                       = "${var.lambda_dist}/${each.key}.zip"
  source_code_hash               = filebase64sha256("${var.lambda_dist}/${each.key}.zip")
  memory_size                    = each.value.memory
  timeout                        = each.value.timeout
  reserved_concurrent_executions = each.value.concurrency
  kms_key_arn                    = var.kms_key_arn

  environment {
    variables = local.env[each.key]
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.dlq.arn
  }

  logging_config {
    log_format = "Text" # the functions write one JSON object per line themselves
    log_group  = aws_cloudwatch_log_group.this[each.key].name
  }

  depends_on = [aws_iam_role_policy.this]
}

# Asynchronous invocations (worker jobs, schedules, S3 notifications):
# two retries, then the dead-letter queue; an hour-old event is dropped
# there too (the detector catches missed ticks up anyway).
resource "aws_lambda_function_event_invoke_config" "this" {
  for_each                     = toset(["worker", "detector", "router", "ingest"])
  function_name                = aws_lambda_function.this[each.key].function_name
  maximum_retry_attempts       = 2
  maximum_event_age_in_seconds = 3600
}
