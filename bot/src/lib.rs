//! Mantissa Log chat bot: one axum app for Slack, Discord and the HTTP API.
//!
//! [`app`] builds the router used both by `mantissa serve` on a local port
//! and (with the cloud deployment) by `lambda_http`. Every request is
//! authenticated before anything else runs ([`auth`]); chat requests are
//! acked at once and answered in the background ([`dispatch`]). The bot
//! talks to the rest of the product only through [`backend::Backend`].
//! Answers that are time series or grouped counts also get a chart
//! ([`chart`], platform-neutral PNG rendering).
//!
//! Routes: `POST /slack/events`, `POST /slack/interactions`,
//! `POST /slack/commands`, `POST /discord/interactions`,
//! `POST /api/query`, `GET /api/alerts`,
//! `POST /api/alerts/{id}/{ack|resolve|reopen}`, `GET /healthz`.

pub mod auth;
pub mod backend;
pub mod chart;
pub mod chat;
pub mod discord;
pub mod dispatch;
mod http_api;
pub mod jobs;
pub mod jwt;
pub mod slack;
pub mod worker;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use mantissa_core::clock::Clock;

use auth::Secret;
use backend::Backend;
use discord::DiscordSettings;
use dispatch::Dispatcher;
use mantissa_core::dedup::{EVENT_TTL, SeenStore};
use slack::SlackSettings;

/// Everything the handlers share.
pub struct BotState {
    /// The product.
    pub backend: Arc<dyn Backend>,
    /// Runs work after the ack.
    pub dispatcher: Arc<dyn Dispatcher>,
    /// Slack, when configured.
    pub slack: Option<SlackSettings>,
    /// Discord interactions, when configured.
    pub discord: Option<DiscordSettings>,
    /// Discord REST with the bot token, for answers in channels and
    /// threads (gateway mode).
    pub discord_bot: Option<mantissa_core::chat::discord::DiscordClient>,
    /// Bearer tokens accepted by the HTTP API (none, and no `jwt`: the API
    /// refuses everything).
    pub api_tokens: Vec<Secret>,
    /// Bearer JWTs accepted by the HTTP API, checked against a JWKS.
    pub jwt: Option<Arc<jwt::JwtVerifier>>,
    /// Event ids already handled (Slack retries, repeated Discord
    /// interactions, button clicks), shared by every process of the
    /// deployment.
    pub seen: Arc<dyn SeenStore>,
    /// The clock for audit times, mutes and de-dup expiry.
    pub clock: Clock,
    /// Who may do what from chat.
    pub permissions: mantissa_core::config::PermissionsConfig,
}

impl BotState {
    /// Hands `job` to the dispatcher (the request that started it is acked
    /// at once).
    pub fn hand_off(self: &Arc<Self>, job: jobs::Job) {
        self.dispatcher.dispatch(self.clone(), job);
    }

    /// Claims an event id: `true` the first time it is seen (handle it),
    /// `false` for a retry. When the store is unavailable the event is
    /// handled (a rare duplicate answer beats a lost question) and the
    /// failure logged.
    pub async fn first_time(&self, id: &str) -> bool {
        match self.seen.claim(id, self.clock.now(), EVENT_TTL).await {
            Ok(first) => first,
            Err(error) => {
                tracing::warn!(message = "Event de-dup store failed; handling the event.", id, %error);
                true
            }
        }
    }
}

impl std::fmt::Debug for BotState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotState")
            .field("slack", &self.slack.is_some())
            .field("discord", &self.discord.is_some())
            .field("api_tokens", &self.api_tokens.len())
            .finish_non_exhaustive()
    }
}

/// A clock frozen at a Unix time, for tests.
#[cfg(test)]
pub(crate) fn testing_clock(unix: i64) -> Clock {
    Clock::frozen(chrono::DateTime::from_timestamp(unix, 0).unwrap_or_default())
}

/// The HTTP application.
pub fn app(state: Arc<BotState>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/slack/events", post(slack::events))
        .route("/slack/interactions", post(slack::interactions))
        .route("/slack/commands", post(slack::commands))
        .route("/discord/interactions", post(discord::interactions))
        .route("/api/query", post(http_api::query))
        .route("/api/alerts", get(http_api::alerts))
        .route("/api/alerts/{id}/{action}", post(http_api::change))
        .with_state(state)
}

async fn healthz() -> &'static str {
    "ok"
}
