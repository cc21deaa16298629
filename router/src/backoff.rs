//! Retry delays: exponential backoff with jitter, or the destination's
//! `Retry-After` when it gave one.

use std::time::Duration;

use mantissa_core::config::RetryConfig;
use rand::{Rng, SeedableRng};

/// The wait before attempt `attempt + 1` (`attempt` ≥ 1 attempts made):
/// `base · 2^(attempt-1)` capped at `max`, then "equal jitter" (a random
/// point in its upper half) so retries of many deliveries spread out. A
/// `Retry-After` is honoured as given (never shortened by jitter).
pub(crate) fn delay(
    policy: &RetryConfig,
    attempt: u32,
    retry_after: Option<Duration>,
    seed: u64,
) -> Duration {
    if let Some(r) = retry_after {
        return r;
    }
    let exp = attempt.saturating_sub(1).min(30);
    let raw = policy
        .base_backoff_ms
        .saturating_mul(1u64 << exp)
        .min(policy.max_backoff_ms);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let half = raw / 2;
    Duration::from_millis(half + rng.random_range(0..=raw - half))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_caps_and_jitters() {
        let p = RetryConfig {
            base_backoff_ms: 100,
            max_backoff_ms: 1000,
            ..RetryConfig::default()
        };
        for seed in 0..50 {
            let d1 = delay(&p, 1, None, seed).as_millis();
            assert!((50..=100).contains(&d1), "{d1}");
            let d3 = delay(&p, 3, None, seed).as_millis();
            assert!((200..=400).contains(&d3), "{d3}");
            let d9 = delay(&p, 9, None, seed).as_millis();
            assert!((500..=1000).contains(&d9), "{d9}");
        }
        assert_eq!(
            delay(&p, 1, Some(Duration::from_secs(3)), 1),
            Duration::from_secs(3)
        );
    }
}
