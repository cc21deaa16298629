//! [`ManifestStore`] in a SQLite file (`<data-dir>/state/ingest.db`).

use std::path::Path;
use std::sync::Mutex;

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

use super::{ManifestEntry, ManifestStore};
use crate::store::StoreError;

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA busy_timeout = 5000;
CREATE TABLE IF NOT EXISTS ingested_files (
    sha256 TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    records INTEGER NOT NULL,
    quarantined INTEGER NOT NULL,
    ingested_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
";

/// The ingest manifest in a SQLite file.
#[derive(Debug)]
pub struct SqliteManifestStore {
    conn: Mutex<Connection>,
}

impl SqliteManifestStore {
    /// Opens (creating if needed) the manifest at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = crate::store::sqlite::open(path, SCHEMA)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl ManifestStore for SqliteManifestStore {
    async fn contains(&self, sha256: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT 1 FROM ingested_files WHERE sha256 = ?1",
                [sha256],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    async fn entry(&self, sha256: &str) -> Result<Option<ManifestEntry>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT sha256, path, bytes, records, quarantined
                 FROM ingested_files WHERE sha256 = ?1",
                [sha256],
                |r| {
                    Ok(ManifestEntry {
                        sha256: r.get(0)?,
                        path: r.get(1)?,
                        bytes: r.get::<_, i64>(2)? as u64,
                        records: r.get::<_, i64>(3)? as u64,
                        quarantined: r.get::<_, i64>(4)? as u64,
                    })
                },
            )
            .optional()?)
    }

    async fn record(&self, entries: &[ManifestEntry]) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut stmt = tx.prepare(
                "INSERT OR IGNORE INTO ingested_files (sha256, path, bytes, records, quarantined)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for e in entries {
                stmt.execute(params![
                    e.sha256,
                    e.path,
                    e.bytes as i64,
                    e.records as i64,
                    e.quarantined as i64
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}
