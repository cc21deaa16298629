//! Text helpers shared by the destinations: truncation with a visible note,
//! MITRE ATT&CK links, severity colours, the status line and the plain-text
//! rendering of an alert (e-mail, webhook, digest).

use mantissa_core::alert::{Alert, AlertStatus, Delivery, Severity};
use serde_json::Value;

/// Cuts `s` to at most `max` characters; a cut text ends with a visible
/// note saying how much was left out (the note counts towards `max`).
pub fn truncate(s: &str, max: usize) -> String {
    let len = s.chars().count();
    if len <= max {
        return s.to_string();
    }
    let note = format!(" … [truncated, {len} chars in full]");
    let keep = max.saturating_sub(note.chars().count());
    let mut out: String = s.chars().take(keep).collect();
    out.push_str(&note);
    if out.chars().count() > max {
        // Only when `max` is shorter than the note itself.
        out = out.chars().take(max).collect();
    }
    out
}

/// The ATT&CK page of a technique id: `T1078.004` →
/// `https://attack.mitre.org/techniques/T1078/004/`.
pub fn mitre_url(technique: &str) -> String {
    let t = technique.trim().to_ascii_uppercase();
    match t.split_once('.') {
        Some((base, sub)) => format!("https://attack.mitre.org/techniques/{base}/{sub}/"),
        None => format!("https://attack.mitre.org/techniques/{t}/"),
    }
}

/// A JSON value as display text (strings without quotes).
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "∅".into(),
        other => other.to_string(),
    }
}

/// Upper-case severity, for subjects and headers.
pub fn severity_label(s: Severity) -> String {
    s.as_str().to_ascii_uppercase()
}

/// An emoji per severity (Slack header).
pub fn severity_emoji(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "🔴",
        Severity::High => "🟠",
        Severity::Medium => "🟡",
        Severity::Low => "🔵",
        Severity::Info => "⚪",
    }
}

/// An RGB colour per severity (Discord embed).
pub fn severity_color(s: Severity) -> u32 {
    match s {
        Severity::Critical => 0xD0_02_1B,
        Severity::High => 0xF5_7C_00,
        Severity::Medium => 0xF2_C7_44,
        Severity::Low => 0x43_9F_DE,
        Severity::Info => 0x9E_9E_9E,
    }
}

/// `Acknowledged by slack:U1 at 2026-…` (or `Open`).
pub fn status_line(alert: &Alert) -> String {
    let state = match alert.status {
        AlertStatus::Open => "Open",
        AlertStatus::Acknowledged => "Acknowledged",
        AlertStatus::Resolved => "Resolved",
    };
    match (&alert.status_by, alert.status_at) {
        (Some(by), Some(at)) => format!(
            "{state} by {by} at {}",
            mantissa_core::clock::format_instant(at)
        ),
        (Some(by), None) => format!("{state} by {by}"),
        _ => state.to_string(),
    }
}

/// One line per evidence row, `k=v, k=v`.
pub fn evidence_lines(alert: &Alert) -> Vec<String> {
    alert
        .evidence
        .iter()
        .map(mantissa_core::alert::group_text)
        .collect()
}

/// The alerts a digest folds (`payload.alerts`, filled by the router).
pub fn digest_lines(delivery: &Delivery) -> Vec<String> {
    delivery
        .payload
        .get("alerts")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|x| {
                    format!(
                        "[{}] {} ({})",
                        x.get("severity").map(value_text).unwrap_or_default(),
                        x.get("title").map(value_text).unwrap_or_default(),
                        x.get("id").map(value_text).unwrap_or_default()
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The digest's one-line summary.
pub fn digest_summary(alert: &Alert, delivery: &Delivery) -> String {
    let n = delivery
        .payload
        .get("alerts")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    format!(
        "{n} more alerts from rule {} ({}) folded by quiet grouping",
        alert.rule_name, alert.rule_id
    )
}

/// What a status change says, from the delivery's payload (the change it
/// was enqueued for): `Acknowledged by cli:alice at … (was open)`.
pub fn change_line(alert: &Alert, delivery: &Delivery) -> String {
    let p = &delivery.payload;
    let text = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_string);
    let Some(to) = text("to").and_then(|t| AlertStatus::parse(&t)) else {
        return status_line(alert);
    };
    let state = match to {
        AlertStatus::Open => "Re-opened",
        AlertStatus::Acknowledged => "Acknowledged",
        AlertStatus::Resolved => "Resolved",
    };
    let mut out = state.to_string();
    if let Some(by) = text("by") {
        out.push_str(&format!(" by {by}"));
    }
    if let Some(at) = text("at") {
        out.push_str(&format!(" at {at}"));
    }
    if let Some(from) = text("from") {
        out.push_str(&format!(" (was {from})"));
    }
    out
}

/// The whole alert as plain text (e-mail body, digest detail).
pub fn plain_text(alert: &Alert) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "[{}] {}\n\n",
        severity_label(alert.severity),
        alert.title
    ));
    out.push_str(&alert.description);
    out.push_str("\n\n");
    out.push_str(&format!("Status: {}\n", status_line(alert)));
    out.push_str(&format!("Alert: {}\n", alert.id));
    out.push_str(&format!("Rule: {} ({})\n", alert.rule_name, alert.rule_id));
    out.push_str(&format!("Category: {}\n", alert.category));
    out.push_str(&format!(
        "First seen: {}  Last seen: {}  Count: {}\n",
        mantissa_core::clock::format_instant(alert.first_seen),
        mantissa_core::clock::format_instant(alert.last_seen),
        alert.count
    ));
    if !alert.group.is_empty() {
        out.push_str(&format!("Group: {}\n", alert.group_text()));
    }
    let lines = alert.enrichment.lines();
    if !lines.is_empty() {
        out.push_str("\nContext:\n");
        for l in lines {
            out.push_str(&format!("  - {l}\n"));
        }
    }
    if !alert.mitre_attack.is_empty() {
        out.push_str("\nMITRE ATT&CK:\n");
        for t in &alert.mitre_attack {
            out.push_str(&format!("  - {t} {}\n", mitre_url(t)));
        }
    }
    if !alert.evidence.is_empty() {
        out.push_str(&format!("\nEvidence ({} rows):\n", alert.evidence.len()));
        for l in evidence_lines(alert) {
            out.push_str(&format!("  {l}\n"));
        }
    }
    out.push_str(&format!("\nQuery:\n{}\n", alert.sql));
    out.push_str(&format!(
        "\nAcknowledge: mantissa alerts ack {id}\nResolve: mantissa alerts resolve {id}\n",
        id = alert.id
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_the_limit_and_says_so() {
        let s = "x".repeat(5000);
        let t = truncate(&s, 3000);
        assert_eq!(t.chars().count(), 3000);
        assert!(t.contains("truncated"));
        assert_eq!(truncate("short", 10), "short");
    }

    #[test]
    fn mitre_urls() {
        assert_eq!(
            mitre_url("T1078.004"),
            "https://attack.mitre.org/techniques/T1078/004/"
        );
        assert_eq!(
            mitre_url("T1110"),
            "https://attack.mitre.org/techniques/T1110/"
        );
    }
}
