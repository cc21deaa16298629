//! Alerts: the model, the [`AlertStore`] (lifecycle, audit history and the
//! delivery outbox) with its embedded SQLite and its DynamoDB implementations.
//!
//! The detector raises alerts into the store (persisted before any delivery
//! is attempted); the router enqueues and works off [`Delivery`] rows; the
//! bot's buttons and `mantissa alerts ack|resolve` move alerts through their
//! lifecycle with conditional updates.

pub mod delivery;
#[cfg(feature = "dynamodb")]
pub mod dynamodb;
pub mod model;
#[cfg(feature = "sqlite")]
pub mod sqlite;
pub mod store;

pub use delivery::{
    Attempt, AttemptOutcome, Delivery, DeliveryAction, DeliveryStatus, NewDelivery,
};
pub use model::{
    Alert, AlertEvent, AlertStatus, Category, Change, Enrichment, HistoryFact, IntelMatch,
    IpContext, RelatedAlert, Severity, group_text,
};
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteAlertStore;
pub use store::{
    AlertFilter, AlertStore, OpenAlert, RuleMute, Saved, StatusChange, Transition, not_allowed,
};
