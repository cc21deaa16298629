//! The composition root: the one place that turns configuration into
//! backends. `[engine] type`, `[stores] type` and `[storage] url` choose the
//! implementations; everything else (the CLI verbs, `serve`, and the Lambda
//! functions of the cloud deployment) asks this module for `Arc<dyn …>`
//! backends and never names a concrete one.
//!
//! **Architecture Invariant:** `DataFusionEngine`, the `Sqlite*` and the
//! `Dynamo*` stores are named here and in their own modules, nowhere else
//! (a test enforces it).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use mantissa_core::alert::{AlertStore, SqliteAlertStore};
use mantissa_core::catalog::Catalog;
use mantissa_core::clock::Clock;
use mantissa_core::config::{Config, EngineKind, StoresKind};
use mantissa_core::dedup::SeenStore;
use mantissa_core::dedup::sqlite::SqliteSeenStore;
#[cfg(feature = "aws")]
use mantissa_core::engine::athena::AthenaEngine;
#[cfg(feature = "embedded-engine")]
use mantissa_core::engine::datafusion::DataFusionEngine;
use mantissa_core::engine::{EngineError, QueryEngine};
use mantissa_core::guard::{Dialect, SqlGuard};
use mantissa_core::ingest::manifest::ManifestStore;
use mantissa_core::ingest::manifest::sqlite::SqliteManifestStore;
use mantissa_core::ingest::{DataDir, Ingestor};
use mantissa_core::rule_state::RuleStateStore;
use mantissa_core::rule_state::sqlite::SqliteRuleStateStore;
use mantissa_core::session::SessionStore;
use mantissa_core::session::sqlite::{DEFAULT_EXPIRY, SqliteSessionStore};
use mantissa_core::storage::{Storage, StorageError};
use mantissa_core::store::StoreError;
use mantissa_detector::testing::ScratchStores;
use mantissa_detector::{Detector, LoadReport};
use mantissa_router::{Router, RouterError};
#[cfg(feature = "aws")]
use {
    mantissa_core::alert::dynamodb::DynamoAlertStore,
    mantissa_core::dedup::dynamodb::DynamoSeenStore,
    mantissa_core::ingest::manifest::dynamodb::DynamoManifestStore,
    mantissa_core::rule_state::dynamodb::DynamoRuleStateStore,
    mantissa_core::session::dynamodb::DynamoSessionStore, mantissa_core::store::dynamodb::Dynamo,
};

/// Why a backend could not be built. The cause is the error's `source`
/// (`{:#}` prints both).
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// A store does not open.
    #[error("cannot open the {what} ({location})")]
    Store {
        /// Which store.
        what: &'static str,
        /// Where it is.
        location: String,
        /// Why.
        #[source]
        source: StoreError,
    },
    /// The query engine does not start.
    #[error("cannot start the query engine")]
    Engine(#[source] EngineError),
    /// The tables' storage location is unusable.
    #[error("the [storage] location")]
    Storage(#[source] StorageError),
    /// The router's configuration is unusable.
    #[error("the [router] configuration")]
    Router(#[source] RouterError),
    /// The configuration selects a backend this build leaves out.
    #[error(
        "{setting} = \"{kind}\" needs a build with the `{feature}` feature: cargo build --release --features {feature}"
    )]
    NotBuilt {
        /// The setting, e.g. `[stores] type`.
        setting: &'static str,
        /// The backend.
        kind: &'static str,
        /// The cargo feature that has it.
        feature: &'static str,
    },
}

/// The error for DynamoDB stores in a build without them.
#[cfg(not(feature = "aws"))]
fn no_dynamodb<T>() -> Result<T, ComposeError> {
    Err(ComposeError::NotBuilt {
        setting: "[stores] type",
        kind: "dynamodb",
        feature: "aws",
    })
}

/// Builds every backend a run needs from one configuration.
#[derive(Debug, Clone)]
pub struct Composition {
    config: Config,
    clock: Clock,
    data: DataDir,
    /// One DynamoDB client for every store, made on first use.
    #[cfg(feature = "aws")]
    dynamo: Arc<std::sync::OnceLock<Arc<Dynamo>>>,
    /// The outcome of checking a remote `[storage] url`, once per process.
    tables_checked: Arc<std::sync::OnceLock<Result<(), String>>>,
}

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
}

impl Composition {
    /// The composition of `config`, with time from `clock`.
    pub fn new(config: Config, clock: Clock) -> Self {
        let data = DataDir::from_config(&config);
        Self {
            config,
            clock,
            data,
            #[cfg(feature = "aws")]
            dynamo: Arc::default(),
            tables_checked: Arc::default(),
        }
    }

