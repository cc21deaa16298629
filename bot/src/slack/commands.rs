//! `/mantissa` slash commands: `ask`, `rule list|show|enable|disable|test`,
//! `alerts [open|mine]`, `status`, `help`.
//!
//! Quick answers come back in the HTTP response (well inside Slack's 3 s);
//! long work (a question, a rule's tests) is acked at once and answered
//! through `response_url`. Enabling and disabling rules needs
//! `permissions.rule_admins`; a denied action is explained and logged.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use mantissa_core::alert::{AlertFilter, AlertStatus};
use mantissa_core::clock::format_instant;
use serde_json::{Value, json};
use tracing::Instrument;

use super::render::{self, clip, escape};
use crate::BotState;
use crate::backend::{Ask, RuleInfo};

/// Help text.
pub(crate) const HELP: &str = "*Mantissa* commands:\n\
• `/mantissa ask <question>`: ask about your logs (\"failed console logins by source IP today\")\n\
• `/mantissa rule list` · `rule show <id>` · `rule test <id>`\n\
• `/mantissa rule enable <id>` · `rule disable <id>` (rule admins)\n\
• `/mantissa rule mute <id> [hours]` · `rule unmute <id>`: silence a noisy rule's notifications (alert responders)\n\
• `/mantissa alerts [open|mine]`: open alerts, or the ones you acknowledged\n\
• `/mantissa status`: engine, last detection cycle, failing rules\n\
In a channel, `@mantissa <question>` starts a conversation you can refine in the thread.";

/// The fields of a slash command we use.
#[derive(Debug, Clone, Default)]
pub(crate) struct Command {
    text: String,
    user: String,
    channel: String,
    response_url: String,
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
    let text = cmd.text.trim().to_string();
    let (verb, rest) = split(&text);
    match verb.to_ascii_lowercase().as_str() {
        "" | "help" => ephemeral(HELP),
        "ask" if rest.is_empty() => ephemeral("Usage: `/mantissa ask <question>`"),
        "ask" => {
            let question = rest.to_string();
            let state2 = state.clone();
            let slack = slack.clone();
            state.dispatcher.dispatch(Box::pin(async move {
                let reply = state2
                    .backend
                    .ask(Ask {
                        tables: state2.permissions.tables_for(&cmd.channel),
                        ..Ask::new(&question)
                    })
                    .instrument(tracing::info_span!("ask", user = %cmd.user, channel = %cmd.channel))
                    .await;
                let msg = render::reply_message(&reply);
                let mut blocks = vec![json!({"type": "context", "elements": [
                    {"type": "mrkdwn", "text": format!("<@{}> asked: {}", cmd.user, clip(&escape(&question), 2000))}
                ]})];
                blocks.extend(msg.blocks.as_array().cloned().unwrap_or_default());
                blocks.truncate(render::MAX_BLOCKS);
                // No chart or CSV here: `response_url` takes a message, not
                // files, and does not return the message's `ts` to thread on.
                let body = json!({"response_type": "in_channel", "text": msg.text, "blocks": blocks});
                if let Err(e) = slack.api.respond(&cmd.response_url, &body).await {
                    tracing::warn!(error = %e, "cannot answer a slash command");
                }
            }));
            ephemeral(&format!(
                ":hourglass_flowing_sand: Looking into \"{}\"…",
                escape(rest)
            ))
        }
        "rule" | "rules" => rule(state, slack, &cmd, rest).await,
        "alerts" => alerts(state, &cmd, rest).await,
        "status" => match state.backend.status().await {
            Ok(s) => ephemeral(&format!(
                "*Engine:* {}\n*Rules:* {} loaded, {} enabled{}\n*Last detection:* {}\n*Open alerts:* {}\n*Pending deliveries:* {}{}",
                s.engine,
                s.rules,
                s.enabled,
                if s.load_errors.is_empty() {
                    String::new()
                } else {
                    format!(", {} failed to load", s.load_errors.len())
                },
                s.last_cycle
                    .map(format_instant)
                    .unwrap_or_else(|| "never".into()),
                s.open_alerts,
                s.pending_deliveries,
                if s.failing.is_empty() {
                    String::new()
                } else {
                    format!(
                        "\n*Failing rules:*\n{}",
                        s.failing
                            .iter()
                            .map(|(id, e)| format!("• `{id}`: {}", clip(e, 200)))
                            .collect::<Vec<_>>()
                            .join("\n")
                    )
                }
            )),
            Err(e) => ephemeral(&format!("Cannot read the status: {e}")),
        },
        other => ephemeral(&format!("Unknown command `{}`.\n{HELP}", escape(other))),
    }
}

