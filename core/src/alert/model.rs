//! The alert model shared by the detector (raises), the router (delivers),
//! the bot (buttons) and the CLI (`mantissa alerts`).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// How urgent an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational.
    Info,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical: page someone.
    Critical,
}

impl Severity {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    /// Parses a lower-case name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "info" => Self::Info,
            "low" => Self::Low,
            "medium" => Self::Medium,
            "high" => Self::High,
            "critical" => Self::Critical,
            _ => return None,
        })
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of threat a rule looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Authentication and authorisation.
    Access,
    /// Network traffic.
    Network,
    /// Data access and exfiltration.
    Data,
    /// Configuration and compliance drift.
    Compliance,
    /// Threat-intelligence and findings.
    Threat,
}

impl Category {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Network => "network",
            Self::Data => "data",
            Self::Compliance => "compliance",
            Self::Threat => "threat",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an alert is in its life: `open → acknowledged → resolved`, resolve
/// also straight from open, and re-open from either later state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertStatus {
    /// Raised, nobody has looked yet.
    Open,
    /// Someone is on it.
    Acknowledged,
    /// Done.
    Resolved,
}

impl AlertStatus {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Acknowledged => "acknowledged",
            Self::Resolved => "resolved",
        }
    }

    /// Parses a name (`ack` and `acked` accepted for acknowledged).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "open" => Self::Open,
            "acknowledged" | "ack" | "acked" => Self::Acknowledged,
            "resolved" => Self::Resolved,
            _ => return None,
        })
    }

    /// Whether the lifecycle allows `self → to` (same state is not a move).
    pub fn can_move_to(self, to: Self) -> bool {
        use AlertStatus::*;
        matches!(
            (self, to),
            (Open, Acknowledged)
                | (Open, Resolved)
                | (Acknowledged, Resolved)
                | (Acknowledged, Open)
                | (Resolved, Open)
        )
    }
}

impl fmt::Display for AlertStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One alert: a rule's dedup group, with evidence and context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Stable id (also the PagerDuty dedup key).
    pub id: String,
    /// Rule that raised it.
    pub rule_id: String,
    /// The rule's name.
    pub rule_name: String,
    /// Severity (the rule's).
    pub severity: Severity,
    /// Category (the rule's).
    pub category: Category,
    /// One line: rule name and the group values.
    pub title: String,
    /// What the rule detects.
    pub description: String,
    /// Evaluation time that raised it.
    #[serde(with = "rfc3339")]
    pub first_seen: DateTime<Utc>,
    /// Latest evaluation that saw it again.
    #[serde(with = "rfc3339")]
    pub last_seen: DateTime<Utc>,
    /// Sightings with new evidence (1 when raised).
    pub count: u64,
    /// The dedup field values.
    pub group: Map<String, Value>,
    /// Result rows of the group (capped).
    pub evidence: Vec<Map<String, Value>>,
    /// MITRE ATT&CK technique ids.
    pub mitre_attack: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// The rule's query as it ran.
    pub sql: String,
    /// Lifecycle state.
    pub status: AlertStatus,
    /// Who moved the alert to its current state (absent while open and untouched).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_by: Option<String>,
    /// When the alert entered its current state (absent while open and untouched).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_rfc3339")]
    pub status_at: Option<DateTime<Utc>>,
    /// Group fingerprint (rule + group values).
    pub fingerprint: String,
    /// Raised by the alert limiter, not by the rule's query.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub meta: bool,
    /// Context added before the alert was stored (geolocation, threat intel,
    /// related alerts, history).
    #[serde(default, skip_serializing_if = "Enrichment::is_empty")]
    pub enrichment: Enrichment,
}

impl Alert {
    /// The group as `k=v, k=v` for titles and tables.
    pub fn group_text(&self) -> String {
        group_text(&self.group)
    }

    /// Every IP address in the group and evidence (deduplicated, in order).
    pub fn ips(&self) -> Vec<std::net::IpAddr> {
        let mut out = Vec::new();
        let rows = std::iter::once(&self.group).chain(self.evidence.iter());
        for row in rows {
            for (key, value) in row {
                let Value::String(s) = value else { continue };
                if !looks_like_ip_field(key) {
                    continue;
                }
                if let Ok(ip) = s.trim().parse::<std::net::IpAddr>()
                    && !out.contains(&ip)
                {
                    out.push(ip);
                }
            }
        }
        out
    }

    /// The acting principal (ARN, principal id or user name): the first of
    /// [`PRINCIPAL_COLUMNS`], most specific first, that the group or any
    /// evidence row names. Related alerts and the principal's history both
    /// use this, so they always agree on who acted.
    pub fn principal(&self) -> Option<String> {
        let rows: Vec<&Map<String, Value>> = std::iter::once(&self.group)
            .chain(self.evidence.iter())
            .collect();
        PRINCIPAL_COLUMNS.iter().find_map(|key| {
            rows.iter().find_map(|row| match row.get(*key) {
                Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
                _ => None,
            })
        })
    }
}

/// How an alert changed in one detection: what the detector reports and
/// what the router routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// Raised now: its first message (or a digest, under quiet grouping).
    New,
    /// Seen again with new evidence within suppression, folded into the
    /// open alert: a repeat on every destination that already delivered its
    /// first message.
    Updated,
}

/// Result columns that name the acting principal, most specific first.
/// Rules alias them freely (`actor` is the built-in pack's usual name), so a
/// value found here is matched against the ARN, the user name and the
/// principal id.
pub const PRINCIPAL_COLUMNS: &[&str] = &[
    "useridentity.arn",
    "arn",
    "principal_arn",
    "actor",
    "principal",
    "useridentity.principalid",
    "principalid",
    "useridentity.username",
    "username",
    "user",
    "user_name",
];

