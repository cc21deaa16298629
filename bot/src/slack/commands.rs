//! `/mantissa` slash commands: `ask`, `rule list|show|enable|disable|test`,
//! `alerts [open|mine]`, `status`, `help`.
//!
//! The language, permissions and texts are shared with Discord
//! ([`crate::chat`]). Quick answers come back in the HTTP response (well
//! inside Slack's 3 s); long work (a question, a rule's tests) is acked at
//! once and answered through `response_url`. Enabling and disabling rules
//! needs `permissions.rule_admins`; a denied action is explained and logged.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::render::{self, clip, escape};
use crate::BotState;
use crate::backend::Ask;
use crate::chat::{self, Caller, Flavor, Outcome, SlashCommand, Visibility, Work};

/// The fields of a slash command we use.
#[derive(Debug, Clone, Default)]
struct Command {
    text: String,
    user: String,
    response_url: String,
}

fn ephemeral(text: &str) -> Response {
    Json(json!({
        "response_type": "ephemeral",
        "text": clip(text, 3000),
        "blocks": sections(text),
    }))
    .into_response()
}

fn in_channel(text: &str) -> Response {
    Json(json!({ "response_type": "in_channel", "text": clip(text, 3000), "blocks": sections(text) }))
        .into_response()
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
    out.truncate(render::MAX_BLOCKS);
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
    if let Err(e) = slack.verifier.verify(&headers, &body) {
        tracing::warn!(reason = %e, "refused a Slack command: bad signature");
        return (StatusCode::UNAUTHORIZED, "invalid request signature").into_response();
    }
    let Ok(fields) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) else {
        return (StatusCode::BAD_REQUEST, "expected a form body").into_response();
    };
    let mut cmd = Command::default();
    for (k, v) in fields {
        match k.as_str() {
            "text" => cmd.text = v,
            "user_id" => cmd.user = v,
            "response_url" => cmd.response_url = v,
            _ => {}
        }
    }
    let caller = Caller {
        flavor: Flavor::Slack,
        user: &cmd.user,
        roles: &[],
    };
    match chat::execute(&state, caller, SlashCommand::parse(&cmd.text)).await {
        Outcome::Reply {
            text,
            visibility: Visibility::Private,
        } => ephemeral(&text),
        Outcome::Reply {
            text,
            visibility: Visibility::Channel,
        } => in_channel(&text),
        Outcome::Later { ack, work } => {
            let state2 = state.clone();
            state.dispatcher.dispatch(Box::pin(async move {
                let body = match work {
                    Work::Ask(question) => {
                        let reply = state2.backend.ask(Ask::new(&question)).await;
                        let msg = render::reply_message(&reply);
                        let mut blocks = vec![json!({"type": "context", "elements": [
                            {"type": "mrkdwn", "text": format!("<@{}> asked: {}", cmd.user, clip(&escape(&question), 2000))}
                        ]})];
                        blocks.extend(msg.blocks.as_array().cloned().unwrap_or_default());
                        blocks.truncate(render::MAX_BLOCKS);
                        json!({"response_type": "in_channel", "text": msg.text, "blocks": blocks})
                    }
                    Work::RuleTest(id) => {
                        let text = chat::rule_test_text(&state2, Flavor::Slack, &id).await;
                        json!({"response_type": "ephemeral", "text": clip(&text, 3000), "blocks": sections(&text)})
                    }
                };
                if let Err(e) = slack.api.respond(&cmd.response_url, &body).await {
                    tracing::warn!(error = %e, "cannot answer a slash command");
                }
            }));
            ephemeral(&ack)
        }
    }
}
