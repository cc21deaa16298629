//! Gateway mode (feature `discord-gateway`): serenity's websocket client
//! receives messages, so mentions and thread follow-ups work without a
//! public URL. Only events come through serenity; the decisions are in
//! [`super::threads`] and answers go out through [`DiscordClient`] like the
//! rest of the adapter.
//!
//! Needs the privileged MESSAGE_CONTENT intent (Developer Portal → Bot →
//! Message Content Intent) to read follow-ups that do not mention the bot.

use std::sync::{Arc, OnceLock};

use serenity::all::{
    ClientBuilder, Context, EventHandler, GatewayIntents, HttpBuilder, Message, Ready,
};

use super::GatewayError;
use super::threads::{self, Incoming};
use crate::BotState;
use crate::auth::Secret;
use mantissa_core::chat::discord::DiscordClient;

/// Whether this build has gateway mode.
pub const BUILT: bool = true;

struct Handler {
    state: Arc<BotState>,
    api: DiscordClient,
    /// The bot's own user id, from READY.
    me: OnceLock<u64>,
}

#[serenity::async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _ctx: Context, ready: Ready) {
        let _ = self.me.set(ready.user.id.get());
        tracing::info!(user = %ready.user.name, guilds = ready.guilds.len(), "Discord gateway connected.");
    }

    async fn message(&self, _ctx: Context, msg: Message) {
        let me = self.me.get().copied();
        let channel_id = msg.channel_id.get().to_string();
        let message_id = msg.id.get().to_string();
        let incoming = Incoming {
            channel_id: &channel_id,
            message_id: &message_id,
            in_guild: msg.guild_id.is_some(),
            from_bot: msg.author.bot || me == Some(msg.author.id.get()),
            mentions_bot: me.is_some_and(|me| msg.mentions.iter().any(|u| u.id.get() == me)),
            content: &msg.content,
        };
        threads::handle(&self.state, incoming).await;
    }
}

/// Connects to the gateway with the bot token and answers until the
/// connection ends for good (serenity reconnects by itself).
pub async fn run(
    state: Arc<BotState>,
    api: DiscordClient,
    token: Secret,
) -> Result<(), GatewayError> {
    let intents = GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::DIRECT_MESSAGES
        | GatewayIntents::MESSAGE_CONTENT;
    let handler = Handler {
        state,
        api,
        me: OnceLock::new(),
    };
    // Serenity asks the REST API for the gateway URL. With `discord.api_url`
    // pointing elsewhere (a local server in tests, an API proxy), serenity's
    // requests go there too: it replaces `https://discord.com` with the proxy.
    // Its rate limiter ignores the proxy, so it is off then; serenity makes
    // that one call only (answers go through our own client, rate limits
    // included).
    let mut http = HttpBuilder::new(token.expose());
    if let Some(proxy) = proxy_for(handler.api.base()) {
        http = http.proxy(proxy).ratelimiter_disabled(true);
    }
    let mut client = ClientBuilder::new_with_http(http.build(), intents)
        .event_handler(handler)
        .await
        .map_err(|e| GatewayError::Gateway(e.to_string()))?;
    client
        .start()
        .await
        .map_err(|e| GatewayError::Gateway(e.to_string()))
}

/// The origin serenity should send its REST calls to when `api_url` is not
/// Discord's own (`http://127.0.0.1:3000/api/v10` → `http://127.0.0.1:3000`).
fn proxy_for(api_url: &str) -> Option<String> {
    let base = api_url.trim_end_matches('/');
    if base == mantissa_core::chat::discord::DEFAULT_API_URL {
        return None;
    }
    Some(base.strip_suffix("/api/v10").unwrap_or(base).to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_a_non_default_api_url_is_a_proxy() {
        assert_eq!(super::proxy_for("https://discord.com/api/v10"), None);
        assert_eq!(
            super::proxy_for("http://127.0.0.1:9/discord/api/v10/").as_deref(),
            Some("http://127.0.0.1:9/discord")
        );
    }
}
