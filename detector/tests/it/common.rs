use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use mantissa_core::alert::{AlertStore, SqliteAlertStore};
use mantissa_core::catalog::Catalog;
use mantissa_core::config::Config;
use mantissa_core::config::EnrichConfig;
use mantissa_core::engine::QueryEngine;
use mantissa_core::engine::datafusion::DataFusionEngine;
use mantissa_core::guard::SqlGuard;
use mantissa_core::ingest::{DataDir, IngestOptions, Ingestor, NoProgress};
use mantissa_core::rule_state::sqlite::SqliteRuleStateStore;
use mantissa_detector::enrich::Pipeline;
use mantissa_detector::{Detector, DirSource, LoadReport, Rule, RuleSource, load_rules};

pub(crate) fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub(crate) fn fixtures() -> PathBuf {
    repo().join("tests/fixtures")
}

pub(crate) fn at(s: &str) -> DateTime<Utc> {
    mantissa_core::clock::parse_instant(s).unwrap()
}

/// A scratch data directory with ingested logs and a detector state file.
pub(crate) struct Lake {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) config: Config,
}

impl Lake {
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config {
            data_dir: dir.path().join("data"),
            ..Default::default()
        };
        config.ingest.workers = Some(1);
        Self { dir, config }
    }

    pub(crate) fn ingest(&self, path: &Path, source: Option<&str>) {
        let r = ingestor(&self.config)
            .run(
                &[path.to_path_buf()],
                &IngestOptions {
                    source: source.map(str::to_string),
                },
                &NoProgress,
            )
            .unwrap();
        assert_eq!(r.quarantined_total(), 0, "{r:?}");
        assert!(r.records_total() > 0, "{r:?}");
    }

    pub(crate) fn guard(&self) -> SqlGuard {
        SqlGuard::new(&self.catalog(), self.config.engine.max_rows)
    }

    fn catalog(&self) -> Catalog {
        let data = DataDir::new(&self.config.data_dir);
        Catalog::new(&self.config, &data.custom_schemas())
    }

    pub(crate) fn load(&self, dir: &Path) -> LoadReport {
        let src = DirSource::new(dir);
        let sources: [&dyn RuleSource; 1] = [&src];
        load_rules(&sources, &self.guard())
    }

    /// A rule from YAML text.
    pub(crate) fn rule(&self, yaml: &str) -> Rule {
        let dir = self.dir.path().join(format!("rules-{}", rand_suffix()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("rule.yaml"), yaml).unwrap();
        let mut r = self.load(&dir);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        r.rules.remove(0)
    }

    /// A detector whose state lives in `state.db` in the lake (persists
    /// across detectors, like separate `mantissa detect` runs).
    pub(crate) fn detector(&self) -> Detector {
        let catalog = self.catalog();
        let data = DataDir::new(&self.config.data_dir);
        let engine =
            DataFusionEngine::new(&catalog, &data.tables_storage(), &self.config.engine).unwrap();
        let store = SqliteRuleStateStore::open(&self.dir.path().join("state.db")).unwrap();
        let time_columns = catalog
            .tables()
            .iter()
            .map(|t| (t.name.clone(), t.time_column.clone()))
            .collect();
        Detector::new(
            Arc::new(engine),
            self.guard(),
            Arc::new(store),
            self.alert_store(),
            self.config.detector.clone(),
            time_columns,
        )
    }

    /// The alert store file shared by this lake's detectors.
    pub(crate) fn alert_store(&self) -> Arc<dyn AlertStore> {
        Arc::new(SqliteAlertStore::open(&self.dir.path().join("alerts.db")).unwrap())
    }

    /// A detector with the enrichment pipeline `config` describes.
    pub(crate) fn enriched_detector(&self, config: &EnrichConfig) -> Detector {
        let catalog = self.catalog();
        let data = DataDir::new(&self.config.data_dir);
        let engine: Arc<dyn QueryEngine> = Arc::new(
            DataFusionEngine::new(&catalog, &data.tables_storage(), &self.config.engine).unwrap(),
        );
        let pipeline = Pipeline::new(
            config,
            Some(self.alert_store()),
            Some((engine.clone(), self.guard())),
        );
        self.detector().with_enricher(Arc::new(pipeline))
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
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
