//! Conversations: the previous turn of each session, for follow-ups.
//!
//! A session id is a chat thread (or `--session` on the CLI). The store
//! keeps the last answered [`Turn`] (question, plan, SQL) per session and
//! forgets sessions idle for longer than the expiry. SQLite now
//! ([`sqlite::SqliteSessionStore`]); DynamoDB with the cloud deployment.

pub mod sqlite;

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::nl::Turn;

/// Why a session operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The session id is unusable.
    #[error("invalid session id `{0}`: use 1-128 letters, digits, `-`, `_`, `.` or `:`")]
    InvalidId(String),
    /// The store failed.
    #[error("session store `{backend}` failed: {message}")]
    Backend {
        /// The backend.
        backend: &'static str,
        /// What went wrong.
        message: String,
    },
}

/// Stores the last turn of each conversation.
///
/// # Contract
/// - `get` returns the last turn `put` for the id, unless it is older than
///   the store's expiry at `now` (then `None`, as for unknown ids).
/// - `put` replaces the session's last turn and refreshes its expiry.
/// - `clear` forgets the session (`:new` in chat).
pub trait SessionStore: Send + Sync + std::fmt::Debug {
    /// The last turn of a live session.
    fn get(&self, id: &str, now: DateTime<Utc>) -> Result<Option<Turn>, SessionError>;
    /// Records the last turn.
    fn put(&self, id: &str, turn: &Turn, now: DateTime<Utc>) -> Result<(), SessionError>;
    /// Forgets a session.
    fn clear(&self, id: &str) -> Result<(), SessionError>;
    /// How long an idle session lives.
    fn expiry(&self) -> Duration;
}

/// Checks a session id.
pub fn validate_id(id: &str) -> Result<(), SessionError> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c));
    if ok {
        Ok(())
    } else {
        Err(SessionError::InvalidId(id.to_string()))
    }
}
