//! Gateway mode (feature `discord-gateway`): serenity's websocket client
//! receives messages, so mentions and thread follow-ups work without a
//! public URL. Only events come through serenity; the decisions are in
//! [`super::threads`] and answers go out through [`DiscordClient`] like the
//! rest of the adapter.
//!
//! Needs the privileged MESSAGE_CONTENT intent (Developer Portal → Bot →
//! Message Content Intent) to read follow-ups that do not mention the bot.

use std::sync::{Arc, OnceLock};

use serenity::all::{Client, Context, EventHandler, GatewayIntents, Message, Ready};

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
        threads::handle(&self.state, &self.api, incoming).await;
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
    let mut client = Client::builder(token.expose(), intents)
        .event_handler(handler)
        .await
        .map_err(|e| GatewayError::Gateway(e.to_string()))?;
    client
        .start()
        .await
        .map_err(|e| GatewayError::Gateway(e.to_string()))
}
