//! Discord: the REST client ([`DiscordClient`]) and the message and embed
//! limits and validator ([`message`]) every message the product posts is
//! held to.

mod client;
pub mod message;

pub use client::{Attachment, DEFAULT_API_URL, DiscordClient};
pub use message::{validate_embed, validate_message};
