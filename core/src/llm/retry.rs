//! Timeouts and retries shared by every provider: exponential backoff with
//! jitter on throttling (429), server errors (5xx) and timeouts, honouring
//! the provider's `Retry-After`, then one clear error.

use std::future::Future;
use std::time::Duration;

use rand::Rng;

use super::LlmError;
use crate::config::LlmConfig;

/// How long to wait for one request and how often to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Limit for one request.
    pub timeout: Duration,
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First backoff delay; doubles per retry.
    pub base: Duration,
    /// Longest single wait (also caps `Retry-After`).
    pub max_wait: Duration,
}

impl RetryPolicy {
    /// The policy in the `[llm]` configuration.
    pub fn from_config(c: &LlmConfig) -> Self {
        Self {
            timeout: Duration::from_secs(c.timeout_secs),
            max_retries: c.max_retries,
            base: Duration::from_millis(c.retry_base_ms),
            max_wait: Duration::from_secs(c.max_retry_wait_secs),
        }
    }

    /// The wait before retry number `retry` (0-based): the provider's
    /// `Retry-After` when given, else `base · 2^retry` with full jitter in
    /// its upper half; never more than `max_wait`.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let wait = match retry_after {
            Some(d) => d,
            None => {
                let exp = self.base.saturating_mul(1u32 << retry.min(16));
                let ms = exp.as_millis() as u64;
                let jittered = if ms > 1 {
                    rand::rng().random_range(ms / 2..=ms)
                } else {
                    ms
                };
                Duration::from_millis(jittered)
            }
        };
        wait.min(self.max_wait)
    }
}

/// How one attempt failed.
#[derive(Debug)]
pub enum AttemptError {
    /// Throttled (429 or the provider's throttling error).
    Throttled {
        /// The provider's `Retry-After`, if any.
        retry_after: Option<Duration>,
    },
    /// A server error (5xx, overloaded).
    Server {
        /// HTTP status.
        status: u16,
        /// The provider's message.
        message: String,
        /// The provider's `Retry-After`, if any.
        retry_after: Option<Duration>,
    },
    /// Not worth retrying.
    Fatal(LlmError),
}

/// The longest `Retry-After` taken from a provider (a day). Larger values
/// are capped before conversion: `Duration::from_secs_f64` panics past
/// `u64::MAX` seconds, and a provider's header is untrusted input. The
/// retry policy caps the actual wait far lower (`max_retry_wait_secs`).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(86_400);

/// Parses `Retry-After` (delay seconds, capped at [`MAX_RETRY_AFTER`]; an
/// HTTP date is ignored).
pub fn parse_retry_after(value: Option<&str>) -> Option<Duration> {
    let v = value?.trim();
    v.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| Duration::from_secs_f64(s.min(MAX_RETRY_AFTER.as_secs_f64())))
}

/// Runs `attempt` under the policy: each try limited to `policy.timeout`,
/// retried on throttling, server errors and timeouts.
pub async fn with_retries<F, Fut>(
    policy: &RetryPolicy,
    provider: &'static str,
    mut attempt: F,
) -> Result<String, LlmError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<String, AttemptError>>,
{
    let attempts = policy.max_retries + 1;
    let mut last: LlmError = LlmError::Throttled { attempts };
    for n in 0..attempts {
        let (retry_after, error) = match tokio::time::timeout(policy.timeout, attempt()).await {
            Ok(Ok(text)) => return Ok(text),
            Ok(Err(AttemptError::Fatal(e))) => return Err(e),
            Ok(Err(AttemptError::Throttled { retry_after })) => {
                (retry_after, LlmError::Throttled { attempts: n + 1 })
            }
            Ok(Err(AttemptError::Server {
                status,
                message,
                retry_after,
            })) => (
                retry_after,
                LlmError::Unavailable {
                    status,
                    message,
                    attempts: n + 1,
                },
            ),
            Err(_) => (
                None,
                LlmError::Timeout {
                    timeout_secs: policy.timeout.as_secs().max(1),
                    attempts: n + 1,
                },
            ),
        };
        last = error;
        if n + 1 < attempts {
            let wait = policy.delay(n, retry_after);
            tracing::warn!(
                message = "LLM request failed; retrying.",
                provider,
                attempt = n + 1,
                wait_ms = wait.as_millis() as u64,
                error = %last
            );
            tokio::time::sleep(wait).await;
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            timeout: Duration::from_secs(1),
            max_retries: 3,
            base: Duration::from_millis(100),
            max_wait: Duration::from_secs(2),
        }
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let p = policy();
        for retry in 0..3u32 {
            let full = 100u64 << retry;
            for _ in 0..50 {
                let d = p.delay(retry, None).as_millis() as u64;
                assert!(d >= full / 2 && d <= full, "retry {retry}: {d}");
            }
        }
        assert_eq!(p.delay(10, None), Duration::from_secs(2));
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(1))),
            Duration::from_secs(1)
        );
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(600))),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn retry_after_seconds() {
        assert_eq!(parse_retry_after(Some("2")), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_retry_after(Some(" 0.5 ")),
            Some(Duration::from_millis(500))
        );
        assert_eq!(
            parse_retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")),
            None
        );
        assert_eq!(parse_retry_after(None), None);
        // Absurd values are capped before conversion (no panic).
        assert_eq!(parse_retry_after(Some("1e20")), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after(Some("inf")), None);
    }
}
