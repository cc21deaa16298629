//! The [`Destination`] trait every target implements, its result types, and
//! the HTTP helpers the HTTP destinations share (error classification,
//! `Retry-After`).

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use mantissa_core::alert::{Alert, Delivery};
use mantissa_core::chat::ApiError;
use mantissa_core::chat::http::{retry_after_header, transport_cause};
use serde_json::Value;

/// A place alerts are sent to.
///
/// Contract: `send` performs one attempt of one [`Delivery`] (its `action`
/// says what: first message, repeat, status change, digest) and either
/// returns what addresses the message later ([`Sent::message_ref`]) or a
/// [`SendError`] that says whether retrying can help. `prior` is the
/// `message_ref` of this alert's first message (Notify) on this destination,
/// for edits and thread replies. Implementations never put secrets in errors.
#[async_trait]
pub trait Destination: Send + Sync + fmt::Debug {
    /// The kind (`slack`, `pagerduty`, …), for logs.
    fn kind(&self) -> &'static str;

    /// One attempt of `delivery` for `alert` (the alert as stored now).
    async fn send(
        &self,
        alert: &Alert,
        delivery: &Delivery,
        prior: Option<&Value>,
    ) -> Result<Sent, SendError>;
}

/// A message the destination accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    /// What addresses the message later (Slack `{"channel","ts"}`, …).
    pub message_ref: Option<Value>,
    /// HTTP status or SMTP reply code.
    pub status_code: Option<u16>,
}

/// Whether a failed attempt is worth repeating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendErrorKind {
    /// Temporary (5xx, 429, timeout, dropped connection); `retry_after` is
    /// the wait the destination asked for, if it did.
    Retryable {
        /// `Retry-After` (or the body's equivalent).
        retry_after: Option<Duration>,
    },
    /// Will fail again (bad credentials, unknown channel, invalid request):
    /// no retry, the fallback chain takes over.
    Permanent,
}

/// A failed attempt.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    /// Retry or not.
    pub kind: SendErrorKind,
    /// HTTP status or SMTP reply code, if one came back.
    pub status_code: Option<u16>,
    /// What happened, for the attempt record and `alerts show` (no secrets).
    pub message: String,
}

impl SendError {
    /// A temporary failure.
    pub fn retryable(status_code: Option<u16>, message: impl Into<String>) -> Self {
        Self {
            kind: SendErrorKind::Retryable { retry_after: None },
            status_code,
            message: message.into(),
        }
    }

    /// A permanent failure.
    pub fn permanent(status_code: Option<u16>, message: impl Into<String>) -> Self {
        Self {
            kind: SendErrorKind::Permanent,
            status_code,
            message: message.into(),
        }
    }

    /// Whether a retry can help.
    pub fn is_retryable(&self) -> bool {
        matches!(self.kind, SendErrorKind::Retryable { .. })
    }
}

/// A reqwest client for one destination: `timeout` per request, no
/// redirects (a redirect would re-send a non-idempotent POST elsewhere).
pub(crate) fn http_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("mantissa-router/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// A transport error (no response): always retryable. The URL is removed
/// from the message because webhook URLs carry tokens.
pub(crate) fn transport_error(what: &str, e: reqwest::Error) -> SendError {
    SendError::retryable(None, format!("{what}: {}", transport_cause(e)))
}

/// A failed Slack or Discord call as a failed attempt: retryable when the
/// platform's answer says a retry can help, with the wait it asked for.
pub(crate) fn api_error(e: ApiError) -> SendError {
    let kind = if e.is_retryable() {
        SendErrorKind::Retryable {
            retry_after: e.retry_after(),
        }
    } else {
        SendErrorKind::Permanent
    };
    SendError {
        kind,
        status_code: e.status(),
        message: e.to_string(),
    }
}

/// Classifies a non-success HTTP status: 429 and 408 and 5xx are retryable
/// (429 with its `Retry-After`), everything else permanent.
pub(crate) fn status_error(
    what: &str,
    status: reqwest::StatusCode,
    headers: &reqwest::header::HeaderMap,
    body: &str,
) -> SendError {
    let code = status.as_u16();
    let snippet: String = body.chars().take(300).collect();
    let message = format!("{what}: HTTP {code}: {snippet}");
    if code == 429 || code == 408 || status.is_server_error() {
        SendError {
            kind: SendErrorKind::Retryable {
                retry_after: retry_after_header(headers),
            },
            status_code: Some(code),
            message,
        }
    } else {
        SendError::permanent(Some(code), message)
    }
}
