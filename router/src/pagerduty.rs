//! PagerDuty Events API v2: `trigger` (dedup key = alert id) for the first
//! message and repeats, `acknowledge` / `resolve` when the alert's state
//! changes, and a fresh `trigger` when it is re-opened. PagerDuty
//! de-duplicates on `dedup_key`, so a re-sent trigger never pages twice.

use std::time::Duration;

use async_trait::async_trait;
use mantissa_core::alert::{Alert, AlertStatus, Delivery, DeliveryAction, Severity};
use mantissa_core::config::Secret;
use serde_json::{Map, Value, json};

use crate::destination::{
    Destination, SendError, Sent, http_client, status_error, transport_error,
};
use crate::render::{digest_lines, digest_summary, mitre_url, truncate};

/// Longest `payload.summary`.
pub const MAX_SUMMARY: usize = 1024;

/// A PagerDuty service (one integration's routing key).
#[derive(Debug, Clone)]
pub struct PagerDutyDestination {
    client: reqwest::Client,
    events_url: String,
    routing_key: Secret,
}

impl PagerDutyDestination {
    /// Sends to `events_url` (`https://events.pagerduty.com/v2/enqueue`).
    pub fn new(events_url: &str, routing_key: Secret, timeout: Duration) -> Self {
        Self {
            client: http_client(timeout),
            events_url: events_url.to_string(),
            routing_key,
        }
    }
}

/// PagerDuty's severity for ours.
pub fn pd_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "critical",
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "info",
    }
}

/// The event for a delivery (without the routing key, which is added when sent).
pub fn event(alert: &Alert, delivery: &Delivery) -> Value {
    let action = match delivery.action {
        // The state this change moved to (not the alert's latest state:
        // an acknowledge still goes out as one after a later resolve).
        DeliveryAction::StatusChange => match delivery
            .payload
            .get("to")
            .and_then(Value::as_str)
            .and_then(AlertStatus::parse)
            .unwrap_or(alert.status)
        {
            AlertStatus::Acknowledged => "acknowledge",
            AlertStatus::Resolved => "resolve",
            AlertStatus::Open => "trigger",
        },
        _ => "trigger",
    };
    // A digest is its own incident; everything else is the alert's.
    let dedup_key = if delivery.action == DeliveryAction::Digest {
        delivery.key.clone()
    } else {
        alert.id.clone()
    };
    if action != "trigger" {
        return json!({ "event_action": action, "dedup_key": dedup_key });
    }
    let mut details = Map::new();
    details.insert("alert_id".into(), json!(alert.id));
    details.insert(
        "rule".into(),
        json!(format!("{} ({})", alert.rule_name, alert.rule_id)),
    );
    details.insert("description".into(), json!(alert.description));
    details.insert("status".into(), json!(alert.status));
    details.insert("count".into(), json!(alert.count));
    details.insert(
        "first_seen".into(),
        json!(mantissa_core::clock::format_instant(alert.first_seen)),
    );
    details.insert(
        "last_seen".into(),
        json!(mantissa_core::clock::format_instant(alert.last_seen)),
    );
    details.insert("group".into(), Value::Object(alert.group.clone()));
    if !alert.tags.is_empty() {
        details.insert("tags".into(), json!(alert.tags));
    }
    let context = alert.enrichment.lines();
    if !context.is_empty() {
        details.insert("context".into(), json!(context));
    }
    if !alert.mitre_attack.is_empty() {
        details.insert("mitre_attack".into(), json!(alert.mitre_attack));
    }
    details.insert(
        "evidence".into(),
        json!(alert.evidence.iter().take(10).collect::<Vec<_>>()),
    );
    details.insert("sql".into(), json!(truncate(&alert.sql, 4000)));
    let summary = if delivery.action == DeliveryAction::Digest {
        details.insert("folded_alerts".into(), json!(digest_lines(delivery)));
        digest_summary(alert, delivery)
    } else {
        format!(
            "[{}] {}",
            alert.severity.as_str().to_ascii_uppercase(),
            alert.title
        )
    };
    json!({
        "event_action": "trigger",
        "dedup_key": dedup_key,
        "payload": {
            "summary": truncate(&summary, MAX_SUMMARY),
            "source": "mantissa",
            "severity": pd_severity(alert.severity),
            "timestamp": mantissa_core::clock::format_instant(alert.first_seen),
            "component": alert.rule_id,
            "group": alert.category.as_str(),
            "class": alert.rule_name,
            "custom_details": details,
        },
        "links": alert.mitre_attack.iter().map(|t| json!({
            "href": mitre_url(t),
            "text": format!("MITRE ATT&CK {t}"),
        })).collect::<Vec<_>>(),
        "client": "Mantissa Log",
    })
}

#[async_trait]
impl Destination for PagerDutyDestination {
    fn kind(&self) -> &'static str {
        "pagerduty"
    }

    async fn send(
        &self,
        alert: &Alert,
        delivery: &Delivery,
        _prior: Option<&Value>,
    ) -> Result<Sent, SendError> {
        let mut body = event(alert, delivery);
        body["routing_key"] = json!(self.routing_key.expose());
        let resp = self
            .client
            .post(&self.events_url)
            .json(&body)
            .send()
            .await
            .map_err(|e| transport_error("pagerduty", e))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp
            .text()
            .await
            .map_err(|e| transport_error("pagerduty", e))?;
        if status.as_u16() != 202 && !status.is_success() {
            return Err(status_error("pagerduty", status, &headers, &text));
        }
        let dedup = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v.get("dedup_key").cloned())
            .unwrap_or_else(|| body["dedup_key"].clone());
        Ok(Sent {
            message_ref: Some(json!({ "dedup_key": dedup })),
            status_code: Some(status.as_u16()),
        })
    }
}
