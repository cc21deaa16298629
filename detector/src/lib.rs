//! Mantissa Log detection engine.
//!
//! - [`rule`]: the rule model; [`load`]: rule sources, strict loading with
//!   located errors ([`load::RuleError`]).
//! - [`eval`]: one rule at one time → dedup groups.
//! - [`detector`]: cycles, replays and the live schedule; alerts with dedup,
//!   suppression and the per-rule limiter.
//! - [`enrich`] adds context (geolocation, threat intel, related alerts, history)
//!   to new alerts before they are stored.
//! - [`activity`]: where the data is, so replays skip empty periods.
//! - [`testing`]: rules' inline tests on the real pipeline.

pub mod activity;
pub mod alert;
pub mod detector;
pub mod duration;
pub mod enrich;
pub mod eval;
pub mod load;
pub mod rule;
pub mod testing;

pub use alert::Alert;
pub use detector::{Detector, RunReport};
pub use load::{
    DirSource, EmbeddedSource, LoadReport, RuleError, RuleSource, StorageSource, load_rules,
};
pub use rule::{Rule, Severity};
