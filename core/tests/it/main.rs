//! Integration tests of mantissa-core: the guard corpus, the Athena dialect on
//! the real DataFusion engine, and ingest of the third-party datasets.

mod athena;
mod common;
mod conformance;
mod dialect;
mod dynamodb;
mod group_by;
mod guard_corpus;
mod ingest_datasets;
mod llm;
mod nl_actions;
mod nl_eval;
mod s3;
mod storage;
mod terraform;
