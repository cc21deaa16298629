//! Amazon Bedrock, Converse API (`POST /model/{modelId}/converse`) through
//! `aws-sdk-bedrockruntime`. Credentials and region come from the normal
//! AWS chain (environment, profile, SSO cache, instance or task role);
//! `llm.region` and `llm.base_url` override the region and endpoint. The
//! SDK's own retries are off: [`super::retry`] handles every provider alike.

use async_trait::async_trait;
use aws_sdk_bedrockruntime::Client;
use aws_sdk_bedrockruntime::config::http::HttpResponse;
use aws_sdk_bedrockruntime::config::{ProvideCredentials, Region};
use aws_sdk_bedrockruntime::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockruntime::operation::converse::ConverseError;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, InferenceConfiguration, Message as BedrockMessage,
    SystemContentBlock,
};

use super::http::classify;
use super::retry::{AttemptError, RetryPolicy, parse_retry_after, with_retries};
use super::{LlmClient, LlmError, Message, Role};
use crate::config::{LlmConfig, LlmProvider};

/// A Converse API client.
#[derive(Debug)]
pub struct BedrockClient {
    client: Client,
    model: String,
    endpoint: String,
    max_tokens: u32,
    policy: RetryPolicy,
}

impl BedrockClient {
    /// Loads region and credentials from the AWS chain (plus `[llm]`).
    pub async fn from_env(config: &LlmConfig) -> Result<Self, LlmError> {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
        if let Some(region) = &config.region {
            loader = loader.region(Region::new(region.clone()));
        }
        Self::from_sdk_config(&loader.load().await, config).await
    }

    /// A client from an already loaded AWS configuration (region and
    /// credentials provider), e.g. one with static credentials.
    pub async fn from_sdk_config(
        sdk: &aws_config::SdkConfig,
        config: &LlmConfig,
    ) -> Result<Self, LlmError> {
        let region = config
            .region
            .clone()
            .map(Region::new)
            .or_else(|| sdk.region().cloned())
            .ok_or(LlmError::MissingRegion)?;
        // Resolve credentials now, so a missing one is a clear message
        // rather than a failed request (the provider caches them).
        let provider = sdk
            .credentials_provider()
            .ok_or_else(|| LlmError::MissingCredentials("no credentials provider".into()))?;
        if let Err(e) = provider.provide_credentials().await {
            return Err(LlmError::MissingCredentials(e.to_string()));
        }
        let mut builder = aws_sdk_bedrockruntime::config::Builder::from(sdk)
            .region(region.clone())
            .retry_config(aws_sdk_bedrockruntime::config::retry::RetryConfig::disabled());
        let endpoint = match &config.base_url {
            Some(url) => {
                builder = builder.endpoint_url(url.trim_end_matches('/'));
                url.clone()
            }
            None => format!("https://bedrock-runtime.{region}.amazonaws.com"),
        };
        Ok(Self {
            client: Client::from_conf(builder.build()),
            model: config
                .model
                .clone()
                .unwrap_or_else(|| LlmProvider::Bedrock.default_model().into()),
            endpoint,
            max_tokens: config.max_tokens,
            policy: RetryPolicy::from_config(config),
        })
    }

    async fn attempt(&self, system: &str, messages: &[Message]) -> Result<String, AttemptError> {
        let mut request = self
            .client
            .converse()
            .model_id(&self.model)
            .system(SystemContentBlock::Text(system.to_string()))
            .inference_config(
                InferenceConfiguration::builder()
                    .max_tokens(self.max_tokens.min(i32::MAX as u32) as i32)
                    .temperature(0.0)
                    .build(),
            );
        for m in messages {
            let role = match m.role {
                Role::User => ConversationRole::User,
                Role::Assistant => ConversationRole::Assistant,
            };
            let message = BedrockMessage::builder()
                .role(role)
                .content(ContentBlock::Text(m.text.clone()))
                .build()
                .map_err(|e| AttemptError::Fatal(LlmError::BadReply(e.to_string())))?;
            request = request.messages(message);
        }
        let output = request.send().await.map_err(|e| self.attempt_error(e))?;
        let message = output
            .output()
            .and_then(|o| o.as_message().ok())
            .ok_or_else(|| {
                AttemptError::Fatal(LlmError::BadReply(
                    "no message in the Converse output".into(),
                ))
            })?;
        Ok(message
            .content()
            .iter()
            .filter_map(|b| b.as_text().ok().cloned())
            .collect::<Vec<_>>()
            .join("\n"))
    }

    fn attempt_error(&self, e: SdkError<ConverseError, HttpResponse>) -> AttemptError {
        if let Some(raw) = e.raw_response() {
            let status = raw.status().as_u16();
            let retry_after = parse_retry_after(raw.headers().get("retry-after"));
            let message = match &e {
                SdkError::ServiceError(s) => {
                    let err = s.err();
                    format!(
                        "{}: {}",
                        err.code().unwrap_or("error"),
                        err.message().unwrap_or("")
                    )
                }
                other => DisplayErrorContext(other).to_string(),
            };
            // Bedrock throttles with 429 ThrottlingException; a model still
            // loading is also 429 (ModelNotReadyException): both retried.
            return classify("bedrock", status, message, retry_after);
        }
        let timed_out = match &e {
            SdkError::TimeoutError(_) => true,
            SdkError::DispatchFailure(d) => d.is_timeout(),
            _ => false,
        };
        if timed_out {
            return AttemptError::Server {
                status: 408,
                message: "request timed out".into(),
                retry_after: None,
            };
        }
        AttemptError::Fatal(LlmError::Unreachable {
            url: self.endpoint.clone(),
            message: DisplayErrorContext(&e).to_string(),
        })
    }
}

#[async_trait]
impl LlmClient for BedrockClient {
    fn provider(&self) -> &'static str {
        "bedrock"
    }

    async fn complete(&self, system: &str, messages: &[Message]) -> Result<String, LlmError> {
        let text = with_retries(&self.policy, "bedrock", || self.attempt(system, messages)).await?;
        if text.trim().is_empty() {
            return Err(LlmError::BadReply("no text in the Converse reply".into()));
        }
        Ok(text)
    }
}
