//! What has been ingested, by content hash, so that ingesting the same file
//! twice adds nothing.
//!
//! [`ManifestStore`] is the trait; `sqlite::SqliteManifestStore` keeps the
//! manifest in `<data-dir>/state/ingest.db` (feature `sqlite`), and a
//! DynamoDB store comes with the cloud deployment. Both pass
//! `crate::conformance::manifest`.

#[cfg(feature = "dynamodb")]
pub mod dynamodb;
#[cfg(feature = "sqlite")]
pub mod sqlite;

use async_trait::async_trait;

use crate::store::StoreError;

/// One ingested file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestEntry {
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// Path or URL as given at ingest time.
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Rows written to tables.
    pub records: u64,
    /// Records quarantined.
    pub quarantined: u64,
}

/// The files ingested so far.
///
/// # Contract
/// - `record` is idempotent per hash: recording a hash that is already there
///   keeps the first entry and is not an error, also when several handles
///   record the same hash at once.
/// - What one handle recorded, every handle sees.
#[async_trait]
pub trait ManifestStore: Send + Sync + std::fmt::Debug {
    /// Whether a file with this content hash has been ingested.
    async fn contains(&self, sha256: &str) -> Result<bool, StoreError>;

    /// The entry recorded for a hash.
    async fn entry(&self, sha256: &str) -> Result<Option<ManifestEntry>, StoreError>;

    /// Records files as ingested.
    async fn record(&self, entries: &[ManifestEntry]) -> Result<(), StoreError>;
}
