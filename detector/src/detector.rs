//! The detector: evaluates rules at times (one cycle, a replay, the live
//! schedule), turns groups into alerts with dedup, suppression and the
//! per-rule limiter, and records every run in the state store.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use mantissa_core::config::DetectorConfig;
use mantissa_core::engine::QueryEngine;
use mantissa_core::guard::SqlGuard;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::activity::Activity;
use crate::alert::{Alert, AlertStatus, group_text};
use crate::enrich::Enricher;
use crate::eval::{Group, evaluate, hex};
use crate::rule::Rule;
use mantissa_core::alert::AlertStore;
use mantissa_core::rule_state::RuleStateStore;
use mantissa_core::store::StoreError;

pub use mantissa_core::alert::Change;

/// An alert and what happened to it.
#[derive(Debug, Clone, Serialize)]
pub struct Raised {
    /// New or updated.
    pub change: Change,
    /// The alert as stored.
    #[serde(flatten)]
    pub alert: Alert,
}

/// One rule's evaluation at one time.
#[derive(Debug, Clone)]
pub struct RuleRun {
    /// The rule.
    pub rule_id: String,
    /// Evaluation time.
    pub at: DateTime<Utc>,
    /// Result rows, or the failure.
    pub outcome: Result<usize, String>,
    /// Alerts raised or updated.
    pub alerts: Vec<Raised>,
    /// Wall-clock time of the evaluation.
    pub elapsed: std::time::Duration,
    /// What the rule's query read (and cost, on Athena).
    pub scan: Option<mantissa_core::engine::Scan>,
}

/// Several evaluations: a cycle, a replay or a backtest.
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    /// Every evaluation, in order.
    pub runs: Vec<RuleRun>,
    /// Schedule ticks skipped because their window held no events.
    pub skipped: usize,
}

impl RunReport {
    /// Bytes every evaluation read, and their price where billed (Athena).
    pub fn scanned(&self) -> mantissa_core::engine::Scan {
        let mut total = mantissa_core::engine::Scan::default();
        for scan in self.runs.iter().filter_map(|r| r.scan.as_ref()) {
            total.bytes += scan.bytes;
            if let Some(usd) = scan.usd {
                total.usd = Some(total.usd.unwrap_or(0.0) + usd);
            }
        }
        total
    }

    /// Alerts raised or updated, in order, each once (its latest state).
    pub fn alerts(&self) -> Vec<Raised> {
        let mut out: Vec<Raised> = Vec::new();
        for r in self.runs.iter().flat_map(|r| &r.alerts) {
            match out.iter_mut().find(|o| o.alert.id == r.alert.id) {
                Some(o) => o.alert = r.alert.clone(),
                None => out.push(r.clone()),
            }
        }
        out
    }

    /// Evaluations that failed: (rule, time, message).
    pub fn failures(&self) -> Vec<(&str, DateTime<Utc>, &str)> {
        self.runs
            .iter()
            .filter_map(|r| match &r.outcome {
                Err(e) => Some((r.rule_id.as_str(), r.at, e.as_str())),
                Ok(_) => None,
            })
            .collect()
    }
}

/// Evaluates rules against an engine, keeping state in a store.
pub struct Detector {
    engine: Arc<dyn QueryEngine>,
    guard: SqlGuard,
    store: Arc<dyn RuleStateStore>,
    alerts: Arc<dyn AlertStore>,
    enricher: Option<Arc<dyn Enricher>>,
    config: DetectorConfig,
    /// Event-time column per table (for activity scans).
    time_columns: Vec<(String, String)>,
}

impl std::fmt::Debug for Detector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Detector")
            .field("engine", &self.engine.name())
            .finish_non_exhaustive()
    }
}

