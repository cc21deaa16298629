//! Enrichment: context written into a new alert before it is stored.
//!
//! Sources, each optional and configured in `[enrich]`:
//! - [`geoip`]: country, city and network owner of each IP (`.mmdb` files);
//! - [`intel`]: matches against local indicator lists (IPs, CIDRs, domains, hashes);
//! - [`related`]: other alerts with the same principal or an IP in common;
//! - [`history`]: "first time this principal used this IP / region / user
//!   agent in N days", queried from the logs through the guard.
//!
//! A source that is missing or broken adds a line to
//! [`Enrichment::warnings`](mantissa_core::alert::Enrichment) and a logged
//! warning; it never loses or delays the alert.

pub mod geoip;
pub mod history;
pub mod intel;
pub mod related;

use std::sync::Arc;

use async_trait::async_trait;
use mantissa_core::alert::{Alert, AlertStore};
use mantissa_core::config::EnrichConfig;
use mantissa_core::engine::QueryEngine;
use mantissa_core::guard::SqlGuard;

pub use geoip::GeoIp;
pub use history::History;
pub use intel::Intel;

/// Adds context to an alert in place. Never fails: problems become
/// warnings in the alert's enrichment.
#[async_trait]
pub trait Enricher: Send + Sync {
    /// Enriches `alert` (its `enrichment` field).
    async fn enrich(&self, alert: &mut Alert);
}

/// Every configured source, run in turn.
pub struct Pipeline {
    geoip: GeoIp,
    intel: Intel,
    related: Option<(Arc<dyn AlertStore>, u32)>,
    history: Option<History>,
    /// Problems found when the sources were opened (repeated on every alert).
    startup_warnings: Vec<String>,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("geoip", &self.geoip)
            .field("intel", &self.intel)
            .field("related_hours", &self.related.as_ref().map(|(_, h)| h))
            .field("history", &self.history)
            .finish()
    }
}

impl Pipeline {
    /// Builds the sources `config` names. Databases that cannot be opened
    /// are logged now and noted on every alert.
    pub fn new(
        config: &EnrichConfig,
        alerts: Option<Arc<dyn AlertStore>>,
        engine: Option<(Arc<dyn QueryEngine>, SqlGuard)>,
    ) -> Self {
        let (geoip, startup_warnings) = GeoIp::open(&config.geoip);
        for w in &startup_warnings {
            tracing::warn!("{w}");
        }
        Self {
            geoip,
            intel: Intel::new(&config.intel),
            related: alerts
                .filter(|_| config.related_hours > 0)
                .map(|s| (s, config.related_hours)),
            history: engine
                .filter(|_| config.history_days > 0)
                .map(|(e, g)| History::new(e, g, config.history_days)),
            startup_warnings,
        }
    }
}

#[async_trait]
impl Enricher for Pipeline {
    async fn enrich(&self, alert: &mut Alert) {
        let mut warnings = self.startup_warnings.clone();
        let mut e = std::mem::take(&mut alert.enrichment);
        if !self.geoip.is_empty() {
            e.ips = alert
                .ips()
                .into_iter()
                .map(|ip| self.geoip.lookup(ip, &mut warnings))
                .collect();
        }
        if !self.intel.is_empty() {
            e.threat_intel = self.intel.check(alert, &mut warnings);
        }
        if let Some((store, hours)) = &self.related {
            match related::related(store.as_ref(), alert, *hours).await {
                Ok(r) => e.related = r,
                Err(w) => warnings.push(w),
            }
        }
        if let Some(history) = &self.history {
            match history.facts(alert).await {
                Ok(h) => e.history = h,
                Err(w) => warnings.push(w),
            }
        }
        for w in warnings.iter().skip(self.startup_warnings.len()) {
            tracing::warn!(alert = %alert.id, "enrichment: {w}");
        }
        e.warnings = warnings;
        alert.enrichment = e;
    }
}
