//! Quiet grouping: per rule and window (aligned to `window_minutes` of
//! routing time), the first `max_alerts` alerts are sent one by one and the
//! rest are folded into one digest per destination, sent when the window
//! closes.
//!
//! The counts live in memory: after a restart a window counts from zero
//! again, which can send up to `max_alerts` more alerts one by one but
//! never loses one (a folded alert is always in a digest).

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, TimeZone, Utc};
use mantissa_core::config::GroupingConfig;

/// What to do with one new alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Grouped {
    /// Send it on its own.
    Send,
    /// Fold it into the window's digest.
    Fold {
        /// `digest:<rule>:<window start, Unix seconds>`.
        group: String,
        /// Window start.
        start: DateTime<Utc>,
        /// Window end: when the digest is sent.
        end: DateTime<Utc>,
    },
}

#[derive(Debug)]
pub(crate) struct Grouping {
    config: GroupingConfig,
    counts: Mutex<HashMap<(String, i64), u32>>,
}

impl Grouping {
    pub(crate) fn new(config: GroupingConfig) -> Self {
        Self {
            config,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a new alert of `rule_id` routed at `now`.
    pub(crate) fn admit(&self, rule_id: &str, now: DateTime<Utc>) -> Grouped {
        if self.config.max_alerts == 0 {
            return Grouped::Send;
        }
        let window = i64::from(self.config.window_minutes.max(1)) * 60;
        let start = now.timestamp().div_euclid(window) * window;
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts.retain(|(_, s), _| *s + window > start - window);
        let n = counts.entry((rule_id.to_string(), start)).or_insert(0);
        *n += 1;
        if *n <= self.config.max_alerts {
            return Grouped::Send;
        }
        let at = |s: i64| Utc.timestamp_opt(s, 0).single().unwrap_or(now);
        Grouped::Fold {
            group: format!("digest:{rule_id}:{start}"),
            start: at(start),
            end: at(start + window),
        }
    }
}
