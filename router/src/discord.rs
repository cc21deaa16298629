//! Discord: a bot message (`POST /channels/{id}/messages`,
//! `Authorization: Bot …`) or an incoming webhook, with an embed and
//! Acknowledge / Resolve buttons; status changes edit the message (`PATCH`),
//! repeats reply to it. Embed limits are respected by truncating.

use std::time::Duration;

use async_trait::async_trait;
use mantissa_core::alert::{Alert, AlertStatus, Delivery, DeliveryAction};
use mantissa_core::chat::actions::AlertAction;
use mantissa_core::chat::discord::DiscordClient;
use mantissa_core::chat::discord::message::{
    MAX_CUSTOM_ID, MAX_DESCRIPTION, MAX_FIELD_VALUE, MAX_FIELDS, MAX_FOOTER, MAX_TITLE, MAX_TOTAL,
};
use mantissa_core::chat::http::HttpOptions;
use mantissa_core::config::Secret;
use serde_json::{Value, json};

use crate::destination::{Destination, SendError, Sent, api_error};
use crate::render::{
    digest_lines, digest_summary, evidence_lines, mitre_url, severity_color, severity_label,
    status_line, truncate, value_text,
};

/// Where messages go.
#[derive(Debug, Clone)]
pub enum DiscordTarget {
    /// A channel, through the bot.
    Channel {
        /// Channel id.
        channel_id: String,
        /// Bot token.
        token: Secret,
    },
    /// An incoming webhook URL (holds its token).
    Webhook(Secret),
}

/// A Discord channel or webhook.
#[derive(Debug, Clone)]
pub struct DiscordDestination {
    client: DiscordClient,
    target: DiscordTarget,
}

impl DiscordDestination {
    /// Sends through `api_url` (`https://discord.com/api/v10`, used for bot
    /// messages) to `target`.
    pub fn new(api_url: &str, target: DiscordTarget, timeout: Duration) -> Self {
        let token = match &target {
            DiscordTarget::Channel { token, .. } => Some(token.clone()),
            DiscordTarget::Webhook(_) => None,
        };
        // No inline rate-limit retries: the outbox schedules the retry.
        let options = HttpOptions {
            timeout,
            rate_limit_retries: 0,
        };
        Self {
            client: DiscordClient::with_options(api_url, token, options),
            target,
        }
    }

    /// Posts a new message (`message_id` `None`) or edits one.
    async fn request(
        &self,
        message_id: Option<&str>,
        body: &Value,
    ) -> Result<(Value, u16), SendError> {
        let v = match (&self.target, message_id) {
            (DiscordTarget::Channel { channel_id, .. }, None) => {
                self.client.create_message(channel_id, body, &[]).await
            }
            (DiscordTarget::Channel { channel_id, .. }, Some(m)) => {
                self.client.edit_message(channel_id, m, body).await
            }
            (DiscordTarget::Webhook(url), None) => self.client.execute_webhook(url, body).await,
            (DiscordTarget::Webhook(url), Some(m)) => {
                self.client.edit_webhook_message(url, m, body).await
            }
        }
        .map_err(api_error)?;
        Ok((v, 200))
    }
}

/// A message nonce (≤25 characters) derived from the delivery key.
pub fn nonce(key: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(key.as_bytes()))[..25].to_string()
}

fn message_ref(v: &Value) -> Option<Value> {
    Some(json!({
        "channel_id": v.get("channel_id")?,
        "message_id": v.get("id")?,
    }))
}

#[async_trait]
impl Destination for DiscordDestination {
    fn kind(&self) -> &'static str {
        "discord"
    }

    async fn send(
        &self,
        alert: &Alert,
        delivery: &Delivery,
        prior: Option<&Value>,
    ) -> Result<Sent, SendError> {
        let prior_id = prior
            .and_then(|p| p.get("message_id"))
            .and_then(Value::as_str);
        let (v, code) = match delivery.action {
            DeliveryAction::Notify => {
                let mut body = json!({
                    "embeds": [alert_embed(alert)],
                    "components": alert_components(alert),
                    "allowed_mentions": { "parse": [] },
                });
                if matches!(self.target, DiscordTarget::Channel { .. }) {
                    // Discord returns the existing message instead of posting
                    // again when the same author re-sends a nonce within a few
                    // minutes: a retry after a lost answer does not duplicate.
                    body["nonce"] = json!(nonce(&delivery.key));
                    body["enforce_nonce"] = json!(true);
                }
                self.request(None, &body).await?
            }
            DeliveryAction::Digest => {
                let body = json!({
                    "embeds": [{
                        "title": truncate(&digest_summary(alert, delivery), MAX_TITLE),
                        "description": truncate(&digest_lines(delivery).join("\n"), MAX_DESCRIPTION),
                        "color": severity_color(alert.severity),
                    }],
                    "allowed_mentions": { "parse": [] },
                });
                self.request(None, &body).await?
            }
            DeliveryAction::StatusChange => {
                let id = prior_id.ok_or_else(|| {
                    SendError::permanent(None, "discord: no first message to edit")
                })?;
                let body = json!({
                    "embeds": [alert_embed(alert)],
                    "components": alert_components(alert),
                });
                self.request(Some(id), &body).await?
            }
            DeliveryAction::Repeat => {
                let mut body = json!({
                    "content": format!(
                        "Seen again: {} sightings, last at {}",
                        alert.count,
                        mantissa_core::clock::format_instant(alert.last_seen)
                    ),
                    "allowed_mentions": { "parse": [] },
                });
                if let (Some(id), DiscordTarget::Channel { .. }) = (prior_id, &self.target) {
                    body["message_reference"] = json!({ "message_id": id });
                }
                self.request(None, &body).await?
            }
        };
        let message_ref = match delivery.action {
            // Edits keep addressing the first message.
            DeliveryAction::StatusChange => prior.cloned(),
            _ => message_ref(&v),
        };
        Ok(Sent {
            message_ref,
            status_code: Some(code),
        })
    }
}

