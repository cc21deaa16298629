//! The one test kit: local servers that speak the protocols of the services
//! Mantissa Log talks to, so tests exercise the real HTTP and SMTP paths
//! (never a trait stub). Every crate's tests and the binary's end-to-end
//! tests use these instead of keeping fakes of their own.
//!
//! [`GatewayFake`] speaks the Discord gateway's WebSocket protocol.
//!
//! Start them inside a tokio runtime ([`Fake::start`], [`SmtpFake::start`]);
//! synchronous tests can `block_on` the start on a multi-thread runtime and
//! keep the runtime alive for as long as the fake is needed.

mod fake;
mod gateway;
pub mod wait;

pub use fake::*;
pub use gateway::{BOT_USER_ID, GatewayFake};
