//! The HTTP path every chat platform call takes.
//!
//! One [`Transport`] per client: one `reqwest` client (timeout per request,
//! no redirects: a redirect would re-send a non-idempotent POST elsewhere),
//! one retry path for HTTP 429 (wait `Retry-After`, or the JSON body's
//! `retry_after` as Discord sends it, capped; at most `rate_limit_retries`
//! times), and one error type that classifies what came back.

use std::fmt;
use std::time::Duration;

use serde_json::Value;

/// The longest wait a platform can ask for that a retry honours inline.
pub const MAX_INLINE_WAIT: Duration = Duration::from_secs(30);

/// The longest `Retry-After` taken at its word (a day); anything longer,
/// or not a number, is ignored.
const MAX_RETRY_AFTER: f64 = 86_400.0;

/// Which platform a call went to (for messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// The Slack Web API (or a `response_url`).
    Slack,
    /// The Discord REST API (or an incoming webhook).
    Discord,
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Platform::Slack => "Slack API",
            Platform::Discord => "Discord API",
        })
    }
}

/// A failed platform call. Messages never contain a token or a URL (webhook
/// and interaction URLs carry credentials).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// No answer: cannot connect, timed out, connection dropped.
    #[error("{platform} {call}: {cause}")]
    Transport {
        /// The platform.
        platform: Platform,
        /// The method or call (`chat.postMessage`, `create message`).
        call: String,
        /// What happened.
        cause: String,
    },
    /// The platform answered with an error: a non-success HTTP status, or
    /// Slack's `"ok": false` (with HTTP 200).
    #[error("{platform} {call} returned {}{}: {message}{}",
        if *status == 200 { String::new() } else { format!("HTTP {status}") },
        code.as_ref().map(|c| if *status == 200 { format!("error `{c}`") } else { format!(" (code {c})") }).unwrap_or_default(),
        if details.is_empty() { String::new() } else { format!("; {details}") })]
    Refused {
        /// The platform.
        platform: Platform,
        /// The method or call.
        call: String,
        /// HTTP status.
        status: u16,
        /// The platform's error code (Slack `channel_not_found`, Discord `50035`).
        code: Option<String>,
        /// The platform's message (or the start of the body).
        message: String,
        /// Form errors and such, compacted.
        details: String,
        /// How long the platform asked us to wait.
        retry_after: Option<Duration>,
        /// Whether repeating the call can help (429, 408, 5xx, Slack's
        /// `ratelimited`, `internal_error`, …).
        retryable: bool,
    },
    /// An answer that is not the platform's (not JSON, no `ts`, …).
    #[error("{platform} {call}: {message}")]
    BadResponse {
        /// The platform.
        platform: Platform,
        /// The method or call.
        call: String,
        /// What was wrong with it.
        message: String,
    },
    /// A call needs a setting that is missing (says which and how to set it).
    #[error("{0}")]
    NotConfigured(&'static str),
}

impl ApiError {
    /// Whether repeating the call later can help.
    pub fn is_retryable(&self) -> bool {
        match self {
            ApiError::Transport { .. } | ApiError::BadResponse { .. } => true,
            ApiError::Refused { retryable, .. } => *retryable,
            ApiError::NotConfigured(_) => false,
        }
    }

    /// The wait the platform asked for, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ApiError::Refused { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The HTTP status, if an answer came back.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Refused { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The platform's error code (Slack `invalid_auth`, Discord `50035`).
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Refused { code, .. } => code.as_deref(),
            _ => None,
        }
    }
}

/// How a client talks HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpOptions {
    /// Each request's timeout.
    pub timeout: Duration,
    /// How often an HTTP 429 is retried inline (after its `Retry-After`,
    /// at most [`MAX_INLINE_WAIT`]) before it is returned as a retryable
    /// [`ApiError`]. The chat bot retries (a person is waiting); the router
    /// does not (its outbox schedules the retry, so a worker never sleeps).
    pub rate_limit_retries: u32,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            rate_limit_retries: 3,
        }
    }
}

/// One platform's HTTP client (cheap to clone).
#[derive(Debug, Clone)]
pub struct Transport {
    platform: Platform,
    http: reqwest::Client,
    options: HttpOptions,
}

impl Transport {
    /// A client for `platform` with `options`.
    pub fn new(platform: Platform, options: HttpOptions) -> Self {
        let http = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("mantissa/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Self {
            platform,
            http,
            options,
        }
    }

    /// The underlying client, to build requests with.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The platform.
    pub fn platform(&self) -> Platform {
        self.platform
    }

