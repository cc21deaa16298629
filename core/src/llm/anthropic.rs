//! Anthropic Messages API: `POST {base_url}/v1/messages` with `x-api-key`
//! and `anthropic-version: 2023-06-01`; the reply's `content` text blocks.

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::json;

use super::http;
use super::retry::{RetryPolicy, with_retries};
use super::{LlmClient, LlmError, Message, Role};
use crate::config::{LlmConfig, LlmProvider, Secret};

/// The public endpoint.
pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";
/// The API version sent with every request.
pub const API_VERSION: &str = "2023-06-01";

/// A client of the Messages API.
pub struct AnthropicClient {
    http: reqwest::Client,
    url: String,
    model: String,
    key: Secret,
    max_tokens: u32,
    policy: RetryPolicy,
}

impl std::fmt::Debug for AnthropicClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnthropicClient")
            .field("url", &self.url)
            .field("model", &self.model)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl AnthropicClient {
    /// A client for `[llm]`; fails when no API key is found.
    pub fn new(config: &LlmConfig) -> Result<Self, LlmError> {
        let key = http::api_key(config, LlmProvider::Anthropic)?.ok_or_else(|| {
            LlmError::MissingApiKey {
                provider: "anthropic",
                env: "ANTHROPIC_API_KEY".into(),
            }
        })?;
        let base = config.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        Ok(Self {
            http: http::client(config)?,
            url: http::join(base, "v1/messages"),
            model: config
                .model
                .clone()
                .unwrap_or_else(|| LlmProvider::Anthropic.default_model().into()),
            key,
            max_tokens: config.max_tokens,
            policy: RetryPolicy::from_config(config),
        })
    }
}

#[derive(Deserialize)]
struct Reply {
    content: Vec<Block>,
}

#[derive(Deserialize)]
struct Block {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    text: Option<String>,
}

/// `{"type":"error","error":{"type":"rate_limit_error","message":"…"}}`.
fn error_message(v: &serde_json::Value) -> Option<String> {
    let e = v.get("error")?;
    let kind = e.get("type").and_then(|t| t.as_str()).unwrap_or("error");
    let msg = e.get("message").and_then(|m| m.as_str()).unwrap_or("");
    Some(format!("{kind}: {msg}"))
}

#[async_trait]
impl LlmClient for AnthropicClient {
    fn provider(&self) -> &'static str {
        "anthropic"
    }

    async fn complete(&self, system: &str, messages: &[Message]) -> Result<String, LlmError> {
        let body = json!({
            "model": self.model,
            "max_tokens": self.max_tokens,
            "temperature": 0,
            "system": system,
            "messages": messages.iter().map(|m| json!({
                "role": match m.role { Role::User => "user", Role::Assistant => "assistant" },
                "content": m.text,
            })).collect::<Vec<_>>(),
        });
        let text = with_retries(&self.policy, "anthropic", || {
            let request = self
                .http
                .post(&self.url)
                .header("x-api-key", self.key.expose())
                .header("anthropic-version", API_VERSION)
                .json(&body);
            async {
                let reply: Reply =
                    http::send_json("anthropic", &self.url, request, error_message).await?;
                Ok(reply
                    .content
                    .into_iter()
                    .filter(|b| b.kind == "text")
                    .filter_map(|b| b.text)
                    .collect::<Vec<_>>()
                    .join("\n"))
            }
        })
        .await?;
        if text.trim().is_empty() {
            return Err(LlmError::BadReply("no text in the Messages reply".into()));
        }
        Ok(text)
    }
}
