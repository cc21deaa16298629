//! Slack: the Events API endpoint (mentions, thread follow-ups, DMs), the
//! Web API client and the renderer. Thread answers that are time series or
//! grouped counts also get a chart ([`crate::chart`]) uploaded after the table.
//!
//! Every request is verified first ([`crate::auth::SlackVerifier`]); the
//! handler acks at once and the work runs on the [`crate::dispatch::Dispatcher`].
//! Retries are recognised by `event_id` and never answered twice; the bot
//! ignores its own and other bots' messages.

pub(crate) mod commands;
pub(crate) mod interactions;
pub use crate::jobs::Click;
pub mod render;
pub mod socket;

pub(crate) use commands::commands;
pub(crate) use interactions::interactions;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tracing::Instrument;

use crate::BotState;
use crate::auth::SlackVerifier;
use crate::backend::{Answer, Ask, Reply};
use crate::chart;
pub use crate::jobs::Conversation;
use crate::jobs::{Job, Task};
use mantissa_core::chat::slack::SlackClient;

/// Slack settings of a running bot.
#[derive(Debug, Clone)]
pub struct SlackSettings {
    /// Verifies request signatures; `None` in Socket Mode without a signing
    /// secret, where the HTTP endpoints refuse every request.
    pub verifier: Option<SlackVerifier>,
    /// Posts answers.
    pub api: SlackClient,
}

/// The help text for an empty mention.
pub const HELP: &str = "Ask me about your AWS logs, for example:\n• `@mantissa show me failed console logins by source IP in the last 24 hours`\n• `@mantissa top 10 API errors today`\nThen refine in the thread: \"only errors\", \"group by user\", \"same for yesterday\".";

/// `POST /slack/events`.
pub(crate) async fn events(
    State(state): State<Arc<BotState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(slack) = state.slack.clone() else {
        return not_configured();
    };
    if let Some(r) = refuse(&slack, &headers, &body, "event") {
        return r;
    }
    let Ok(envelope) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "body is not JSON").into_response();
    };
    match envelope["type"].as_str() {
        Some("url_verification") => {
            axum::Json(json!({ "challenge": envelope["challenge"] })).into_response()
        }
        Some("event_callback") => {
            on_event(&state, &envelope).await;
            StatusCode::OK.into_response()
        }
        _ => StatusCode::OK.into_response(),
    }
}

/// Checks a Slack HTTP request's signature; `Some` is the refusal to send.
pub(crate) fn refuse(
    slack: &SlackSettings,
    headers: &HeaderMap,
    body: &[u8],
    what: &str,
) -> Option<Response> {
    let Some(verifier) = &slack.verifier else {
        return Some((
            StatusCode::NOT_FOUND,
            "Slack HTTP endpoints are off: this server receives Slack through Socket Mode (set MANTISSA_SLACK_SIGNING_SECRET to accept signed HTTP requests too)",
        )
            .into_response());
    };
    let e = verifier.verify(headers, body).err()?;
    tracing::warn!(reason = %e, "refused a Slack {what}: bad signature");
    Some((StatusCode::UNAUTHORIZED, "invalid request signature").into_response())
}

pub(crate) fn not_configured() -> Response {
    (
        StatusCode::NOT_FOUND,
        "Slack is not configured: set MANTISSA_SLACK_SIGNING_SECRET and MANTISSA_SLACK_BOT_TOKEN",
    )
        .into_response()
}

pub(crate) async fn on_event(state: &Arc<BotState>, envelope: &Value) {
    let event_id = envelope["event_id"].as_str().unwrap_or_default();
    if !event_id.is_empty() && !state.first_time(event_id).await {
        tracing::info!(event_id, "Slack retry of an event already handled; ignored");
        return;
    }
    let bot_user = envelope["authorizations"][0]["user_id"].as_str();
    let ev = &envelope["event"];
    let Some(job) = job_for(ev, bot_user) else {
        return;
    };
    if job.continues && !state.backend.has_session(&job.session).await {
        return;
    }
    let ts = ev["ts"].as_str().unwrap_or_default();
    let id = if event_id.is_empty() {
        format!("slack:{}:{ts}", job.channel)
    } else {
        format!("slack:{event_id}")
    };
    state.hand_off(Job {
        id,
        task: Task::SlackConversation(job),
    });
}

/// Which events start or continue a conversation.
fn job_for(ev: &Value, bot_user: Option<&str>) -> Option<Conversation> {
    if ev.get("bot_id").is_some_and(|b| !b.is_null()) || ev["subtype"].is_string() {
        return None; // bots (ourselves included), edits, joins, …
    }
    if bot_user.is_some_and(|b| ev["user"].as_str() == Some(b)) {
        return None;
    }
    let channel = ev["channel"].as_str()?.to_string();
    let user = ev["user"].as_str().unwrap_or_default().to_string();
    let ts = ev["ts"].as_str()?.to_string();
    let thread = ev["thread_ts"].as_str().map(str::to_string);
    let text = ev["text"].as_str().unwrap_or_default();
    match ev["type"].as_str()? {
        "app_mention" => {
            let thread = thread.unwrap_or(ts);
            Some(Conversation {
                session: format!("slack:{channel}:{thread}"),
                channel,
                user,
                thread_ts: Some(thread),
                question: strip_mentions(text),
                continues: false,
            })
        }
        "message" if ev["channel_type"] == "im" => {
            // A DM is one conversation; threads inside it are their own.
            let session = match &thread {
                Some(t) => format!("slack:{channel}:{t}"),
                None => format!("slack:{channel}"),
            };
            Some(Conversation {
                channel,
                user,
                thread_ts: thread,
                session,
                question: strip_mentions(text),
                continues: false,
            })
        }
        "message" => {
            // A reply in a thread: only when it does not mention the bot
            // (app_mention covers that) and the bot is in the conversation.
            let thread = thread?;
            if let Some(b) = bot_user
                && text.contains(&format!("<@{b}>"))
            {
                return None;
            }
            if bot_user.is_none() && text.contains("<@") {
                return None;
            }
            Some(Conversation {
                session: format!("slack:{channel}:{thread}"),
                channel,
                user,
                thread_ts: Some(thread),
                question: text.trim().to_string(),
                continues: true,
            })
        }
        _ => None,
    }
}

