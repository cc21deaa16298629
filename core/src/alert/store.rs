//! The [`AlertStore`] trait: alerts, their audit history and their outbox.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::delivery::{Attempt, Delivery, NewDelivery};
use super::model::{Alert, AlertEvent, AlertStatus, Severity};
use crate::store::StoreError;

/// An alert found by fingerprint whose suppression window is still open.
#[derive(Debug, Clone)]
pub struct OpenAlert {
    /// The alert.
    pub alert: Alert,
    /// Hash of the evidence last seen.
    pub evidence_hash: String,
    /// Repeats before this time fold into the alert.
    pub suppress_until: DateTime<Utc>,
}

/// What [`AlertStore::save_alert`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// A new alert.
    Inserted,
    /// A known alert's sighting (count, last seen, evidence) was updated.
    Updated,
}

/// A requested status change.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChange {
    /// Target state.
    pub to: AlertStatus,
    /// Who (`slack:U123`, `cli:alice`, …).
    pub actor: String,
    /// Optional note (kept in the history).
    pub note: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// A rule whose alerts are not sent until `until` ("Mute rule 24h"). The
/// rule still runs and its alerts are still stored; only notifications stop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleMute {
    /// The rule.
    pub rule_id: String,
    /// Notifications resume at this time.
    pub until: DateTime<Utc>,
    /// Who muted it (`slack:U123`, `cli:alice`, …).
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// What a status change did.
#[derive(Debug, Clone, PartialEq)]
pub enum Transition {
    /// The state changed from `from`; `alert` is the new state.
    Changed {
        /// The alert after the change.
        alert: Alert,
        /// The state before.
        from: AlertStatus,
    },
    /// The alert already was in the requested state (a double click, a
    /// retried request): nothing changed.
    Unchanged {
        /// The alert as stored.
        alert: Alert,
    },
}

impl Transition {
    /// The alert after the call.
    pub fn alert(&self) -> &Alert {
        match self {
            Self::Changed { alert, .. } | Self::Unchanged { alert } => alert,
        }
    }
}

/// Which alerts to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertFilter {
    /// Only this status.
    pub status: Option<AlertStatus>,
    /// Only this severity or higher.
    pub min_severity: Option<Severity>,
    /// Only this rule.
    pub rule_id: Option<String>,
    /// Only alerts last seen after this time.
    pub since: Option<DateTime<Utc>>,
    /// Include limiter meta-alerts.
    pub include_meta: bool,
    /// At most this many (0 = no limit).
    pub limit: usize,
}

/// The message of a status change the lifecycle does not allow.
pub fn not_allowed(id: &str, from: AlertStatus, to: AlertStatus) -> StoreError {
    StoreError::Refused(format!(
        "alert `{id}` is {from}; it cannot be {} (re-open it first)",
        past(to)
    ))
}

/// The history entry every store writes when the detector raises `alert`.
pub fn raised_event(alert: &Alert) -> AlertEvent {
    AlertEvent {
        at: alert.first_seen,
        actor: "detector".into(),
        action: "raised".into(),
        detail: Some(format!("rule {}", alert.rule_id)),
    }
}

/// The history entry every store writes when the detector sees `alert`
/// again (its count went up).
pub fn repeated_event(alert: &Alert) -> AlertEvent {
    AlertEvent {
        at: alert.last_seen,
        actor: "detector".into(),
        action: "repeated".into(),
        detail: Some(format!("seen {} times", alert.count)),
    }
}

/// The history entry every store writes for a status change.
pub fn status_event(change: &StatusChange) -> AlertEvent {
    let action = match change.to {
        AlertStatus::Open => "reopened",
        AlertStatus::Acknowledged => "acknowledged",
        AlertStatus::Resolved => "resolved",
    };
    AlertEvent {
        at: change.at,
        actor: change.actor.clone(),
        action: action.into(),
        detail: change.note.clone(),
    }
}

/// A severity as the number stores filter on (`>=` is "this or higher").
pub fn severity_rank(s: Severity) -> i64 {
    s as i64
}

fn past(s: AlertStatus) -> &'static str {
    match s {
        AlertStatus::Open => "re-opened",
        AlertStatus::Acknowledged => "acknowledged",
        AlertStatus::Resolved => "resolved",
    }
}