fn split(text: &str) -> (&str, &str) {
    match text.split_once(char::is_whitespace) {
        Some((a, b)) => (a, b.trim()),
        None => (text, ""),
    }
}

fn rule_line(r: &RuleInfo) -> String {
    format!(
        "{} `{}` {} · {}{}{}",
        if r.enabled {
            ":large_green_circle:"
        } else {
            ":white_circle:"
        },
        r.id,
        r.severity,
        r.schedule,
        if r.failures > 0 {
            format!(" · :warning: failing ({})", r.failures)
        } else {
            String::new()
        },
        r.muted_until
            .map(|t| format!(" · :mute: muted until {}", format_instant(t)))
            .unwrap_or_default()
    )
}

async fn rule(
    state: &Arc<BotState>,
    slack: &super::SlackSettings,
    cmd: &Command,
    rest: &str,
) -> Value {
    let (verb, id) = split(rest);
    // Enabling and disabling look the rule up themselves; the rest need the list.
    let rules = if matches!(verb, "enable" | "disable" | "mute" | "unmute") {
        Vec::new()
    } else {
        match state.backend.rules().await {
            Ok(r) => r,
            Err(e) => return ephemeral(&format!("Cannot load the rules: {e}")),
        }
    };
    let find = |id: &str| rules.iter().find(|r| r.id == id).cloned();
    let unknown = |id: &str| {
        ephemeral(&format!(
            "No rule `{}`; `/mantissa rule list` shows the ids.",
            escape(id)
        ))
    };
    match verb {
        "" | "list" => {
            let enabled = rules.iter().filter(|r| r.enabled).count();
            let mut text = format!("*{} rules, {enabled} enabled*\n", rules.len());
            for r in &rules {
                text.push_str(&rule_line(r));
                text.push('\n');
            }
            ephemeral(&text)
        }
        "show" => match find(id) {
            Some(r) => ephemeral(&format!(
                "{}\n*{}*: {}\nCategory: {} · MITRE: {}{}\n```{}```",
                rule_line(&r),
                escape(&r.name),
                escape(&r.description),
                r.category,
                if r.mitre_attack.is_empty() {
                    "-".into()
                } else {
                    r.mitre_attack.join(", ")
                },
                r.last_error
                    .as_deref()
                    .map(|e| format!("\nLast error: {}", escape(e)))
                    .unwrap_or_default(),
                clip(&r.query, 2500)
            )),
            None => unknown(id),
        },
        "enable" | "disable" => {
            if !state.permissions.may_manage_rules(&cmd.user) {
                tracing::warn!(user = %cmd.user, rule = %id, action = verb, "denied: not in permissions.rule_admins");
                return ephemeral(
                    "You are not allowed to enable or disable rules from Slack; ask an admin to add your user id to `permissions.rule_admins`.",
                );
            }
            match state.backend.set_rule_enabled(id, verb == "enable").await {
                Ok(r) => {
                    tracing::info!(user = %cmd.user, rule = %id, action = verb, "rule changed from Slack");
                    in_channel(&format!(
                        "<@{}> {}d rule `{}`.\n{}",
                        cmd.user,
                        verb,
                        r.id,
                        rule_line(&r)
                    ))
                }
                Err(e) if e.0.starts_with("no rule") => unknown(id),
                Err(e) => ephemeral(&format!("Nothing changed: {e}")),
            }
        }
        "mute" | "unmute" => {
            let (id, hours) = split(id);
            let hours: i64 = match hours {
                "" => 24,
                h => match h.trim_end_matches('h').parse() {
                    Ok(n) if (1..=24 * 30).contains(&n) => n,
                    _ => {
                        return ephemeral(&format!(
                            "`{}` is not a number of hours between 1 and 720; e.g. `/mantissa rule mute {} 8`.",
                            escape(h),
                            escape(id)
                        ));
                    }
                },
            };
            if !state.permissions.may_respond(&cmd.user) {
                tracing::warn!(user = %cmd.user, rule = %id, action = verb, "denied: not in permissions.alert_responders");
                return ephemeral(
                    "You are not allowed to mute rules from Slack; ask an admin to add you to `permissions.alert_responders`.",
                );
            }
            let until = (verb == "mute").then(|| (state.now)() + chrono::Duration::hours(hours));
            let by = format!("slack:{}", cmd.user);
            match state.backend.mute_rule(id, until, &by).await {
                Ok(r) => {
                    tracing::info!(user = %cmd.user, rule = %id, action = verb, "rule mute changed from Slack");
                    in_channel(&format!(
                        "<@{}> {}d rule `{}`.\n{}",
                        cmd.user,
                        verb,
                        r.id,
                        rule_line(&r)
                    ))
                }
                Err(e) if e.0.starts_with("no rule") => unknown(id),
                Err(e) => ephemeral(&format!("Nothing changed: {e}")),
            }
        }
        "test" => {
            if find(id).is_none() {
                return unknown(id);
            }
            let state2 = state.clone();
            let api = slack.api.clone();
            let url = cmd.response_url.clone();
            let shown = escape(id);
            let id = id.to_string();
            state.dispatcher.dispatch(Box::pin(async move {
                let text = match state2.backend.test_rule(&id).await {
                    Ok(results) => {
                        let failed = results.iter().filter(|t| t.failure.is_some()).count();
                        let mut t = format!(
                            "Rule `{id}`: {} of {} tests passed\n",
                            results.len() - failed,
                            results.len()
                        );
                        for r in &results {
                            match &r.failure {
                                None => t.push_str(&format!(":white_check_mark: {}\n", escape(&r.name))),
                                Some(f) => t.push_str(&format!(":x: {}: {}\n", escape(&r.name), clip(&escape(f), 300))),
                            }
                        }
                        t
                    }
                    Err(e) => format!("Cannot test `{id}`: {e}"),
                };
                let body = json!({"response_type": "ephemeral", "text": clip(&text, 3000), "blocks": sections(&text)});
                if let Err(e) = api.respond(&url, &body).await {
                    tracing::warn!(error = %e, "cannot answer a slash command");
                }
            }));
            ephemeral(&format!(
                ":hourglass_flowing_sand: Running the tests of `{shown}`…"
            ))
        }
        other => ephemeral(&format!(
            "Unknown rule command `{}`; use list, show, enable, disable or test.",
            escape(other)
        )),
    }
}

