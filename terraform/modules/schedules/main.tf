# What starts the non-HTTP functions: EventBridge schedules for the detector
# and the router, S3 ObjectCreated notifications on the raw bucket for
# ingest (CloudTrail, VPC Flow Logs and GuardDuty deliveries under
# AWSLogs/, custom JSON under custom/).

resource "aws_cloudwatch_event_rule" "schedule" {
  for_each            = var.schedules
  name                = "${var.name}-${each.key}"
  description         = "Mantissa Log ${var.name}: run the ${each.key}"
  schedule_expression = each.value
}

resource "aws_cloudwatch_event_target" "schedule" {
  for_each = var.schedules
  rule     = aws_cloudwatch_event_rule.schedule[each.key].name
  arn      = var.function_arns[each.key]
}

resource "aws_lambda_permission" "schedule" {
  for_each      = var.schedules
  statement_id  = "EventBridgeRuns${title(each.key)}"
  action        = "lambda:InvokeFunction"
  function_name = var.function_arns[each.key]
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.schedule[each.key].arn
}

resource "aws_lambda_permission" "raw_objects" {
  statement_id   = "S3NotifiesIngest"
  action         = "lambda:InvokeFunction"
  function_name  = var.function_arns["ingest"]
  principal      = "s3.amazonaws.com"
  source_arn     = var.raw_bucket_arn
  source_account = var.account_id
}

resource "aws_s3_bucket_notification" "raw" {
  bucket = var.raw_bucket

  # CloudTrail (.json.gz), VPC Flow Logs (.log.gz), GuardDuty (.jsonl.gz).
  dynamic "lambda_function" {
    for_each = [".json.gz", ".log.gz", ".jsonl.gz"]
    content {
      lambda_function_arn = var.function_arns["ingest"]
      events              = ["s3:ObjectCreated:*"]
      filter_prefix       = "AWSLogs/"
      filter_suffix       = lambda_function.value
    }
  }
  lambda_function {
    lambda_function_arn = var.function_arns["ingest"]
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = "custom/"
  }

  depends_on = [aws_lambda_permission.raw_objects]
}