/// The embed of an alert: title, description (state, description,
/// context, MITRE links), colour by severity, fields (group values, first
/// evidence row), evidence, footer. Within every embed limit.
pub fn alert_embed(alert: &Alert) -> Value {
    let mut description = format!("**{}**\n{}", status_line(alert), alert.description);
    let context = alert.enrichment.lines();
    if !context.is_empty() {
        description.push_str("\n\n**Context**\n");
        description.push_str(
            &context
                .iter()
                .map(|l| format!("• {l}"))
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
    if !alert.mitre_attack.is_empty() {
        description.push_str("\n\n**MITRE ATT&CK:** ");
        description.push_str(
            &alert
                .mitre_attack
                .iter()
                .map(|t| format!("[{t}]({})", mitre_url(t)))
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    let title = truncate(
        &format!("[{}] {}", severity_label(alert.severity), alert.title),
        MAX_TITLE,
    );
    let footer = truncate(
        &format!(
            "Rule {} · alert {} · seen {} times",
            alert.rule_id, alert.id, alert.count
        ),
        MAX_FOOTER,
    );
    // Budget: 6000 across everything; description gets what fields leave.
    let mut fields = Vec::new();
    let mut used = title.chars().count() + footer.chars().count();
    let first = alert.evidence.first();
    let pairs = alert.group.iter().chain(
        first
            .into_iter()
            .flatten()
            .filter(|(k, _)| !alert.group.contains_key(*k)),
    );
    // Key fields share a budget of 2500 characters, so the description and
    // the evidence always keep room.
    let mut budget = 2500usize;
    for (k, v) in pairs.take(MAX_FIELDS - 1) {
        let name = truncate(k, 64);
        let value = truncate(&value_text(v), 200);
        let cost = name.chars().count() + value.chars().count();
        if cost > budget {
            break;
        }
        budget -= cost;
        used += cost;
        fields.push(json!({ "name": name, "value": value, "inline": true }));
    }
    if !alert.evidence.is_empty() {
        let name = format!("Evidence ({} rows)", alert.evidence.len());
        let value = truncate(
            &format!("```{}```", evidence_lines(alert).join("\n")),
            MAX_FIELD_VALUE - 3,
        );
        let value = if value.ends_with("```") {
            value
        } else {
            format!("{value}```")
        };
        used += name.chars().count() + value.chars().count();
        fields.push(json!({ "name": name, "value": value, "inline": false }));
    }
    let room = MAX_TOTAL.saturating_sub(used + 16).min(MAX_DESCRIPTION);
    json!({
        "title": title,
        "description": truncate(&description, room),
        "color": severity_color(alert.severity),
        "fields": fields,
        "footer": { "text": footer },
        "timestamp": mantissa_core::clock::format_instant(alert.first_seen),
    })
}

/// The action row: Acknowledge (style 3) and Resolve (style 4), with
/// `custom_id` `alert_ack:<id>` / `alert_resolve:<id>`, disabled when the
/// state makes them moot; Mute rule 24h (style 2, `alert_mute:<id>`), as
/// on Slack, always available.
pub fn alert_components(alert: &Alert) -> Value {
    json!([{
        "type": 1,
        "components": [
            {
                "type": 2, "style": 3, "label": "Acknowledge",
                "custom_id": truncate(&AlertAction::Acknowledge.custom_id(&alert.id), MAX_CUSTOM_ID),
                "disabled": alert.status != AlertStatus::Open,
            },
            {
                "type": 2, "style": 4, "label": "Resolve",
                "custom_id": truncate(&AlertAction::Resolve.custom_id(&alert.id), MAX_CUSTOM_ID),
                "disabled": alert.status == AlertStatus::Resolved,
            },
            {
                "type": 2, "style": 2, "label": "Mute rule 24h",
                "custom_id": truncate(&AlertAction::MuteRule.custom_id(&alert.id), MAX_CUSTOM_ID),
                "disabled": false,
            },
        ],
    }])
}
