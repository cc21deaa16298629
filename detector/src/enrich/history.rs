//! Behavioural history from the logs: has this principal used this source
//! IP, region or user agent in the last N days?

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use mantissa_core::alert::{Alert, HistoryFact};
use mantissa_core::engine::{QueryEngine, QueryTime};
use mantissa_core::guard::SqlGuard;
use serde_json::{Map, Value};

/// What is compared: (CloudTrail column, label).
const ATTRIBUTES: &[(&str, &str)] = &[
    ("sourceipaddress", "source IP"),
    ("awsregion", "region"),
    ("useragent", "user agent"),
];

/// Result columns holding each compared attribute.
fn aliases(attr: &str) -> &'static [&'static str] {
    match attr {
        "sourceipaddress" => &["sourceipaddress", "source_ip", "src_ip", "ip", "sourceip"],
        "awsregion" => &["awsregion", "region", "aws_region"],
        _ => &["useragent", "user_agent"],
    }
}

/// Looks up the principal's history in CloudTrail.
pub struct History {
    engine: Arc<dyn QueryEngine>,
    guard: SqlGuard,
    days: u32,
}

impl std::fmt::Debug for History {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("History").field("days", &self.days).finish()
    }
}

impl History {
    /// History over `days` days through `engine` (every query guarded).
    pub fn new(engine: Arc<dyn QueryEngine>, guard: SqlGuard, days: u32) -> Self {
        Self {
            engine,
            guard,
            days,
        }
    }

    /// Facts for a CloudTrail alert naming a principal; nothing otherwise.
    pub async fn facts(&self, alert: &Alert) -> Result<Vec<HistoryFact>, String> {
        if !alert.sql.to_ascii_lowercase().contains("cloudtrail") {
            return Ok(Vec::new());
        }
        let rows: Vec<&Map<String, Value>> = std::iter::once(&alert.group)
            .chain(alert.evidence.iter())
            .collect();
        let Some(principal) = alert.principal() else {
            return Ok(Vec::new());
        };
        // Events before the earliest evidence time are "history".
        let cutoff = rows
            .iter()
            .flat_map(|r| r.iter())
            .filter(|(k, _)| k.contains("time") || k.starts_with("first"))
            .filter_map(|(_, v)| match v {
                Value::String(s) => mantissa_core::clock::parse_instant(s).ok(),
                _ => None,
            })
            .filter(|t| *t <= alert.first_seen)
            .min()
            .unwrap_or(alert.first_seen - Duration::hours(1));
        let start = cutoff - Duration::days(i64::from(self.days));
        let mut out = Vec::new();
        for (attr, label) in ATTRIBUTES {
            let Some(value) = find(&rows, aliases(attr)) else {
                continue;
            };
            let p = literal(&principal);
            let sql = format!(
                "SELECT count(*) AS n FROM cloudtrail WHERE (useridentity.arn = {p} \
                 OR useridentity.username = {p} OR useridentity.principalid = {p}) AND {attr} = {} \
                 AND eventtime >= {} AND eventtime < {}",
                literal(&value),
                timestamp(start),
                timestamp(cutoff),
            );
            let guarded = self
                .guard
                .check(&sql)
                .map_err(|e| format!("history query rejected by the guard: {e}"))?;
            let result = self
                .engine
                .execute(&guarded, QueryTime::as_of(alert.first_seen))
                .await
                .map_err(|e| format!("history query failed: {e}"))?;
            let n = result
                .json_rows()
                .first()
                .and_then(|r| r.first())
                .and_then(Value::as_u64)
                .unwrap_or(0);
            out.push(HistoryFact {
                principal: principal.clone(),
                attribute: (*label).to_string(),
                value,
                days: self.days,
                prior_events: n,
            });
        }
        Ok(out)
    }
}

/// The first non-empty text value under one of `keys`.
fn find(rows: &[&Map<String, Value>], keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|key| {
        rows.iter().find_map(|r| match r.get(*key) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            _ => None,
        })
    })
}

/// A SQL string literal (quotes doubled).
fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn timestamp(t: DateTime<Utc>) -> String {
    format!("TIMESTAMP '{}'", t.format("%Y-%m-%d %H:%M:%S%.6f"))
}
