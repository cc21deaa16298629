output "topic_arn" {
  description = "The alarms' SNS topic."
  value       = aws_sns_topic.alarms.arn
}
