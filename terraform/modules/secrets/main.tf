# Secrets Manager secrets for the chat platforms, PagerDuty and the LLM, each
# encrypted with the stack's key. Terraform creates them with empty fields;
# scripts/deploy.sh sets the values (from stdin, outside Terraform state),
# and later changes are left alone. A field still empty leaves its setting
# off (the function starts without that platform).

locals {
  secrets = {
    slack     = { signing_secret = "", bot_token = "" }
    discord   = { bot_token = "" }
    pagerduty = { routing_key = "" }
    llm       = { api_key = "" }
  }
}

resource "aws_secretsmanager_secret" "this" {
  #checkov:skip=CKV2_AWS_57:Third-party credentials (Slack, Discord, PagerDuty, LLM keys) are rotated at their provider, then set with put-secret-value; no rotation Lambda can mint them.
  for_each                = local.secrets
  name                    = "${var.name}/${each.key}"
  description             = "Mantissa Log ${var.name}: ${each.key} credentials"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.recovery_window_in_days
}

resource "aws_secretsmanager_secret_version" "initial" {
  for_each      = local.secrets
  secret_id     = aws_secretsmanager_secret.this[each.key].id
  secret_string = jsonencode(each.value)
  lifecycle {
    # The values are set outside Terraform (scripts/deploy.sh).
    ignore_changes = [secret_string]
  }
}