    /// Sends the request `build` makes (called again for each retry, since a
    /// multipart body cannot be cloned) and returns the status, headers and
    /// body of the first answer that is not a 429 to retry.
    pub async fn send(
        &self,
        call: &str,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<Answer, ApiError> {
        let mut retries = 0;
        loop {
            let resp = build(&self.http)
                .send()
                .await
                .map_err(|e| self.transport(call, e))?;
            let status = resp.status().as_u16();
            let header_wait = retry_after_header(resp.headers());
            let text = resp.text().await.map_err(|e| self.transport(call, e))?;
            let answer = Answer {
                status,
                retry_after: header_wait,
                body: text,
            };
            if status == 429 && retries < self.options.rate_limit_retries {
                retries += 1;
                let wait = answer
                    .wait()
                    .unwrap_or(Duration::from_secs(1))
                    .min(MAX_INLINE_WAIT);
                tracing::warn!(platform = %self.platform, call, ?wait, retries, "rate limited; retrying");
                tokio::time::sleep(wait).await;
                continue;
            }
            return Ok(answer);
        }
    }

    /// A transport failure, without the URL (it may hold a token).
    fn transport(&self, call: &str, e: reqwest::Error) -> ApiError {
        ApiError::Transport {
            platform: self.platform,
            call: call.to_string(),
            cause: transport_cause(e),
        }
    }

    /// The error for a non-success answer: 429, 408 and 5xx are retryable,
    /// everything else is not. The platform's JSON `code`/`message`/`errors`
    /// are used when present, else the start of the body.
    pub fn refused(&self, call: &str, answer: &Answer) -> ApiError {
        let v: Value = serde_json::from_str(&answer.body).unwrap_or(Value::Null);
        let code = match &v["code"] {
            Value::Number(n) => Some(n.to_string()),
            Value::String(s) => Some(s.clone()),
            _ => None,
        };
        let message = v["message"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| answer.body.trim().chars().take(300).collect());
        let details = if v["errors"].is_null() {
            String::new()
        } else {
            v["errors"].to_string().chars().take(1000).collect()
        };
        let s = answer.status;
        ApiError::Refused {
            platform: self.platform,
            call: call.to_string(),
            status: s,
            code,
            message,
            details,
            retry_after: answer.wait(),
            retryable: s == 429 || s == 408 || (500..600).contains(&s),
        }
    }

    /// An answer that is not what the platform sends.
    pub fn bad_response(&self, call: &str, message: impl Into<String>) -> ApiError {
        ApiError::BadResponse {
            platform: self.platform,
            call: call.to_string(),
            message: message.into(),
        }
    }
}

/// Why a request got no answer, in words, without the URL (webhook and
/// interaction URLs carry tokens).
pub fn transport_cause(e: reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".to_string();
    }
    if e.is_connect() {
        return "cannot connect".to_string();
    }
    let e = e.without_url();
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

/// What came back from one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// `Retry-After` (seconds), when sent and sane.
    pub retry_after: Option<Duration>,
    /// The body as text.
    pub body: String,
}

impl Answer {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as JSON (`Null` when it is empty or not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// The wait asked for: `Retry-After`, else a rate-limited JSON body's
    /// `retry_after` (Discord sends seconds as a float there).
    pub fn wait(&self) -> Option<Duration> {
        self.retry_after.or_else(|| {
            (self.status == 429)
                .then(|| self.json()["retry_after"].as_f64())
                .flatten()
                .and_then(seconds)
        })
    }
}

/// `Retry-After` in seconds (the HTTP-date form is not used by these APIs).
pub fn retry_after_header(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    seconds(v.trim().parse().ok()?)
}

/// A number of seconds as a duration, if it is one we can honour.
fn seconds(secs: f64) -> Option<Duration> {
    (secs.is_finite() && (0.0..=MAX_RETRY_AFTER).contains(&secs))
        .then(|| Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, retry_after: Option<Duration>, body: &str) -> Answer {
        Answer {
            status,
            retry_after,
            body: body.into(),
        }
    }

    #[test]
    fn waits_come_from_the_header_or_discords_body_and_absurd_ones_are_ignored() {
        let s = Duration::from_secs;
        assert_eq!(answer(429, Some(s(7)), "{}").wait(), Some(s(7)));
        assert_eq!(
            answer(429, None, r#"{"retry_after": 0.5, "global": false}"#).wait(),
            Some(Duration::from_millis(500))
        );
        assert_eq!(answer(429, None, r#"{"retry_after": 1e20}"#).wait(), None);
        assert_eq!(answer(429, None, r#"{"retry_after": -1}"#).wait(), None);
        assert_eq!(answer(500, None, r#"{"retry_after": 3}"#).wait(), None);
        assert_eq!(seconds(f64::NAN), None);
        assert_eq!(seconds(86_400.0), Some(s(86_400)));
    }

    #[test]
    fn refusals_are_classified_and_explained() {
        let t = Transport::new(Platform::Discord, HttpOptions::default());
        let e = t.refused(
            "register commands",
            &answer(
                400,
                None,
                r#"{"code": 50035, "message": "Invalid Form Body", "errors": {"0": {"name": "bad"}}}"#,
            ),
        );
        assert!(!e.is_retryable());
        assert_eq!(e.code(), Some("50035"));
        assert_eq!(
            e.to_string(),
            r#"Discord API register commands returned HTTP 400 (code 50035): Invalid Form Body; {"0":{"name":"bad"}}"#
        );
        for status in [408, 429, 500, 503] {
            assert!(
                t.refused("x", &answer(status, None, "")).is_retryable(),
                "{status}"
            );
        }
        for status in [400, 401, 403, 404] {
            assert!(
                !t.refused("x", &answer(status, None, "")).is_retryable(),
                "{status}"
            );
        }
    }
}
