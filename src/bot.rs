//! The chat bot's state from the configuration: the platforms that are
//! configured (Slack, Discord interactions, the HTTP API's tokens and JWTs),
//! the de-dup store and the permissions, around a [`Backend`] and a
//! [`Dispatcher`]. `mantissa serve` and the bot and worker Lambda functions
//! build their [`BotState`] here, so a setting means the same in both.

use std::sync::Arc;

use mantissa_bot::BotState;
use mantissa_bot::auth::SlackVerifier;
use mantissa_bot::backend::Backend;
use mantissa_bot::discord::DiscordSettings;
use mantissa_bot::discord::verify::DiscordVerifier;
use mantissa_bot::dispatch::Dispatcher;
use mantissa_bot::slack::SlackSettings;
use mantissa_core::chat::discord::DiscordClient;
use mantissa_core::chat::slack::SlackClient;
use mantissa_core::clock::Clock;

use crate::compose::{ComposeError, Composition};

/// Why the bot cannot start with this configuration.
#[derive(Debug, thiserror::Error)]
pub enum BotSetupError {
    /// One setting of a pair is set without the other.
    #[error("{set} is set but {missing} is not: set {env} ({where_})")]
    Incomplete {
        /// The setting that is set.
        set: &'static str,
        /// The one that is missing.
        missing: &'static str,
        /// Its environment variable.
        env: &'static str,
        /// Where to find its value.
        where_: &'static str,
    },
    /// The Discord public key is not an Ed25519 key in hex.
    #[error("discord.public_key is not usable")]
    DiscordKey(#[source] mantissa_bot::discord::verify::KeyError),
    /// `[api.jwt]` is not usable.
    #[error("[api.jwt] is not usable")]
    Jwt(#[source] mantissa_bot::jwt::JwtError),
    /// A store does not open.
    #[error(transparent)]
    Compose(#[from] ComposeError),
}

/// How the bot receives Slack events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlackIntake {
    /// Signed HTTP requests (`POST /slack/*`): the signing secret is required.
    Http,
    /// Socket Mode: events arrive on a websocket the bot opens, so no
    /// signing secret is needed.
    SocketMode,
}

/// The bot's state for `composition`: platforms as configured, answers from
/// `backend`, slow work handed to `dispatcher`.
pub fn state(
    composition: &Composition,
    backend: Arc<dyn Backend>,
    dispatcher: Arc<dyn Dispatcher>,
    intake: SlackIntake,
) -> Result<BotState, BotSetupError> {
    let config = composition.config();
    let slack_cfg = &config.slack;
    let verifier = slack_cfg
        .signing_secret
        .as_ref()
        // Signatures are checked against the real time, even when `--now`
        // replays the data at another moment.
        .map(|s| SlackVerifier::new(s.clone(), Clock::system()));
    let slack = match (&slack_cfg.signing_secret, &slack_cfg.bot_token) {
        // HTTP events are signed: the secret is required; Socket Mode's are not.
        (None, Some(_)) if intake == SlackIntake::Http => {
            return Err(BotSetupError::Incomplete {
                set: "slack.bot_token",
                missing: "slack.signing_secret",
                env: "MANTISSA_SLACK_SIGNING_SECRET",
                where_: "Slack app → Basic Information → Signing Secret",
            });
        }
        (_, Some(token)) => Some(SlackSettings {
            verifier,
            api: SlackClient::new(&slack_cfg.api_url, token.clone()),
        }),
        (None, None) => None,
        (Some(_), None) => {
            return Err(BotSetupError::Incomplete {
                set: "slack.signing_secret",
                missing: "slack.bot_token",
                env: "MANTISSA_SLACK_BOT_TOKEN",
                where_: "xoxb-…, Slack app → OAuth & Permissions",
            });
        }
    };
    let discord_cfg = &config.discord;
    let discord = match (&discord_cfg.public_key, &discord_cfg.application_id) {
        (Some(key), Some(application_id)) => Some(DiscordSettings {
            verifier: DiscordVerifier::from_hex(key, Clock::system())
                .map_err(BotSetupError::DiscordKey)?,
            api: DiscordClient::new(&discord_cfg.api_url, discord_cfg.bot_token.clone())
                .for_application(application_id),
        }),
        (None, _) => None,
        (Some(_), None) => {
            return Err(BotSetupError::Incomplete {
                set: "discord.public_key",
                missing: "discord.application_id",
                env: "MANTISSA_DISCORD_APPLICATION_ID",
                where_: "Developer Portal → General Information → Application ID",
            });
        }
    };
    let mut api_tokens = config.api.tokens.clone();
    api_tokens.extend(config.api.token.clone());
    let jwt = match &config.api.jwt {
        Some(cfg) => Some(Arc::new(
            mantissa_bot::jwt::JwtVerifier::new(cfg.clone()).map_err(BotSetupError::Jwt)?,
        )),
        None => None,
    };
    Ok(BotState {
        backend,
        dispatcher,
        slack,
        discord,
        discord_bot: None,
        api_tokens,
        jwt,
        seen: composition.seen_store()?,
        clock: composition.clock(),
        permissions: config.permissions.clone(),
    })
}
