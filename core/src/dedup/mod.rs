//! "Claim this id once": de-duplication of work that may arrive more than
//! once. Slack retries an event it thinks was not acknowledged, Discord may
//! deliver an interaction twice, and Lambda's asynchronous invocations are
//! at least once; each is answered once because the first taker claims its
//! id here and later takers see the claim.
//!
//! [`SeenStore`] is the trait; [`memory::MemorySeenStore`] keeps claims in
//! the process (tests, one-off runs), `sqlite::SqliteSeenStore` in a SQLite
//! file shared by every process on the machine, and a DynamoDB store (a
//! conditional put with a TTL attribute) comes with the cloud deployment.

#[cfg(feature = "dynamodb")]
pub mod dynamodb;
pub mod memory;
#[cfg(feature = "sqlite")]
pub mod sqlite;

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::store::StoreError;

/// How long a Slack or Discord event id is remembered: Slack retries within
/// about six minutes, so a quarter of an hour is plenty.
pub const EVENT_TTL: Duration = Duration::from_secs(15 * 60);

/// Claims ids once.
///
/// # Contract
/// - `claim` is atomic: of any number of concurrent claims of one id (from
///   any number of handles or processes), exactly one returns `true`.
/// - A claim lasts `ttl` from `now`; once it has expired the next claim
///   succeeds again, even if the backend has not deleted it yet.
/// - Ids are independent: claiming one never affects another.
#[async_trait]
pub trait SeenStore: Send + Sync + std::fmt::Debug {
    /// Claims `id` until `now + ttl`: `true` when this caller is the first
    /// (it does the work), `false` while an earlier claim is live.
    async fn claim(&self, id: &str, now: DateTime<Utc>, ttl: Duration) -> Result<bool, StoreError>;
}

/// `now + ttl`, saturating.
pub(crate) fn expiry(now: DateTime<Utc>, ttl: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(ttl)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}
