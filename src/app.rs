//! What every verb needs: configuration, clock, data directory, catalog.

use anyhow::Context;
use mantissa_core::catalog::Catalog;
use mantissa_core::clock::{Clock, parse_instant};
use mantissa_core::config::Config;
use mantissa_core::engine::datafusion::DataFusionEngine;
use mantissa_core::guard::SqlGuard;
use mantissa_core::ingest::DataDir;

use crate::cli::Global;

/// Shared context of one invocation.
pub(crate) struct App {
    pub(crate) config: Config,
    pub(crate) clock: Clock,
    pub(crate) data: DataDir,
    pub(crate) quiet: bool,
}

impl App {
    pub(crate) fn from_global(g: &Global) -> anyhow::Result<Self> {
        let mut config = Config::load(g.config.as_deref())?;
        if let Some(d) = &g.data_dir {
            config.data_dir = d.clone();
        }
        let clock = match &g.now {
            Some(t) => Clock::frozen(
                parse_instant(t)
                    .map_err(anyhow::Error::msg)
                    .context("--now")?,
            ),
            None => Clock::system(),
        };
        let data = DataDir::new(&config.data_dir);
        Ok(Self {
            config,
            clock,
            data,
            quiet: g.quiet,
        })
    }

    /// The catalog, including custom sources with their inferred schemas.
    pub(crate) fn catalog(&self) -> Catalog {
        Catalog::new(&self.config, &self.data.custom_schemas())
    }

    /// The guard and the embedded engine over the current tables.
    pub(crate) fn engine(&self) -> anyhow::Result<(SqlGuard, DataFusionEngine)> {
        let catalog = self.catalog();
        let guard = SqlGuard::new(&catalog, self.config.engine.max_rows);
        let engine = DataFusionEngine::new(&catalog, &self.data, &self.config.engine)?;
        Ok((guard, engine))
    }

    /// A tokio runtime for async work.
    pub(crate) fn runtime(&self) -> anyhow::Result<tokio::runtime::Runtime> {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")
    }
}

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
}

/// Loads the rule pack `config` describes plus `extra_dirs` (a free
/// function so long-running servers can reload rules on demand).
pub(crate) fn load_rules(
    config: &Config,
    extra_dirs: &[std::path::PathBuf],
    no_builtin: bool,
) -> mantissa_detector::LoadReport {
    use mantissa_detector::{DirSource, EmbeddedSource, RuleSource};
    let data = DataDir::new(&config.data_dir);
    let catalog = Catalog::new(config, &data.custom_schemas());
    let guard = SqlGuard::new(&catalog, config.engine.max_rows);
    let mut owned: Vec<Box<dyn RuleSource>> = Vec::new();
    if config.detector.builtin_rules && !no_builtin {
        owned.push(Box::new(EmbeddedSource::new(builtin::BUILTIN_RULES)));
    }
    for d in config.detector.rules_dirs.iter().chain(extra_dirs) {
        owned.push(Box::new(DirSource::new(d)));
    }
    let refs: Vec<&dyn RuleSource> = owned.iter().map(|b| b.as_ref()).collect();
    mantissa_detector::load_rules(&refs, &guard)
}

impl App {
    /// Loads rules: the built-in pack (unless `--no-builtin` or
    /// `detector.builtin_rules = false`), `detector.rules_dirs`, then `--rules`.
    pub(crate) fn rules(&self, sources: &crate::cli::RuleSources) -> mantissa_detector::LoadReport {
        load_rules(&self.config, &sources.dirs, sources.no_builtin)
    }

    /// The detector over the current tables, with its state in
    /// `<data-dir>/state/detector.db`.
    pub(crate) fn detector(&self) -> anyhow::Result<mantissa_detector::Detector> {
        let (guard, engine) = self.engine()?;
        let store = mantissa_detector::state::SqliteStateStore::open(
            &self.data.state().join("detector.db"),
        )?;
        Ok(self.detector_with(
            guard,
            engine,
            std::sync::Arc::new(store),
            self.alert_store()?,
        ))
    }

    /// The alert store, `<data-dir>/state/alerts.db`.
    pub(crate) fn alert_store(
        &self,
    ) -> anyhow::Result<std::sync::Arc<dyn mantissa_core::alert::AlertStore>> {
        let path = self.data.state().join("alerts.db");
        let store = mantissa_core::alert::SqliteAlertStore::open(&path)
            .with_context(|| format!("opening the alert store {}", path.display()))?;
        Ok(std::sync::Arc::new(store))
    }

    /// The alert router over `store`, or `None` when no destinations are
    /// configured (`[router.destinations]`).
    pub(crate) fn router(
        &self,
        store: std::sync::Arc<dyn mantissa_core::alert::AlertStore>,
    ) -> anyhow::Result<Option<mantissa_router::Router>> {
        if self.config.router.destinations.is_empty() {
            return Ok(None);
        }
        Ok(Some(
            mantissa_router::Router::new(&self.config, store)
                .context("the [router] configuration")?,
        ))
    }

    /// A detector with given stores (backtests use scratch ones).
    pub(crate) fn detector_with(
        &self,
        guard: SqlGuard,
        engine: DataFusionEngine,
        store: std::sync::Arc<dyn mantissa_detector::state::StateStore>,
        alerts: std::sync::Arc<dyn mantissa_core::alert::AlertStore>,
    ) -> mantissa_detector::Detector {
        let time_columns = self
            .catalog()
            .tables()
            .iter()
            .map(|t| (t.name.clone(), t.time_column.clone()))
            .collect();
        let engine: std::sync::Arc<dyn mantissa_core::engine::QueryEngine> =
            std::sync::Arc::new(engine);
        let enricher = mantissa_detector::enrich::Pipeline::new(
            &self.config.enrich,
            Some(alerts.clone()),
            Some((engine.clone(), guard.clone())),
        );
        mantissa_detector::Detector::new(
            engine,
            guard,
            store,
            alerts,
            self.config.detector.clone(),
            time_columns,
        )
        .with_enricher(std::sync::Arc::new(enricher))
    }
}
