//! Discord over HTTP interactions: `POST /discord/interactions`.
//!
//! Every request's Ed25519 signature is checked first ([`verify`]); a bad
//! or missing one is answered 401 and nothing else runs. Then:
//!
//! - PING (type 1) → PONG;
//! - the `/mantissa` command (type 2, [`commands`]): quick answers inline
//!   (type 4), `ask` and `rule test` deferred (type 5) and completed on the
//!   [`crate::dispatch::Dispatcher`] by editing `@original` ([`api`]);
//! - the alert buttons (type 3, [`components`]): the alert changes through
//!   the [`Backend`](crate::backend::Backend) and the message is updated in
//!   place (type 7) to show who did what and when.
//!
//! Command definitions live in `manifests/discord-commands.json`, embedded
//! as [`COMMANDS_JSON`] and registered by `mantissa discord register-commands`.
//!
//! Gateway mode ([`gateway`], cargo feature `discord-gateway`) adds
//! mentions and thread conversations ([`threads`]) without a public URL.

pub(crate) mod commands;
mod components;
#[cfg(feature = "discord-gateway")]
pub mod gateway;
#[cfg(not(feature = "discord-gateway"))]
#[path = "gateway_disabled.rs"]
pub mod gateway;
pub mod render;
pub mod threads;
pub mod verify;

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::BotState;
use mantissa_core::chat::discord::DiscordClient;
use verify::DiscordVerifier;

/// The `/mantissa` command definitions registered with Discord (the
/// contents of `manifests/discord-commands.json`).
pub const COMMANDS_JSON: &str = include_str!("../../../manifests/discord-commands.json");

/// Gateway mode could not run.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// Built without the `discord-gateway` feature.
    #[error(
        "discord.gateway is set but this build has no gateway mode; rebuild with `cargo build --features discord-gateway`, or use HTTP interactions"
    )]
    NotBuilt,
    /// The connection failed (bad token, missing intents, network).
    #[error("Discord gateway: {0}")]
    Gateway(String),
}

/// Ephemeral message flag.
pub const EPHEMERAL: u64 = 1 << 6;

/// Discord settings of a running bot.
#[derive(Debug, Clone)]
pub struct DiscordSettings {
    /// Verifies request signatures.
    pub verifier: DiscordVerifier,
    /// Completes deferred responses.
    pub api: DiscordClient,
}

/// `POST /discord/interactions`.
pub(crate) async fn interactions(
    State(state): State<Arc<BotState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(discord) = state.discord.clone() else {
        return (
            StatusCode::NOT_FOUND,
            "Discord is not configured: set MANTISSA_DISCORD_PUBLIC_KEY and MANTISSA_DISCORD_APPLICATION_ID",
        )
            .into_response();
    };
    if let Err(e) = discord.verifier.verify(&headers, &body) {
        tracing::warn!(reason = %e, "Refused a Discord interaction: bad signature.");
        return (StatusCode::UNAUTHORIZED, "invalid request signature").into_response();
    }
    let Ok(interaction) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "body is not JSON").into_response();
    };
    match interaction["type"].as_u64() {
        Some(1) => Json(json!({ "type": 1 })).into_response(),
        Some(t @ (2 | 3)) => {
            // Discord does not retry interactions, but never answer one twice.
            let id = interaction["id"].as_str().unwrap_or_default();
            if !id.is_empty() && !state.first_time(&format!("discord:{id}")).await {
                tracing::info!(id, "Discord interaction already handled; ignored.");
                return StatusCode::OK.into_response();
            }
            let reply = if t == 2 {
                commands::command(&state, &interaction).await
            } else {
                components::click(&state, &interaction).await
            };
            Json(reply).into_response()
        }
        _ => Json(ephemeral("This kind of interaction is not supported.")).into_response(),
    }
}

/// Who sent an interaction: user id and role ids (a guild member), or the
/// user alone (a DM).
pub(crate) fn member(interaction: &Value) -> (String, Vec<String>) {
    let user = interaction["member"]["user"]["id"]
        .as_str()
        .or_else(|| interaction["user"]["id"].as_str())
        .unwrap_or_default()
        .to_string();
    let roles = interaction["member"]["roles"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    (user, roles)
}

/// The channel whose `[permissions.channel_tables]` entry applies to an
/// interaction: the parent channel in a thread (a thread inherits its
/// channel's tables), else the channel itself.
pub(crate) fn permission_channel(interaction: &Value) -> String {
    let channel = &interaction["channel"];
    let in_thread = channel["type"]
        .as_u64()
        .is_some_and(threads::is_thread_type);
    match channel["parent_id"].as_str() {
        Some(parent) if in_thread => parent.to_string(),
        _ => interaction["channel_id"]
            .as_str()
            .or_else(|| channel["id"].as_str())
            .unwrap_or_default()
            .to_string(),
    }
}

/// A CHANNEL_MESSAGE_WITH_SOURCE (type 4) only the caller sees.
pub(crate) fn ephemeral(text: &str) -> Value {
    let mut data = render::text_message(text);
    data["flags"] = json!(EPHEMERAL);
    json!({ "type": 4, "data": data })
}

/// A CHANNEL_MESSAGE_WITH_SOURCE (type 4) the channel sees.
pub(crate) fn in_channel(text: &str) -> Value {
    json!({ "type": 4, "data": render::text_message(text) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_commands_are_one_mantissa_command_with_every_subcommand() {
        let v: Value = serde_json::from_str(COMMANDS_JSON).unwrap();
        let cmds = v.as_array().unwrap();
        assert_eq!(cmds.len(), 1);
        assert_eq!(cmds[0]["name"], "mantissa");
        let subs: Vec<&str> = cmds[0]["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap())
            .collect();
        assert_eq!(subs, ["ask", "rule", "alerts", "status", "help"]);
        let rule: Vec<&Value> = cmds[0]["options"][1]["options"]
            .as_array()
            .unwrap()
            .iter()
            .collect();
        let names: Vec<&str> = rule.iter().map(|o| o["name"].as_str().unwrap()).collect();
        assert_eq!(
            names,
            [
                "list", "show", "enable", "disable", "test", "mute", "unmute"
            ]
        );
        let hours = &rule[5]["options"][1];
        assert_eq!(
            (hours["name"].as_str(), hours["type"].as_u64()),
            (Some("hours"), Some(4))
        );
        assert_eq!(hours["required"], false);
        assert_eq!(hours["max_value"], crate::chat::MAX_MUTE_HOURS);
        for o in &rule {
            assert!(o["description"].as_str().unwrap().chars().count() <= 100);
        }
    }

    #[test]
    fn members_carry_their_roles_and_dm_users_none() {
        let m = json!({"member": {"user": {"id": "1"}, "roles": ["7", "8"]}});
        assert_eq!(member(&m), ("1".into(), vec!["7".into(), "8".into()]));
        let dm = json!({"user": {"id": "2"}});
        assert_eq!(member(&dm), ("2".into(), vec![]));
    }

    #[test]
    fn threads_take_their_parent_channels_tables() {
        let channel =
            json!({"channel_id": "10", "channel": {"id": "10", "type": 0, "parent_id": "5"}});
        assert_eq!(permission_channel(&channel), "10");
        let thread =
            json!({"channel_id": "11", "channel": {"id": "11", "type": 11, "parent_id": "10"}});
        assert_eq!(permission_channel(&thread), "10");
        assert_eq!(permission_channel(&json!({"channel_id": "12"})), "12");
    }
}
