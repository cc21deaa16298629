//! Conversations: the previous turn of each session, for follow-ups.
//!
//! A session id is a chat thread (or `--session` on the CLI). The store
//! keeps the last answered [`Turn`] (question, plan, SQL) per session and
//! forgets sessions idle for longer than the expiry. SQLite now
//! ([`sqlite::SqliteSessionStore`]); DynamoDB with the cloud deployment.

#[cfg(feature = "dynamodb")]
pub mod dynamodb;
#[cfg(feature = "sqlite")]
pub mod sqlite;

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::nl::Turn;
use crate::store::StoreError;

/// Stores the last turn of each conversation.
///
/// # Contract
/// - `get` returns the last turn `put` for the id, unless it is older than
///   the store's expiry at `now`: then `None`, as for unknown ids, even when
///   the backend has not deleted it yet (DynamoDB's TTL deletes lazily).
/// - `put` replaces the session's last turn and refreshes its expiry.
/// - `clear` forgets the session (`:new` in chat); clearing an unknown
///   session is not an error.
/// - An unusable id is [`StoreError::Refused`] ([`validate_id`]).
#[async_trait]
pub trait SessionStore: Send + Sync + std::fmt::Debug {
    /// The last turn of a live session.
    async fn get(&self, id: &str, now: DateTime<Utc>) -> Result<Option<Turn>, StoreError>;
    /// Records the last turn.
    async fn put(&self, id: &str, turn: &Turn, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// Forgets a session.
    async fn clear(&self, id: &str) -> Result<(), StoreError>;
    /// How long an idle session lives.
    fn expiry(&self) -> Duration;
}

/// Checks a session id.
pub fn validate_id(id: &str) -> Result<(), StoreError> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c));
    if ok {
        Ok(())
    } else {
        Err(StoreError::Refused(format!(
            "invalid session id `{id}`: use 1-128 letters, digits, `-`, `_`, `.` or `:`"
        )))
    }
}
