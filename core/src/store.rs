//! What every store has in common: one backend-neutral error.
//!
//! The state of the product (alerts, mutes and the delivery outbox;
//! conversations; the detector's per-rule state; claimed event ids) lives
//! behind traits with one implementation per backend: SQLite files on one
//! machine, DynamoDB in the cloud. Every implementation maps its client
//! library's failures onto [`StoreError`], so callers decide what to do
//! (tell the user, retry, give up) without knowing which backend they run
//! on, and no store trait names a backend's types.
//!
//! The traits: [`crate::alert::AlertStore`], `session::SessionStore` (feature `query`),
//! [`crate::rule_state::RuleStateStore`], [`crate::dedup::SeenStore`]. Each
//! has one conformance suite in `crate::conformance` (feature
//! `conformance`) that every implementation passes.

use std::fmt;

#[cfg(feature = "dynamodb")]
pub mod dynamodb;

/// A boxed error from a backend's client library.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Nothing is stored under this id.
    #[error("no {what} with id `{id}`")]
    NotFound {
        /// What was looked up (`alert`, `delivery`, …).
        what: &'static str,
        /// The id.
        id: String,
    },
    /// A conditional write lost a race: the stored item changed between
    /// read and write more often than the store retries. Trying again is
    /// safe.
    #[error("{what} `{id}` changed concurrently; try again")]
    Precondition {
        /// What was written.
        what: &'static str,
        /// The id.
        id: String,
    },
    /// The request contradicts the stored state (an alert's lifecycle does
    /// not allow the change) or is malformed (an unusable id). The message
    /// is for the user and says what to do instead.
    #[error("{0}")]
    Refused(String),
    /// The backend cannot be reached or is busy (locked file, throttling,
    /// timeout, network): retryable.
    #[error("{backend} is unavailable: {source}")]
    Unavailable {
        /// The backend (`sqlite`, `dynamodb`).
        backend: &'static str,
        /// The client library's error.
        #[source]
        source: BoxError,
    },
    /// The backend failed in a way retrying will not fix (bad schema,
    /// permissions, a full disk).
    #[error("{backend} failed: {source}")]
    Backend {
        /// The backend.
        backend: &'static str,
        /// The client library's error.
        #[source]
        source: BoxError,
    },
    /// A stored item does not decode (written by a newer version, or
    /// damaged).
    #[error("{backend} holds a corrupt record: {message}")]
    Corrupt {
        /// The backend.
        backend: &'static str,
        /// Which record and why.
        message: String,
    },
}

impl StoreError {
    /// Whether trying again may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable { .. } | Self::Precondition { .. })
    }

    /// A failure of `backend` that retrying will not fix.
    pub fn backend(backend: &'static str, source: impl Into<BoxError>) -> Self {
        Self::Backend {
            backend,
            source: source.into(),
        }
    }

    /// A corrupt record of `backend`.
    pub fn corrupt(backend: &'static str, message: impl fmt::Display) -> Self {
        Self::Corrupt {
            backend,
            message: message.to_string(),
        }
    }
}

/// What the SQLite stores share.
#[cfg(feature = "sqlite")]
pub(crate) mod sqlite {
    use std::path::Path;

    use rusqlite::Connection;

    use super::StoreError;

    /// Opens the SQLite file at `path` (creating its folder and the file if
    /// needed) and applies `schema`.
    pub(crate) fn open(path: &Path, schema: &str) -> Result<Connection, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::backend(
                    "sqlite",
                    format!("cannot create the state folder {}: {e}", dir.display()),
                )
            })?;
        }
        let conn = Connection::open(path)?;
        conn.execute_batch(schema)?;
        Ok(conn)
    }

    /// SQLite's busy and locked results are retryable; anything else is not.
    impl From<rusqlite::Error> for StoreError {
        fn from(e: rusqlite::Error) -> Self {
            use rusqlite::ErrorCode::{DatabaseBusy, DatabaseLocked};
            match e.sqlite_error_code() {
                Some(DatabaseBusy | DatabaseLocked) => StoreError::Unavailable {
                    backend: "sqlite",
                    source: Box::new(e),
                },
                _ => StoreError::backend("sqlite", e),
            }
        }
    }
}
