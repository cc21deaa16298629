//! What every verb needs: configuration, clock, data directory, and the
//! composition root that builds the backends.

use std::sync::Arc;

use anyhow::Context;
use mantissa::Composition;
use mantissa_core::alert::AlertStore;
use mantissa_core::catalog::Catalog;
use mantissa_core::clock::{Clock, parse_instant};
use mantissa_core::config::Config;
use mantissa_core::engine::QueryEngine;
use mantissa_core::guard::SqlGuard;
use mantissa_core::ingest::DataDir;

use crate::cli::Global;

/// Shared context of one invocation.
pub(crate) struct App {
    pub(crate) quiet: bool,
    pub(crate) compose: Composition,
    /// `--config`, as given (for commands the output suggests).
    pub(crate) config_file: Option<std::path::PathBuf>,
}

impl App {
    pub(crate) fn from_global(g: &Global) -> anyhow::Result<Self> {
        let mut config = Config::load(g.config.as_deref())?;
        if config.has_secret_references() {
            resolve_secrets(&mut config)?;
        }
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
        Ok(Self {
            quiet: g.quiet,
            compose: Composition::new(config, clock),
            config_file: g.config.clone(),
        })
    }

    /// The configuration of this run (file, environment, flags).
    pub(crate) fn config(&self) -> &Config {
        self.compose.config()
    }

    /// The clock of this run (`--now` freezes it).
    pub(crate) fn clock(&self) -> Clock {
        self.compose.clock()
    }

    /// The data directory (tables, state, quarantine).
    pub(crate) fn data(&self) -> &DataDir {
        self.compose.data()
    }

    /// The catalog, including custom sources with their inferred schemas.
    pub(crate) fn catalog(&self) -> Catalog {
        self.compose.catalog()
    }

    /// The guard and the configured engine over the current tables.
    pub(crate) fn engine(&self) -> anyhow::Result<(SqlGuard, Arc<dyn QueryEngine>)> {
        Ok((self.compose.guard(), self.compose.engine()?))
    }

    /// A tokio runtime for async work.
    pub(crate) fn runtime(&self) -> anyhow::Result<tokio::runtime::Runtime> {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")
    }

    /// Loads rules: the built-in pack (unless `--no-builtin` or
    /// `detector.builtin_rules = false`), `detector.rules_dirs`, then `--rules`.
    pub(crate) fn rules(&self, sources: &crate::cli::RuleSources) -> mantissa_detector::LoadReport {
        self.compose.rules(&sources.dirs, sources.no_builtin)
    }

    /// The detector over the current tables with the deployment's stores.
    pub(crate) fn detector(&self) -> anyhow::Result<mantissa_detector::Detector> {
        Ok(self.compose.detector()?)
    }

    /// The alert store.
    pub(crate) fn alert_store(&self) -> anyhow::Result<Arc<dyn AlertStore>> {
        Ok(self.compose.alert_store()?)
    }

    /// The alert router over `store`, or `None` when no destinations are
    /// configured (`[router.destinations]`).
    pub(crate) fn router(
        &self,
        store: Arc<dyn AlertStore>,
    ) -> anyhow::Result<Option<mantissa_router::Router>> {
        Ok(self.compose.router(store)?)
    }
}

/// Replaces `aws-secretsmanager:` references in secret settings with their
/// values, once, before anything uses the configuration.
#[cfg(feature = "aws")]
fn resolve_secrets(config: &mut Config) -> anyhow::Result<()> {
    let resolved = mantissa_core::blocking::block_on_isolated(
        mantissa_core::config::secrets::resolve_from_aws(config),
    )
    .context("cannot start the async runtime")??;
    tracing::debug!(
        settings = resolved,
        "secrets resolved from AWS Secrets Manager"
    );
    Ok(())
}

#[cfg(not(feature = "aws"))]
fn resolve_secrets(_config: &mut Config) -> anyhow::Result<()> {
    anyhow::bail!(
        "the configuration refers to AWS Secrets Manager (aws-secretsmanager:…), which needs a build with the `aws` feature: cargo build --release --features aws"
    )
}
