//! The built-in rule pack on real attack data: every covered Stratus Red
//! Team detonation, ingested alone and replayed, raises its rule; the
//! Panther compromised-root scenario raises its five alerts on the attacker
//! IP.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Duration;

use crate::common::{Lake, at, fixtures, repo};

/// technique → covering rule ids, read from rules/COVERAGE.md.
fn coverage() -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(repo().join("rules/COVERAGE.md")).unwrap();
    let mut out = BTreeMap::new();
    for line in text.lines().filter(|l| l.starts_with("| `aws.")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let technique = cells[1].trim_matches('`').to_string();
        let rules: Vec<String> = cells[2]
            .split(',')
            .map(|r| r.trim().trim_matches('`').to_string())
            .filter(|r| !r.is_empty() && !r.contains(' '))
            .collect();
        out.insert(technique, rules);
    }
    out
}

/// Replays these rules of the pack over the data's time span (+1 h each
/// side). (The whole pack's precision on the same data is measured by
/// `bench/detect.sh`; debug builds make it too slow for the suite.)
async fn replay_pack(
    lake: &Lake,
    ids: &[&str],
) -> (BTreeSet<String>, Vec<mantissa_detector::detector::Raised>) {
    let pack = lake.load(&repo().join("rules"));
    assert!(pack.errors.is_empty(), "{:?}", pack.errors);
    let det = lake.detector();
    let span = span(lake).await;
    let rules: Vec<_> = ids
        .iter()
        .map(|id| pack.get(id).unwrap_or_else(|| panic!("no rule `{id}`")))
        .collect();
    let report = det
        .replay(
            &rules,
            span.0 - Duration::hours(1),
            span.1 + Duration::hours(1),
            &|_, _| {},
        )
        .await
        .unwrap();
    assert!(report.failures().is_empty(), "{:?}", report.failures());
    let alerts = report.alerts();
    (
        alerts.iter().map(|a| a.alert.rule_id.clone()).collect(),
        alerts,
    )
}

async fn span(lake: &Lake) -> (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) {
    use mantissa_core::engine::{QueryEngine, QueryTime};
    let data = mantissa_core::ingest::DataDir::new(&lake.config.data_dir);
    let catalog = mantissa_core::catalog::Catalog::new(&lake.config, &[]);
    let engine = mantissa_core::engine::datafusion::DataFusionEngine::new(
        &catalog,
        &data.tables_storage(),
        &lake.config.engine,
    )
    .unwrap();
    let g = lake
        .guard()
        .check("SELECT min(eventtime), max(eventtime) FROM cloudtrail")
        .unwrap();
    let r = engine
        .execute(&g, QueryTime::live(chrono::Utc::now()))
        .await
        .unwrap();
    let row = &r.json_rows()[0];
    (at(row[0].as_str().unwrap()), at(row[1].as_str().unwrap()))
}

#[tokio::test]
async fn every_covered_stratus_detonation_raises_its_rule_when_replayed_alone() {
    let cov = coverage();
    assert!(
        cov.len() >= 30,
        "COVERAGE.md lists {} techniques",
        cov.len()
    );
    let dir = fixtures().join("datasets/stratus-red-team-detonation-logs/detonation-logs");
    let mut missed = Vec::new();
    for (technique, rules) in &cov {
        let lake = Lake::new();
        lake.ingest(&dir.join(format!("{technique}.json")), Some("cloudtrail"));
        let wanted: Vec<&String> = rules
            .iter()
            .filter(|r| *r != "offensive-tool-user-agent")
            .collect();
        let ids: Vec<&str> = wanted.iter().map(|s| s.as_str()).collect();
        let (raised, _) = replay_pack(&lake, &ids).await;
        assert!(!wanted.is_empty(), "{technique}: no covering rule listed");
        for r in wanted {
            if !raised.contains(r) {
                missed.push(format!(
                    "{technique}: `{r}` not raised (raised: {raised:?})"
                ));
            }
        }
    }
    assert!(missed.is_empty(), "{missed:#?}");
}

#[tokio::test]
async fn the_panther_compromised_root_scenario_raises_its_alerts_on_the_attacker_ip() {
    let lake = Lake::new();
    let dir = fixtures().join("datasets/panther-analysis/scenario_compromised_root_creds");
    lake.ingest(&dir.join("attacker_cloudtrail.json"), Some("cloudtrail"));
    lake.ingest(&dir.join("victim_cloudtrail.json"), Some("cloudtrail"));
    let wanted = [
        "brute-force-then-success",
        "root-account-usage",
        "cloudtrail-logging-stopped",
        "root-access-key-created",
        "iam-new-user-with-policy",
    ];
    let (raised, alerts) = replay_pack(&lake, &wanted).await;
    for rule in wanted {
        assert!(raised.contains(rule), "{rule} not raised: {raised:?}");
        let on_attacker = alerts.iter().any(|a| {
            a.alert.rule_id == rule
                && a.alert.group.get("ip").and_then(|v| v.as_str()) == Some("92.55.146.245")
        });
        assert!(
            on_attacker,
            "{rule}: no alert grouped on the attacker IP 92.55.146.245"
        );
    }
}
