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
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

/// A data directory that disappears with the test.
pub struct Lake {
    pub dir: tempfile::TempDir,
    pub config: Config,
}

impl Lake {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::default();
        config.data_dir = dir.path().to_path_buf();
        config.ingest.workers = Some(2);
        Self { dir, config }
    }

    pub fn ingest(&self, paths: &[PathBuf]) -> IngestReport {
        self.ingest_as(paths, None)
    }

    pub fn ingest_as(&self, paths: &[PathBuf], source: Option<&str>) -> IngestReport {
        Ingestor::new(&self.config)
            .run(paths, &IngestOptions { source: source.map(str::to_string) }, &NoProgress)
            .unwrap()
    }

    /// Runs a query as a replay at `now` (rows after `now` are invisible), as `--now` does.
    pub fn try_query(&self, sql: &str, now: &str) -> Result<QueryResult, String> {
        self.run(sql, now, true)
    }

    /// Runs a query with `now` bound but every row visible.
    pub fn try_query_live(&self, sql: &str, now: &str) -> Result<QueryResult, String> {
        self.run(sql, now, false)
    }

    fn run(&self, sql: &str, now: &str, as_of: bool) -> Result<QueryResult, String> {
        let data = DataDir::new(&self.config.data_dir);
        let catalog = Catalog::new(&self.config, &data.custom_schemas());
        let guard = SqlGuard::new(&catalog, self.config.engine.max_rows);
        let engine = DataFusionEngine::new(&catalog, &data, &self.config.engine).unwrap();
        let guarded = guard.check(sql).map_err(|e| format!("guard: {e}"))?;
        let now: DateTime<Utc> = mantissa_core::clock::parse_instant(now).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let time = QueryTime { now, as_of };
        rt.block_on(engine.execute(&guarded, time)).map_err(|e: EngineError| format!("engine: {e}"))
    }

    /// Runs a query; rows as JSON values.
    pub fn query(&self, sql: &str, now: &str) -> Vec<Vec<serde_json::Value>> {
        match self.try_query(sql, now) {
            Ok(r) => r.json_rows(),
            Err(e) => panic!("{e}\nsql: {sql}"),
        }
    }

    /// Runs a query returning one value.
    pub fn scalar(&self, sql: &str, now: &str) -> serde_json::Value {
        let rows = self.query(sql, now);
        assert_eq!(rows.len(), 1, "expected one row from {sql}, got {rows:?}");
        rows[0][0].clone()
    }
}
