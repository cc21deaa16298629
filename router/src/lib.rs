//! Alert routing: the policy that picks destinations for an alert, the
//! destinations (Slack, Discord, PagerDuty, e-mail, signed webhooks), and
//! the worker that works off the delivery outbox in the [`AlertStore`]
//! with retries, leases and fallback chains.
//!
//! The flow: the detector persists an alert, then [`Router::route`] writes
//! [`NewDelivery`] rows (store before send); [`Router::deliver_due`] (or the
//! [`Router::run`] loop) claims due rows with a lease, sends them, and
//! records every attempt. A delivery that fails for good sends the alert down
//! its route's fallback chain. Every step lands in the alert's history.
//!
//! [`AlertStore`]: mantissa_core::alert::AlertStore
//! [`NewDelivery`]: mantissa_core::alert::NewDelivery

mod backoff;
pub mod destination;
pub mod discord;
pub mod email;
mod grouping;
pub mod pagerduty;
pub mod policy;
pub mod render;
mod router;
pub mod slack;
pub mod webhook;

pub use destination::{Destination, SendError, SendErrorKind, Sent};
pub use router::{Change, DeliveryReport, Router, RouterError};

/// Installs rustls's aws-lc-rs `CryptoProvider` as the process default.
///
/// The workspace links rustls with both the `ring` and `aws-lc-rs` features
/// (through different dependencies), so rustls cannot pick one by itself and
/// the first TLS handshake panics ("Could not automatically determine the
/// process-level CryptoProvider"). Binaries call this once at start-up
/// ([`Router::new`] also calls it); later calls are no-ops.
pub fn install_crypto_provider() {
    // Err means a provider is already installed, which is what we want.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}
