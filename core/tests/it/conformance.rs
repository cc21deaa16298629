//! The SQLite stores (and the in-process claim store) against the one
//! conformance suite per store trait. Each backing is a fresh file; every
//! handle is its own connection to it, as a second process would be.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use mantissa_core::alert::{AlertStore, SqliteAlertStore};
use mantissa_core::conformance::{self, Backing};
use mantissa_core::dedup::SeenStore;
use mantissa_core::dedup::memory::MemorySeenStore;
use mantissa_core::dedup::sqlite::SqliteSeenStore;
use mantissa_core::ingest::manifest::ManifestStore;
use mantissa_core::ingest::manifest::sqlite::SqliteManifestStore;
use mantissa_core::rule_state::RuleStateStore;
use mantissa_core::rule_state::sqlite::SqliteRuleStateStore;
use mantissa_core::session::SessionStore;
use mantissa_core::session::sqlite::SqliteSessionStore;

/// A fresh SQLite file.
struct File {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn file() -> File {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state/store.db");
    File { _dir: dir, path }
}

impl Backing<dyn AlertStore> for File {
    fn handle(&self) -> Arc<dyn AlertStore> {
        Arc::new(SqliteAlertStore::open(&self.path).unwrap())
    }
}

impl Backing<dyn SessionStore> for File {
    fn handle(&self) -> Arc<dyn SessionStore> {
        Arc::new(SqliteSessionStore::open(&self.path, Duration::from_secs(3600)).unwrap())
    }
}

impl Backing<dyn RuleStateStore> for File {
    fn handle(&self) -> Arc<dyn RuleStateStore> {
        Arc::new(SqliteRuleStateStore::open(&self.path).unwrap())
    }
}

impl Backing<dyn SeenStore> for File {
    fn handle(&self) -> Arc<dyn SeenStore> {
        Arc::new(SqliteSeenStore::open(&self.path).unwrap())
    }
}

impl Backing<dyn ManifestStore> for File {
    fn handle(&self) -> Arc<dyn ManifestStore> {
        Arc::new(SqliteManifestStore::open(&self.path).unwrap())
    }
}

/// One in-process store shared by every handle.
struct Memory(Arc<MemorySeenStore>);

impl Backing<dyn SeenStore> for Memory {
    fn handle(&self) -> Arc<dyn SeenStore> {
        self.0.clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_alert_store() {
    conformance::alerts::run(file).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_session_store() {
    conformance::sessions::run(file).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_rule_state_store() {
    conformance::rule_state::run(file).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_seen_store() {
    conformance::seen::run(file).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_seen_store() {
    conformance::seen::run(|| Memory(Arc::default())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_manifest_store() {
    conformance::manifest::run(file).await;
}

#[test]
fn datafusion_engine() {
    use mantissa_core::catalog::Catalog;
    use mantissa_core::config::EngineConfig;
    use mantissa_core::engine::datafusion::DataFusionEngine;
    use mantissa_core::guard::Dialect;
    use mantissa_core::storage::Storage;
    let dir = tempfile::tempdir().unwrap();
    let tables = Storage::in_memory();
    conformance::engine::populate(
        &tables,
        dir.path(),
        crate::common::scratch_manifest(dir.path()),
    );
    let engine = DataFusionEngine::new(&Catalog::builtin(), &tables, &EngineConfig::default())
        .expect("engine");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(conformance::engine::run(
        Arc::new(engine),
        Dialect::Embedded,
    ));
}