/// Alerts with their lifecycle, audit history and delivery outbox.
///
/// Implementations: `SqliteAlertStore` (embedded), DynamoDB (cloud).
///
/// # Contract
/// - `transition` is conditional on the stored state (compare-and-set): of
///   concurrent requests for the same change exactly one gets
///   [`Transition::Changed`], the others [`Transition::Unchanged`] with the
///   winner's actor; a change the lifecycle forbids is
///   [`StoreError::Refused`]; an unknown id is [`StoreError::NotFound`].
/// - `save_alert` never touches the lifecycle fields a click set.
/// - `list` returns every match (however the backend pages), most recently
///   seen first, cut to `filter.limit` when it is not 0.
/// - `enqueue` is idempotent by delivery key; `claim_due` hands a due
///   delivery to one caller until its lease expires, then to the next.
/// - A mute is in force until its `until`; `rule_mute` is `None` after.
/// - Backend failures are [`StoreError::Unavailable`] (retryable) or
///   [`StoreError::Backend`], never a backend's own error type.
#[async_trait]
pub trait AlertStore: Send + Sync {
    // --- the detector's side -------------------------------------------

    /// The not-resolved alert with this fingerprint whose suppression has
    /// not expired at `at`.
    async fn open_alert(
        &self,
        fingerprint: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<OpenAlert>, StoreError>;

    /// Stores a new alert, or updates a stored one's sighting (count, last
    /// seen, evidence, suppression) without touching its lifecycle state.
    /// Records `raised` / `repeated` in the history.
    async fn save_alert(
        &self,
        alert: &Alert,
        evidence_hash: &str,
        suppress_until: DateTime<Utc>,
    ) -> Result<Saved, StoreError>;

    /// Alerts (not meta-alerts) a rule raised with `first_seen` in `(since, until]`.
    async fn alerts_raised(
        &self,
        rule_id: &str,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<u64, StoreError>;

    // --- reading ---------------------------------------------------------

    /// One alert.
    async fn get(&self, id: &str) -> Result<Option<Alert>, StoreError>;

    /// Alerts matching `filter`, most recently seen first.
    async fn list(&self, filter: &AlertFilter) -> Result<Vec<Alert>, StoreError>;

    /// An alert's audit history, oldest first.
    async fn history(&self, id: &str) -> Result<Vec<AlertEvent>, StoreError>;

    // --- lifecycle -------------------------------------------------------

    /// Moves an alert to `change.to` if the lifecycle allows it; a no-op
    /// when it is already there.
    async fn transition(&self, id: &str, change: &StatusChange) -> Result<Transition, StoreError>;

    /// Appends an entry to an alert's history.
    async fn record_event(&self, id: &str, event: &AlertEvent) -> Result<(), StoreError>;

    // --- rule mutes ------------------------------------------------------

    /// Mutes a rule's notifications (replacing any mute it had).
    async fn mute_rule(&self, mute: &RuleMute) -> Result<(), StoreError>;

    /// Lifts a rule's mute; `false` when it had none.
    async fn unmute_rule(&self, rule_id: &str) -> Result<bool, StoreError>;

    /// The rule's mute, if one is in force at `at`.
    async fn rule_mute(
        &self,
        rule_id: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<RuleMute>, StoreError>;

    // --- the outbox ------------------------------------------------------

    /// Adds deliveries; keys already present are skipped. Returns the ids
    /// of the rows added.
    async fn enqueue(&self, deliveries: &[NewDelivery]) -> Result<Vec<i64>, StoreError>;

    /// Claims up to `limit` pending deliveries due at `now` that no live
    /// lease holds, leasing them until `lease_until`.
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Delivery>, StoreError>;

    /// Records an attempt and applies its outcome (delivered, retry at,
    /// failed); releases the lease.
    async fn record_attempt(&self, attempt: &Attempt) -> Result<Delivery, StoreError>;

    /// An alert's deliveries, oldest first.
    async fn deliveries(&self, alert_id: &str) -> Result<Vec<Delivery>, StoreError>;

    /// Every attempt of a delivery, oldest first.
    async fn attempts(&self, delivery_id: i64) -> Result<Vec<Attempt>, StoreError>;

    /// The earliest pending delivery's next attempt (to sleep until then).
    async fn next_due(&self) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// Pending deliveries.
    async fn pending(&self) -> Result<u64, StoreError>;
}
