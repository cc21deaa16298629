//! Durations as rules write them: `30s`, `5m`, `1h`, `7d`, `2w`.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// A positive duration written as a number and a unit (`s`, `m`, `h`, `d`, `w`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleDuration(pub Duration);

impl RuleDuration {
    /// Parses `5m`, `1h`, `30s`, `7d`, `2w` (also `90 minutes`, `1 hour`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let expected = "expected a number and a unit (s, m, h, d or w), e.g. `5m` or `1h`";
        let n: u64 = num
            .parse()
            .map_err(|_| format!("invalid duration `{text}`: {expected}"))?;
        let secs = match unit.trim().to_ascii_lowercase().as_str() {
            "s" | "sec" | "secs" | "second" | "seconds" => 1,
            "m" | "min" | "mins" | "minute" | "minutes" => 60,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3600,
            "d" | "day" | "days" => 86_400,
            "w" | "week" | "weeks" => 604_800,
            "" => {
                return Err(format!(
                    "invalid duration `{text}`: missing unit; {expected}"
                ));
            }
            other => {
                return Err(format!(
                    "invalid duration `{text}`: unknown unit `{other}`; {expected}"
                ));
            }
        };
        if n == 0 {
            return Err(format!(
                "invalid duration `{text}`: must be greater than zero"
            ));
        }
        Ok(Self(Duration::from_secs(n.saturating_mul(secs))))
    }

    /// The duration as a [`std::time::Duration`].
    pub fn get(self) -> Duration {
        self.0
    }

    /// The duration as a chrono duration (saturating).
    pub fn chrono(self) -> chrono::Duration {
        chrono::Duration::from_std(self.0).unwrap_or(chrono::Duration::MAX)
    }
}

impl fmt::Display for RuleDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0.as_secs();
        for (unit, secs) in [("w", 604_800), ("d", 86_400), ("h", 3600), ("m", 60)] {
            if s.is_multiple_of(secs) && s >= secs {
                return write!(f, "{}{unit}", s / secs);
            }
        }
        write!(f, "{s}s")
    }
}

impl<'de> Deserialize<'de> for RuleDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for RuleDuration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(RuleDuration::parse("5m").unwrap().0.as_secs(), 300);
        assert_eq!(RuleDuration::parse("1h").unwrap().0.as_secs(), 3600);
        assert_eq!(RuleDuration::parse("2 hours").unwrap().0.as_secs(), 7200);
        assert_eq!(RuleDuration::parse("7d").unwrap().to_string(), "1w");
        assert_eq!(RuleDuration::parse("90s").unwrap().to_string(), "90s");
    }

    #[test]
    fn explains_bad_input() {
        let e = RuleDuration::parse("5 parsecs").unwrap_err();
        assert!(e.contains("unknown unit `parsecs`"), "{e}");
        assert!(
            RuleDuration::parse("h")
                .unwrap_err()
                .contains("expected a number")
        );
        assert!(
            RuleDuration::parse("10")
                .unwrap_err()
                .contains("missing unit")
        );
        assert!(
            RuleDuration::parse("0m")
                .unwrap_err()
                .contains("greater than zero")
        );
    }
}
