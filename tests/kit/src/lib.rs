//! The one test kit: local servers that speak the protocols of the services
//! Mantissa Log talks to, so tests exercise the real HTTP, WebSocket and
//! SMTP paths (never a trait stub). Every crate's tests and the binary's
//! end-to-end tests use these instead of keeping fakes of their own.
//!
//! - [`Fake`]: one HTTP server for the Slack Web API ([`slack`]), Discord
//!   REST ([`discord`]), PagerDuty Events v2 and webhook receivers; it
//!   records every request and applies programmable [`Fault`]s.
//! - [`SocketModeFake`]: Slack Socket Mode's WebSocket end.
//! - [`GatewayFake`]: the Discord gateway's WebSocket protocol.
//! - [`SmtpFake`]: an SMTP server that records mail.
//! - [`llm::LlmFake`]: an LLM provider in each supported wire format.
//! - [`athena::AthenaFake`]: Athena's query API in front of a runner the
//!   test supplies (the project's engine), since no emulator runs Athena SQL.
//! - [`lambda::LambdaRuntime`]: the Lambda Runtime API, which runs a
//!   function's real `bootstrap` binary on loopback.
//! - [`moto::Moto`]: local AWS (DynamoDB, S3, …) from PyPI's moto,
//!   installed on first use.
//! - [`wait`]: one way to wait for background work.
//!
//! Start them inside a tokio runtime ([`Fake::start`], [`SmtpFake::start`]);
//! synchronous tests can `block_on` the start on a multi-thread runtime and
//! keep the runtime alive for as long as the fake is needed.

pub mod athena;
pub mod discord;
mod fake;
mod gateway;
pub mod lambda;
pub mod llm;
pub mod moto;
pub mod slack;
mod smtp;
mod socket_mode;
pub mod tools;
pub mod wait;

pub use fake::*;
pub use gateway::{BOT_USER_ID, GatewayFake};
pub use smtp::{Mail, SmtpFake};
pub use socket_mode::{SocketModeConnection, SocketModeFake, next_json};