/// A detector failure that is not one rule's (the state store is unusable).
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    /// The state or the alert store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Detector {
    /// A detector; `time_columns` maps each table to its event-time column.
    pub fn new(
        engine: Arc<dyn QueryEngine>,
        guard: SqlGuard,
        store: Arc<dyn RuleStateStore>,
        alerts: Arc<dyn AlertStore>,
        config: DetectorConfig,
        time_columns: Vec<(String, String)>,
    ) -> Self {
        Self {
            engine,
            guard,
            store,
            alerts,
            enricher: None,
            config,
            time_columns,
        }
    }

    /// Adds context to every new alert before it is stored.
    pub fn with_enricher(mut self, enricher: Arc<dyn Enricher>) -> Self {
        self.enricher = Some(enricher);
        self
    }

    /// The state store.
    pub fn store(&self) -> &Arc<dyn RuleStateStore> {
        &self.store
    }

    /// The alert store.
    pub fn alerts(&self) -> &Arc<dyn AlertStore> {
        &self.alerts
    }

    /// Whether a rule is enabled: the state store's override, else the file.
    pub async fn is_enabled(&self, rule: &Rule) -> Result<bool, DetectError> {
        Ok(self
            .store
            .rule_state(&rule.id)
            .await?
            .enabled
            .unwrap_or(rule.enabled))
    }

    /// Enabled rules among `rules`.
    pub async fn enabled<'r>(
        &self,
        rules: impl IntoIterator<Item = &'r Rule>,
    ) -> Result<Vec<&'r Rule>, DetectError> {
        let mut out = Vec::new();
        for r in rules {
            if self.is_enabled(r).await? {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// One cycle: every rule evaluated at `now`.
    pub async fn cycle(
        &self,
        rules: &[&Rule],
        now: DateTime<Utc>,
    ) -> Result<RunReport, DetectError> {
        let mut report = RunReport::default();
        for rule in rules {
            let run = self.run_rule(rule, now).await?;
            if let Some(scan) = &run.scan {
                tracing::info!(
                    rule = %rule.id,
                    bytes_scanned = scan.bytes,
                    usd = scan.usd,
                    "rule evaluated: {scan}"
                );
            }
            report.runs.push(run);
        }
        let total = report.scanned();
        tracing::info!(
            rules = rules.len(),
            bytes_scanned = total.bytes,
            usd = total.usd,
            "detection cycle: {total}"
        );
        Ok(report)
    }

    /// Replays the schedule over `[from, to]` as if it had run live: every
    /// rule at each of its schedule ticks (and at `to`), in time order,
    /// skipping ticks whose window holds no events the rule could match
    /// ([`mantissa_core::engine::QueryEngine::activity`]).
    pub async fn replay(
        &self,
        rules: &[&Rule],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<RunReport, DetectError> {
        let widest = rules
            .iter()
            .map(|r| r.threshold.window.chrono())
            .max()
            .unwrap_or_else(Duration::zero);
        let scan_from = from.checked_sub_signed(widest).unwrap_or(from);
        // Where each rule could match (its row filters, time aside); when the
        // engine cannot tell, where its tables have any data at all.
        let mut per_rule: Vec<Option<Activity>> = Vec::with_capacity(rules.len());
        for rule in rules {
            let hours = match self.engine.activity(&rule.guarded, scan_from, to).await {
                Ok(h) => h,
                Err(e) => {
                    tracing::debug!(rule = %rule.id, error = %e, "rule activity unknown");
                    None
                }
            };
            per_rule.push(hours.map(|h| Activity::from_hours(rule.guarded.tables(), h)));
        }
        let tables = if per_rule.iter().any(Option::is_none) {
            Activity::scan(
                self.engine.as_ref(),
                &self.guard,
                &self.time_columns,
                scan_from,
                to,
            )
            .await
        } else {
            Activity::default()
        };
        let mut plan: BTreeMap<DateTime<Utc>, Vec<usize>> = BTreeMap::new();
        let mut skipped = 0;
        for (i, rule) in rules.iter().enumerate() {
            let activity = per_rule[i].as_ref().unwrap_or(&tables);
            let all = tick_count(rule, from, to);
            let due = match activity.hours_of(rule.guarded.tables()) {
                // Only ticks whose window (t - window, t] touches an hour
                // with matching rows: t in (h, h + 1h + window).
                Some(hours) => active_ticks(rule, from, to, &hours),
                None => ticks(rule, from, to).collect(),
            };
            skipped += all.saturating_sub(due.len());
            for tick in due {
                plan.entry(tick).or_default().push(i);
            }
        }
        let total: usize = plan.values().map(Vec::len).sum();
        let mut report = RunReport {
            runs: Vec::with_capacity(total),
            skipped,
        };
        for (tick, due) in plan {
            for i in due {
                report.runs.push(self.run_rule(rules[i], tick).await?);
                progress(report.runs.len(), total);
            }
        }
        Ok(report)
    }

    /// Live schedule step: for each rule, every schedule tick missed since
    /// its last successful evaluation (at most `max_catchup_hours` back), so
    /// downtime leaves no gaps; a rule that never ran is evaluated at `now`.
    pub async fn catch_up(
        &self,
        rules: &[&Rule],
        now: DateTime<Utc>,
    ) -> Result<RunReport, DetectError> {
        let horizon = now - Duration::hours(self.config.max_catchup_hours as i64);
        let mut report = RunReport::default();
        for rule in rules {
            let state = self.store.rule_state(&rule.id).await?;
            let Some(last) = state.last_success else {
                report.runs.push(self.run_rule(rule, now).await?);
                continue;
            };
            let mut from = last + Duration::microseconds(1);
            if from < horizon {
                tracing::warn!(
                    rule = %rule.id,
                    "down for more than {}h: catching up the last {}h of the schedule only",
                    self.config.max_catchup_hours,
                    self.config.max_catchup_hours
                );
                from = horizon;
            }
            for tick in aligned_ticks(rule, from, now) {
                report.runs.push(self.run_rule(rule, tick).await?);
            }
        }
        Ok(report)
    }

    /// When the earliest rule is next due after `now`.
    pub async fn next_due(&self, rules: &[&Rule], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        rules.iter().map(|r| next_tick(r, now)).min()
    }

    /// Evaluates one rule at `at` and stores the outcome. Only a state-store
    /// failure is an error; a rule's failure is recorded in its [`RuleRun`].
    pub async fn run_rule(&self, rule: &Rule, at: DateTime<Utc>) -> Result<RuleRun, DetectError> {
        let started = std::time::Instant::now();
        let eval = evaluate(rule, self.engine.as_ref(), at, self.config.evidence_rows).await;
        let eval = match eval {
            Ok(e) => e,
            Err(e) => {
                let msg = e.to_string();
                tracing::warn!(rule = %rule.id, at = %at, error = %msg, "rule evaluation failed; retried next cycle");
                self.store.record_failure(&rule.id, at, &msg).await?;
                return Ok(RuleRun {
                    rule_id: rule.id.clone(),
                    at,
                    outcome: Err(msg),
                    alerts: Vec::new(),
                    elapsed: started.elapsed(),
                    scan: None,
                });
            }
        };
        let mut alerts = Vec::new();
        for group in eval.groups {
            if let Some(raised) = self.raise(rule, at, group).await? {
                alerts.push(raised);
            }
        }
        self.store.record_success(&rule.id, at).await?;
        Ok(RuleRun {
            rule_id: rule.id.clone(),
            at,
            outcome: Ok(eval.rows),
            alerts,
            elapsed: started.elapsed(),
            scan: eval.scan,
        })
    }

    /// One group → a new alert, an update of the open one, or nothing.
    async fn raise(
        &self,
        rule: &Rule,
        at: DateTime<Utc>,
        group: Group,
    ) -> Result<Option<Raised>, DetectError> {
        let suppress = rule.suppress.chrono();
        if let Some(open) = self.alerts.open_alert(&group.fingerprint, at).await? {
            let mut alert = open.alert;
            let new_evidence = open.evidence_hash != group.evidence_hash;
            if at > alert.last_seen {
                alert.last_seen = at;
            }
            if new_evidence {
                alert.count += 1;
                alert.evidence = group.rows;
            }
            let until = at + suppress;
            self.alerts
                .save_alert(&alert, &group.evidence_hash, until.max(open.suppress_until))
                .await?;
            return Ok(new_evidence.then_some(Raised {
                change: Change::Updated,
                alert,
            }));
        }
        let hour_ago = at - Duration::hours(1);
        let raised = self.alerts.alerts_raised(&rule.id, hour_ago, at).await?;
        if raised >= u64::from(self.config.max_alerts_per_hour) {
            return self.limit(rule, at).await;
        }
        let alert = Alert {
            id: alert_id(&group.fingerprint, at),
            rule_id: rule.id.clone(),
            rule_name: rule.name.clone(),
            severity: rule.severity,
            category: rule.category,
            title: if group.key.is_empty() {
                rule.name.clone()
            } else {
                format!("{}: {}", rule.name, group_text(&group.key))
            },
            description: rule.description.clone(),
            first_seen: at,
            last_seen: at,
            count: 1,
            group: group.key,
            evidence: group.rows,
            mitre_attack: rule.metadata.mitre_attack.clone(),
            tags: rule.metadata.tags.clone(),
            sql: rule.guarded.sql().to_string(),
            status: AlertStatus::Open,
            status_by: None,
            status_at: None,
            fingerprint: group.fingerprint,
            meta: false,
            enrichment: Default::default(),
        };
        let mut alert = alert;
        if let Some(enricher) = &self.enricher {
            enricher.enrich(&mut alert).await;
        }
        self.alerts
            .save_alert(&alert, &group.evidence_hash, at + suppress)
            .await?;
        Ok(Some(Raised {
            change: Change::New,
            alert,
        }))
    }

    /// The limiter tripped: one meta-alert per rule and hour, counting the
    /// alerts it held back.
    async fn limit(&self, rule: &Rule, at: DateTime<Utc>) -> Result<Option<Raised>, DetectError> {
        let fingerprint = format!("limiter:{}", rule.id);
        if let Some(open) = self.alerts.open_alert(&fingerprint, at).await? {
            let mut alert = open.alert;
            alert.count += 1;
            alert.last_seen = at.max(alert.last_seen);
            self.alerts
                .save_alert(&alert, &open.evidence_hash, open.suppress_until)
                .await?;
            return Ok(None);
        }
        let limit = self.config.max_alerts_per_hour;
        let mut group = serde_json::Map::new();
        group.insert("rule_id".into(), rule.id.clone().into());
        let alert = Alert {
            id: alert_id(&fingerprint, at),
            rule_id: rule.id.clone(),
            rule_name: rule.name.clone(),
            severity: rule.severity,
            category: rule.category,
            title: format!(
                "Rule `{}` raised more than {limit} alerts in an hour; further alerts are held back",
                rule.id
            ),
            description: format!(
                "The alert limiter stopped `{}` ({}) after {limit} alerts in one hour. Review the rule's threshold and dedup fields, or raise detector.max_alerts_per_hour. `count` is the number of alerts held back.",
                rule.id, rule.name
            ),
            first_seen: at,
            last_seen: at,
            count: 1,
            group,
            evidence: Vec::new(),
            mitre_attack: rule.metadata.mitre_attack.clone(),
            tags: vec!["meta".into(), "alert-limiter".into()],
            sql: rule.guarded.sql().to_string(),
            status: AlertStatus::Open,
            status_by: None,
            status_at: None,
            fingerprint,
            meta: true,
            enrichment: Default::default(),
        };
        self.alerts
            .save_alert(&alert, "", at + Duration::hours(1))
            .await?;
        Ok(Some(Raised {
            change: Change::New,
            alert,
        }))
    }
}

fn alert_id(fingerprint: &str, at: DateTime<Utc>) -> String {
    let mut h = Sha256::new();
    h.update(fingerprint.as_bytes());
    h.update(at.timestamp_micros().to_le_bytes());
    hex(&h.finalize())[..16].to_string()
}

/// The first schedule tick strictly after `t`.
fn next_tick(rule: &Rule, t: DateTime<Utc>) -> DateTime<Utc> {
    let step = rule.schedule.get().as_micros().max(1) as i64;
    let us = t.timestamp_micros();
    DateTime::from_timestamp_micros((us.div_euclid(step) + 1) * step).unwrap_or(t)
}

/// Schedule ticks (multiples of the schedule since the epoch) in `[from, to]`.
fn aligned_ticks(
    rule: &Rule,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> impl Iterator<Item = DateTime<Utc>> {
    let step = rule.schedule.get().as_micros().max(1) as i64;
    let first = from.timestamp_micros().div_euclid(step) * step;
    let first = if first < from.timestamp_micros() {
        first + step
    } else {
        first
    };
    let last = to.timestamp_micros();
    (0..)
        .map(move |k| first + k * step)
        .take_while(move |us| *us <= last)
        .filter_map(DateTime::from_timestamp_micros)
}

/// Aligned ticks in `[from, to]`, plus `to` itself when it is not a tick.
fn ticks(
    rule: &Rule,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> impl Iterator<Item = DateTime<Utc>> {
    let step = rule.schedule.get().as_micros().max(1) as i64;
    let tail = (to.timestamp_micros().rem_euclid(step) != 0 && to >= from).then_some(to);
    aligned_ticks(rule, from, to).chain(tail)
}

/// How many ticks [`ticks`] yields, without enumerating them.
fn tick_count(rule: &Rule, from: DateTime<Utc>, to: DateTime<Utc>) -> usize {
    if to < from {
        return 0;
    }
    let step = rule.schedule.get().as_micros().max(1) as i64;
    let first = from.timestamp_micros().div_euclid(step)
        + i64::from(from.timestamp_micros().rem_euclid(step) != 0);
    let last = to.timestamp_micros().div_euclid(step);
    let aligned = (last - first + 1).max(0) as usize;
    aligned + usize::from(to.timestamp_micros().rem_euclid(step) != 0)
}

/// Ticks in `[from, to]` (plus `to`) whose window touches one of `hours`.
fn active_ticks(
    rule: &Rule,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    hours: &[i64],
) -> Vec<DateTime<Utc>> {
    let window = rule.threshold.window.get().as_micros() as i64;
    let (lo, hi) = (from.timestamp_micros(), to.timestamp_micros());
    // Merge the open ranges (h, h + 1h + window) of every active hour.
    let mut ranges: Vec<(i64, i64)> = Vec::new();
    for &h in hours {
        let (a, b) = (h + 1, h + crate::activity::HOUR_US + window);
        match ranges.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => ranges.push((a, b)),
        }
    }
    let step = rule.schedule.get().as_micros().max(1) as i64;
    let mut out = Vec::new();
    for (a, b) in ranges {
        let (a, b) = (a.max(lo), (b - 1).min(hi));
        if a > b {
            continue;
        }
        let mut t = a.div_euclid(step) * step;
        if t < a {
            t += step;
        }
        while t <= b {
            out.extend(DateTime::from_timestamp_micros(t));
            t += step;
        }
        if hi <= b && hi % step != 0 && a <= hi {
            out.extend(DateTime::from_timestamp_micros(hi));
        }
    }
    out.dedup();
    out
}
