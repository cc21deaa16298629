//! Alert buttons (MESSAGE_COMPONENT, type 3): `alert_ack:<id>`,
//! `alert_resolve:<id>` and `alert_mute:<id>` on the messages the router posts.
//!
//! The change is a compare-and-set through the
//! [`Backend`](crate::backend::Backend) (which also queues the router's
//! edit of the embed and the PagerDuty sync), done before answering: a
//! store write takes milliseconds, well inside Discord's 3 seconds. The
//! response updates the message in place (UPDATE_MESSAGE, type 7): a line
//! saying who did what and when, and the buttons disabled as the new state
//! makes them moot. A refusal, a double click or a stale button gets an
//! ephemeral note (flags 64) instead. "Mute rule 24h" mutes the alert's
//! rule (alert responders, as on Slack) and says so in the channel.

use mantissa_core::alert::{AlertStatus, StatusChange, Transition};
use mantissa_core::chat::actions::AlertAction;
use mantissa_core::clock::format_instant;
use serde_json::{Value, json};

use super::{ephemeral, in_channel, member};
use crate::BotState;
use crate::chat::{self, Caller, Flavor, Icon};

/// Answers one button click with the HTTP response body.
pub(crate) async fn click(state: &BotState, interaction: &Value) -> Value {
    let f = Flavor::Discord;
    let custom_id = interaction["data"]["custom_id"]
        .as_str()
        .unwrap_or_default();
    let (action, alert_id) = custom_id.split_once(':').unwrap_or((custom_id, ""));
    let known = AlertAction::from_id(action);
    if known == Some(AlertAction::MuteRule) {
        if alert_id.is_empty() {
            return ephemeral("This button names no alert.");
        }
        let (user, roles) = member(interaction);
        let caller = Caller {
            flavor: f,
            user: &user,
            roles: &roles,
        };
        return match chat::mute_alert_rule(state, caller, alert_id).await {
            Ok(note) => in_channel(&note),
            Err(note) => ephemeral(&note),
        };
    }
    let to = match known {
        Some(AlertAction::Acknowledge) => AlertStatus::Acknowledged,
        Some(AlertAction::Resolve) => AlertStatus::Resolved,
        _ => {
            return ephemeral(&format!(
                "`{}` is not available from Discord yet; use the `mantissa` CLI.",
                f.escape(action)
            ));
        }
    };
    if alert_id.is_empty() {
        return ephemeral("This button names no alert.");
    }
    let (user, roles) = member(interaction);
    if !state.permissions.member_may_respond(&user, &roles) {
        tracing::warn!(
            platform = "Discord",
            user = %user,
            alert = %alert_id,
            action,
            "Denied: not in permissions.alert_responders."
        );
        return ephemeral(&chat::respond_denied(f));
    }
    let change = StatusChange {
        to,
        actor: f.actor(&user),
        note: None,
        at: state.clock.now(),
    };
    match state.backend.change_alert(alert_id, &change).await {
        Ok(Transition::Changed { alert, .. }) => {
            tracing::info!(platform = "Discord", user = %user, alert = %alert.id, status = %alert.status, "Alert changed from chat.");
            let line = format!(
                "{} {} by {} at {}",
                f.icon(if to == AlertStatus::Resolved {
                    Icon::Pass
                } else {
                    Icon::Hourglass
                }),
                if to == AlertStatus::Resolved {
                    "Resolved"
                } else {
                    "Acknowledged"
                },
                f.mention(&user),
                format_instant(change.at)
            );
            let mut data = json!({ "content": line, "allowed_mentions": { "parse": [] } });
            let rows = &interaction["message"]["components"];
            if rows.is_array() {
                data["components"] = updated_buttons(rows, to);
            }
            json!({ "type": 7, "data": data })
        }
        Ok(Transition::Unchanged { alert }) => ephemeral(&chat::already_note(f, &alert)),
        Err(e) => {
            tracing::info!(platform = "Discord", alert = %alert_id, error = %e, "A stale alert button was clicked.");
            ephemeral(&format!(
                "Nothing changed: {e}. The alert may have been removed; `/mantissa alerts` lists the open ones."
            ))
        }
    }
}

/// The message's action rows with the alert buttons disabled as `status`
/// makes them moot (acknowledged: no more Acknowledge; resolved: neither).
fn updated_buttons(rows: &Value, status: AlertStatus) -> Value {
    let mut rows = rows.clone();
    if let Some(rows) = rows.as_array_mut() {
        for row in rows {
            if let Some(buttons) = row["components"].as_array_mut() {
                for b in buttons {
                    let id = b["custom_id"].as_str().unwrap_or_default();
                    let moot = match AlertAction::parse_custom_id(id) {
                        Some((AlertAction::Acknowledge, _)) => status != AlertStatus::Open,
                        Some((AlertAction::Resolve, _)) => status == AlertStatus::Resolved,
                        _ => false,
                    };
                    if moot {
                        b["disabled"] = json!(true);
                    }
                }
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buttons_are_disabled_by_the_new_state() {
        let rows = json!([{"type": 1, "components": [
            {"type": 2, "custom_id": "alert_ack:a1", "disabled": false},
            {"type": 2, "custom_id": "alert_resolve:a1", "disabled": false},
        ]}]);
        let acked = updated_buttons(&rows, AlertStatus::Acknowledged);
        assert_eq!(acked[0]["components"][0]["disabled"], true);
        assert_eq!(acked[0]["components"][1]["disabled"], false);
        let resolved = updated_buttons(&rows, AlertStatus::Resolved);
        assert_eq!(resolved[0]["components"][1]["disabled"], true);
        assert_eq!(
            updated_buttons(&Value::Null, AlertStatus::Resolved),
            Value::Null
        );
    }
}
