//! [`SessionStore`] in a SQLite file (`<data-dir>/state/sessions.db`).

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{SessionStore, validate_id};
use crate::nl::Turn;
use crate::store::StoreError;

/// Default idle time after which a session is forgotten.
pub const DEFAULT_EXPIRY: Duration = Duration::from_secs(24 * 3600);

/// Sessions in one SQLite file.
#[derive(Debug)]
pub struct SqliteSessionStore {
    path: PathBuf,
    conn: Mutex<Connection>,
    expiry: Duration,
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::backend("sqlite", e.to_string())
}

impl SqliteSessionStore {
    /// Opens (creating if needed) the store at `path`.
    pub fn open(path: &Path, expiry: Duration) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| backend(format!("cannot create `{}`: {e}", dir.display())))?;
        }
        let conn = Connection::open(path)
            .map_err(|e| backend(format!("cannot open `{}`: {e}", path.display())))?;
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS sessions (
                id TEXT PRIMARY KEY,
                turn TEXT NOT NULL,
                updated_at INTEGER NOT NULL
            )",
        )?;
        Ok(Self {
            path: path.to_path_buf(),
            conn: Mutex::new(conn),
            expiry,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> Result<std::sync::MutexGuard<'_, Connection>, StoreError> {
        self.conn
            .lock()
            .map_err(|_| backend("the connection lock is poisoned"))
    }
}

#[async_trait]
impl SessionStore for SqliteSessionStore {
    async fn get(&self, id: &str, now: DateTime<Utc>) -> Result<Option<Turn>, StoreError> {
        validate_id(id)?;
        let conn = self.conn()?;
        let row: Option<(String, i64)> = conn
            .query_row(
                "SELECT turn, updated_at FROM sessions WHERE id = ?1",
                params![id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((json, updated)) = row else {
            return Ok(None);
        };
        let age = now.timestamp() - updated;
        if age > self.expiry.as_secs() as i64 {
            conn.execute("DELETE FROM sessions WHERE id = ?1", params![id])?;
            return Ok(None);
        }
        serde_json::from_str(&json).map(Some).map_err(|e| {
            StoreError::corrupt("sqlite", format!("session `{id}` is unreadable: {e}"))
        })
    }

    async fn put(&self, id: &str, turn: &Turn, now: DateTime<Utc>) -> Result<(), StoreError> {
        validate_id(id)?;
        let json = serde_json::to_string(turn)
            .map_err(|e| backend(format!("cannot encode the turn: {e}")))?;
        let conn = self.conn()?;
        conn.execute(
            "INSERT INTO sessions (id, turn, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET turn = excluded.turn, updated_at = excluded.updated_at",
            params![id, json, now.timestamp()],
        )?;
        // Expired sessions go as new ones arrive.
        conn.execute(
            "DELETE FROM sessions WHERE updated_at < ?1",
            params![now.timestamp() - self.expiry.as_secs() as i64],
        )?;
        Ok(())
    }

    async fn clear(&self, id: &str) -> Result<(), StoreError> {
        validate_id(id)?;
        self.conn()?
            .execute("DELETE FROM sessions WHERE id = ?1", params![id])?;
        Ok(())
    }

    fn expiry(&self) -> Duration {
        self.expiry
    }
}
