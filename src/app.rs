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
