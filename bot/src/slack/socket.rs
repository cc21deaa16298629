//! Slack Socket Mode: the same handlers as the HTTP endpoints, over a
//! WebSocket the bot opens itself, so no public URL is needed.
//!
//! The protocol (api.slack.com/apis/socket-mode): `apps.connections.open`
//! with the app-level token (`xapp-…`, scope `connections:write`) returns a
//! `wss://` URL; Slack sends `hello`, then envelopes
//! `{envelope_id, type: events_api | slash_commands | interactive, payload}`
//! that must be acknowledged with `{envelope_id[, payload]}` within 3 s
//! (a slash command's immediate reply rides in the ack's `payload`), and
//! `disconnect` when the connection is about to be refreshed. Requests are
//! authenticated by the connection itself, so there are no signatures to
//! check; the event, command and interaction handlers are the ones the HTTP
//! routes use after verification.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use super::{SlackSettings, commands, interactions, on_event};
use crate::BotState;
use crate::auth::Secret;
use mantissa_core::chat::ApiError;

/// Why Socket Mode stopped for good.
#[derive(Debug, thiserror::Error)]
pub enum SocketError {
    /// Slack refused the app token: retrying cannot help.
    #[error(
        "Slack refused the app-level token ({0}): set MANTISSA_SLACK_APP_TOKEN to an `xapp-…` token with the `connections:write` scope (Slack app → Basic Information → App-Level Tokens) and turn Socket Mode on for the app"
    )]
    Auth(String),
}

/// How one connection ended.
#[derive(Debug)]
enum Ended {
    /// Slack asked us to reconnect (`disconnect`), or closed the socket.
    Reconnect(String),
}

/// Runs Socket Mode until `shutdown` resolves, reconnecting whenever Slack
/// refreshes the connection or the network fails (backoff 1 s doubling to
/// 30 s). Returns an error only when the app token is refused.
pub async fn run(
    state: Arc<BotState>,
    slack: SlackSettings,
    app_token: Secret,
    shutdown: impl Future<Output = ()>,
) -> Result<(), SocketError> {
    tokio::pin!(shutdown);
    let mut backoff = Duration::from_secs(1);
    loop {
        let attempt = async {
            let url = slack.api.open_socket(&app_token).await?;
            connection(&state, &slack, &url).await
        };
        let outcome = tokio::select! {
            () = &mut shutdown => return Ok(()),
            outcome = attempt => outcome,
        };
        match outcome {
            Ok(Ended::Reconnect(reason)) => {
                tracing::info!(reason, "Socket Mode connection ended; reconnecting");
                backoff = Duration::from_secs(1);
                continue;
            }
            Err(ConnError::Api(e))
                if matches!(
                    e.code(),
                    Some(
                        "invalid_auth" | "not_authed" | "not_allowed_token_type" | "missing_scope"
                    )
                ) =>
            {
                return Err(SocketError::Auth(e.code().unwrap_or_default().to_string()));
            }
            Err(e) => {
                tracing::warn!(error = %e, retry_in = ?backoff, "Socket Mode connection failed");
            }
        }
        tokio::select! {
            () = &mut shutdown => return Ok(()),
            () = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(Duration::from_secs(30));
    }
}

#[derive(Debug, thiserror::Error)]
enum ConnError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("WebSocket: {0}")]
    Ws(#[from] tokio_tungstenite::tungstenite::Error),
}

/// One connection: reads envelopes, acks each, hands it to the handlers.
async fn connection(
    state: &Arc<BotState>,
    slack: &SlackSettings,
    url: &str,
) -> Result<Ended, ConnError> {
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await?;
    tracing::info!("Socket Mode connected");
    while let Some(msg) = ws.next().await {
        let text = match msg? {
            Message::Text(t) => t,
            Message::Ping(p) => {
                ws.send(Message::Pong(p)).await?;
                continue;
            }
            Message::Close(frame) => {
                return Ok(Ended::Reconnect(
                    frame.map_or_else(|| "closed".into(), |f| f.reason.to_string()),
                ));
            }
            _ => continue,
        };
        let Ok(v) = serde_json::from_str::<Value>(&text) else {
            tracing::warn!("Socket Mode message is not JSON; ignored");
            continue;
        };
        match v["type"].as_str() {
            Some("hello") => {
                tracing::debug!(connections = %v["num_connections"], "Socket Mode hello");
            }
            Some("disconnect") => {
                return Ok(Ended::Reconnect(
                    v["reason"].as_str().unwrap_or("disconnect").to_string(),
                ));
            }
            _ => {
                let Some(id) = v["envelope_id"].as_str() else {
                    continue;
                };
                let reply = envelope(state, slack, &v).await;
                let mut ack = json!({ "envelope_id": id });
                if let Some(p) = reply {
                    ack["payload"] = p;
                }
                ws.send(Message::Text(ack.to_string().into())).await?;
            }
        }
    }
    Ok(Ended::Reconnect("the connection closed".into()))
}

/// Handles one envelope; returns the payload for the ack, if any.
async fn envelope(state: &Arc<BotState>, slack: &SlackSettings, v: &Value) -> Option<Value> {
    let payload = &v["payload"];
    match v["type"].as_str()? {
        "events_api" if payload["type"] == "event_callback" => {
            on_event(state, payload).await;
            None
        }
        "slash_commands" => {
            let fields = payload
                .as_object()?
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())));
            let cmd = commands::Command::from_fields(fields);
            Some(commands::run(state, slack, cmd).await)
        }
        "interactive" => {
            if let Err(e) = interactions::on_interaction(state, payload).await {
                tracing::warn!(error = e, "Socket Mode interaction ignored");
            }
            None
        }
        other => {
            tracing::debug!(kind = other, "Socket Mode envelope ignored");
            None
        }
    }
}
