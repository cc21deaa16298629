//! `rules test`: a rule's inline tests, on the real ingest pipeline and the
//! real engine, each in a scratch data directory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use mantissa_core::alert::AlertStore;
use mantissa_core::catalog::{Catalog, SourceKind};
use mantissa_core::config::Config;
use mantissa_core::engine::QueryEngine;
use mantissa_core::guard::SqlGuard;
use mantissa_core::ingest::{DataDir, IngestOptions, Ingestor, NoProgress};
use mantissa_core::rule_state::RuleStateStore;
use serde_json::Value;

use crate::detector::Detector;
use crate::rule::{Rule, RuleTest};

/// A detector state store and an alert store that live as long as a test.
pub type ScratchStores = (Arc<dyn RuleStateStore>, Arc<dyn AlertStore>);

/// What rule tests need from the composition root: an engine over a
/// scratch configuration's tables and throw-away stores. The detector
/// never names a backend itself.
pub trait TestBackends {
    /// The engine over `config`'s tables (a scratch data directory).
    fn engine(&self, config: &Config) -> Result<Arc<dyn QueryEngine>, String>;
    /// Empty stores that live as long as the test.
    fn stores(&self) -> Result<ScratchStores, String>;
    /// Ingest into `config`'s tables (a scratch data directory).
    fn ingestor(&self, config: &Config) -> Result<Ingestor, String>;
}

/// The outcome of one inline test.
#[derive(Debug, Clone)]
pub struct TestOutcome {
    /// The rule.
    pub rule_id: String,
    /// The test's name.
    pub name: String,
    /// `Ok` or why it failed.
    pub result: Result<(), String>,
    /// Alerts raised.
    pub alerts: usize,
}

/// Runs every inline test of `rule`. `config` supplies custom sources and
/// engine limits; its data directory is not touched.
pub fn run_tests(rule: &Rule, config: &Config, backends: &dyn TestBackends) -> Vec<TestOutcome> {
    rule.tests
        .iter()
        .map(|t| {
            let (result, alerts) = match run_one(rule, t, config, backends) {
                Ok((alerts, failure)) => (failure.map_or(Ok(()), Err), alerts),
                Err(e) => (Err(e), 0),
            };
            TestOutcome {
                rule_id: rule.id.clone(),
                name: t.name.clone(),
                result,
                alerts,
            }
        })
        .collect()
}

fn run_one(
    rule: &Rule,
    test: &RuleTest,
    base: &Config,
    backends: &dyn TestBackends,
) -> Result<(usize, Option<String>), String> {
    let dir = tempfile::tempdir().map_err(|e| format!("cannot create a scratch directory: {e}"))?;
    let mut config = base.clone();
    config.data_dir = dir.path().join("data");
    // The scratch tables, never the deployment's (`[storage] url`).
    config.storage = Default::default();
    config.ingest.workers = Some(1);
    let catalog = Catalog::new(&config, &[]);
    for (table, events) in &test.events {
        let def = catalog
            .get(table)
            .ok_or_else(|| format!("unknown table `{table}` in events"))?;
        let file = write_events(dir.path(), &def.kind, table, events)?;
        let report = backends
            .ingestor(&config)?
            .run(
                &[file],
                &IngestOptions {
                    source: Some(def.name.clone()),
                },
                &NoProgress,
            )
            .map_err(|e| format!("ingest of `{table}` events failed: {e}"))?;
        if report.quarantined_total() > 0 {
            let why = report
                .files
                .iter()
                .flat_map(|f| f.quarantined.keys())
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            return Err(format!(
                "{} `{table}` event(s) rejected by ingest ({why}); see {}",
                report.quarantined_total(),
                report
                    .quarantine_file
                    .as_deref()
                    .map(Path::display)
                    .map(|d| d.to_string())
                    .unwrap_or_default()
            ));
        }
    }
    let data = DataDir::new(&config.data_dir);
    let catalog = Catalog::new(&config, &data.custom_schemas());
    let guard = SqlGuard::new(&catalog, config.engine.max_rows);
    let engine = backends.engine(&config)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let now = match &test.now {
        Some(t) => mantissa_core::clock::parse_instant(t)?,
        None => {
            rt.block_on(latest_event(engine.as_ref(), &guard, &catalog, test))
                .ok_or("no event time in the test's events; give the test a `now`")?
                + Duration::minutes(1)
        }
    };
    let (store, alerts) = backends.stores()?;
    let detector = Detector::new(
        engine,
        guard,
        store,
        alerts,
        config.detector.clone(),
        Vec::new(),
    );
    let run = rt
        .block_on(detector.run_rule(rule, now))
        .map_err(|e| e.to_string())?;
    let rows = run.outcome.map_err(|e| format!("evaluation failed: {e}"))?;
    let alerts = run.alerts.len();
    if alerts as u64 != test.expect.alerts {
        return Ok((
            alerts,
            Some(format!(
                "expected {} alert(s), got {alerts} ({rows} result row(s) at {}){}",
                test.expect.alerts,
                mantissa_core::clock::format_instant(now),
                run.alerts
                    .first()
                    .map(|a| format!("; first group: {}", a.alert.group_text()))
                    .unwrap_or_default()
            )),
        ));
    }
    if !test.expect.group.is_empty() {
        let matched = run.alerts.iter().any(|a| {
            test.expect.group.iter().all(|(k, want)| {
                a.alert
                    .group
                    .iter()
                    .find(|(gk, _)| gk.eq_ignore_ascii_case(k))
                    .is_some_and(|(_, got)| same_value(got, want))
            })
        });
        if !matched {
            let groups: Vec<String> = run.alerts.iter().map(|a| a.alert.group_text()).collect();
            return Ok((
                alerts,
                Some(format!(
                    "no alert has group {}; groups raised: [{}]",
                    serde_json::to_string(&test.expect.group).unwrap_or_default(),
                    groups.join("; ")
                )),
            ));
        }
    }
    Ok((alerts, None))
}

