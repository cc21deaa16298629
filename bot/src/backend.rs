//! What the bot needs from the rest of the product, as one trait.
//!
//! The bot knows nothing of SQL engines, translators or stores: the binary
//! implements [`Backend`] over the real ones (DataFusion or Athena, the
//! built-in or LLM translator, the alert and session stores, the router),
//! and the cloud deployment can implement it over its own.

use async_trait::async_trait;
use mantissa_core::alert::{Alert, AlertFilter, StatusChange, Transition};
use mantissa_core::engine::Scan;
use serde::Serialize;
use serde_json::Value;

/// A result column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    /// Name.
    pub name: String,
    /// SQL type as the engine reports it.
    #[serde(rename = "type")]
    pub data_type: String,
}

/// An answered question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    /// The question as asked.
    pub question: String,
    /// One sentence: what the SQL does.
    pub interpretation: String,
    /// The SQL that ran (after the guard).
    pub sql: String,
    /// `builtin` or `llm:<provider>`.
    pub translator: String,
    /// Result columns.
    pub columns: Vec<Column>,
    /// Result rows (JSON values, the conventions of `mantissa sql --format json`).
    pub rows: Vec<Vec<Value>>,
    /// Rows in the result.
    pub row_count: usize,
    /// The engine's row limit cut the result.
    pub truncated: bool,
    /// Translation and execution time.
    pub elapsed_ms: u64,
    /// What the query read and, on Athena, what it cost.
    pub scan: Option<Scan>,
}

/// What a question produced.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reply {
    /// A query ran.
    Answer(Answer),
    /// The translator was not confident: closest interpretations it can offer.
    Declined {
        /// Why.
        reason: String,
        /// "Did you mean" questions.
        suggestions: Vec<String>,
    },
    /// The query was refused or failed; `message` is safe to show a user.
    Failed {
        /// What went wrong, in plain words, with what to try.
        message: String,
        /// The SQL, when there was one.
        sql: Option<String>,
    },
}

/// A detection rule as chat shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleInfo {
    /// Rule id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Severity.
    pub severity: String,
    /// Category.
    pub category: String,
    /// Enabled (the file, or a run-time override).
    pub enabled: bool,
    /// Schedule (`5m`).
    pub schedule: String,
    /// What it detects.
    pub description: String,
    /// MITRE ATT&CK technique ids.
    pub mitre_attack: Vec<String>,
    /// Its query.
    pub query: String,
    /// Evaluation failures since the last success.
    pub failures: u32,
    /// The last failure.
    pub last_error: Option<String>,
    /// Last successful evaluation time.
    pub last_success: Option<chrono::DateTime<chrono::Utc>>,
    /// Notifications are muted until this time (the rule still runs).
    pub muted_until: Option<chrono::DateTime<chrono::Utc>>,
}

/// A rule test's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleTestResult {
    /// Test name.
    pub name: String,
    /// `None` when it passed, else why it failed.
    pub failure: Option<String>,
}

/// What `/mantissa status` shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    /// Query engine.
    pub engine: String,
    /// Rules loaded.
    pub rules: usize,
    /// Rules enabled.
    pub enabled: usize,
    /// Rules that failed to load (file: error).
    pub load_errors: Vec<String>,
    /// Rules whose last evaluation failed: (id, error).
    pub failing: Vec<(String, String)>,
    /// Latest successful evaluation of any rule.
    pub last_cycle: Option<chrono::DateTime<chrono::Utc>>,
    /// Open alerts.
    pub open_alerts: usize,
    /// Deliveries waiting in the outbox.
    pub pending_deliveries: u64,
}

/// A question to answer, with who may see what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ask<'a> {
    /// The question as asked.
    pub question: &'a str,
    /// The conversation it belongs to: follow-ups refine the previous turn
    /// and the turn is recorded.
    pub session: Option<&'a str>,
    /// Translate and guard only; do not run the query.
    pub translate_only: bool,
    /// The tables this asker may query (from `[permissions]` for the channel);
    /// `None`: every table.
    pub tables: Option<&'a [String]>,
}

impl<'a> Ask<'a> {
    /// A question with no conversation and no table restriction.
    pub fn new(question: &'a str) -> Self {
        Self {
            question,
            ..Self::default()
        }
    }
}

/// A backend failure; safe to show a user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    /// No loaded rule has this id.
    #[error("no rule `{0}`")]
    NoRule(String),
    /// Anything else (store unavailable, …), in plain words.
    #[error("{0}")]
    Failed(String),
}

/// The product, as the bot sees it.
#[async_trait]
pub trait Backend: Send + Sync {
    /// Answers a question (see [`Ask`]); a query touching a table outside
    /// `ask.tables` is refused with [`Reply::Failed`].
    async fn ask(&self, ask: Ask<'_>) -> Reply;

    /// Whether a conversation exists (a thread the bot has answered in).
    async fn has_session(&self, session: &str) -> bool;

    /// Alerts matching `filter`.
    async fn alerts(&self, filter: &AlertFilter) -> Result<Vec<Alert>, BackendError>;

    /// One alert.
    async fn alert(&self, id: &str) -> Result<Option<Alert>, BackendError>;

    /// Changes an alert's status (conditionally) and propagates the change
    /// to the destinations that were notified.
    async fn change_alert(
        &self,
        id: &str,
        change: &StatusChange,
    ) -> Result<Transition, BackendError>;

    /// Every loaded rule.
    async fn rules(&self) -> Result<Vec<RuleInfo>, BackendError>;

    /// Enables or disables a rule at run time (the file is not changed).
    async fn set_rule_enabled(&self, id: &str, enabled: bool) -> Result<RuleInfo, BackendError>;

    /// Mutes a rule's notifications until `until` (`None`: lifts the mute).
    /// The rule keeps running and its alerts are stored; they are just not
    /// sent. Returns the rule as it now is.
    async fn mute_rule(
        &self,
        id: &str,
        until: Option<chrono::DateTime<chrono::Utc>>,
        by: &str,
    ) -> Result<RuleInfo, BackendError>;

    /// Runs a rule's inline tests on the real pipeline.
    async fn test_rule(&self, id: &str) -> Result<Vec<RuleTestResult>, BackendError>;

    /// Engine, detection and delivery health.
    async fn status(&self) -> Result<Status, BackendError>;
}
