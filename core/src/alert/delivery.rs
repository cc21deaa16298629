//! Delivery records: the outbox the router works from.
//!
//! Every message an alert causes (the first notification, a repeat, a status
//! change, a digest) is a [`Delivery`] row written before anything is sent.
//! Workers claim due rows with a lease, so a crashed worker's rows come back
//! after the lease; every attempt is recorded with its outcome.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::model::{opt_rfc3339, rfc3339};

/// Why a message is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryAction {
    /// The alert's first message (Slack post, PagerDuty trigger, e-mail).
    Notify,
    /// The alert was seen again with new evidence (Slack thread reply).
    Repeat,
    /// The alert's status changed (Slack edit, PagerDuty acknowledge/resolve).
    StatusChange,
    /// Alerts folded together by quiet grouping (`payload.alert_ids`).
    Digest,
}

impl DeliveryAction {
    /// Snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Notify => "notify",
            Self::Repeat => "repeat",
            Self::StatusChange => "status_change",
            Self::Digest => "digest",
        }
    }

    /// Parses a snake-case name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "notify" => Self::Notify,
            "repeat" => Self::Repeat,
            "status_change" => Self::StatusChange,
            "digest" => Self::Digest,
            _ => return None,
        })
    }
}

impl fmt::Display for DeliveryAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its first or next attempt.
    Pending,
    /// The destination accepted it.
    Delivered,
    /// Gave up (retries exhausted or a permanent error); the fallback chain,
    /// if any, has its own delivery.
    Failed,
}

impl DeliveryStatus {
    /// Snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    /// Parses a snake-case name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => Self::Pending,
            "delivered" => Self::Delivered,
            "failed" => Self::Failed,
            _ => return None,
        })
    }
}

impl fmt::Display for DeliveryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A delivery to add to the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDelivery {
    /// Unique key: enqueueing the same key twice adds nothing (e.g.
    /// `<alert>:<destination>:notify`, `<alert>:<destination>:status:<n>`).
    pub key: String,
    /// The alert.
    pub alert_id: String,
    /// Configured destination name.
    pub destination: String,
    /// Why.
    pub action: DeliveryAction,
    /// Action details (new status and actor, digest alert ids, …).
    pub payload: Value,
    /// The route that chose this destination.
    pub route: Option<String>,
    /// The failed delivery this one falls back from.
    pub fallback_of: Option<i64>,
    /// Earliest attempt.
    pub not_before: DateTime<Utc>,
}

/// A delivery in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// Row id.
    pub id: i64,
    /// Unique key (see [`NewDelivery::key`]); also the idempotency key sent
    /// to destinations that support one.
    pub key: String,
    /// The alert.
    pub alert_id: String,
    /// Configured destination name.
    pub destination: String,
    /// Why.
    pub action: DeliveryAction,
    /// Action details.
    pub payload: Value,
    /// The route that chose this destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    /// The failed delivery this one falls back from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_of: Option<i64>,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: u32,
    /// Next attempt (pending only).
    #[serde(with = "rfc3339")]
    pub next_attempt: DateTime<Utc>,
    /// The last failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// What the destination returned to address the message later (Slack
    /// `{"channel","ts"}`, Discord `{"channel_id","message_id"}`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_ref: Option<Value>,
    /// When it was enqueued.
    #[serde(with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    /// Last change.
    #[serde(with = "rfc3339")]
    pub updated_at: DateTime<Utc>,
    /// A worker holds it until then (a crashed worker's lease expires).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_rfc3339")]
    pub lease_until: Option<DateTime<Utc>>,
}

/// How one attempt ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum AttemptOutcome {
    /// Accepted; `message_ref` addresses the message for later edits.
    Delivered {
        /// Destination-specific message address.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message_ref: Option<Value>,
    },
    /// Failed for now; try again at `retry_at`.
    Retry {
        /// Next attempt.
        #[serde(with = "rfc3339")]
        retry_at: DateTime<Utc>,
    },
    /// Failed for good (permanent error or retries exhausted).
    Failed,
}

/// One recorded attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// The delivery.
    pub delivery_id: i64,
    /// When it started.
    #[serde(with = "rfc3339")]
    pub at: DateTime<Utc>,
    /// How long it took.
    pub duration_ms: u64,
    /// HTTP status (or SMTP reply code), if one came back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// What went wrong, if anything (never contains secrets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The result.
    #[serde(flatten)]
    pub outcome: AttemptOutcome,
}