pub use crate::chat::strip_mentions;

pub(crate) async fn answer(state: &BotState, api: &SlackClient, job: Conversation) {
    let thread = job.thread_ts.as_deref();
    if job.question.is_empty() {
        let blocks = json!([{ "type": "section", "text": { "type": "mrkdwn", "text": HELP } }]);
        if let Err(e) = api.post_message(&job.channel, thread, HELP, &blocks).await {
            tracing::warn!(error = %e, "cannot post the help message");
        }
        return;
    }
    let tables = state.permissions.tables_for(&job.channel);
    let reply = state
        .backend
        .ask(Ask {
            session: Some(&job.session),
            tables,
            ..Ask::new(&job.question)
        })
        .instrument(tracing::info_span!("ask", user = %job.user, channel = %job.channel))
        .await;
    let msg = render::reply_message(&reply);
    if let Err(e) = mantissa_core::chat::slack::validate_blocks(&msg.blocks) {
        tracing::error!(error = %e.join("; "), "an answer broke Block Kit limits; this is a bug in Mantissa Log");
    }
    match api
        .post_message(&job.channel, thread, &msg.text, &msg.blocks)
        .await
    {
        Ok(ts) => {
            let in_thread = thread.unwrap_or(&ts);
            if let Reply::Answer(a) = &reply {
                upload_chart(api, &job.channel, in_thread, a).await;
            }
            if let Some((name, bytes)) = msg.csv
                && let Err(e) = api
                    .upload_file(
                        &job.channel,
                        Some(in_thread),
                        &name,
                        "Full result",
                        None,
                        bytes,
                    )
                    .await
            {
                tracing::warn!(error = %e, "cannot upload the CSV");
            }
        }
        Err(e) => tracing::warn!(error = %e, channel = %job.channel, "cannot post the answer"),
    }
}

/// Uploads `chart.png` into the thread when the answer is a time series or
/// a grouped count ([`chart::render_for`]); a failure is logged and the
/// text answer, already posted, stands alone.
async fn upload_chart(api: &SlackClient, channel: &str, thread: &str, answer: &Answer) {
    let Some(chart) = chart::render_for(answer).await else {
        return;
    };
    let title = format!("Chart: {}", render::clip(&chart.title, 200));
    if let Err(e) = api
        .upload_file(
            channel,
            Some(thread),
            "chart.png",
            &title,
            Some(&chart.alt),
            chart.png,
        )
        .await
    {
        tracing::warn!(message = "Cannot upload the chart.", error = %e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_start_threads_replies_continue_them_and_bots_are_ignored() {
        let mention = json!({"type":"app_mention","user":"U1","text":"<@UBOT> show root activity this week","ts":"1.1","channel":"C1"});
        let j = job_for(&mention, Some("UBOT")).unwrap();
        assert_eq!(j.session, "slack:C1:1.1");
        assert_eq!(j.thread_ts.as_deref(), Some("1.1"));
        assert_eq!(j.question, "show root activity this week");
        assert!(!j.continues);

        let reply = json!({"type":"message","user":"U1","text":"only errors","ts":"1.2","thread_ts":"1.1","channel":"C1","channel_type":"channel"});
        let j = job_for(&reply, Some("UBOT")).unwrap();
        assert!(j.continues);
        assert_eq!(j.question, "only errors");
        assert_eq!(j.session, "slack:C1:1.1");

        // A reply that mentions the bot comes again as app_mention: skip here.
        let both = json!({"type":"message","user":"U1","text":"<@UBOT> only errors","ts":"1.3","thread_ts":"1.1","channel":"C1"});
        assert!(job_for(&both, Some("UBOT")).is_none());
        // Top-level channel chatter is not for us.
        let chatter =
            json!({"type":"message","user":"U1","text":"lunch?","ts":"1.4","channel":"C1"});
        assert!(job_for(&chatter, Some("UBOT")).is_none());
        // Bots and our own messages.
        let bot = json!({"type":"message","bot_id":"B1","text":"hi","ts":"1.5","thread_ts":"1.1","channel":"C1"});
        assert!(job_for(&bot, Some("UBOT")).is_none());
        let own = json!({"type":"message","user":"UBOT","text":"hi","ts":"1.6","thread_ts":"1.1","channel":"C1"});
        assert!(job_for(&own, Some("UBOT")).is_none());
        let edit = json!({"type":"message","subtype":"message_changed","ts":"1.7","channel":"C1"});
        assert!(job_for(&edit, Some("UBOT")).is_none());
        // DMs.
        let dm = json!({"type":"message","user":"U1","text":"failed logins","ts":"2.1","channel":"D1","channel_type":"im"});
        let j = job_for(&dm, Some("UBOT")).unwrap();
        assert_eq!(j.session, "slack:D1");
        assert_eq!(j.thread_ts, None);
    }

    #[test]
    fn mentions_are_stripped() {
        assert_eq!(
            strip_mentions("<@U123>   top 10  <@U9> talkers"),
            "top 10 talkers"
        );
        assert_eq!(strip_mentions("<@U123"), "");
    }
}