fn looks_like_ip_field(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.contains("ip") || k.contains("addr") || k == "source" || k == "destination"
}

/// `k=v, k=v` for a group.
pub fn group_text(group: &Map<String, Value>) -> String {
    group
        .iter()
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}={s}"),
            Value::Null => format!("{k}=∅"),
            other => format!("{k}={other}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Context written into an alert before it is stored. Every source is
/// optional; a source that failed leaves a line in `warnings`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Enrichment {
    /// Geolocation and network owner of each IP in the alert.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ips: Vec<IpContext>,
    /// Indicator-list matches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub threat_intel: Vec<IntelMatch>,
    /// Other alerts in the last 24 h with the same principal or IP.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<RelatedAlert>,
    /// What the logs say about the principal's past behaviour.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryFact>,
    /// Enrichment sources that were configured but failed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl Enrichment {
    /// Nothing was added.
    pub fn is_empty(&self) -> bool {
        self.ips.is_empty()
            && self.threat_intel.is_empty()
            && self.related.is_empty()
            && self.history.is_empty()
            && self.warnings.is_empty()
    }

    /// One line per fact, for plain-text destinations (e-mail, tables).
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for ip in &self.ips {
            out.push(ip.to_string());
        }
        for m in &self.threat_intel {
            out.push(m.to_string());
        }
        for h in &self.history {
            out.push(h.to_string());
        }
        for r in &self.related {
            out.push(r.to_string());
        }
        out
    }
}

/// Where an IP address is and who runs it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IpContext {
    /// The address.
    pub ip: String,
    /// ISO country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Country name (English).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_name: Option<String>,
    /// City (English).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Autonomous system number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asn: Option<u32>,
    /// Autonomous system organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_org: Option<String>,
    /// Private, loopback or otherwise not routable on the internet.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub private: bool,
}

impl fmt::Display for IpContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.ip)?;
        if self.private {
            return f.write_str(": private address");
        }
        let place: Vec<&str> = [
            self.city.as_deref(),
            self.country_name.as_deref().or(self.country.as_deref()),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !place.is_empty() {
            write!(f, ": {}", place.join(", "))?;
        }
        match (self.asn, &self.as_org) {
            (Some(asn), Some(org)) => write!(f, " (AS{asn} {org})"),
            (Some(asn), None) => write!(f, " (AS{asn})"),
            (None, Some(org)) => write!(f, " ({org})"),
            (None, None) => Ok(()),
        }
    }
}

/// A value in the alert that is on an indicator list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntelMatch {
    /// The value found in the alert.
    pub value: String,
    /// The list entry it matched (an IP, a CIDR, a domain or a hash).
    pub indicator: String,
    /// Indicator kind: `ip`, `cidr`, `domain`, `hash`.
    pub kind: String,
    /// The list (its configured name).
    pub list: String,
    /// What the list says about it (CSV description column, score), if anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl fmt::Display for IntelMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is on threat list `{}`", self.value, self.list)?;
        if self.indicator != self.value {
            write!(f, " (matches {})", self.indicator)?;
        }
        if let Some(d) = &self.detail {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

/// Another alert sharing the principal or an IP.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelatedAlert {
    /// Its id.
    pub id: String,
    /// Its rule.
    pub rule_id: String,
    /// Its title.
    pub title: String,
    /// Its severity.
    pub severity: Severity,
    /// When it was raised.
    #[serde(with = "rfc3339")]
    pub first_seen: DateTime<Utc>,
    /// What links it: `principal=…` or `ip=…`.
    pub via: String,
}

impl fmt::Display for RelatedAlert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "related ({}): [{}] {} at {}",
            self.via,
            self.severity,
            self.title,
            crate::clock::format_instant(self.first_seen)
        )
    }
}

/// A fact about the principal's recent behaviour, from the logs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryFact {
    /// The principal.
    pub principal: String,
    /// What is compared: `source IP`, `region`, `user agent`.
    pub attribute: String,
    /// The value in this alert.
    pub value: String,
    /// Days looked back.
    pub days: u32,
    /// Events with this value before the alert in that period.
    pub prior_events: u64,
}

impl HistoryFact {
    /// No earlier event in the period.
    pub fn first_time(&self) -> bool {
        self.prior_events == 0
    }
}

impl fmt::Display for HistoryFact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.first_time() {
            write!(
                f,
                "first time in {} days that {} used {} {}",
                self.days, self.principal, self.attribute, self.value
            )
        } else {
            write!(
                f,
                "{} used {} {} in {} earlier event{} in the last {} days",
                self.principal,
                self.attribute,
                self.value,
                self.prior_events,
                if self.prior_events == 1 { "" } else { "s" },
                self.days
            )
        }
    }
}

/// One entry of an alert's audit history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertEvent {
    /// When.
    #[serde(with = "rfc3339")]
    pub at: DateTime<Utc>,
    /// Who (`detector`, `router`, a user id such as `slack:U123`, `cli:alice`).
    pub actor: String,
    /// What: `raised`, `repeated`, `acknowledged`, `resolved`, `reopened`,
    /// `delivered`, `delivery_failed`, `fallback`, …
    pub action: String,
    /// Free text (a note, a destination, an error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

pub(crate) mod rfc3339 {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&crate::clock::format_instant(*t))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        crate::clock::parse_instant(&s).map_err(serde::de::Error::custom)
    }
}

pub(crate) mod opt_rfc3339 {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(
        t: &Option<DateTime<Utc>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.collect_str(&crate::clock::format_instant(*t)),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| crate::clock::parse_instant(&s).map_err(serde::de::Error::custom))
            .transpose()
    }
}
