output "user_pool_id" {
  description = "The Cognito user pool."
  value       = aws_cognito_user_pool.this.id
}

output "client_id" {
  description = "The API's app client (the tokens' audience)."
  value       = aws_cognito_user_pool_client.api.id
}

output "issuer" {
  description = "The tokens' issuer."
  value       = "https://cognito-idp.${var.region}.amazonaws.com/${aws_cognito_user_pool.this.id}"
}

output "jwks_url" {
  description = "Where the pool publishes its signing keys."
  value       = "https://cognito-idp.${var.region}.amazonaws.com/${aws_cognito_user_pool.this.id}/.well-known/jwks.json"
}
