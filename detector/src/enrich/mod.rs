//! Enrichment: context written into a new alert before it is stored.
//!
//! Each source is optional and configured (`[enrich]`); a source that is
//! missing or broken adds a line to [`Enrichment::warnings`] and a logged
//! warning, never a lost or delayed alert.

use async_trait::async_trait;
use mantissa_core::alert::Alert;

#[allow(unused_imports)]
use mantissa_core::alert::Enrichment;

/// Adds context to an alert in place. Never fails: problems become
/// warnings in the alert's enrichment.
#[async_trait]
pub trait Enricher: Send + Sync {
    /// Enriches `alert` (its `enrichment` field).
    async fn enrich(&self, alert: &mut Alert);
}
