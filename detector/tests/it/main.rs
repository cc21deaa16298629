//! Detector integration tests: real rule files, the real ingest pipeline,
//! the real DataFusion engine and a real SQLite state file.

mod common;
mod detect;
mod enrich;
mod load;
mod pack;
