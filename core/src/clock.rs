//! The single source of "now".
//!
//! Everything time-relative (SQL `CURRENT_TIMESTAMP`/`now()`, "last 24 hours",
//! rule windows) asks a [`Clock`]. `--now` freezes it, which makes every query
//! and detection replayable on historical data.

use chrono::{DateTime, SecondsFormat, Utc};

/// A clock that is either the system clock or frozen at one instant.
#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    frozen: Option<DateTime<Utc>>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self { frozen: None }
    }

    /// A clock frozen at `at`.
    pub fn frozen(at: DateTime<Utc>) -> Self {
        Self { frozen: Some(at) }
    }

    /// The current instant according to this clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.frozen.unwrap_or_else(Utc::now)
    }

    /// Whether the clock was frozen (`--now`).
    pub fn is_frozen(&self) -> bool {
        self.frozen.is_some()
    }
}

/// Parses an RFC 3339 instant such as `2024-07-31T13:06:24Z` (also accepts a
/// plain date `2024-07-31`, meaning midnight UTC).
pub fn parse_instant(text: &str) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        && let Some(t) = d.and_hms_opt(0, 0, 0)
    {
        return Ok(t.and_utc());
    }
    Err(format!(
        "`{text}` is not an RFC 3339 time; expected e.g. 2024-07-31T13:06:24Z or 2024-07-31"
    ))
}

/// Formats an instant as RFC 3339 UTC with second precision (`...Z`), or with
/// milliseconds when they are not zero.
pub fn format_instant(t: DateTime<Utc>) -> String {
    if t.timestamp_subsec_nanos() == 0 {
        t.to_rfc3339_opts(SecondsFormat::Secs, true)
    } else {
        t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frozen_clock_is_frozen() {
        let t = parse_instant("2024-07-31T13:06:24Z").unwrap();
        let c = Clock::frozen(t);
        assert_eq!(c.now(), t);
        assert!(c.is_frozen());
        assert_eq!(format_instant(c.now()), "2024-07-31T13:06:24Z");
    }

    #[test]
    fn parse_instant_accepts_dates_and_offsets() {
        assert_eq!(
            format_instant(parse_instant("2024-07-31").unwrap()),
            "2024-07-31T00:00:00Z"
        );
        assert_eq!(
            format_instant(parse_instant("2024-07-31T15:06:24+02:00").unwrap()),
            "2024-07-31T13:06:24Z"
        );
        let err = parse_instant("yesterday").unwrap_err();
        assert!(err.contains("RFC 3339"), "{err}");
    }
}
