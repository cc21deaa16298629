output "arns" {
  description = "Secret ARNs by platform: slack, discord, pagerduty, llm."
  value       = { for k, s in aws_secretsmanager_secret.this : k => s.arn }
}
