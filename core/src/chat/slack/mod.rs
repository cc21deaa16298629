//! Slack: the Web API client ([`SlackClient`]) and the Block Kit limits and
//! validator ([`blocks`]) every message the product posts is held to.

pub mod blocks;
mod client;

pub use blocks::validate_blocks;
pub use client::{DEFAULT_API_URL, SlackClient};
