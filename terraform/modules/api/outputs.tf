output "url" {
  description = "The API's base URL."
  value       = aws_apigatewayv2_api.this.api_endpoint
}

output "api_id" {
  description = "The API's id."
  value       = aws_apigatewayv2_api.this.id
}
