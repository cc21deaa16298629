//! `/mantissa` slash commands: `ask`, `rule list|show|enable|disable|test`,
//! `rule mute|unmute`, `alerts [open|mine]`, `status`, `help`.
//!
//! The language, permissions and texts are shared with Discord
//! ([`crate::chat`]). Quick answers come back in the HTTP response (well
//! inside Slack's 3 s); long work (a question, a rule's tests) is acked at
//! once and answered through `response_url`. Enabling and disabling rules
//! needs `permissions.rule_admins`, muting them `permissions.alert_responders`;
//! a denied action is explained and logged. A question may only query the
//! tables `[permissions.channel_tables]` grants the channel.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::render::{self, clip, escape};
use crate::BotState;
use crate::chat::{self, Caller, Flavor, Outcome, SlashCommand, Visibility, Work};
use crate::jobs::{Job, Task};

/// The fields of a slash command we use.
#[derive(Debug, Clone, Default)]
pub(crate) struct Command {
    text: String,
    user: String,
    channel: String,
    response_url: String,
    /// Unique per invocation: the job id.
    trigger_id: String,
}

fn ephemeral(text: &str) -> Value {
    json!({
        "response_type": "ephemeral",
        "text": clip(text, 3000),
        "blocks": sections(text),
    })
}

fn in_channel(text: &str) -> Value {
    json!({ "response_type": "in_channel", "text": clip(text, 3000), "blocks": sections(text) })
}

/// Long text as several sections (each ≤ 3000 characters, split at lines).
fn sections(text: &str) -> Value {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in text.lines() {
        if cur.len() + line.len() + 1 > 2900 && !cur.is_empty() {
            out.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": cur}}));
            cur = String::new();
        }
        cur.push_str(&clip(line, 2900));
        cur.push('\n');
    }
    if !cur.is_empty() {
        out.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": cur}}));
    }
    out.truncate(mantissa_core::chat::slack::blocks::MAX_BLOCKS);
    Value::Array(out)
}

/// `POST /slack/commands`.
pub(crate) async fn commands(
    State(state): State<Arc<BotState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(slack) = state.slack.clone() else {
        return super::not_configured();
    };
    if let Some(r) = super::refuse(&slack, &headers, &body, "command") {
        return r;
    }
    let Ok(fields) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) else {
        return (StatusCode::BAD_REQUEST, "expected a form body").into_response();
    };
    Json(run(&state, &slack, Command::from_fields(fields)).await).into_response()
}

impl Command {
    /// From the fields Slack sends (a form over HTTP, an object in Socket Mode).
    pub(crate) fn from_fields(fields: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut cmd = Command::default();
        for (k, v) in fields {
            match k.as_str() {
                "text" => cmd.text = v,
                "user_id" => cmd.user = v,
                "channel_id" => cmd.channel = v,
                "response_url" => cmd.response_url = v,
                "trigger_id" => cmd.trigger_id = v,
                _ => {}
            }
        }
        cmd
    }
}

/// Runs a slash command; returns the immediate response body (long work
/// answers later through `response_url`).
pub(crate) async fn run(
    state: &Arc<BotState>,
    slack: &super::SlackSettings,
    cmd: Command,
) -> Value {
    let groups = slack
        .api
        .groups_of(&cmd.user, &state.permissions.slack_groups())
        .await;
    let caller = Caller {
        flavor: Flavor::Slack,
        user: &cmd.user,
        roles: &groups,
    };
    match chat::execute(state, caller, SlashCommand::parse(&cmd.text)).await {
        Outcome::Reply {
            text,
            visibility: Visibility::Private,
        } => ephemeral(&text),
        Outcome::Reply {
            text,
            visibility: Visibility::Channel,
        } => in_channel(&text),
        Outcome::Later { ack, work } => {
            // Unique per invocation: the trigger id, else the response
            // URL (Slack makes one per invocation too).
            let id = if cmd.trigger_id.is_empty() {
                format!("slack:command:{}", cmd.response_url)
            } else {
                format!("slack:command:{}", cmd.trigger_id)
            };
            state.hand_off(Job {
                id,
                task: Task::SlackCommand {
                    channel: cmd.channel,
                    user: cmd.user,
                    response_url: cmd.response_url,
                    work,
                },
            });
            ephemeral(&ack)
        }
    }
}

/// Finishes a slash command's slow work (a [`Task::SlackCommand`] job):
/// the answer or the rule test result, posted to its `response_url`.
pub(crate) async fn finish(
    state: &BotState,
    slack: &super::SlackSettings,
    channel: &str,
    user: &str,
    response_url: &str,
    work: Work,
) {
    let body = match work {
        Work::Ask(question) => {
            let reply = chat::ask_in_channel(state, channel, user, &question).await;
            let msg = render::reply_message(&reply);
            let mut blocks = vec![json!({"type": "context", "elements": [
                {"type": "mrkdwn", "text": format!("<@{user}> asked: {}", clip(&escape(&question), 2000))}
            ]})];
            blocks.extend(msg.blocks.as_array().cloned().unwrap_or_default());
            blocks.truncate(mantissa_core::chat::slack::blocks::MAX_BLOCKS);
            // No chart or CSV here: `response_url` takes a message, not
            // files, and does not return the message's `ts` to thread on.
            json!({"response_type": "in_channel", "text": msg.text, "blocks": blocks})
        }
        Work::RuleTest(id) => {
            let text = chat::rule_test_text(state, Flavor::Slack, &id).await;
            json!({"response_type": "ephemeral", "text": clip(&text, 3000), "blocks": sections(&text)})
        }
    };
    if let Err(e) = slack.api.respond(response_url, &body).await {
        tracing::warn!(error = %e, "cannot answer a slash command");
    }
}
