//! The chat platforms' wire side, shared by the chat bot and the alert
//! router (feature `chat`): one client per platform, one set of limits and
//! one validator per message format, one set of button ids.
//!
//! - [`http`]: the one HTTP path every platform call takes: a timeout, no
//!   redirects, HTTP 429 retried after `Retry-After` (capped), and
//!   [`ApiError`], which says whether a retry can help and never holds a token.
//! - [`slack`]: the Slack Web API client, Block Kit limits and validator.
//! - [`discord`]: the Discord REST client, message and embed limits and validator.
//! - [`actions`]: the ids of the alert buttons, as rendered by the router and
//!   read back by the bot.

pub mod actions;
pub mod discord;
pub mod http;
pub mod slack;

pub use http::{ApiError, Platform, Transport};
