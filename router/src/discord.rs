//! Discord: a bot message (`POST /channels/{id}/messages`,
//! `Authorization: Bot …`) or an incoming webhook, with an embed and
//! Acknowledge / Resolve buttons; status changes edit the message (`PATCH`),
//! repeats reply to it. Embed limits are respected by truncating.

use std::time::Duration;

use async_trait::async_trait;
use mantissa_core::alert::{Alert, AlertStatus, Delivery, DeliveryAction};
use mantissa_core::config::Secret;
use serde_json::{Value, json};

use crate::destination::{
    Destination, SendError, Sent, http_client, status_error, transport_error,
};
use crate::render::{
    digest_lines, digest_summary, evidence_lines, mitre_url, severity_color, severity_label,
    status_line, truncate, value_text,
};

/// Longest embed title.
pub const MAX_TITLE: usize = 256;
/// Longest embed description.
pub const MAX_DESCRIPTION: usize = 4096;
/// Most embed fields.
pub const MAX_FIELDS: usize = 25;
/// Longest field name.
pub const MAX_FIELD_NAME: usize = 256;
/// Longest field value.
pub const MAX_FIELD_VALUE: usize = 1024;
/// Longest footer.
pub const MAX_FOOTER: usize = 2048;
/// Most characters across title, description, fields and footer.
pub const MAX_TOTAL: usize = 6000;

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
    client: reqwest::Client,
    api_url: String,
    target: DiscordTarget,
}

impl DiscordDestination {
    /// Sends through `api_url` (`https://discord.com/api/v10`, used for bot
    /// messages) to `target`.
    pub fn new(api_url: &str, target: DiscordTarget, timeout: Duration) -> Self {
        Self {
            client: http_client(timeout),
            api_url: api_url.trim_end_matches('/').to_string(),
            target,
        }
    }

    async fn request(
        &self,
        method: reqwest::Method,
        message_id: Option<&str>,
        body: &Value,
    ) -> Result<(Value, u16), SendError> {
        let req = match &self.target {
            DiscordTarget::Channel { channel_id, token } => {
                let url = match message_id {
                    Some(m) => format!("{}/channels/{channel_id}/messages/{m}", self.api_url),
                    None => format!("{}/channels/{channel_id}/messages", self.api_url),
                };
                self.client.request(method, url).header(
                    reqwest::header::AUTHORIZATION,
                    format!("Bot {}", token.expose()),
                )
            }
            DiscordTarget::Webhook(url) => {
                let base = url.expose().trim_end_matches('/');
                let url = match message_id {
                    Some(m) => format!("{base}/messages/{m}"),
                    None => format!("{base}?wait=true"),
                };
                self.client.request(method, url)
            }
        };
        let resp = req
            .json(body)
            .send()
            .await
            .map_err(|e| transport_error("discord", e))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp
            .text()
            .await
            .map_err(|e| transport_error("discord", e))?;
        if !status.is_success() {
            return Err(status_error("discord", status, &headers, &text));
        }
        let v = serde_json::from_str(&text).unwrap_or(Value::Null);
        Ok((v, status.as_u16()))
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
                self.request(reqwest::Method::POST, None, &body).await?
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
                self.request(reqwest::Method::POST, None, &body).await?
            }
            DeliveryAction::StatusChange => {
                let id = prior_id.ok_or_else(|| {
                    SendError::permanent(None, "discord: no first message to edit")
                })?;
                let body = json!({
                    "embeds": [alert_embed(alert)],
                    "components": alert_components(alert),
                });
                self.request(reqwest::Method::PATCH, Some(id), &body)
                    .await?
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
                self.request(reqwest::Method::POST, None, &body).await?
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
                "custom_id": truncate(&format!("alert_ack:{}", alert.id), 100),
                "disabled": alert.status != AlertStatus::Open,
            },
            {
                "type": 2, "style": 4, "label": "Resolve",
                "custom_id": truncate(&format!("alert_resolve:{}", alert.id), 100),
                "disabled": alert.status == AlertStatus::Resolved,
            },
            {
                "type": 2, "style": 2, "label": "Mute rule 24h",
                "custom_id": truncate(&format!("alert_mute:{}", alert.id), 100),
                "disabled": false,
            },
        ],
    }])
}

/// Checks an embed against Discord's limits; returns every violation.
pub fn validate_embed(embed: &Value) -> Result<(), Vec<String>> {
    let len = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
    let mut errors = Vec::new();
    let mut total =
        len(&embed["title"]) + len(&embed["description"]) + len(&embed["footer"]["text"]);
    if len(&embed["title"]) > MAX_TITLE {
        errors.push("title over 256".to_string());
    }
    if len(&embed["description"]) > MAX_DESCRIPTION {
        errors.push("description over 4096".to_string());
    }
    if len(&embed["footer"]["text"]) > MAX_FOOTER {
        errors.push("footer over 2048".to_string());
    }
    let fields = embed["fields"].as_array().cloned().unwrap_or_default();
    if fields.len() > MAX_FIELDS {
        errors.push(format!("{} fields (limit 25)", fields.len()));
    }
    for f in &fields {
        total += len(&f["name"]) + len(&f["value"]);
        if len(&f["name"]) > MAX_FIELD_NAME || len(&f["name"]) == 0 {
            errors.push("field name empty or over 256".to_string());
        }
        if len(&f["value"]) > MAX_FIELD_VALUE || len(&f["value"]) == 0 {
            errors.push("field value empty or over 1024".to_string());
        }
    }
    if total > MAX_TOTAL {
        errors.push(format!("{total} characters in total (limit 6000)"));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}
