//! [`AlertStore`] in one SQLite file (`<data-dir>/state/alerts.db`).
//!
//! Layout mirrors the DynamoDB single-table design the cloud store uses:
//! the alert body is a JSON document, the fields queries filter on are
//! columns. Lifecycle fields (`status`, `status_by`, `status_at`) live only
//! in columns and are overlaid on the body when read, so a detector update
//! racing a click can never undo the click.

use std::path::Path;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::Value;

use super::delivery::{
    Attempt, AttemptOutcome, Delivery, DeliveryAction, DeliveryStatus, NewDelivery,
};
use super::model::{Alert, AlertEvent, AlertStatus};
use super::store::{
    AlertFilter, AlertStore, OpenAlert, RuleMute, Saved, StatusChange, Transition, not_allowed,
    raised_event, repeated_event, severity_rank, status_event,
};
use crate::store::StoreError;

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA busy_timeout = 5000;
PRAGMA synchronous = NORMAL;
CREATE TABLE IF NOT EXISTS alerts (
    id             TEXT PRIMARY KEY,
    rule_id        TEXT NOT NULL,
    fingerprint    TEXT NOT NULL,
    severity       INTEGER NOT NULL,
    first_seen     INTEGER NOT NULL,
    last_seen      INTEGER NOT NULL,
    suppress_until INTEGER NOT NULL,
    evidence_hash  TEXT NOT NULL,
    meta           INTEGER NOT NULL,
    status         TEXT NOT NULL,
    status_by      TEXT,
    status_at      INTEGER,
    version        INTEGER NOT NULL DEFAULT 0,
    body           TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_by_fingerprint ON alerts (fingerprint, suppress_until);
CREATE INDEX IF NOT EXISTS alerts_by_rule ON alerts (rule_id, first_seen);
CREATE INDEX IF NOT EXISTS alerts_by_last_seen ON alerts (last_seen);
CREATE TABLE IF NOT EXISTS alert_events (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id TEXT NOT NULL,
    at       INTEGER NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    detail   TEXT
);
CREATE INDEX IF NOT EXISTS alert_events_by_alert ON alert_events (alert_id, seq);
CREATE TABLE IF NOT EXISTS deliveries (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    key          TEXT NOT NULL UNIQUE,
    alert_id     TEXT NOT NULL,
    destination  TEXT NOT NULL,
    action       TEXT NOT NULL,
    payload      TEXT NOT NULL,
    route        TEXT,
    fallback_of  INTEGER,
    status       TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL,
    last_error   TEXT,
    message_ref  TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    lease_until  INTEGER
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt);
CREATE INDEX IF NOT EXISTS deliveries_by_alert ON deliveries (alert_id, id);
CREATE TABLE IF NOT EXISTS delivery_attempts (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id  INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    duration_ms  INTEGER NOT NULL,
    status_code  INTEGER,
    error        TEXT,
    outcome      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_by_delivery ON delivery_attempts (delivery_id, seq);
CREATE TABLE IF NOT EXISTS rule_mutes (
    rule_id  TEXT PRIMARY KEY,
    until    INTEGER NOT NULL,
    by       TEXT NOT NULL,
    at       INTEGER NOT NULL
);
";

/// [`AlertStore`] in a SQLite file.
#[derive(Debug)]
pub struct SqliteAlertStore {
    conn: Mutex<Connection>,
}

impl SqliteAlertStore {
    /// Opens (creating if needed) the store at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = crate::store::sqlite::open(path, SCHEMA)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    /// A store in memory (backtests, rule tests).
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Self, StoreError> {
        conn.execute_batch(SCHEMA)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut conn)
    }
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

fn instant(us: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(us).unwrap_or_default()
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::corrupt("sqlite", format!("{what}: {e}"))
}

const ALERT_COLUMNS: &str = "body, status, status_by, status_at";

/// Decodes a row selected with [`ALERT_COLUMNS`] first.
fn alert_from_row(r: &Row<'_>) -> rusqlite::Result<Result<Alert, StoreError>> {
    let body: String = r.get(0)?;
    let status: String = r.get(1)?;
    let status_by: Option<String> = r.get(2)?;
    let status_at: Option<i64> = r.get(3)?;
    Ok((|| {
        let mut alert: Alert = serde_json::from_str(&body).map_err(|e| corrupt("alert body", e))?;
        alert.status =
            AlertStatus::parse(&status).ok_or_else(|| corrupt("alert status", &status))?;
        alert.status_by = status_by;
        alert.status_at = status_at.map(instant);
        Ok(alert)
    })())
}

fn query_alerts(
    c: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Alert>, StoreError> {
    let mut stmt = c.prepare_cached(sql)?;
    let rows = stmt.query_map(params, alert_from_row)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

fn get_alert(c: &Connection, id: &str) -> Result<Option<(Alert, i64)>, StoreError> {
    let row = c
        .query_row(
            &format!("SELECT {ALERT_COLUMNS}, version FROM alerts WHERE id = ?1"),
            [id],
            |r| Ok((alert_from_row(r)?, r.get::<_, i64>(4)?)),
        )
        .optional()?;
    match row {
        None => Ok(None),
        Some((alert, version)) => Ok(Some((alert?, version))),
    }
}

fn insert_event(c: &Connection, id: &str, e: &AlertEvent) -> Result<(), StoreError> {
    c.prepare_cached(
        "INSERT INTO alert_events (alert_id, at, actor, action, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![id, micros(e.at), e.actor, e.action, e.detail])?;
    Ok(())
}

const DELIVERY_COLUMNS: &str = "id, key, alert_id, destination, action, payload, route, fallback_of, status, attempts, next_attempt, last_error, message_ref, created_at, updated_at, lease_until";

fn delivery_from_row(r: &Row<'_>) -> rusqlite::Result<Result<Delivery, StoreError>> {
    let action: String = r.get(4)?;
    let payload: String = r.get(5)?;
    let status: String = r.get(8)?;
    let message_ref: Option<String> = r.get(12)?;
    let id: i64 = r.get(0)?;
    let key: String = r.get(1)?;
    let alert_id: String = r.get(2)?;
    let destination: String = r.get(3)?;
    let route: Option<String> = r.get(6)?;
    let fallback_of: Option<i64> = r.get(7)?;
    let attempts: i64 = r.get(9)?;
    let next_attempt: i64 = r.get(10)?;
    let last_error: Option<String> = r.get(11)?;
    let created_at: i64 = r.get(13)?;
    let updated_at: i64 = r.get(14)?;
    let lease_until: Option<i64> = r.get(15)?;
    Ok((|| {
        Ok(Delivery {
            id,
            key,
            alert_id,
            destination,
            action: DeliveryAction::parse(&action)
                .ok_or_else(|| corrupt("delivery action", &action))?,
            payload: serde_json::from_str(&payload).map_err(|e| corrupt("delivery payload", e))?,
            route,
            fallback_of,
            status: DeliveryStatus::parse(&status)
                .ok_or_else(|| corrupt("delivery status", &status))?,
            attempts: attempts as u32,
            next_attempt: instant(next_attempt),
            last_error,
            message_ref: message_ref
                .map(|s| serde_json::from_str::<Value>(&s))
                .transpose()
                .map_err(|e| corrupt("delivery message_ref", e))?,
            created_at: instant(created_at),
            updated_at: instant(updated_at),
            lease_until: lease_until.map(instant),
        })
    })())
}

fn query_deliveries(
    c: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Delivery>, StoreError> {
    let mut stmt = c.prepare_cached(sql)?;
    let rows = stmt.query_map(params, delivery_from_row)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

#[async_trait]
impl AlertStore for SqliteAlertStore {
    async fn open_alert(
        &self,
        fingerprint: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<OpenAlert>, StoreError> {
        self.with(|c| {
            let row = c
                .query_row(
                    &format!(
                        "SELECT {ALERT_COLUMNS}, evidence_hash, suppress_until FROM alerts
                         WHERE fingerprint = ?1 AND suppress_until > ?2 AND first_seen <= ?2
                           AND status != 'resolved'
                         ORDER BY first_seen DESC LIMIT 1"
                    ),
                    params![fingerprint, micros(at)],
                    |r| {
                        Ok((
                            alert_from_row(r)?,
                            r.get::<_, String>(4)?,
                            r.get::<_, i64>(5)?,
                        ))
                    },
                )
                .optional()?;
            row.map(|(alert, evidence_hash, until)| {
                Ok(OpenAlert {
                    alert: alert?,
                    evidence_hash,
                    suppress_until: instant(until),
                })
            })
            .transpose()
        })
    }

    async fn save_alert(
        &self,
        alert: &Alert,
        evidence_hash: &str,
        suppress_until: DateTime<Utc>,
    ) -> Result<Saved, StoreError> {
        let body = serde_json::to_string(alert).map_err(|e| corrupt("alert", e))?;
        self.with(|c| {
            let tx = c.transaction()?;
            let previous: Option<i64> = tx
                .query_row(
                    "SELECT json_extract(body, '$.count') FROM alerts WHERE id = ?1",
                    [&alert.id],
                    |r| r.get(0),
                )
                .optional()?;
            let saved = match previous {
                None => {
                    tx.prepare_cached(
                        "INSERT INTO alerts (id, rule_id, fingerprint, severity, first_seen, last_seen,
                           suppress_until, evidence_hash, meta, status, status_by, status_at, body)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                    )?
                    .execute(params![
                        alert.id,
                        alert.rule_id,
                        alert.fingerprint,
                        severity_rank(alert.severity),
                        micros(alert.first_seen),
                        micros(alert.last_seen),
                        micros(suppress_until),
                        evidence_hash,
                        alert.meta,
                        alert.status.as_str(),
                        alert.status_by,
                        alert.status_at.map(micros),
                        body
                    ])?;
                    insert_event(&tx, &alert.id, &raised_event(alert))?;
                    Saved::Inserted
                }
                Some(previous_count) => {
                    tx.prepare_cached(
                        "UPDATE alerts SET last_seen = ?2, suppress_until = ?3, evidence_hash = ?4, body = ?5
                         WHERE id = ?1",
                    )?
                    .execute(params![
                        alert.id,
                        micros(alert.last_seen),
                        micros(suppress_until),
                        evidence_hash,
                        body
                    ])?;
                    if alert.count as i64 > previous_count {
                        insert_event(&tx, &alert.id, &repeated_event(alert))?;
                    }
                    Saved::Updated
                }
            };
            tx.commit()?;
            Ok(saved)
        })
    }

    async fn alerts_raised(
        &self,
        rule_id: &str,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM alerts WHERE rule_id = ?1 AND meta = 0
                 AND first_seen > ?2 AND first_seen <= ?3",
                params![rule_id, micros(since), micros(until)],
                |r| r.get::<_, i64>(0),
            )? as u64)
        })
    }

    async fn get(&self, id: &str) -> Result<Option<Alert>, StoreError> {
        self.with(|c| Ok(get_alert(c, id)?.map(|(a, _)| a)))
    }

    async fn list(&self, filter: &AlertFilter) -> Result<Vec<Alert>, StoreError> {
        let mut sql = format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE 1 = 1");
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(s) = filter.status {
            args.push(s.as_str().to_string().into());
            sql.push_str(&format!(" AND status = ?{}", args.len()));
        }
        if let Some(s) = filter.min_severity {
            args.push(severity_rank(s).into());
            sql.push_str(&format!(" AND severity >= ?{}", args.len()));
        }
        if let Some(r) = &filter.rule_id {
            args.push(r.clone().into());
            sql.push_str(&format!(" AND rule_id = ?{}", args.len()));
        }
        if let Some(t) = filter.since {
            args.push(micros(t).into());
            sql.push_str(&format!(" AND last_seen > ?{}", args.len()));
        }
        if !filter.include_meta {
            sql.push_str(" AND meta = 0");
        }
        sql.push_str(" ORDER BY last_seen DESC, id");
        if filter.limit > 0 {
            sql.push_str(&format!(" LIMIT {}", filter.limit));
        }
        self.with(|c| query_alerts(c, &sql, rusqlite::params_from_iter(args)))
    }

    async fn history(&self, id: &str) -> Result<Vec<AlertEvent>, StoreError> {
        self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT at, actor, action, detail FROM alert_events WHERE alert_id = ?1 ORDER BY seq",
            )?;
            let rows = stmt.query_map([id], |r| {
                Ok(AlertEvent {
                    at: instant(r.get(0)?),
                    actor: r.get(1)?,
                    action: r.get(2)?,
                    detail: r.get(3)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    async fn transition(&self, id: &str, change: &StatusChange) -> Result<Transition, StoreError> {
        self.with(|c| {
            // Compare-and-set on (status, version): the same shape as a
            // DynamoDB conditional update, so both stores behave alike.
            for _ in 0..8 {
                let (alert, version) =
                    get_alert(c, id)?.ok_or_else(|| StoreError::NotFound { what: "alert", id: id.to_string() })?;
                let from = alert.status;
                if from == change.to {
                    return Ok(Transition::Unchanged { alert });
                }
                if !from.can_move_to(change.to) {
                    return Err(not_allowed(id, from, change.to));
                }
                let tx = c.transaction()?;
                let n = tx.execute(
                    "UPDATE alerts SET status = ?3, status_by = ?4, status_at = ?5, version = version + 1
                     WHERE id = ?1 AND version = ?2 AND status = ?6",
                    params![
                        id,
                        version,
                        change.to.as_str(),
                        change.actor,
                        micros(change.at),
                        from.as_str()
                    ],
                )?;
                if n == 0 {
                    continue;
                }
                insert_event(&tx, id, &status_event(change))?;
                tx.commit()?;
                let (alert, _) =
                    get_alert(c, id)?.ok_or_else(|| StoreError::NotFound { what: "alert", id: id.to_string() })?;
                return Ok(Transition::Changed { alert, from });
            }
            Err(StoreError::Precondition { what: "alert", id: id.to_string() })
        })
    }

    async fn record_event(&self, id: &str, event: &AlertEvent) -> Result<(), StoreError> {
        self.with(|c| insert_event(c, id, event))
    }

    async fn mute_rule(&self, mute: &RuleMute) -> Result<(), StoreError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO rule_mutes (rule_id, until, by, at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (rule_id) DO UPDATE SET until = excluded.until, by = excluded.by, at = excluded.at",
                params![mute.rule_id, micros(mute.until), mute.by, micros(mute.at)],
            )?;
            Ok(())
        })
    }

    async fn unmute_rule(&self, rule_id: &str) -> Result<bool, StoreError> {
        self.with(|c| Ok(c.execute("DELETE FROM rule_mutes WHERE rule_id = ?1", [rule_id])? > 0))
    }

    async fn rule_mute(
        &self,
        rule_id: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<RuleMute>, StoreError> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT until, by, at FROM rule_mutes WHERE rule_id = ?1 AND until > ?2",
                params![rule_id, micros(at)],
                |r| {
                    Ok(RuleMute {
                        rule_id: rule_id.to_string(),
                        until: instant(r.get(0)?),
                        by: r.get(1)?,
                        at: instant(r.get(2)?),
                    })
                },
            )
            .optional()?)
        })
    }

    async fn enqueue(&self, deliveries: &[NewDelivery]) -> Result<Vec<i64>, StoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            let mut ids = Vec::new();
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT INTO deliveries (key, alert_id, destination, action, payload, route, fallback_of,
                       status, attempts, next_attempt, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', 0, ?8, ?8, ?8)
                     ON CONFLICT (key) DO NOTHING",
                )?;
                for d in deliveries {
                    let n = stmt.execute(params![
                        d.key,
                        d.alert_id,
                        d.destination,
                        d.action.as_str(),
                        d.payload.to_string(),
                        d.route,
                        d.fallback_of,
                        micros(d.not_before)
                    ])?;
                    if n == 1 {
                        ids.push(tx.last_insert_rowid());
                    }
                }
            }
            tx.commit()?;
            Ok(ids)
        })
    }

    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Delivery>, StoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            let claimed = query_deliveries(
                &tx,
                &format!(
                    "UPDATE deliveries SET lease_until = ?2
                     WHERE id IN (
                       SELECT id FROM deliveries
                       WHERE status = 'pending' AND next_attempt <= ?1
                         AND (lease_until IS NULL OR lease_until <= ?1)
                       ORDER BY next_attempt, id LIMIT ?3)
                     RETURNING {DELIVERY_COLUMNS}"
                ),
                params![micros(now), micros(lease_until), limit as i64],
            )?;
            tx.commit()?;
            let mut claimed = claimed;
            claimed.sort_by_key(|d| (d.next_attempt, d.id));
            Ok(claimed)
        })
    }

    async fn record_attempt(&self, attempt: &Attempt) -> Result<Delivery, StoreError> {
        let outcome = serde_json::to_string(&attempt.outcome).map_err(|e| corrupt("attempt", e))?;
        self.with(|c| {
            let tx = c.transaction()?;
            tx.execute(
                "INSERT INTO delivery_attempts (delivery_id, at, duration_ms, status_code, error, outcome)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    attempt.delivery_id,
                    micros(attempt.at),
                    attempt.duration_ms as i64,
                    attempt.status_code,
                    attempt.error,
                    outcome
                ],
            )?;
            let now = micros(attempt.at);
            match &attempt.outcome {
                AttemptOutcome::Delivered { message_ref } => tx.execute(
                    "UPDATE deliveries SET status = 'delivered', attempts = attempts + 1,
                       message_ref = ?2, last_error = NULL, lease_until = NULL, updated_at = ?3
                     WHERE id = ?1",
                    params![
                        attempt.delivery_id,
                        message_ref.as_ref().map(|v| v.to_string()),
                        now
                    ],
                )?,
                AttemptOutcome::Retry { retry_at } => tx.execute(
                    "UPDATE deliveries SET attempts = attempts + 1, next_attempt = ?2,
                       last_error = ?3, lease_until = NULL, updated_at = ?4
                     WHERE id = ?1",
                    params![attempt.delivery_id, micros(*retry_at), attempt.error, now],
                )?,
                AttemptOutcome::Failed => tx.execute(
                    "UPDATE deliveries SET status = 'failed', attempts = attempts + 1,
                       last_error = ?2, lease_until = NULL, updated_at = ?3
                     WHERE id = ?1",
                    params![attempt.delivery_id, attempt.error, now],
                )?,
            };
            let d = query_deliveries(
                &tx,
                &format!("SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE id = ?1"),
                [attempt.delivery_id],
            )?
            .pop()
            .ok_or_else(|| corrupt("delivery", format!("no delivery {}", attempt.delivery_id)))?;
            tx.commit()?;
            Ok(d)
        })
    }

    async fn deliveries(&self, alert_id: &str) -> Result<Vec<Delivery>, StoreError> {
        self.with(|c| {
            query_deliveries(
                c,
                &format!(
                    "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE alert_id = ?1 ORDER BY id"
                ),
                [alert_id],
            )
        })
    }

    async fn attempts(&self, delivery_id: i64) -> Result<Vec<Attempt>, StoreError> {
        self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT at, duration_ms, status_code, error, outcome FROM delivery_attempts
                 WHERE delivery_id = ?1 ORDER BY seq",
            )?;
            let rows = stmt.query_map([delivery_id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Option<u16>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (at, duration_ms, status_code, error, outcome) = row?;
                out.push(Attempt {
                    delivery_id,
                    at: instant(at),
                    duration_ms: duration_ms as u64,
                    status_code,
                    error,
                    outcome: serde_json::from_str(&outcome).map_err(|e| corrupt("attempt", e))?,
                });
            }
            Ok(out)
        })
    }

    async fn next_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.with(|c| {
            let t: Option<i64> = c.query_row(
                "SELECT min(max(next_attempt, coalesce(lease_until, 0))) FROM deliveries WHERE status = 'pending'",
                [],
                |r| r.get(0),
            )?;
            Ok(t.map(instant))
        })
    }

    async fn pending(&self) -> Result<u64, StoreError> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM deliveries WHERE status = 'pending'",
                [],
                |r| r.get::<_, i64>(0),
            )? as u64)
        })
    }
}
