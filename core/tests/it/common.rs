//! Shared helpers: ingest fixtures into a temporary data directory and query
//! them with the real guard and DataFusion engine.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use mantissa_core::catalog::Catalog;
use mantissa_core::config::Config;
use mantissa_core::engine::datafusion::DataFusionEngine;
use mantissa_core::engine::{EngineError, QueryEngine, QueryResult, QueryTime};
use mantissa_core::guard::SqlGuard;
use mantissa_core::ingest::{DataDir, IngestOptions, IngestReport, Ingestor, NoProgress};

/// `tests/fixtures` at the workspace root.
pub(crate) fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

/// A data directory that disappears with the test.
pub(crate) struct Lake {
    pub dir: tempfile::TempDir,
    pub config: Config,
}

impl Lake {
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config {
            data_dir: dir.path().to_path_buf(),
            ..Default::default()
        };
        config.ingest.workers = Some(2);
        Self { dir, config }
    }

    pub(crate) fn ingest(&self, paths: &[PathBuf]) -> IngestReport {
        self.ingest_as(paths, None)
    }

    pub(crate) fn ingest_as(&self, paths: &[PathBuf], source: Option<&str>) -> IngestReport {
        ingestor(&self.config)
            .run(
                paths,
                &IngestOptions {
                    source: source.map(str::to_string),
                },
                &NoProgress,
            )
            .unwrap()
    }

    /// Runs a query as a replay at `now` (rows after `now` are invisible), as `--now` does.
    pub(crate) fn try_query(&self, sql: &str, now: &str) -> Result<QueryResult, String> {
        self.run(sql, now, true)
    }

    /// Runs a query with `now` bound but every row visible.
    pub(crate) fn try_query_live(&self, sql: &str, now: &str) -> Result<QueryResult, String> {
        self.run(sql, now, false)
    }

    fn run(&self, sql: &str, now: &str, as_of: bool) -> Result<QueryResult, String> {
        let data = DataDir::new(&self.config.data_dir);
        let catalog = Catalog::new(&self.config, &data.custom_schemas());
        let guard = SqlGuard::new(&catalog, self.config.engine.max_rows);
        let engine =
            DataFusionEngine::new(&catalog, &data.tables_storage(), &self.config.engine).unwrap();
        let guarded = guard.check(sql).map_err(|e| format!("guard: {e}"))?;
        let now: DateTime<Utc> = mantissa_core::clock::parse_instant(now).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let time = QueryTime {
            now,
            as_of,
            since: None,
        };
        rt.block_on(engine.execute(&guarded, time))
            .map_err(|e: EngineError| format!("engine: {e}"))
    }

    /// Runs a query; rows as JSON values.
    pub(crate) fn query(&self, sql: &str, now: &str) -> Vec<Vec<serde_json::Value>> {
        match self.try_query(sql, now) {
            Ok(r) => r.json_rows(),
            Err(e) => panic!("{e}\nsql: {sql}"),
        }
    }

    /// Runs a query returning one value.
    pub(crate) fn scalar(&self, sql: &str, now: &str) -> serde_json::Value {
        let rows = self.query(sql, now);
        assert_eq!(rows.len(), 1, "expected one row from {sql}, got {rows:?}");
        rows[0][0].clone()
    }
}

/// The embedded ingestor of `config`: its tables directory and the SQLite
/// manifest in its state directory.
pub(crate) fn ingestor(config: &Config) -> Ingestor {
    let data = DataDir::from_config(config);
    let manifest = mantissa_core::ingest::manifest::sqlite::SqliteManifestStore::open(
        &data.state().join("ingest.db"),
    )
    .unwrap();
    Ingestor::new(config, data.tables_storage(), std::sync::Arc::new(manifest))
}

/// An empty ingest manifest in `dir` (a SQLite file).
pub(crate) fn scratch_manifest(
    dir: &Path,
) -> std::sync::Arc<dyn mantissa_core::ingest::manifest::ManifestStore> {
    std::sync::Arc::new(
        mantissa_core::ingest::manifest::sqlite::SqliteManifestStore::open(
            &dir.join("state/conformance-ingest.db"),
        )
        .unwrap(),
    )
}
