//! Slack: `chat.postMessage` with Block Kit for the first message,
//! `chat.update` plus a thread reply for status changes, thread replies for
//! repeats. [`alert_blocks`] is public: the chat bot renders the same
//! message when it edits it after a button click.
//!
//! Exactly-once: every first message carries message metadata
//! `{"event_type":"mantissa_alert","event_payload":{"delivery":<key>}}`.
//! When a first message may already have been posted by an attempt whose
//! outcome is unknown (an earlier attempt timed out or lost its connection,
//! or a crashed worker's lease ran out), `conversations.history` is searched
//! for that metadata first and a found message is adopted instead of posting
//! again. Thread replies (status changes, repeats) carry the same metadata
//! and are looked up with `conversations.replies` the same way; the
//! `chat.update` of a status change is idempotent by nature.

use std::time::Duration;

use async_trait::async_trait;
use mantissa_core::alert::{Alert, AlertStatus, Delivery, DeliveryAction};
use mantissa_core::chat::actions::AlertAction;
use mantissa_core::chat::http::HttpOptions;
use mantissa_core::chat::slack::SlackClient;
use mantissa_core::chat::slack::blocks::{
    MAX_CONTEXT_ELEMENTS, MAX_FIELD_TEXT, MAX_FIELDS, MAX_HEADER_TEXT, MAX_SECTION_TEXT, MAX_TEXT,
};
use mantissa_core::config::Secret;
use serde_json::{Value, json};

use crate::destination::{Destination, SendError, Sent, api_error};
use crate::render::{
    change_line, digest_lines, digest_summary, evidence_lines, mitre_url, severity_emoji,
    severity_label, status_line, truncate, value_text,
};

/// The metadata `event_type` of first messages.
pub const METADATA_EVENT_TYPE: &str = "mantissa_alert";

/// A Slack channel.
#[derive(Debug, Clone)]
pub struct SlackDestination {
    client: SlackClient,
    channel: String,
    lease: Duration,
}

impl SlackDestination {
    /// A destination posting to `channel` (an id) through `api_url`
    /// (`https://slack.com/api`). `timeout` bounds each HTTP request;
    /// `lease` is the router's delivery lease (a first message re-claimed
    /// after a lease ran out is looked up before it is posted again).
    pub fn new(
        api_url: &str,
        token: Secret,
        channel: &str,
        timeout: Duration,
        lease: Duration,
    ) -> Self {
        // No inline rate-limit retries: the outbox schedules the retry at
        // Slack's `Retry-After`, so a worker never sleeps on one channel.
        let options = HttpOptions {
            timeout,
            rate_limit_retries: 0,
        };
        Self {
            client: SlackClient::with_options(api_url, token, options),
            channel: channel.to_string(),
            lease,
        }
    }

    async fn call(&self, method: &str, body: &Value) -> Result<Value, SendError> {
        self.client.call(method, body).await.map_err(api_error)
    }

