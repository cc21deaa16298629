//! Mantissa Log core: everything below the user interfaces.
//!
//! - [`alert`]: the alert model, the [`alert::AlertStore`] (lifecycle, history, outbox).
//! - [`config`]: typed configuration (`mantissa.toml` + `MANTISSA_*` overrides).
//! - [`clock`]: the one source of "now" (frozen with `--now` for replays).
//! - [`catalog`]: the log tables, their Athena-compatible schemas and descriptions.
//! - [`ingest`]: native AWS log formats → day-partitioned Parquet, with quarantine.
//! - [`guard`]: the SQL guard every statement passes before any engine sees it.
//! - [`engine`]: the [`engine::QueryEngine`] trait and its embedded DataFusion backend.
//! - [`demo`]: a deterministic generator of realistic AWS logs with planted attacks.
//! - [`nl`]: questions in plain English → a typed plan → Athena SQL (built-in translator).
//! - [`session`]: conversations (the previous plan and SQL) for follow-up questions.
//! - [`llm`]: LLM translators (Bedrock, Anthropic, OpenAI-compatible) behind one client trait.
//! - [`store`]: the backend-neutral [`store::StoreError`] every store returns;
//!   [`rule_state`] (the detector's per-rule state) and [`dedup`] (claim an id
//!   once) are stores too; [`conformance`] (feature `conformance`) tests them all.
//! - `chat` (feature `chat`): the Slack and Discord clients, limits and button ids.
//! - [`answer`]: the translator policy and the translate → guard → run → repair loop.
//!
//! Features: without the defaults the crate is config, clock, the alert model
//! and the store traits, which is all `bot` and `router` need. `sqlite` adds
//! the embedded stores, `query` the catalog, ingest, guard, engine, translator
//! and sessions (DataFusion), `llm` the LLM translators and the answer loop,
//! `demo` the log generator.

pub mod alert;
#[cfg(feature = "llm")]
pub mod answer;
pub mod blocking;
#[cfg(feature = "query")]
pub mod catalog;
#[cfg(feature = "chat")]
pub mod chat;
pub mod clock;
pub mod config;
#[cfg(feature = "conformance")]
pub mod conformance;
pub mod dedup;
#[cfg(feature = "demo")]
pub mod demo;
#[cfg(feature = "query")]
pub mod engine;
#[cfg(feature = "query")]
pub mod guard;
#[cfg(feature = "query")]
pub mod ingest;
#[cfg(feature = "llm")]
pub mod llm;
#[cfg(feature = "query")]
pub mod nl;
pub mod rule_state;
#[cfg(feature = "query")]
pub mod session;
#[cfg(feature = "query")]
pub mod storage;
pub mod store;

#[cfg(feature = "query")]
/// Arrow is the interchange format for query results across engines.
pub use datafusion::arrow;
