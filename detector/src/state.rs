//! Detector state: per-rule evaluation records and enable overrides.
//! Alerts (with their fingerprints and suppression expiry) live in the
//! [`mantissa_core::alert::AlertStore`].
//!
//! [`StateStore`] is the trait; [`SqliteStateStore`] keeps everything in
//! one SQLite file (`<data-dir>/state/detector.db`). A DynamoDB store comes
//! with the cloud deployment.

use std::path::Path;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

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

/// A state store failure.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// SQLite failed.
    #[error("detector state database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored alert does not decode.
    #[error("detector state database holds a corrupt alert: {0}")]
    Corrupt(#[from] serde_json::Error),
    /// Cannot create the state folder.
    #[error("cannot create the state folder: {0}")]
    Io(#[from] std::io::Error),
}

/// Persistent detector state.
#[async_trait]
pub trait StateStore: Send + Sync {
    /// What is known about a rule.
    async fn rule_state(&self, rule_id: &str) -> Result<RuleState, StateError>;
    /// Records a successful evaluation at `at` (kept if later than the stored one).
    async fn record_success(&self, rule_id: &str, at: DateTime<Utc>) -> Result<(), StateError>;
    /// Records a failed evaluation.
    async fn record_failure(
        &self,
        rule_id: &str,
        at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StateError>;
    /// Enables or disables a rule at run time.
    async fn set_enabled(&self, rule_id: &str, enabled: bool) -> Result<(), StateError>;
}

/// [`StateStore`] in a SQLite file.
#[derive(Debug)]
pub struct SqliteStateStore {
    conn: Mutex<Connection>,
}

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA busy_timeout = 5000;
CREATE TABLE IF NOT EXISTS rule_state (
    rule_id       TEXT PRIMARY KEY,
    last_success  INTEGER,
    failures      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    enabled       INTEGER
);
";

impl SqliteStateStore {
    /// Opens (creating if needed) the store at `path`.
    pub fn open(path: &Path) -> Result<Self, StateError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let conn = Connection::open(path)?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    /// A store that lives in memory (backtests, rule tests).
    pub fn in_memory() -> Result<Self, StateError> {
        let conn = Connection::open_in_memory()?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StateError>,
    ) -> Result<T, StateError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&conn)
    }
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

fn instant(us: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(us).unwrap_or_default()
}

#[async_trait]
impl StateStore for SqliteStateStore {
    async fn rule_state(&self, rule_id: &str) -> Result<RuleState, StateError> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT last_success, failures, last_error, enabled FROM rule_state WHERE rule_id = ?1",
                [rule_id],
                |r| {
                    Ok(RuleState {
                        last_success: r.get::<_, Option<i64>>(0)?.map(instant),
                        failures: r.get(1)?,
                        last_error: r.get(2)?,
                        enabled: r.get::<_, Option<bool>>(3)?,
                    })
                },
            )
            .optional()?
            .unwrap_or_default())
        })
    }

    async fn record_success(&self, rule_id: &str, at: DateTime<Utc>) -> Result<(), StateError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO rule_state (rule_id, last_success, failures) VALUES (?1, ?2, 0)
                 ON CONFLICT (rule_id) DO UPDATE SET
                   last_success = max(coalesce(last_success, 0), excluded.last_success),
                   failures = 0, last_error = NULL",
                params![rule_id, micros(at)],
            )?;
            Ok(())
        })
    }

    async fn record_failure(
        &self,
        rule_id: &str,
        _at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StateError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO rule_state (rule_id, failures, last_error) VALUES (?1, 1, ?2)
                 ON CONFLICT (rule_id) DO UPDATE SET failures = failures + 1, last_error = excluded.last_error",
                params![rule_id, error],
            )?;
            Ok(())
        })
    }

    async fn set_enabled(&self, rule_id: &str, enabled: bool) -> Result<(), StateError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO rule_state (rule_id, enabled) VALUES (?1, ?2)
                 ON CONFLICT (rule_id) DO UPDATE SET enabled = excluded.enabled",
                params![rule_id, enabled],
            )?;
            Ok(())
        })
    }
}