    /// A message a lost attempt already posted, found by its metadata: a
    /// first message in the channel's history, or (with `thread`) a reply
    /// in that thread.
    async fn find_posted(
        &self,
        delivery: &Delivery,
        thread: Option<&str>,
    ) -> Result<Option<Value>, SendError> {
        let oldest = (delivery.created_at - chrono::Duration::seconds(60)).timestamp();
        let method = if thread.is_some() {
            "conversations.replies"
        } else {
            "conversations.history"
        };
        let mut cursor: Option<String> = None;
        for _ in 0..10 {
            let mut query = vec![
                ("channel", self.channel.clone()),
                ("oldest", format!("{oldest}.000000")),
                ("include_all_metadata", "true".into()),
                ("limit", "200".into()),
            ];
            if let Some(ts) = thread {
                query.push(("ts", ts.to_string()));
            }
            if let Some(c) = &cursor {
                query.push(("cursor", c.clone()));
            }
            let v = self.client.get(method, &query).await.map_err(api_error)?;
            for m in v
                .get("messages")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let meta = m.get("metadata");
                let ours = meta
                    .and_then(|m| m.get("event_type"))
                    .and_then(Value::as_str)
                    == Some(METADATA_EVENT_TYPE)
                    && meta
                        .and_then(|m| m.pointer("/event_payload/delivery"))
                        .and_then(Value::as_str)
                        == Some(delivery.key.as_str());
                if ours && let Some(ts) = m.get("ts").and_then(Value::as_str) {
                    return Ok(Some(json!({ "channel": self.channel, "ts": ts })));
                }
            }
            cursor = v
                .pointer("/response_metadata/next_cursor")
                .and_then(Value::as_str)
                .filter(|c| !c.is_empty())
                .map(str::to_string);
            if cursor.is_none() || v.get("has_more").and_then(Value::as_bool) != Some(true) {
                break;
            }
        }
        Ok(None)
    }

    /// Posts a thread reply once: looked up by its metadata first when an
    /// earlier attempt may have posted it.
    async fn reply_once(
        &self,
        delivery: &Delivery,
        channel: &str,
        thread_ts: &str,
        mut body: Value,
    ) -> Result<Value, SendError> {
        if self.possibly_posted(delivery)
            && let Some(found) = self.find_posted(delivery, Some(thread_ts)).await?
        {
            return Ok(found["ts"].clone());
        }
        body["channel"] = json!(channel);
        body["thread_ts"] = json!(thread_ts);
        body["metadata"] = metadata(delivery);
        let (reply, _) = self.post(body).await?;
        Ok(reply["ts"].clone())
    }

    /// Whether an earlier attempt of this first message may have posted it
    /// without us learning so: an attempt was recorded (it failed, but a
    /// timeout or dropped connection leaves the outcome unknown), or the
    /// delivery was claimed long after it became due (a worker holding it
    /// crashed and its lease ran out).
    fn possibly_posted(&self, delivery: &Delivery) -> bool {
        if delivery.attempts > 0 {
            return true;
        }
        let Some(lease_until) = delivery.lease_until else {
            return false;
        };
        let claimed_at = lease_until - chrono::Duration::from_std(self.lease).unwrap_or_default();
        let late = claimed_at - delivery.next_attempt;
        late.to_std().is_ok_and(|l| l >= self.lease)
    }

    async fn post(&self, body: Value) -> Result<(Value, u16), SendError> {
        let v = self.call("chat.postMessage", &body).await?;
        let channel = v
            .get("channel")
            .and_then(Value::as_str)
            .unwrap_or(&self.channel);
        let ts = v.get("ts").and_then(Value::as_str).ok_or_else(|| {
            SendError::permanent(Some(200), "slack chat.postMessage: response has no `ts`")
        })?;
        Ok((json!({ "channel": channel, "ts": ts }), 200))
    }
}

fn trigger_ref(v: &Value) -> Option<(&str, &str)> {
    Some((v.get("channel")?.as_str()?, v.get("ts")?.as_str()?))
}

#[async_trait]
impl Destination for SlackDestination {
    fn kind(&self) -> &'static str {
        "slack"
    }

    async fn send(
        &self,
        alert: &Alert,
        delivery: &Delivery,
        prior: Option<&Value>,
    ) -> Result<Sent, SendError> {
        match delivery.action {
            DeliveryAction::Notify | DeliveryAction::Digest => {
                if self.possibly_posted(delivery)
                    && let Some(found) = self.find_posted(delivery, None).await?
                {
                    tracing::info!(
                        delivery = %delivery.key,
                        "slack message of an interrupted attempt found; adopting it"
                    );
                    return Ok(Sent {
                        message_ref: Some(found),
                        status_code: Some(200),
                    });
                }
                let (blocks, text) = if delivery.action == DeliveryAction::Digest {
                    (
                        digest_blocks(alert, delivery),
                        digest_summary(alert, delivery),
                    )
                } else {
                    (alert_blocks(alert), alert_text(alert))
                };
                let body = json!({
                    "channel": self.channel,
                    "text": truncate(&text, MAX_TEXT),
                    "blocks": blocks,
                    "unfurl_links": false,
                    "unfurl_media": false,
                    "metadata": metadata(delivery),
                });
                let (r, code) = self.post(body).await?;
                Ok(Sent {
                    message_ref: Some(r),
                    status_code: Some(code),
                })
            }
            DeliveryAction::StatusChange => {
                let (channel, ts) = prior.and_then(trigger_ref).ok_or_else(|| {
                    SendError::permanent(None, "slack: no first message to update")
                })?;
                self.call(
                    "chat.update",
                    &json!({
                        "channel": channel,
                        "ts": ts,
                        "text": truncate(&alert_text(alert), MAX_TEXT),
                        "blocks": alert_blocks(alert),
                    }),
                )
                .await?;
                let reply_ts = self
                    .reply_once(
                        delivery,
                        channel,
                        ts,
                        json!({ "text": change_line(alert, delivery) }),
                    )
                    .await?;
                Ok(Sent {
                    message_ref: Some(json!({
                        "channel": channel, "ts": ts, "reply_ts": reply_ts,
                    })),
                    status_code: Some(200),
                })
            }
            DeliveryAction::Repeat => {
                let (channel, ts) = prior.and_then(trigger_ref).ok_or_else(|| {
                    SendError::permanent(None, "slack: no first message to reply to")
                })?;
                let text = format!(
                    "Seen again: {} sightings, last at {}",
                    alert.count,
                    mantissa_core::clock::format_instant(alert.last_seen)
                );
                let mut blocks = vec![section(&text)];
                if let Some(row) = alert.evidence.last() {
                    blocks.push(section(&format!(
                        "```{}```",
                        mantissa_core::alert::group_text(row)
                    )));
                }
                let reply_ts = self
                    .reply_once(
                        delivery,
                        channel,
                        ts,
                        json!({ "text": text, "blocks": blocks }),
                    )
                    .await?;
                Ok(Sent {
                    message_ref: Some(json!({
                        "channel": channel, "ts": ts, "reply_ts": reply_ts,
                    })),
                    status_code: Some(200),
                })
            }
        }
    }
}

