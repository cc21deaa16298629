//! LLM translators: a question the built-in translator cannot answer goes to
//! a language model, whose SQL then goes through the guard like any other.
//!
//! [`LlmClient`] is the one seam between Mantissa and a provider: a system
//! prompt and a short conversation in, the model's text out. Three
//! implementations sit side by side, each speaking its provider's wire
//! format: [`bedrock::BedrockClient`] (Converse API through the AWS SDK),
//! [`anthropic::AnthropicClient`] (Messages API) and
//! [`openai::OpenAiClient`] (Chat Completions: OpenAI, Ollama, vLLM,
//! llama.cpp). All of them share [`retry`]: a per-request timeout, and
//! retries with exponential backoff and jitter on throttling (429), server
//! errors (5xx) and timeouts, honouring `Retry-After`.
//!
//! [`LlmTranslator`] builds the prompt ([`prompt`]: catalog, dialect rules,
//! `now`, examples retrieved from the curated library in [`examples`], the
//! previous turn) and reads SQL out of the reply ([`reply`]). The repair
//! loop (guard or execution error → error and SQL back to the model, at
//! most twice) lives in [`crate::answer`], which knows the engine.
//!
//! **What leaves the machine:** the schema (names, types, descriptions),
//! the dialect rules, `now`, library examples, the question, the previous
//! question and SQL, and for a repair the failing SQL and its error
//! message. Never log rows.

pub mod anthropic;
pub mod bedrock;
pub mod examples;
mod http;
pub mod openai;
pub mod prompt;
pub mod reply;
pub mod retry;
mod translator;

use std::sync::Arc;

use async_trait::async_trait;

use crate::config::{LlmConfig, LlmProvider};

pub use translator::{LlmReply, LlmTranslator, Repair};

/// Who said a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Mantissa (the question, a repair request).
    User,
    /// The model (its earlier reply, kept for a repair).
    Assistant,
}

/// One message of the conversation sent to the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Who said it.
    pub role: Role,
    /// The text.
    pub text: String,
}

impl Message {
    /// A user message.
    pub fn user(text: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            text: text.into(),
        }
    }

    /// An assistant message.
    pub fn assistant(text: impl Into<String>) -> Self {
        Self {
            role: Role::Assistant,
            text: text.into(),
        }
    }
}

/// Why a call to the provider failed. Messages never contain secrets.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    /// `[llm] provider` is not set.
    #[error(
        "no LLM translator is configured: set `provider` (bedrock, anthropic or openai) in the [llm] section of mantissa.toml or MANTISSA_LLM_PROVIDER, or use --translator builtin"
    )]
    NotConfigured,
    /// No API key was found.
    #[error(
        "no API key for the {provider} LLM provider: set the environment variable `{env}` or MANTISSA_LLM_API_KEY (or name another variable with llm.api_key_env)"
    )]
    MissingApiKey {
        /// The provider.
        provider: &'static str,
        /// The variable that was looked up.
        env: String,
    },
    /// No AWS credentials for Bedrock.
    #[error(
        "no AWS credentials for Bedrock: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials), or AWS_PROFILE, or run with an instance/task role ({0})"
    )]
    MissingCredentials(String),
    /// No AWS region for Bedrock.
    #[error(
        "no AWS region for Bedrock: set llm.region in mantissa.toml, MANTISSA_LLM_REGION or AWS_REGION"
    )]
    MissingRegion,
    /// The provider refused the credentials (401/403).
    #[error(
        "the {provider} LLM provider rejected the credentials (HTTP {status}): {message}; check the API key or AWS permissions"
    )]
    Unauthorized {
        /// The provider.
        provider: &'static str,
        /// HTTP status.
        status: u16,
        /// The provider's message.
        message: String,
    },
    /// Still throttled after every retry.
    #[error(
        "the LLM provider is throttling (429) after {attempts} attempts; try again or use --translator builtin"
    )]
    Throttled {
        /// Requests made.
        attempts: u32,
    },
    /// Still failing (5xx) after every retry.
    #[error(
        "the LLM provider failed (HTTP {status}: {message}) after {attempts} attempts; try again later or use --translator builtin"
    )]
    Unavailable {
        /// Last HTTP status.
        status: u16,
        /// The provider's last message.
        message: String,
        /// Requests made.
        attempts: u32,
    },
    /// Every attempt timed out.
    #[error(
        "the LLM provider did not answer within {timeout_secs}s ({attempts} attempts); raise llm.timeout_secs or use --translator builtin"
    )]
    Timeout {
        /// The per-request limit.
        timeout_secs: u64,
        /// Requests made.
        attempts: u32,
    },
    /// The provider could not be reached at all.
    #[error(
        "cannot reach the LLM provider at {url}: {message}; is it running and is llm.base_url right?"
    )]
    Unreachable {
        /// Where it was looked for.
        url: String,
        /// Why.
        message: String,
    },
    /// The provider refused the request (4xx other than 401/403/429).
    #[error("the LLM provider refused the request (HTTP {status}): {message}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// The provider's message.
        message: String,
    },
    /// The reply was not in the provider's format.
    #[error("the LLM provider's reply could not be read: {0}")]
    BadReply(String),
}

impl LlmError {
    /// Whether the fix is in the configuration or environment (exit code 2)
    /// rather than a failed attempt (exit code 1).
    pub fn is_configuration(&self) -> bool {
        matches!(
            self,
            Self::NotConfigured
                | Self::MissingApiKey { .. }
                | Self::MissingCredentials(_)
                | Self::MissingRegion
        )
    }
}

/// A language model behind some provider's API.
///
/// # Contract
/// - `complete` sends `system` and `messages` (user first, alternating) and
///   returns the model's text; nothing else is sent.
/// - Throttling, server errors and timeouts are retried per
///   [`retry::RetryPolicy`]; the error after the last attempt says so.
/// - Secrets never appear in errors, logs or `Debug` output.
#[async_trait]
pub trait LlmClient: Send + Sync + std::fmt::Debug {
    /// The provider's name, as in `llm:<provider>`.
    fn provider(&self) -> &'static str;

    /// Asks the model.
    async fn complete(&self, system: &str, messages: &[Message]) -> Result<String, LlmError>;
}

/// Builds the client for the configured provider.
pub async fn connect(config: &LlmConfig) -> Result<Arc<dyn LlmClient>, LlmError> {
    let provider = config.provider.ok_or(LlmError::NotConfigured)?;
    Ok(match provider {
        LlmProvider::Bedrock => Arc::new(bedrock::BedrockClient::from_env(config).await?),
        LlmProvider::Anthropic => Arc::new(anthropic::AnthropicClient::new(config)?),
        LlmProvider::Openai => Arc::new(openai::OpenAiClient::new(config)?),
    })
}
