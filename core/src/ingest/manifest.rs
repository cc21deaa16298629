//! What has been ingested, by content hash, so that ingesting the same file
//! twice adds nothing. Kept in `<data-dir>/state/ingest.db` (SQLite).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, params};

/// Errors opening or updating the manifest.
#[derive(Debug, thiserror::Error)]
#[error("ingest manifest `{path}`")]
pub struct ManifestError {
    path: PathBuf,
    #[source]
    source: rusqlite::Error,
}

/// One ingested file.
#[derive(Debug, Clone)]
pub struct ManifestEntry {
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// Path as given at ingest time.
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Rows written to tables.
    pub records: u64,
    /// Records quarantined.
    pub quarantined: u64,
}

/// The ingest manifest.
#[derive(Debug)]
pub struct Manifest {
    conn: Connection,
    path: PathBuf,
}

impl Manifest {
    /// Opens (creating if needed) the manifest at `path`.
    pub fn open(path: &Path) -> Result<Self, ManifestError> {
        let err = |source| ManifestError {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let conn = Connection::open(path).map_err(err)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE IF NOT EXISTS ingested_files (
                 sha256 TEXT PRIMARY KEY,
                 path TEXT NOT NULL,
                 bytes INTEGER NOT NULL,
                 records INTEGER NOT NULL,
                 quarantined INTEGER NOT NULL,
                 ingested_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
             );",
        )
        .map_err(err)?;
        Ok(Self {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Hashes of every file ingested so far.
    pub fn known(&self) -> Result<HashSet<String>, ManifestError> {
        let err = |source| ManifestError {
            path: self.path.clone(),
            source,
        };
        let mut stmt = self
            .conn
            .prepare("SELECT sha256 FROM ingested_files")
            .map_err(err)?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(err)?;
        rows.collect::<Result<HashSet<_>, _>>().map_err(err)
    }

    /// Records files as ingested, in one transaction.
    pub fn record(&mut self, entries: &[ManifestEntry]) -> Result<(), ManifestError> {
        let path = self.path.clone();
        let err = |source| ManifestError {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        {
            let mut stmt = tx
                .prepare(
                    "INSERT OR IGNORE INTO ingested_files (sha256, path, bytes, records, quarantined)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(err)?;
            for e in entries {
                stmt.execute(params![
                    e.sha256,
                    e.path,
                    e.bytes as i64,
                    e.records as i64,
                    e.quarantined as i64
                ])
                .map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }
}