/// The message metadata that finds a message again after a lost answer.
fn metadata(delivery: &Delivery) -> Value {
    json!({
        "event_type": METADATA_EVENT_TYPE,
        "event_payload": { "delivery": delivery.key, "alert_id": delivery.alert_id },
    })
}

/// The message's `text` (notifications and screen readers): severity,
/// title and state.
pub fn alert_text(alert: &Alert) -> String {
    format!(
        "[{}] {} ({})",
        severity_label(alert.severity),
        alert.title,
        status_line(alert)
    )
}

fn section(text: &str) -> Value {
    json!({
        "type": "section",
        "text": { "type": "mrkdwn", "text": truncate(text, MAX_SECTION_TEXT) },
    })
}

fn code_text(prefix: &str, body: &str, max: usize) -> String {
    // Cut the body, not the fences, so the code block stays closed.
    let room = max.saturating_sub(prefix.chars().count() + 6);
    format!("{prefix}```{}```", truncate(body, room))
}

fn button(text: &str, action_id: &str, value: &str, style: Option<&str>) -> Value {
    let mut b = json!({
        "type": "button",
        "text": { "type": "plain_text", "text": text },
        "action_id": action_id,
        "value": value,
    });
    if let Some(s) = style {
        b["style"] = json!(s);
    }
    b
}

