//! Mantissa Log as a library: the composition root and the service every
//! front end runs. The `mantissa` binary (`src/main.rs`) is one such front
//! end; the Lambda functions of the cloud deployment are the others.
//!
//! - [`compose`]: configuration → backends (`Arc<dyn …>`), the only place
//!   that names a concrete engine or store.
//! - [`bot`]: the chat bot's state (platforms, tokens, de-dup) from the
//!   configuration, for `mantissa serve` and the bot's Lambda functions.
//! - [`service`]: the product logic (questions and conversations, alerts,
//!   rules, the detector → router handoff) over those backends.

pub mod bot;
pub mod compose;
pub mod service;

pub use compose::{ComposeError, Composition};
pub use service::{Conversations, Service, ServiceError};