async fn alerts(state: &BotState, cmd: &Command, rest: &str) -> Value {
    let mine = rest.eq_ignore_ascii_case("mine");
    let filter = AlertFilter {
        status: if mine {
            Some(AlertStatus::Acknowledged)
        } else {
            Some(AlertStatus::Open)
        },
        limit: if mine { 500 } else { 20 },
        ..Default::default()
    };
    let list = match state.backend.alerts(&filter).await {
        Ok(l) => l,
        Err(e) => return ephemeral(&format!("Cannot read the alerts: {e}")),
    };
    let me = format!("slack:{}", cmd.user);
    let list: Vec<_> = list
        .into_iter()
        .filter(|a| !mine || a.status_by.as_deref() == Some(me.as_str()))
        .take(20)
        .collect();
    if list.is_empty() {
        return ephemeral(if mine {
            "You have no acknowledged alerts."
        } else {
            "No open alerts. :tada:"
        });
    }
    let mut text = format!(
        "*{} {} alert{}*\n",
        list.len(),
        if mine { "of your" } else { "open" },
        if list.len() == 1 { "" } else { "s" }
    );
    for a in &list {
        text.push_str(&format!(
            "• `{}` *{}* {} · last seen {}\n",
            a.id,
            a.severity.as_str().to_uppercase(),
            clip(&escape(&a.title), 200),
            format_instant(a.last_seen)
        ));
    }
    ephemeral(&text)
}
