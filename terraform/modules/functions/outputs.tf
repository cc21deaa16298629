output "arns" {
  description = "Function ARNs by function."
  value       = { for k, f in aws_lambda_function.this : k => f.arn }
}

output "names" {
  description = "Function names by function."
  value       = { for k, f in aws_lambda_function.this : k => f.function_name }
}

output "invoke_arns" {
  description = "Function invoke ARNs (API Gateway integrations)."
  value       = { for k, f in aws_lambda_function.this : k => f.invoke_arn }
}

output "log_groups" {
  description = "Log group names by function."
  value       = { for k, g in aws_cloudwatch_log_group.this : k => g.name }
}

output "dlq_arn" {
  description = "The dead-letter queue."
  value       = aws_sqs_queue.dlq.arn
}

output "dlq_name" {
  description = "The dead-letter queue's name."
  value       = aws_sqs_queue.dlq.name
}
