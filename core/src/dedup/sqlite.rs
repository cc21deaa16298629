//! [`SeenStore`] in a SQLite file (`<data-dir>/state/seen.db`), shared by
//! every process on the machine.

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::{SeenStore, expiry};
use crate::store::StoreError;

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA busy_timeout = 5000;
CREATE TABLE IF NOT EXISTS seen (
    id          TEXT PRIMARY KEY,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS seen_by_expiry ON seen (expires_at);
";

/// Claimed ids with their expiry.
#[derive(Debug)]
pub struct SqliteSeenStore {
    conn: Mutex<Connection>,
}

impl SqliteSeenStore {
    /// Opens (creating if needed) the store at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = crate::store::sqlite::open(path, SCHEMA)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }
}

#[async_trait]
impl SeenStore for SqliteSeenStore {
    async fn claim(&self, id: &str, now: DateTime<Utc>, ttl: Duration) -> Result<bool, StoreError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let now_us = now.timestamp_micros();
        // One conditional write: insert, or take over an expired claim.
        let changed = conn.execute(
            "INSERT INTO seen (id, expires_at) VALUES (?1, ?2)
             ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at
             WHERE seen.expires_at <= ?3",
            params![id, expiry(now, ttl).timestamp_micros(), now_us],
        )?;
        if changed == 1 && sweeps_now(id) {
            conn.execute("DELETE FROM seen WHERE expires_at <= ?1", params![now_us])?;
        }
        Ok(changed == 1)
    }
}

/// About one claim in 64 sweeps expired rows (an index range delete;
/// deterministic by id, so no random source is needed).
fn sweeps_now(id: &str) -> bool {
    id.bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        .is_multiple_of(64)
}
