//! The `/mantissa` application command (APPLICATION_COMMAND, type 2).
//!
//! Discord sends subcommands as nested options; they become the shared
//! [`SlashCommand`] and run through [`chat::execute`] with the same
//! permissions and texts as Slack. Quick answers are the HTTP response
//! (type 4); `ask` and `rule test` are deferred (type 5) and completed by
//! editing `@original` from the dispatcher, well inside the token's 15 minutes.
//! A question may only query the tables `[permissions.channel_tables]`
//! grants the channel (a thread: its parent channel).

use std::sync::Arc;

use serde_json::{Value, json};

use super::{EPHEMERAL, ephemeral, in_channel, member, permission_channel, render};
use crate::BotState;
use crate::chat::{self, Caller, Flavor, Outcome, RuleVerb, SlashCommand, Visibility, Work};
use crate::jobs::{Job, Task};
use mantissa_core::chat::discord::DiscordClient;

/// The shared command for an interaction's `data`.
pub(crate) fn parse(data: &Value) -> SlashCommand {
    let Some(sub) = data["options"].get(0) else {
        return SlashCommand::Help;
    };
    let name = sub["name"].as_str().unwrap_or_default();
    // Strings as sent; integers (`hours`) as their digits.
    let opt = |o: &Value, key: &str| -> String {
        o["options"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["name"] == key))
            .map(|x| match &x["value"] {
                Value::String(s) => s.trim().to_string(),
                Value::Number(n) => n.to_string(),
                _ => String::new(),
            })
            .unwrap_or_default()
    };
    match name {
        "help" => SlashCommand::Help,
        "ask" => SlashCommand::Ask(opt(sub, "question")),
        "status" => SlashCommand::Status,
        "alerts" => SlashCommand::Alerts {
            mine: opt(sub, "which").eq_ignore_ascii_case("mine"),
        },
        "rule" => match sub["options"].get(0) {
            Some(verb) => SlashCommand::Rule(
                match RuleVerb::parse(verb["name"].as_str().unwrap_or_default()) {
                    RuleVerb::Mute { .. } => RuleVerb::Mute {
                        hours: opt(verb, "hours"),
                    },
                    other => other,
                },
                opt(verb, "id"),
            ),
            None => SlashCommand::Rule(RuleVerb::List, String::new()),
        },
        other => SlashCommand::Unknown(other.to_string()),
    }
}

/// Answers one command interaction with the HTTP response body.
pub(crate) async fn command(state: &Arc<BotState>, interaction: &Value) -> Value {
    let data = &interaction["data"];
    if data["name"] != "mantissa" {
        return ephemeral(&format!(
            "Unknown command `/{}`; this app answers `/mantissa`.",
            Flavor::Discord.escape(data["name"].as_str().unwrap_or_default())
        ));
    }
    let (user, roles) = member(interaction);
    let channel = permission_channel(interaction);
    let caller = Caller {
        flavor: Flavor::Discord,
        user: &user,
        roles: &roles,
    };
    match chat::execute(state, caller, parse(data)).await {
        Outcome::Reply {
            text,
            visibility: Visibility::Private,
        } => ephemeral(&text),
        Outcome::Reply {
            text,
            visibility: Visibility::Channel,
        } => in_channel(&text),
        Outcome::Later { ack: _, work } => {
            let Some(token) = interaction["token"].as_str().map(str::to_string) else {
                return ephemeral("This interaction has no token to answer with.");
            };
            // Rule tests answer the caller only, as on Slack.
            let private = matches!(work, Work::RuleTest(_));
            let id = interaction["id"].as_str().unwrap_or(&token);
            state.hand_off(Job {
                id: format!("discord:{id}"),
                task: Task::DiscordCommand {
                    channel,
                    user,
                    interaction_token: token,
                    work,
                },
            });
            if private {
                json!({ "type": 5, "data": { "flags": EPHEMERAL } })
            } else {
                json!({ "type": 5 })
            }
        }
    }
}

/// Finishes an application command's slow work (a [`Task::DiscordCommand`]
/// job) by completing its deferred response.
pub(crate) async fn finish(
    state: &BotState,
    api: &DiscordClient,
    channel: &str,
    user: &str,
    interaction_token: &str,
    work: Work,
) {
    let (body, files) = match work {
        Work::Ask(question) => {
            let reply = chat::ask_in_channel(state, channel, user, &question).await;
            render::reply_message(&reply, Some((user, &question)))
                .with_chart(&reply)
                .await
        }
        Work::RuleTest(id) => {
            let text = chat::rule_test_text(state, Flavor::Discord, &id).await;
            (render::text_message(&text), Vec::new())
        }
    };
    if let Err(e) = mantissa_core::chat::discord::validate_message(&body) {
        tracing::error!(error = %e.join("; "), "A Discord answer broke the message limits; this is a bug in Mantissa Log.");
    }
    if let Err(e) = api.edit_original(interaction_token, &body, files).await {
        tracing::warn!(error = %e, "Cannot complete a deferred Discord response.");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subcommands_and_groups_become_the_shared_commands() {
        let sub = |v: Value| parse(&json!({"name": "mantissa", "options": [v]}));
        assert_eq!(
            sub(
                json!({"name": "ask", "type": 1, "options": [{"name": "question", "type": 3, "value": " failed logins "}]})
            ),
            SlashCommand::Ask("failed logins".into())
        );
        assert_eq!(
            sub(
                json!({"name": "rule", "type": 2, "options": [{"name": "enable", "type": 1, "options": [{"name": "id", "type": 3, "value": "root-login"}]}]})
            ),
            SlashCommand::Rule(RuleVerb::Enable, "root-login".into())
        );
        assert_eq!(
            sub(
                json!({"name": "rule", "type": 2, "options": [{"name": "mute", "type": 1, "options": [{"name": "id", "type": 3, "value": "root-login"}, {"name": "hours", "type": 4, "value": 8}]}]})
            ),
            SlashCommand::Rule(RuleVerb::Mute { hours: "8".into() }, "root-login".into())
        );
        assert_eq!(
            sub(
                json!({"name": "rule", "type": 2, "options": [{"name": "mute", "type": 1, "options": [{"name": "id", "type": 3, "value": "root-login"}]}]})
            ),
            SlashCommand::Rule(
                RuleVerb::Mute {
                    hours: String::new()
                },
                "root-login".into()
            )
        );
        assert_eq!(
            sub(
                json!({"name": "rule", "type": 2, "options": [{"name": "unmute", "type": 1, "options": [{"name": "id", "type": 3, "value": "root-login"}]}]})
            ),
            SlashCommand::Rule(RuleVerb::Unmute, "root-login".into())
        );
        assert_eq!(
            sub(json!({"name": "rule", "type": 2, "options": [{"name": "list", "type": 1}]})),
            SlashCommand::Rule(RuleVerb::List, String::new())
        );
        assert_eq!(
            sub(
                json!({"name": "alerts", "type": 1, "options": [{"name": "which", "type": 3, "value": "mine"}]})
            ),
            SlashCommand::Alerts { mine: true }
        );
        assert_eq!(
            sub(json!({"name": "alerts", "type": 1})),
            SlashCommand::Alerts { mine: false }
        );
        assert_eq!(
            sub(json!({"name": "status", "type": 1})),
            SlashCommand::Status
        );
        assert_eq!(parse(&json!({"name": "mantissa"})), SlashCommand::Help);
    }
}
