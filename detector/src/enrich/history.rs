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

/// Principal columns, most specific first: (evidence key, SQL column).
const PRINCIPALS: &[(&str, &str)] = &[
    ("useridentity.arn", "useridentity.arn"),
    ("arn", "useridentity.arn"),
    ("useridentity.principalid", "useridentity.principalid"),
    ("principalid", "useridentity.principalid"),
    ("useridentity.username", "useridentity.username"),
    ("username", "useridentity.username"),
];

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
        let Some((column, principal)) = find(&rows, PRINCIPALS) else {
            return Ok(Vec::new());
        };
        // Events before the earliest evidence are "history".
        let cutoff = rows
            .iter()
            .filter_map(|r| match r.get("eventtime") {
                Some(Value::String(s)) => mantissa_core::clock::parse_instant(s).ok(),
                _ => None,
            })
            .min()
            .unwrap_or(alert.first_seen - Duration::hours(1));
        let start = cutoff - Duration::days(i64::from(self.days));
        let mut out = Vec::new();
        for (attr, label) in ATTRIBUTES {
            let Some(value) = rows.iter().find_map(|r| match r.get(*attr) {
                Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
                _ => None,
            }) else {
                continue;
            };
            let sql = format!(
                "SELECT count(*) AS n FROM cloudtrail WHERE {column} = {} AND {attr} = {} \
                 AND eventtime >= {} AND eventtime < {}",
                literal(&principal),
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

fn find(
    rows: &[&Map<String, Value>],
    keys: &[(&str, &'static str)],
) -> Option<(&'static str, String)> {
    for (key, column) in keys {
        for r in rows {
            if let Some(Value::String(s)) = r.get(*key)
                && !s.is_empty()
            {
                return Some((column, s.clone()));
            }
        }
    }
    None
}

/// A SQL string literal (quotes doubled).
fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn timestamp(t: DateTime<Utc>) -> String {
    format!("TIMESTAMP '{}'", t.format("%Y-%m-%d %H:%M:%S%.6f"))
}
