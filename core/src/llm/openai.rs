//! OpenAI Chat Completions: `POST {base_url}/chat/completions` with
//! `Authorization: Bearer`; the first choice's message. Any compatible
//! server works (Ollama `http://localhost:11434/v1`, vLLM, llama.cpp).

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::json;

use super::http;
use super::retry::{RetryPolicy, with_retries};
use super::{LlmClient, LlmError, Message, Role};
use crate::config::{LlmConfig, LlmProvider, Secret};

/// The public endpoint.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

/// A client of the Chat Completions API.
pub struct OpenAiClient {
    http: reqwest::Client,
    url: String,
    model: String,
    key: Option<Secret>,
    max_tokens: u32,
    policy: RetryPolicy,
}

impl std::fmt::Debug for OpenAiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiClient")
            .field("url", &self.url)
            .field("model", &self.model)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl OpenAiClient {
    /// A client for `[llm]`. The public API needs a key; a local server
    /// (`llm.base_url` set) may run without one.
    pub fn new(config: &LlmConfig) -> Result<Self, LlmError> {
        let key = match http::api_key(config, LlmProvider::Openai) {
            Ok(k) => k,
            Err(LlmError::MissingApiKey { .. })
                if config.base_url.is_some() && config.api_key_env.is_none() =>
            {
                None
            }
            Err(e) => return Err(e),
        };
        let base = config.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        Ok(Self {
            http: http::client(config)?,
            url: http::join(base, "chat/completions"),
            model: config
                .model
                .clone()
                .unwrap_or_else(|| LlmProvider::Openai.default_model().into()),
            key,
            max_tokens: config.max_tokens,
            policy: RetryPolicy::from_config(config),
        })
    }
}

#[derive(Deserialize)]
struct Reply {
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    message: ChoiceMessage,
}

#[derive(Deserialize)]
struct ChoiceMessage {
    #[serde(default)]
    content: Option<String>,
}

/// `{"error":{"message":"…","type":"…","code":"…"}}`.
fn error_message(v: &serde_json::Value) -> Option<String> {
    let e = v.get("error")?;
    let msg = e
        .get("message")
        .and_then(|m| m.as_str())
        .or_else(|| e.as_str())?;
    Some(match e.get("type").and_then(|t| t.as_str()) {
        Some(kind) => format!("{kind}: {msg}"),
        None => msg.to_string(),
    })
}

#[async_trait]
impl LlmClient for OpenAiClient {
    fn provider(&self) -> &'static str {
        "openai"
    }

    async fn complete(&self, system: &str, messages: &[Message]) -> Result<String, LlmError> {
        let mut all = vec![json!({"role": "system", "content": system})];
        all.extend(messages.iter().map(|m| {
            json!({
                "role": match m.role { Role::User => "user", Role::Assistant => "assistant" },
                "content": m.text,
            })
        }));
        let body = json!({
            "model": self.model,
            "messages": all,
            "temperature": 0,
            "max_tokens": self.max_tokens,
        });
        let text = with_retries(&self.policy, "openai", || {
            let mut request = self.http.post(&self.url).json(&body);
            if let Some(key) = &self.key {
                request = request.bearer_auth(key.expose());
            }
            async {
                let reply: Reply =
                    http::send_json("openai", &self.url, request, error_message).await?;
                Ok(reply
                    .choices
                    .into_iter()
                    .next()
                    .and_then(|c| c.message.content)
                    .unwrap_or_default())
            }
        })
        .await?;
        if text.trim().is_empty() {
            return Err(LlmError::BadReply(
                "no message content in the Chat Completions reply".into(),
            ));
        }
        Ok(text)
    }
}
