//! Where the data is: hourly buckets of event time per table, so replays
//! skip schedule ticks whose window holds no events.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use mantissa_core::engine::{QueryEngine, QueryTime};
use mantissa_core::guard::SqlGuard;

/// One hour in microseconds.
pub const HOUR_US: i64 = 3_600_000_000;

/// Hours with events, per table.
#[derive(Debug, Default, Clone)]
pub struct Activity {
    hours: HashMap<String, BTreeSet<i64>>,
    /// Tables whose activity is unknown (treated as always active).
    unknown: HashSet<String>,
}

impl Activity {
    /// Scans `tables` (name, event-time column) for hours with events in
    /// `[from, to]`. A table that cannot be scanned is treated as always
    /// active, so skipping never hides data.
    pub async fn scan(
        engine: &dyn QueryEngine,
        guard: &SqlGuard,
        tables: &[(String, String)],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Self {
        let mut out = Self::default();
        for (table, column) in tables {
            let sql = format!(
                "SELECT DISTINCT date_trunc('hour', {column}) AS h FROM {table} \
                 WHERE {column} >= from_iso8601_timestamp('{}') AND {column} <= from_iso8601_timestamp('{}')",
                mantissa_core::clock::format_instant(from),
                mantissa_core::clock::format_instant(to)
            );
            let scanned = match guard.check(&sql) {
                Ok(g) => engine.execute(&g, QueryTime::live(to)).await.ok(),
                Err(_) => None,
            };
            match scanned {
                Some(r) if !r.truncated => {
                    let set = out.hours.entry(table.clone()).or_default();
                    for row in r.json_rows() {
                        if let Some(t) = row
                            .first()
                            .and_then(|v| v.as_str())
                            .and_then(|s| mantissa_core::clock::parse_instant(s).ok())
                        {
                            set.insert(t.timestamp_micros());
                        }
                    }
                }
                _ => {
                    tracing::debug!(table, "activity unknown; every tick is evaluated");
                    out.unknown.insert(table.clone());
                }
            }
        }
        out
    }

    /// Activity from hours already known (one rule's matching hours), filed
    /// under each of `tables`.
    pub fn from_hours(tables: &[String], hours: Vec<DateTime<Utc>>) -> Self {
        let set: BTreeSet<i64> = hours.iter().map(|h| h.timestamp_micros()).collect();
        Self {
            hours: tables.iter().map(|t| (t.clone(), set.clone())).collect(),
            unknown: HashSet::new(),
        }
    }

    /// Start times (µs) of the hours with events in any of `tables`, sorted;
    /// `None` when one of them is unknown (every hour counts).
    pub fn hours_of(&self, tables: &[String]) -> Option<Vec<i64>> {
        if tables.iter().any(|t| self.unknown.contains(t)) {
            return None;
        }
        let mut all = BTreeSet::new();
        for t in tables {
            if let Some(set) = self.hours.get(t) {
                all.extend(set.iter().copied());
            }
        }
        Some(all.into_iter().collect())
    }
}
