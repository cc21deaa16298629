//! Alerts as the detector raises them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::rule::{Category, Severity};

/// Where an alert is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertStatus {
    /// Raised, nobody has looked yet.
    Open,
    /// Someone is on it.
    Acknowledged,
    /// Done.
    Resolved,
}

/// One alert: a rule's dedup group, with evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Stable id (also the PagerDuty dedup key).
    pub id: String,
    /// Rule that raised it.
    pub rule_id: String,
    /// The rule's name.
    pub rule_name: String,
    /// Severity (the rule's).
    pub severity: Severity,
    /// Category (the rule's).
    pub category: Category,
    /// One line: rule name and the group values.
    pub title: String,
    /// What the rule detects.
    pub description: String,
    /// Evaluation time that raised it.
    #[serde(with = "rfc3339")]
    pub first_seen: DateTime<Utc>,
    /// Latest evaluation that saw it again.
    #[serde(with = "rfc3339")]
    pub last_seen: DateTime<Utc>,
    /// Sightings with new evidence (1 when raised).
    pub count: u64,
    /// The dedup field values.
    pub group: Map<String, Value>,
    /// Result rows of the group (capped).
    pub evidence: Vec<Map<String, Value>>,
    /// MITRE ATT&CK technique ids.
    pub mitre_attack: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// The rule's query as it ran.
    pub sql: String,
    /// Lifecycle state.
    pub status: AlertStatus,
    /// Group fingerprint (rule + group values).
    pub fingerprint: String,
    /// Raised by the alert limiter, not by the rule's query.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub meta: bool,
}

impl Alert {
    /// The group as `k=v, k=v` for titles and tables.
    pub fn group_text(&self) -> String {
        group_text(&self.group)
    }
}

/// `k=v, k=v` for a group.
pub fn group_text(group: &Map<String, Value>) -> String {
    group
        .iter()
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}={s}"),
            Value::Null => format!("{k}=∅"),
            other => format!("{k}={other}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

mod rfc3339 {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&mantissa_core::clock::format_instant(*t))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        mantissa_core::clock::parse_instant(&s).map_err(serde::de::Error::custom)
    }
}