/// The Block Kit blocks of an alert: severity header, state, description,
/// key evidence fields, enrichment, MITRE links, evidence rows, the SQL and
/// the action buttons (which reflect the alert's state). Every Block Kit
/// limit is respected by truncating with a visible note
/// ([`mantissa_core::chat::slack::validate_blocks`] holds for any alert).
pub fn alert_blocks(alert: &Alert) -> Value {
    let mut blocks = Vec::new();
    blocks.push(json!({
        "type": "header",
        "text": {
            "type": "plain_text",
            "text": truncate(
                &format!("{} {}: {}", severity_emoji(alert.severity), severity_label(alert.severity), alert.title),
                MAX_HEADER_TEXT,
            ),
            "emoji": true,
        },
    }));
    let state = match alert.status {
        AlertStatus::Open => format!("*Status:* {}", status_line(alert)),
        AlertStatus::Acknowledged => format!(":eyes: *{}*", status_line(alert)),
        AlertStatus::Resolved => format!(":white_check_mark: *{}*", status_line(alert)),
    };
    blocks.push(section(&format!("{state}\n{}", alert.description)));

    // Key evidence fields: the group values, then the first row's fields.
    let mut fields = Vec::new();
    let first = alert.evidence.first();
    let pairs = alert.group.iter().chain(
        first
            .into_iter()
            .flatten()
            .filter(|(k, _)| !alert.group.contains_key(*k)),
    );
    let mut omitted = 0usize;
    for (k, v) in pairs {
        if fields.len() == MAX_FIELDS - 1 {
            omitted += 1;
            continue;
        }
        fields.push(json!({
            "type": "mrkdwn",
            "text": truncate(&format!("*{k}*\n{}", value_text(v)), MAX_FIELD_TEXT),
        }));
    }
    if omitted > 0 {
        fields.push(json!({
            "type": "mrkdwn",
            "text": format!("_{omitted} more fields in the evidence below_"),
        }));
    }
    if !fields.is_empty() {
        blocks.push(json!({ "type": "section", "fields": fields }));
    }

    let context = alert.enrichment.lines();
    if !context.is_empty() {
        let text = context
            .iter()
            .map(|l| format!("• {l}"))
            .collect::<Vec<_>>()
            .join("\n");
        blocks.push(section(&format!("*Context*\n{text}")));
    }
    if !alert.enrichment.warnings.is_empty() {
        blocks.push(json!({
            "type": "context",
            "elements": [{ "type": "mrkdwn", "text": truncate(
                &format!("Enrichment incomplete: {}", alert.enrichment.warnings.join("; ")),
                MAX_SECTION_TEXT,
            ) }],
        }));
    }
    if !alert.mitre_attack.is_empty() {
        let links = alert
            .mitre_attack
            .iter()
            .map(|t| format!("<{}|{t}>", mitre_url(t)))
            .collect::<Vec<_>>()
            .join("  ");
        blocks.push(section(&format!("*MITRE ATT&CK:* {links}")));
    }
    if !alert.evidence.is_empty() {
        let rows = evidence_lines(alert).join("\n");
        blocks.push(section(&code_text(
            &format!("*Evidence* ({} rows)\n", alert.evidence.len()),
            &rows,
            MAX_SECTION_TEXT,
        )));
    }
    let mut meta = vec![
        format!("Rule `{}`", alert.rule_id),
        format!("Category {}", alert.category),
        format!(
            "First seen {}",
            mantissa_core::clock::format_instant(alert.first_seen)
        ),
        format!(
            "Last seen {}",
            mantissa_core::clock::format_instant(alert.last_seen)
        ),
        format!("Seen {} times", alert.count),
        format!("Alert `{}`", alert.id),
    ];
    if !alert.tags.is_empty() {
        meta.push(format!("Tags {}", alert.tags.join(", ")));
    }
    meta.truncate(MAX_CONTEXT_ELEMENTS);
    blocks.push(json!({
        "type": "context",
        "elements": meta
            .iter()
            .map(|m| json!({ "type": "mrkdwn", "text": truncate(m, MAX_SECTION_TEXT) }))
            .collect::<Vec<_>>(),
    }));
    blocks.push(json!({
        "type": "context",
        "elements": [{ "type": "mrkdwn", "text": code_text("Query ", &alert.sql, MAX_SECTION_TEXT) }],
    }));
    let id = alert.id.as_str();
    let mut buttons = Vec::new();
    if alert.status == AlertStatus::Open {
        buttons.push(button(
            "Acknowledge",
            AlertAction::Acknowledge.id(),
            id,
            Some("primary"),
        ));
    }
    if alert.status != AlertStatus::Resolved {
        buttons.push(button("Resolve", AlertAction::Resolve.id(), id, None));
    }
    buttons.push(button("Show SQL", AlertAction::ShowSql.id(), id, None));
    buttons.push(button(
        "Mute rule 24h",
        AlertAction::MuteRule.id(),
        id,
        Some("danger"),
    ));
    blocks.push(json!({ "type": "actions", "block_id": "alert_actions", "elements": buttons }));
    Value::Array(blocks)
}

/// The blocks of a quiet-grouping digest.
pub fn digest_blocks(alert: &Alert, delivery: &Delivery) -> Value {
    let lines = digest_lines(delivery);
    json!([
        {
            "type": "header",
            "text": { "type": "plain_text", "text": truncate(
                &format!("{} {}: {}", severity_emoji(alert.severity), severity_label(alert.severity), digest_summary(alert, delivery)),
                MAX_HEADER_TEXT,
            ) },
        },
        section(&code_text("", &lines.join("\n"), MAX_SECTION_TEXT)),
        {
            "type": "context",
            "elements": [{ "type": "mrkdwn", "text": format!(
                "Rule `{}` raised more alerts than quiet grouping sends one by one; see `mantissa alerts list --rule {}`",
                alert.rule_id, alert.rule_id
            ) }],
        },
    ])
}
