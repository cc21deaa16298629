//! [`RuleStateStore`] in a SQLite file (`<data-dir>/state/detector.db`).

use std::path::Path;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{RuleState, RuleStateStore};
use crate::store::StoreError;

/// [`RuleStateStore`] in a SQLite file.
#[derive(Debug)]
pub struct SqliteRuleStateStore {
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

impl SqliteRuleStateStore {
    /// Opens (creating if needed) the store at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = crate::store::sqlite::open(path, SCHEMA)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    /// A store that lives in memory (backtests, rule tests).
    pub fn in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory()?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
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
impl RuleStateStore for SqliteRuleStateStore {
    async fn rule_state(&self, rule_id: &str) -> Result<RuleState, StoreError> {
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

    async fn record_success(&self, rule_id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
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
    ) -> Result<(), StoreError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO rule_state (rule_id, failures, last_error) VALUES (?1, 1, ?2)
                 ON CONFLICT (rule_id) DO UPDATE SET failures = failures + 1, last_error = excluded.last_error",
                params![rule_id, error],
            )?;
            Ok(())
        })
    }

    async fn set_enabled(&self, rule_id: &str, enabled: bool) -> Result<(), StoreError> {
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
