//! The detector's state: per-rule evaluation records and enable overrides.
//! Alerts (with their fingerprints and suppression expiry) live in the
//! [`crate::alert::AlertStore`].
//!
//! [`RuleStateStore`] is the trait; `sqlite::SqliteRuleStateStore` keeps
//! everything in one SQLite file (`<data-dir>/state/detector.db`). A
//! DynamoDB store comes with the cloud deployment.

#[cfg(feature = "dynamodb")]
pub mod dynamodb;
#[cfg(feature = "sqlite")]
pub mod sqlite;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::store::StoreError;

/// What the store remembers about one rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleState {
    /// Evaluation time of the last successful run.
    pub last_success: Option<DateTime<Utc>>,
    /// Failures since the last success.
    pub failures: u32,
    /// The last failure's message.
    pub last_error: Option<String>,
    /// Enabled/disabled set at run time (overrides the file).
    pub enabled: Option<bool>,
}

/// Persistent detector state.
///
/// # Contract
/// - An unknown rule has the default state (never [`StoreError::NotFound`]).
/// - `record_success` keeps the latest time it was given (a late writer
///   never moves it back) and resets the failure count.
/// - `record_failure` counts failures since the last success; concurrent
///   failures are all counted.
/// - `set_enabled` overrides the rule file until set again.
#[async_trait]
pub trait RuleStateStore: Send + Sync {
    /// What is known about a rule.
    async fn rule_state(&self, rule_id: &str) -> Result<RuleState, StoreError>;
    /// Records a successful evaluation at `at` (kept if later than the stored one).
    async fn record_success(&self, rule_id: &str, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// Records a failed evaluation.
    async fn record_failure(
        &self,
        rule_id: &str,
        at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError>;
    /// Enables or disables a rule at run time.
    async fn set_enabled(&self, rule_id: &str, enabled: bool) -> Result<(), StoreError>;
}
