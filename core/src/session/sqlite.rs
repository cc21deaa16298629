//! [`SessionStore`] in a SQLite file (`<data-dir>/state/sessions.db`).

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{SessionError, SessionStore, validate_id};
use crate::nl::Turn;

/// Default idle time after which a session is forgotten.
pub const DEFAULT_EXPIRY: Duration = Duration::from_secs(24 * 3600);

/// Sessions in one SQLite file.
#[derive(Debug)]
pub struct SqliteSessionStore {
    path: PathBuf,
    conn: Mutex<Connection>,
    expiry: Duration,
}

fn backend(e: impl std::fmt::Display) -> SessionError {
    SessionError::Backend {
        backend: "sqlite",
        message: e.to_string(),
    }
}

impl SqliteSessionStore {
    /// Opens (creating if needed) the store at `path`.
    pub fn open(path: &Path, expiry: Duration) -> Result<Self, SessionError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| backend(format!("cannot create `{}`: {e}", dir.display())))?;
        }
        let conn = Connection::open(path)
            .map_err(|e| backend(format!("cannot open `{}`: {e}", path.display())))?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(backend)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS sessions (
                id TEXT PRIMARY KEY,
                turn TEXT NOT NULL,
                updated_at INTEGER NOT NULL
            )",
        )
        .map_err(backend)?;
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

    fn conn(&self) -> Result<std::sync::MutexGuard<'_, Connection>, SessionError> {
        self.conn
            .lock()
            .map_err(|_| backend("the connection lock is poisoned"))
    }
}

impl SessionStore for SqliteSessionStore {
    fn get(&self, id: &str, now: DateTime<Utc>) -> Result<Option<Turn>, SessionError> {
        validate_id(id)?;
        let conn = self.conn()?;
        let row: Option<(String, i64)> = conn
            .query_row(
                "SELECT turn, updated_at FROM sessions WHERE id = ?1",
                params![id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(backend)?;
        let Some((json, updated)) = row else {
            return Ok(None);
        };
        let age = now.timestamp() - updated;
        if age > self.expiry.as_secs() as i64 {
            conn.execute("DELETE FROM sessions WHERE id = ?1", params![id])
                .map_err(backend)?;
            return Ok(None);
        }
        serde_json::from_str(&json)
            .map(Some)
            .map_err(|e| backend(format!("session `{id}` is unreadable: {e}")))
    }

    fn put(&self, id: &str, turn: &Turn, now: DateTime<Utc>) -> Result<(), SessionError> {
        validate_id(id)?;
        let json = serde_json::to_string(turn).map_err(backend)?;
        let conn = self.conn()?;
        conn.execute(
            "INSERT INTO sessions (id, turn, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET turn = excluded.turn, updated_at = excluded.updated_at",
            params![id, json, now.timestamp()],
        )
        .map_err(backend)?;
        // Expired sessions go as new ones arrive.
        conn.execute(
            "DELETE FROM sessions WHERE updated_at < ?1",
            params![now.timestamp() - self.expiry.as_secs() as i64],
        )
        .map_err(backend)?;
        Ok(())
    }

    fn clear(&self, id: &str) -> Result<(), SessionError> {
        validate_id(id)?;
        self.conn()?
            .execute("DELETE FROM sessions WHERE id = ?1", params![id])
            .map_err(backend)?;
        Ok(())
    }

    fn expiry(&self) -> Duration {
        self.expiry
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::parse_instant;
    use crate::nl::spec::{QuerySpec, Table};

    #[test]
    fn keeps_the_last_turn_until_it_expires() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/sessions.db");
        let store = SqliteSessionStore::open(&path, Duration::from_secs(3600)).unwrap();
        let t0 = parse_instant("2026-11-26T10:00:00Z").unwrap();
        assert!(store.get("s1", t0).unwrap().is_none());
        let turn = Turn {
            question: "show me cloudtrail events".into(),
            plan: Some(QuerySpec::new(Table::Cloudtrail)),
            sql: "SELECT 1".into(),
        };
        store.put("s1", &turn, t0).unwrap();
        // Survives reopening the file.
        drop(store);
        let store = SqliteSessionStore::open(&path, Duration::from_secs(3600)).unwrap();
        let later = t0 + chrono::Duration::minutes(59);
        assert_eq!(store.get("s1", later).unwrap(), Some(turn.clone()));
        assert!(store.get("s2", later).unwrap().is_none());
        let expired = t0 + chrono::Duration::minutes(61);
        assert!(store.get("s1", expired).unwrap().is_none());
        store.put("s1", &turn, t0).unwrap();
        store.clear("s1").unwrap();
        assert!(store.get("s1", t0).unwrap().is_none());
        assert!(matches!(
            store.get("bad id!", t0),
            Err(SessionError::InvalidId(_))
        ));
    }
}