fn same_value(got: &Value, want: &Value) -> bool {
    match (got, want) {
        (Value::String(a), Value::String(b)) => a == b,
        (Value::String(a), other) | (other, Value::String(a)) => a == &other.to_string(),
        (a, b) => a == b,
    }
}

async fn latest_event(
    engine: &dyn QueryEngine,
    guard: &SqlGuard,
    catalog: &Catalog,
    test: &RuleTest,
) -> Option<DateTime<Utc>> {
    let mut latest: Option<DateTime<Utc>> = None;
    for table in test.events.keys() {
        let def = catalog.get(table)?;
        let sql = format!("SELECT max({}) FROM {}", def.time_column, def.name);
        let g = guard.check(&sql).ok()?;
        let r = engine
            .execute(
                &g,
                mantissa_core::engine::QueryTime::live(mantissa_core::clock::Clock::system().now()),
            )
            .await
            .ok()?;
        let t = r
            .json_rows()
            .first()
            .and_then(|row| row.first().cloned())
            .and_then(|v| v.as_str().map(str::to_string))
            .and_then(|s| mantissa_core::clock::parse_instant(&s).ok());
        latest = latest.max(t);
    }
    latest
}

/// Writes a test's events in the source's native file format.
fn write_events(
    dir: &Path,
    kind: &SourceKind,
    table: &str,
    events: &[Value],
) -> Result<PathBuf, String> {
    let (name, body) = match kind {
        SourceKind::CloudTrail => (
            format!("{table}.json"),
            serde_json::json!({ "Records": events }).to_string(),
        ),
        SourceKind::GuardDuty => (
            format!("{table}.json"),
            Value::from(events.to_vec()).to_string(),
        ),
        SourceKind::VpcFlow => {
            let mut lines = String::new();
            for (i, e) in events.iter().enumerate() {
                let Value::String(line) = e else {
                    return Err(format!(
                        "vpc_flow event {i} must be a flow-log text line (a string), found {e}"
                    ));
                };
                lines.push_str(line.trim());
                lines.push('\n');
            }
            (format!("{table}.log"), lines)
        }
        SourceKind::Custom { .. } => (
            format!("{table}.jsonl"),
            events
                .iter()
                .map(Value::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        ),
    };
    let path = dir.join(name);
    std::fs::write(&path, body).map_err(|e| format!("cannot write test events: {e}"))?;
    Ok(path)
}
