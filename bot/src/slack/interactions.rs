//! Slack interactivity (`block_actions`): the alert buttons and the
//! "Did you mean" suggestions.
//!
//! A click is verified like any Slack request, acked at once, then handled
//! in the background: Acknowledge / Resolve change the alert conditionally
//! through the [`Backend`](crate::backend::Backend) (which queues the edit
//! of the original message and the PagerDuty sync with the router); a
//! double click or a stale button gets a polite ephemeral note; "Show SQL"
//! answers ephemerally; a suggestion is asked in the thread.

use crate::jobs::{Click, Job, Task};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use mantissa_core::alert::{AlertStatus, StatusChange, Transition};
use mantissa_core::chat::actions::AlertAction;
use serde_json::{Value, json};

use super::{SlackSettings, answer};
use crate::BotState;
use crate::chat::{self, Caller, Flavor};
use mantissa_core::chat::slack::SlackClient;

/// `POST /slack/interactions`: form body `payload=<JSON>`.
pub(crate) async fn interactions(
    State(state): State<Arc<BotState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(slack) = state.slack.clone() else {
        return super::not_configured();
    };
    if let Some(r) = super::refuse(&slack, &headers, &body, "interaction") {
        return r;
    }
    let Some(payload) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
        .ok()
        .and_then(|f| f.into_iter().find(|(k, _)| k == "payload"))
        .and_then(|(_, v)| serde_json::from_str::<Value>(&v).ok())
    else {
        return (
            StatusCode::BAD_REQUEST,
            "expected a form field `payload` holding JSON",
        )
            .into_response();
    };
    match on_interaction(&state, &payload).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, e).into_response(),
    }
}

/// Handles an interaction payload (verified over HTTP, or from Socket
/// Mode): acks by returning, the work runs on the dispatcher.
pub(crate) async fn on_interaction(
    state: &Arc<BotState>,
    payload: &Value,
) -> Result<(), &'static str> {
    if payload["type"] != "block_actions" {
        return Ok(());
    }
    let Some(click) = Click::from_payload(payload) else {
        return Err("block_actions without an action");
    };
    let dedup = format!("action:{}:{}", click.action_id, click.action_ts);
    if !state.first_time(&dedup).await {
        return Ok(());
    }
    state.hand_off(Job {
        id: format!("slack:{dedup}"),
        task: Task::SlackClick(click),
    });
    Ok(())
}

impl Click {
    fn from_payload(p: &Value) -> Option<Self> {
        let action = p["actions"].get(0)?;
        let channel = p["channel"]["id"]
            .as_str()
            .or_else(|| p["container"]["channel_id"].as_str())?
            .to_string();
        let message_ts = p["container"]["message_ts"]
            .as_str()
            .or_else(|| p["message"]["ts"].as_str())
            .unwrap_or_default()
            .to_string();
        Some(Self {
            action_id: action["action_id"].as_str()?.to_string(),
            action_ts: action["action_ts"].as_str().unwrap_or_default().to_string(),
            value: action["value"].as_str().unwrap_or_default().to_string(),
            user: p["user"]["id"].as_str().unwrap_or("unknown").to_string(),
            thread_ts: p["message"]["thread_ts"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| message_ts.clone()),
            channel,
            message_ts,
        })
    }
}

pub(crate) async fn handle(state: &BotState, slack: &SlackSettings, click: Click) {
    let api = &slack.api;
    let action = AlertAction::from_id(&click.action_id);
    let to = match action {
        Some(AlertAction::Acknowledge) => Some(AlertStatus::Acknowledged),
        Some(AlertAction::Resolve) => Some(AlertStatus::Resolved),
        _ => None,
    };
    if let Some(to) = to {
        let groups = api
            .groups_of(&click.user, &state.permissions.slack_groups())
            .await;
        if !state.permissions.member_may_respond(&click.user, &groups) {
            tracing::warn!(platform = "Slack", user = %click.user, alert = %click.value, action = %click.action_id, "Denied: not in permissions.alert_responders.");
            ephemeral(api, &click, &chat::respond_denied(Flavor::Slack)).await;
            return;
        }
        let change = StatusChange {
            to,
            actor: Flavor::Slack.actor(&click.user),
            note: None,
            at: state.clock.now(),
        };
        let note = match state.backend.change_alert(&click.value, &change).await {
            // The router edits the message and posts in its thread.
            Ok(Transition::Changed { .. }) => None,
            Ok(Transition::Unchanged { alert }) => Some(chat::already_note(Flavor::Slack, &alert)),
            Err(e) => Some(format!("Nothing changed: {e}.")),
        };
        if let Some(note) = note {
            ephemeral(api, &click, &note).await;
        }
        return;
    }
    match action {
        Some(AlertAction::ShowSql) => {
            let text = match state.backend.alert(&click.value).await {
                Ok(Some(a)) => format!(
                    "SQL of `{}`:\n```{}```",
                    a.rule_id,
                    super::render::clip(&a.sql, 2900)
                ),
                Ok(None) => "That alert no longer exists.".into(),
                Err(e) => format!("Cannot read the alert: {e}."),
            };
            ephemeral(api, &click, &text).await;
        }
        Some(AlertAction::MuteRule) => {
            let groups = api
                .groups_of(&click.user, &state.permissions.slack_groups())
                .await;
            let caller = Caller {
                flavor: Flavor::Slack,
                user: &click.user,
                roles: &groups,
            };
            match chat::mute_alert_rule(state, caller, &click.value).await {
                Ok(text) => {
                    let blocks =
                        json!([{ "type": "section", "text": { "type": "mrkdwn", "text": text } }]);
                    if let Err(e) = api
                        .post_message(&click.channel, Some(&click.thread_ts), &text, &blocks)
                        .await
                    {
                        tracing::warn!(error = %e, "cannot post the mute note");
                    }
                }
                Err(note) => ephemeral(api, &click, &note).await,
            }
        }
        _ if click.action_id.starts_with("ask_suggestion_") => {
            let job = super::Conversation {
                session: format!("slack:{}:{}", click.channel, click.thread_ts),
                channel: click.channel.clone(),
                user: click.user.clone(),
                thread_ts: Some(click.thread_ts.clone()),
                question: click.value.clone(),
                continues: false,
            };
            answer(state, api, job).await;
        }
        _ => {
            let other = &click.action_id;
            ephemeral(
                api,
                &click,
                &format!(
                    "`{other}` is not available from Slack yet; use the `mantissa` CLI (for a noisy rule: `mantissa rules disable <id>`)."
                ),
            )
            .await;
        }
    }
}

async fn ephemeral(api: &SlackClient, click: &Click, text: &str) {
    if let Err(e) = api
        .post_ephemeral(&click.channel, &click.user, Some(&click.thread_ts), text)
        .await
    {
        tracing::warn!(error = %e, "cannot post an ephemeral note");
    }
}
