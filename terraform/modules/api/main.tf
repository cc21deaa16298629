# The public door: an API Gateway HTTP API in front of the bot function.
# Slack and Discord routes are open at the gateway because the function
# verifies their signatures before anything else; the REST routes need a
# Cognito JWT at the gateway (and the function checks it again).

resource "aws_apigatewayv2_api" "this" {
  name          = var.name
  protocol_type = "HTTP"
  description   = "Mantissa Log ${var.name}: Slack, Discord and the REST API"
}

resource "aws_cloudwatch_log_group" "access" {
  name              = "/aws/apigateway/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.this.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit = var.throttling_burst_limit
    throttling_rate_limit  = var.throttling_rate_limit
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId = "$context.requestId"
      ip        = "$context.identity.sourceIp"
      time      = "$context.requestTime"
      route     = "$context.routeKey"
      status    = "$context.status"
      latencyMs = "$context.integrationLatency"
      error     = "$context.integrationErrorMessage"
      authError = "$context.authorizer.error"
    })
  }
}

resource "aws_apigatewayv2_integration" "bot" {
  api_id                 = aws_apigatewayv2_api.this.id
  integration_type       = "AWS_PROXY"
  integration_uri        = var.bot_invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = 29000
}

resource "aws_apigatewayv2_authorizer" "cognito" {
  api_id           = aws_apigatewayv2_api.this.id
  name             = "cognito"
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]
  jwt_configuration {
    issuer   = var.jwt_issuer
    audience = [var.jwt_audience]
  }
}

locals {
  # Verified in the function by signature.
  signed_routes = toset([
    "POST /slack/events",
    "POST /slack/interactions",
    "POST /slack/commands",
    "POST /discord/interactions",
  ])
  # Cognito JWT at the gateway.
  rest_routes = toset([
    "POST /api/query",
    "GET /api/alerts",
    "POST /api/alerts/{id}/{action}",
  ])
}

resource "aws_apigatewayv2_route" "signed" {
  #checkov:skip=CKV_AWS_309:Slack and Discord cannot send a JWT: the bot function verifies their request signatures (HMAC-SHA256, Ed25519) before anything else.
  for_each           = local.signed_routes
  api_id             = aws_apigatewayv2_api.this.id
  route_key          = each.value
  target             = "integrations/${aws_apigatewayv2_integration.bot.id}"
  authorization_type = "NONE"
}

resource "aws_apigatewayv2_route" "rest" {
  for_each           = local.rest_routes
  api_id             = aws_apigatewayv2_api.this.id
  route_key          = each.value
  target             = "integrations/${aws_apigatewayv2_integration.bot.id}"
  authorization_type = "JWT"
  authorizer_id      = aws_apigatewayv2_authorizer.cognito.id
}

resource "aws_lambda_permission" "api" {
  statement_id  = "ApiGatewayInvokesBot"
  action        = "lambda:InvokeFunction"
  function_name = var.bot_function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.this.execution_arn}/*/*"
}
