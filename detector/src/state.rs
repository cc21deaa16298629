//! Detector state: per-rule evaluation records, enable overrides, alerts
//! with their dedup fingerprints and suppression expiry.
//!
//! [`StateStore`] is the trait; [`SqliteStateStore`] keeps everything in
//! one SQLite file (`<data-dir>/state/detector.db`). A DynamoDB store comes
//! with the cloud deployment.

use std::path::Path;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::alert::Alert;

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

/// An open alert found by fingerprint.
#[derive(Debug, Clone)]
pub struct OpenAlert {
    /// The alert.
    pub alert: Alert,
    /// Hash of the evidence last seen.
    pub evidence_hash: String,
    /// Repeats before this time fold into the alert.
    pub suppress_until: DateTime<Utc>,
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
    /// The alert whose fingerprint is `fingerprint` and whose suppression
    /// has not expired at `at`.
    async fn open_alert(
        &self,
        fingerprint: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<OpenAlert>, StateError>;
    /// Stores a new alert or replaces a stored one (same id).
    async fn save_alert(
        &self,
        alert: &Alert,
        evidence_hash: &str,
        suppress_until: DateTime<Utc>,
    ) -> Result<(), StateError>;
    /// Alerts (not meta-alerts) a rule raised with `first_seen` in `(since, until]`.
    async fn alerts_raised(
        &self,
        rule_id: &str,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<u64, StateError>;
    /// Alerts, newest first.
    async fn alerts(&self, limit: usize) -> Result<Vec<Alert>, StateError>;
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
CREATE TABLE IF NOT EXISTS alerts (
    id             TEXT PRIMARY KEY,
    rule_id        TEXT NOT NULL,
    fingerprint    TEXT NOT NULL,
    first_seen     INTEGER NOT NULL,
    last_seen      INTEGER NOT NULL,
    suppress_until INTEGER NOT NULL,
    evidence_hash  TEXT NOT NULL,
    meta           INTEGER NOT NULL,
    body           TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_by_fingerprint ON alerts (fingerprint, suppress_until);
CREATE INDEX IF NOT EXISTS alerts_by_rule ON alerts (rule_id, first_seen);
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

    async fn open_alert(
        &self,
        fingerprint: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<OpenAlert>, StateError> {
        self.with(|c| {
            let row = c
                .query_row(
                    "SELECT body, evidence_hash, suppress_until FROM alerts
                     WHERE fingerprint = ?1 AND suppress_until > ?2 AND first_seen <= ?2
                     ORDER BY first_seen DESC LIMIT 1",
                    params![fingerprint, micros(at)],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, i64>(2)?,
                        ))
                    },
                )
                .optional()?;
            row.map(|(body, evidence_hash, until)| {
                Ok(OpenAlert {
                    alert: serde_json::from_str(&body)?,
                    evidence_hash,
                    suppress_until: instant(until),
                })
            })
            .transpose()
        })
    }

    async fn save_alert(
        &self,
        alert: &Alert,
        evidence_hash: &str,
        suppress_until: DateTime<Utc>,
    ) -> Result<(), StateError> {
        let body = serde_json::to_string(alert)?;
        self.with(|c| {
            c.execute(
                "INSERT INTO alerts (id, rule_id, fingerprint, first_seen, last_seen, suppress_until, evidence_hash, meta, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen,
                   suppress_until = excluded.suppress_until, evidence_hash = excluded.evidence_hash,
                   body = excluded.body",
                params![
                    alert.id,
                    alert.rule_id,
                    alert.fingerprint,
                    micros(alert.first_seen),
                    micros(alert.last_seen),
                    micros(suppress_until),
                    evidence_hash,
                    alert.meta,
                    body
                ],
            )?;
            Ok(())
        })
    }

    async fn alerts_raised(
        &self,
        rule_id: &str,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<u64, StateError> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM alerts WHERE rule_id = ?1 AND meta = 0
                 AND first_seen > ?2 AND first_seen <= ?3",
                params![rule_id, micros(since), micros(until)],
                |r| r.get::<_, i64>(0),
            )? as u64)
        })
    }

    async fn alerts(&self, limit: usize) -> Result<Vec<Alert>, StateError> {
        self.with(|c| {
            let mut stmt =
                c.prepare("SELECT body FROM alerts ORDER BY first_seen DESC, id LIMIT ?1")?;
            let bodies = stmt
                .query_map([limit as i64], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            bodies
                .iter()
                .map(|b| serde_json::from_str(b).map_err(StateError::from))
                .collect()
        })
    }
}