    /// The deployment's DynamoDB tables (`[stores] table_prefix`).
    #[cfg(feature = "aws")]
    fn dynamo(&self) -> Arc<Dynamo> {
        self.dynamo
            .get_or_init(|| Dynamo::from_env(&self.config.stores.table_prefix))
            .clone()
    }

    /// Creates the stores' tables where the backend needs them made
    /// (DynamoDB, from the table design; existing tables are kept). Returns
    /// the tables created; SQLite files are made on first use.
    pub async fn create_stores(&self) -> Result<Vec<String>, ComposeError> {
        match self.config.stores.kind {
            StoresKind::Sqlite => Ok(Vec::new()),
            #[cfg(feature = "aws")]
            StoresKind::Dynamodb => {
                self.dynamo()
                    .create_tables()
                    .await
                    .map_err(|source| ComposeError::Store {
                        what: "DynamoDB tables",
                        location: format!("{}-*", self.config.stores.table_prefix),
                        source,
                    })
            }
            #[cfg(not(feature = "aws"))]
            StoresKind::Dynamodb => no_dynamodb(),
        }
    }

    /// DynamoDB requests this run sent, by operation (`None` when no
    /// DynamoDB store was used).
    pub fn dynamodb_requests(&self) -> Option<std::collections::BTreeMap<String, u64>> {
        #[cfg(feature = "aws")]
        {
            self.dynamo.get().map(|d| d.requests())
        }
        #[cfg(not(feature = "aws"))]
        {
            None
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The clock every backend reads.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// The data directory (tables, state, quarantine).
    pub fn data(&self) -> &DataDir {
        &self.data
    }

    /// The catalog, including custom sources with their inferred schemas.
    pub fn catalog(&self) -> Catalog {
        Catalog::new(&self.config, &self.data.custom_schemas())
    }

    /// The SQL guard over the catalog.
    pub fn guard(&self) -> SqlGuard {
        self.guard_over(&self.catalog())
    }

    /// The guard over `catalog`, admitting the configured engine's dialect.
    fn guard_over(&self, catalog: &Catalog) -> SqlGuard {
        let dialect = match self.config.engine.kind {
            EngineKind::Embedded => Dialect::Embedded,
            EngineKind::Athena => Dialect::Athena,
        };
        SqlGuard::new(catalog, self.config.engine.max_rows).with_dialect(dialect)
    }

    /// The query engine `[engine] type` selects, over the current tables.
    pub fn engine(&self) -> Result<Arc<dyn QueryEngine>, ComposeError> {
        Ok(self.query()?.2)
    }

    /// The catalog, its guard and the engine, from one reading of the
    /// catalog (custom schemas are read from disk).
    pub fn query(&self) -> Result<(Catalog, SqlGuard, Arc<dyn QueryEngine>), ComposeError> {
        let catalog = self.catalog();
        let guard = self.guard_over(&catalog);
        let engine: Arc<dyn QueryEngine> = match self.config.engine.kind {
            #[cfg(feature = "embedded-engine")]
            EngineKind::Embedded => Arc::new(
                DataFusionEngine::new(&catalog, &self.tables()?, &self.config.engine)
                    .map_err(ComposeError::Engine)?,
            ),
            #[cfg(not(feature = "embedded-engine"))]
            EngineKind::Embedded => {
                return Err(ComposeError::NotBuilt {
                    setting: "[engine] type",
                    kind: "embedded",
                    feature: "embedded-engine",
                });
            }
            #[cfg(feature = "aws")]
            EngineKind::Athena => Arc::new(AthenaEngine::from_env(&self.config.engine)),
            #[cfg(not(feature = "aws"))]
            EngineKind::Athena => {
                return Err(ComposeError::NotBuilt {
                    setting: "[engine] type",
                    kind: "athena",
                    feature: "aws",
                });
            }
        };
        Ok((catalog, guard, engine))
    }

    /// Where the tables live: `[storage] url`, `<data_dir>/tables` by default.
    /// A remote location is checked once, on first use (the bucket exists
    /// and can be read), so a typo is one clear error, not a failure per query.
    pub fn tables(&self) -> Result<Storage, ComposeError> {
        let Some(url) = &self.config.storage.url else {
            return Ok(self.data.tables_storage());
        };
        let storage = Storage::from_url(url).map_err(ComposeError::Storage)?;
        if storage.local_dir().is_none() {
            let checked =
                self.tables_checked.get_or_init(
                    || match mantissa_core::blocking::block_on_isolated(storage.verify()) {
                        Ok(Ok(())) => Ok(()),
                        Ok(Err(StorageError::Location { why, .. })) => Err(why),
                        Ok(Err(e)) => Err(e.to_string()),
                        Err(e) => Err(format!("cannot be checked: {e}")),
                    },
                );
            if let Err(why) = checked {
                return Err(ComposeError::Storage(StorageError::Location {
                    url: url.clone(),
                    why: why.clone(),
                }));
            }
        }
        Ok(storage)
    }

    /// What has been ingested (content hashes), so nothing is read twice.
    pub fn manifest_store(&self) -> Result<Arc<dyn ManifestStore>, ComposeError> {
        match self.config.stores.kind {
            StoresKind::Sqlite => Ok(Arc::new(self.sqlite(
                "ingest manifest",
                "ingest.db",
                SqliteManifestStore::open,
            )?)),
            #[cfg(feature = "aws")]
            StoresKind::Dynamodb => Ok(Arc::new(DynamoManifestStore::new(self.dynamo()))),
            #[cfg(not(feature = "aws"))]
            StoresKind::Dynamodb => no_dynamodb(),
        }
    }

    /// Ingest into the tables' storage, with the deployment's manifest.
    pub fn ingestor(&self) -> Result<Ingestor, ComposeError> {
        Ok(Ingestor::new(
            &self.config,
            self.tables()?,
            self.manifest_store()?,
        ))
    }

    /// What the engine is, for status replies.
    pub fn engine_description(&self) -> &'static str {
        self.config.engine.kind.description()
    }

    /// Opens the SQLite file `name` under `<data_dir>/state`.
    fn sqlite<T>(
        &self,
        what: &'static str,
        name: &str,
        open: impl FnOnce(&Path) -> Result<T, StoreError>,
    ) -> Result<T, ComposeError> {
        let path = self.data.state().join(name);
        open(&path).map_err(store_error(what, &path))
    }

    /// The alert store (alerts, mutes, the delivery outbox).
    pub fn alert_store(&self) -> Result<Arc<dyn AlertStore>, ComposeError> {
        match self.config.stores.kind {
            StoresKind::Sqlite => Ok(Arc::new(self.sqlite(
                "alert store",
                "alerts.db",
                SqliteAlertStore::open,
            )?)),
            #[cfg(feature = "aws")]
            StoresKind::Dynamodb => Ok(Arc::new(DynamoAlertStore::new(self.dynamo()))),
            #[cfg(not(feature = "aws"))]
            StoresKind::Dynamodb => no_dynamodb(),
        }
    }

    /// The conversation store (the previous turn of each chat thread).
    pub fn session_store(&self) -> Result<Arc<dyn SessionStore>, ComposeError> {
        match self.config.stores.kind {
            StoresKind::Sqlite => Ok(Arc::new(self.sqlite(
                "session store",
                "sessions.db",
                |p| SqliteSessionStore::open(p, DEFAULT_EXPIRY),
            )?)),
            #[cfg(feature = "aws")]
            StoresKind::Dynamodb => Ok(Arc::new(DynamoSessionStore::new(
                self.dynamo(),
                DEFAULT_EXPIRY,
            ))),
            #[cfg(not(feature = "aws"))]
            StoresKind::Dynamodb => no_dynamodb(),
        }
    }

    /// The detector's per-rule state.
    pub fn rule_state_store(&self) -> Result<Arc<dyn RuleStateStore>, ComposeError> {
        match self.config.stores.kind {
            StoresKind::Sqlite => Ok(Arc::new(self.sqlite(
                "detector state",
                "detector.db",
                SqliteRuleStateStore::open,
            )?)),
            #[cfg(feature = "aws")]
            StoresKind::Dynamodb => Ok(Arc::new(DynamoRuleStateStore::new(self.dynamo()))),
            #[cfg(not(feature = "aws"))]
            StoresKind::Dynamodb => no_dynamodb(),
        }
    }

    /// Claimed event and job ids (Slack/Discord retries, at-least-once jobs).
    pub fn seen_store(&self) -> Result<Arc<dyn SeenStore>, ComposeError> {
        match self.config.stores.kind {
            StoresKind::Sqlite => Ok(Arc::new(self.sqlite(
                "event de-dup store",
                "seen.db",
                SqliteSeenStore::open,
            )?)),
            #[cfg(feature = "aws")]
            StoresKind::Dynamodb => Ok(Arc::new(DynamoSeenStore::new(self.dynamo()))),
            #[cfg(not(feature = "aws"))]
            StoresKind::Dynamodb => no_dynamodb(),
        }
    }

    /// Throw-away stores (backtests, rule tests): nothing they hold
    /// outlives the run, so every deployment uses in-memory SQLite for them.
    pub fn scratch_stores(&self) -> Result<ScratchStores, ComposeError> {
        match self.config.stores.kind {
            StoresKind::Sqlite | StoresKind::Dynamodb => Ok((
                Arc::new(
                    SqliteRuleStateStore::in_memory()
                        .map_err(store_error("scratch detector state", Path::new(":memory:")))?,
                ),
                Arc::new(
                    SqliteAlertStore::in_memory()
                        .map_err(store_error("scratch alert store", Path::new(":memory:")))?,
                ),
            )),
        }
    }

    /// The alert router over `alerts`, or `None` when no destinations are
    /// configured (`[router.destinations]`).
    pub fn router(&self, alerts: Arc<dyn AlertStore>) -> Result<Option<Router>, ComposeError> {
        if self.config.router.destinations.is_empty() {
            return Ok(None);
        }
        // Deliveries happen in real time, even when `--now` replays the
        // logs at another moment: a frozen clock would never make a retry due.
        Router::new(&self.config, alerts, Clock::system())
            .map(Some)
            .map_err(ComposeError::Router)
    }

    /// Loads the rule pack: the built-in rules (unless `no_builtin` or
    /// `detector.builtin_rules = false`), `detector.rules_dirs`, then
    /// `extra_dirs`.
    pub fn rules(&self, extra_dirs: &[PathBuf], no_builtin: bool) -> LoadReport {
        use mantissa_detector::{DirSource, EmbeddedSource, RuleSource, StorageSource};
        let mut owned: Vec<Box<dyn RuleSource>> = Vec::new();
        if self.config.detector.builtin_rules && !no_builtin {
            owned.push(Box::new(EmbeddedSource::new(builtin::BUILTIN_RULES)));
        }
        let mut errors = Vec::new();
        for d in self.config.detector.rules_dirs.iter().chain(extra_dirs) {
            // A URL (`s3://rules-bucket/rules/`) is read through the storage seam.
            match d.to_str().filter(|s| s.contains("://")) {
                Some(url) => match Storage::from_url(url) {
                    Ok(storage) => owned.push(Box::new(StorageSource::new(storage))),
                    Err(e) => errors.push(mantissa_detector::RuleError {
                        path: url.to_string(),
                        line: None,
                        column: None,
                        message: e.to_string(),
                    }),
                },
                None => owned.push(Box::new(DirSource::new(d))),
            }
        }
        let refs: Vec<&dyn RuleSource> = owned.iter().map(|b| b.as_ref()).collect();
        let mut report = mantissa_detector::load_rules(&refs, &self.guard());
        report.errors.extend(errors);
        report
    }

    /// The detector over the current tables with the deployment's stores.
    pub fn detector(&self) -> Result<Detector, ComposeError> {
        self.detector_with(self.rule_state_store()?, self.alert_store()?)
    }

    /// A detector with given stores (backtests use scratch ones).
    pub fn detector_with(
        &self,
        state: Arc<dyn RuleStateStore>,
        alerts: Arc<dyn AlertStore>,
    ) -> Result<Detector, ComposeError> {
        let (catalog, guard, engine) = self.query()?;
        let time_columns = catalog
            .tables()
            .iter()
            .map(|t| (t.name.clone(), t.time_column.clone()))
            .collect();
        let enricher = mantissa_detector::enrich::Pipeline::new(
            &self.config.enrich,
            Some(alerts.clone()),
            Some((engine.clone(), guard.clone())),
        );
        Ok(Detector::new(
            engine,
            guard,
            state,
            alerts,
            self.config.detector.clone(),
            time_columns,
        )
        .with_enricher(Arc::new(enricher)))
    }
}

fn store_error(what: &'static str, path: &Path) -> impl FnOnce(StoreError) -> ComposeError {
    let location = path.display().to_string();
    move |source| ComposeError::Store {
        what,
        location,
        source,
    }
}

/// Rule tests get their scratch engine and stores from the composition
/// root, like everything else.
impl mantissa_detector::testing::TestBackends for Composition {
    fn engine(&self, config: &Config) -> Result<Arc<dyn QueryEngine>, String> {
        Composition::new(config.clone(), self.clock)
            .engine()
            .map_err(|e| e.to_string())
    }

    fn stores(&self) -> Result<ScratchStores, String> {
        self.scratch_stores().map_err(|e| e.to_string())
    }

    fn ingestor(&self, config: &Config) -> Result<Ingestor, String> {
        Composition::new(config.clone(), self.clock)
            .ingestor()
            .map_err(|e| e.to_string())
    }
}
