//! What the two plain-HTTP providers share: the client, API keys from the
//! environment, and turning a response into text or a retry decision.

use std::time::Duration;

use serde::de::DeserializeOwned;

use super::LlmError;
use super::retry::{AttemptError, parse_retry_after};
use crate::config::{LlmConfig, LlmProvider, Secret};

/// An HTTP client for one provider (no global client; rustls with aws-lc-rs).
pub(super) fn client(config: &LlmConfig) -> Result<reqwest::Client, LlmError> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(config.timeout_secs.clamp(1, 10)))
        .user_agent(concat!("mantissa-log/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| LlmError::Unreachable {
            url: "(client setup)".into(),
            message: e.to_string(),
        })
}

/// The API key: `llm.api_key` (or `MANTISSA_LLM_API_KEY`), else the variable
/// named by `llm.api_key_env`, else the provider's usual variable.
pub(super) fn api_key(
    config: &LlmConfig,
    provider: LlmProvider,
) -> Result<Option<Secret>, LlmError> {
    if let Some(k) = &config.api_key {
        return Ok(Some(k.clone()));
    }
    let env = config
        .api_key_env
        .clone()
        .or_else(|| provider.default_api_key_env().map(str::to_string));
    let Some(env) = env else { return Ok(None) };
    match std::env::var(&env) {
        Ok(v) if !v.trim().is_empty() => Ok(Some(Secret::new(v.trim()))),
        _ => Err(LlmError::MissingApiKey {
            provider: provider.name(),
            env,
        }),
    }
}

/// `base` without a trailing slash, joined with `path`.
pub(super) fn join(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// Sends a request and reads the JSON reply; failures become retry decisions.
/// `error_message` pulls the provider's message out of an error body.
pub(super) async fn send_json<T: DeserializeOwned>(
    provider: &'static str,
    url: &str,
    request: reqwest::RequestBuilder,
    error_message: fn(&serde_json::Value) -> Option<String>,
) -> Result<T, AttemptError> {
    let response = request.send().await.map_err(|e| {
        if e.is_timeout() {
            // Counted like our own timeout: retried.
            AttemptError::Server {
                status: 408,
                message: "request timed out".into(),
                retry_after: None,
            }
        } else {
            AttemptError::Fatal(LlmError::Unreachable {
                url: url.to_string(),
                message: root_cause(&e),
            })
        }
    })?;
    let status = response.status().as_u16();
    let retry_after = parse_retry_after(
        response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok()),
    );
    let body = response.text().await.map_err(|e| AttemptError::Server {
        status,
        message: format!("reply cut short: {}", root_cause(&e)),
        retry_after: None,
    })?;
    if (200..300).contains(&status) {
        return serde_json::from_str(&body).map_err(|e| {
            AttemptError::Fatal(LlmError::BadReply(format!(
                "{e} in a {provider} reply of {} bytes",
                body.len()
            )))
        });
    }
    let message = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| error_message(&v))
        .unwrap_or_else(|| truncate(&body, 200));
    Err(classify(provider, status, message, retry_after))
}

/// What an HTTP error status means for the retry loop.
pub(super) fn classify(
    provider: &'static str,
    status: u16,
    message: String,
    retry_after: Option<Duration>,
) -> AttemptError {
    match status {
        429 => AttemptError::Throttled { retry_after },
        401 | 403 => AttemptError::Fatal(LlmError::Unauthorized {
            provider,
            status,
            message,
        }),
        408 | 500..=599 => AttemptError::Server {
            status,
            message,
            retry_after,
        },
        _ => AttemptError::Fatal(LlmError::Rejected { status, message }),
    }
}

fn root_cause(e: &dyn std::error::Error) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

fn truncate(s: &str, max: usize) -> String {
    let s = s.trim();
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}
