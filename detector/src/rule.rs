//! The rule model: what a YAML rule file says, validated.

use std::collections::BTreeMap;

use mantissa_core::guard::GuardedSql;
use serde::{Deserialize, Serialize};

use crate::duration::RuleDuration;

pub use mantissa_core::alert::{Category, Severity};

/// When a rule raises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    /// Result rows needed to raise.
    pub count: u64,
    /// The query sees events in `(now - window, now]`.
    pub window: RuleDuration,
}

/// Which result columns identify "the same" alert, and for how long repeats fold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DedupSpec {
    /// Result columns forming the group key; default: every text column.
    #[serde(default)]
    pub fields: Option<Vec<String>>,
    /// Repeats within this time of the last sighting update the open alert;
    /// default: the window.
    #[serde(default)]
    pub suppress: Option<RuleDuration>,
}

/// Context for analysts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    /// MITRE ATT&CK technique ids, e.g. `T1110`.
    #[serde(default)]
    pub mitre_attack: Vec<String>,
    /// Free-form tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Who wrote the rule.
    #[serde(default)]
    pub author: Option<String>,
    /// Links to background material.
    #[serde(default)]
    pub references: Vec<String>,
    /// Known benign causes.
    #[serde(default)]
    pub false_positives: Option<FalsePositives>,
}

/// `false_positives` as a sentence or a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FalsePositives {
    /// One note.
    One(String),
    /// Several notes.
    Many(Vec<String>),
}

impl FalsePositives {
    /// The notes as one line.
    pub fn joined(&self) -> String {
        match self {
            Self::One(s) => s.trim().to_string(),
            Self::Many(v) => v.join("; "),
        }
    }
}

/// An inline test: log events and the expected outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleTest {
    /// What the test shows.
    pub name: String,
    /// Evaluation time (RFC 3339); default: latest event + 1 minute.
    #[serde(default)]
    pub now: Option<String>,
    /// Events per table, in the native format of each source.
    pub events: BTreeMap<String, Vec<serde_json::Value>>,
    /// The expected outcome.
    pub expect: Expectation,
}

/// What a test expects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// Number of alerts (dedup groups) raised.
    pub alerts: u64,
    /// Field values one of the alerts' groups must have.
    #[serde(default)]
    pub group: BTreeMap<String, serde_json::Value>,
}

/// Where a rule came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// Source name, e.g. `builtin` or a folder.
    pub source: String,
    /// File path as shown to users.
    pub path: String,
}

/// A loaded, validated rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Unique id (default: the file stem).
    pub id: String,
    /// Display name.
    pub name: String,
    /// What the rule detects.
    pub description: String,
    /// Whether the file enables the rule (the state store may override it).
    pub enabled: bool,
    /// Alert severity.
    pub severity: Severity,
    /// Alert category.
    pub category: Category,
    /// How often the rule runs.
    pub schedule: RuleDuration,
    /// The query as written.
    pub query: String,
    /// The query as the guard accepted it.
    pub guarded: GuardedSql,
    /// Raise condition and lookback.
    pub threshold: Threshold,
    /// Group-key columns (`None`: every text column of the result).
    pub dedup_fields: Option<Vec<String>>,
    /// Suppression after the last sighting.
    pub suppress: RuleDuration,
    /// Analyst context.
    pub metadata: Metadata,
    /// Inline tests.
    pub tests: Vec<RuleTest>,
    /// File it was loaded from.
    pub origin: Origin,
}
