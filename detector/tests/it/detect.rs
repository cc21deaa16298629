//! Evaluation, dedup and suppression across cycles, the limiter, failure
//! isolation, catch-up and replays, on real data and a real state file.

use chrono::Duration;
use mantissa_core::alert::AlertFilter;
use mantissa_detector::detector::Change;

use crate::common::{Lake, at, fixtures, repo};

fn brute_force_lake() -> Lake {
    let lake = Lake::new();
    lake.ingest(
        &fixtures().join("handmade/brute_force_then_success.jsonl"),
        Some("cloudtrail"),
    );
    lake
}

fn example_rule(lake: &Lake) -> mantissa_detector::Rule {
    let report = lake.load(&repo().join("rules"));
    report
        .get("suspicious-logins")
        .cloned()
        .expect("example rule")
}

#[tokio::test]
async fn the_example_rule_raises_one_alert_for_the_brute_force_with_the_attacker_in_the_group() {
    let lake = brute_force_lake();
    let rule = example_rule(&lake);
    let det = lake.detector();
    let run = det
        .run_rule(&rule, at("2024-03-10T10:30:00Z"))
        .await
        .unwrap();
    assert_eq!(run.outcome, Ok(1));
    assert_eq!(run.alerts.len(), 1);
    let a = &run.alerts[0].alert;
    assert_eq!(a.group["ip"], "203.0.113.66");
    assert_eq!(a.group["user"], "AIDAVICTIM");
    assert_eq!(a.evidence[0]["failures"], 4);
    assert_eq!(a.severity.as_str(), "high");
    assert_eq!(a.mitre_attack, ["T1110"]);
    // Before the success there is nothing to raise.
    let det2 = Lake::new();
    drop(det2);
    let early = det
        .run_rule(&rule, at("2024-03-10T10:15:00Z"))
        .await
        .unwrap();
    assert_eq!(early.outcome, Ok(0));
}

#[tokio::test]
async fn overlapping_windows_on_the_live_schedule_give_one_alert_per_incident() {
    let lake = brute_force_lake();
    let rule = example_rule(&lake);
    let mut ids = std::collections::BTreeSet::new();
    let mut new = 0;
    // Twelve cycles five minutes apart, each a separate detector (as separate
    // `mantissa detect --now` runs would be), sharing the state file.
    let mut t = at("2024-03-10T10:20:00Z");
    while t <= at("2024-03-10T11:15:00Z") {
        let run = lake.detector().run_rule(&rule, t).await.unwrap();
        for r in &run.alerts {
            ids.insert(r.alert.id.clone());
            if r.change == Change::New {
                new += 1;
            }
        }
        t += Duration::minutes(5);
    }
    assert_eq!(new, 1, "one new alert for the incident");
    assert_eq!(ids.len(), 1);
    let stored = lake
        .detector()
        .alerts()
        .list(&AlertFilter {
            include_meta: true,
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].first_seen, at("2024-03-10T10:20:00Z"));
    assert!(stored[0].last_seen >= at("2024-03-10T11:00:00Z"));
}

#[tokio::test]
async fn a_repeat_after_suppression_expires_is_a_new_alert() {
    let lake = brute_force_lake();
    let rule = lake.rule(
        "name: Sign-in failures\nseverity: low\ncategory: access\n\
         query: SELECT sourceipaddress AS ip, count(*) AS n FROM cloudtrail WHERE errorcode IS NOT NULL GROUP BY 1\n\
         threshold: {count: 1, window: 1d}\ndedup: {fields: [ip], suppress: 1h}\n",
    );
    let det = lake.detector();
    let first = det
        .run_rule(&rule, at("2024-03-10T10:30:00Z"))
        .await
        .unwrap();
    let again = det
        .run_rule(&rule, at("2024-03-10T11:00:00Z"))
        .await
        .unwrap();
    let later = det
        .run_rule(&rule, at("2024-03-10T12:30:01Z"))
        .await
        .unwrap();
    let new = |r: &mantissa_detector::detector::RuleRun| {
        r.alerts.iter().filter(|a| a.change == Change::New).count()
    };
    assert_eq!(new(&first), 4, "one alert per source IP with errors");
    assert_eq!(new(&again), 0, "within suppression: folded");
    assert_eq!(
        new(&later),
        4,
        "suppression expired an hour after the last sighting"
    );
}

#[tokio::test]
async fn the_limiter_holds_back_a_runaway_rule_with_one_meta_alert() {
    let mut lake = brute_force_lake();
    lake.config.detector.max_alerts_per_hour = 3;
    let rule = lake.rule(
        "name: Every event\nseverity: info\ncategory: access\n\
         query: SELECT eventid, eventname FROM cloudtrail\n\
         threshold: {count: 1, window: 1d}\n",
    );
    let run = lake
        .detector()
        .run_rule(&rule, at("2024-03-10T11:00:00Z"))
        .await
        .unwrap();
    assert_eq!(run.outcome, Ok(18));
    let normal = run.alerts.iter().filter(|a| !a.alert.meta).count();
    let meta: Vec<_> = run.alerts.iter().filter(|a| a.alert.meta).collect();
    assert_eq!(normal, 3);
    assert_eq!(meta.len(), 1);
    assert!(
        meta[0].alert.title.contains("more than 3 alerts"),
        "{}",
        meta[0].alert.title
    );
    let stored = lake
        .detector()
        .alerts()
        .list(&AlertFilter {
            include_meta: true,
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let held_back = stored.iter().find(|a| a.meta).unwrap().count;
    assert_eq!(held_back, 15, "the meta-alert counts what it held back");
}

#[tokio::test]
async fn a_failing_rule_is_recorded_and_the_others_still_run() {
    let lake = brute_force_lake();
    let broken = lake.rule(
        "id: broken\nname: Unknown column\nseverity: low\ncategory: access\n\
         query: SELECT no_such_column FROM cloudtrail\nthreshold: {count: 1, window: 1h}\n",
    );
    let good = example_rule(&lake);
    let det = lake.detector();
    let report = det
        .cycle(&[&broken, &good], at("2024-03-10T10:30:00Z"))
        .await
        .unwrap();
    assert_eq!(report.failures().len(), 1);
    assert!(
        report.failures()[0].2.contains("no_such_column"),
        "{:?}",
        report.failures()
    );
    assert_eq!(report.alerts().len(), 1);
    let state = det.store().rule_state("broken").await.unwrap();
    assert_eq!(state.failures, 1);
    assert!(state.last_success.is_none());
    assert!(state.last_error.unwrap().contains("no_such_column"));
    // Retried on the next cycle.
    det.cycle(&[&broken], at("2024-03-10T10:35:00Z"))
        .await
        .unwrap();
    assert_eq!(det.store().rule_state("broken").await.unwrap().failures, 2);
}

#[tokio::test]
async fn after_downtime_the_schedule_catches_up_every_missed_interval() {
    let lake = brute_force_lake();
    let rule = example_rule(&lake);
    let det = lake.detector();
    // Last ran at 10:00; the detector was down until 10:42: ticks 10:05 … 10:40.
    det.run_rule(&rule, at("2024-03-10T10:00:00Z"))
        .await
        .unwrap();
    let report = det
        .catch_up(&[&rule], at("2024-03-10T10:42:00Z"))
        .await
        .unwrap();
    let times: Vec<String> = report
        .runs
        .iter()
        .map(|r| r.at.format("%H:%M").to_string())
        .collect();
    assert_eq!(
        times,
        [
            "10:05", "10:10", "10:15", "10:20", "10:25", "10:30", "10:35", "10:40"
        ]
    );
    assert_eq!(
        report.alerts().len(),
        1,
        "the incident found during catch-up"
    );
    assert_eq!(
        report.alerts()[0].alert.first_seen,
        at("2024-03-10T10:20:00Z")
    );
    // Nothing is due again until 10:45.
    let again = det
        .catch_up(&[&rule], at("2024-03-10T10:44:00Z"))
        .await
        .unwrap();
    assert!(again.runs.is_empty());
}

#[tokio::test]
async fn a_replay_over_sparse_data_skips_empty_periods_and_raises_as_live() {
    let lake = brute_force_lake();
    let rule = example_rule(&lake);
    let det = lake.detector();
    let report = det
        .replay(
            &[&rule],
            at("2024-02-20T00:00:00Z"),
            at("2024-03-20T00:00:00Z"),
            &|_, _| {},
        )
        .await
        .unwrap();
    // 29 days of 5-minute ticks, but data only on two days.
    assert!(report.skipped > 8000, "skipped {}", report.skipped);
    assert!(report.runs.len() < 100, "evaluated {}", report.runs.len());
    let alerts = report.alerts();
    let groups: Vec<String> = alerts.iter().map(|a| a.alert.group_text()).collect();
    // The live schedule would have raised the 08:05 incident too (it is only
    // "old" relative to 10:30).
    assert_eq!(alerts.len(), 2, "{groups:?}");
    assert!(groups.iter().any(|g| g.contains("203.0.113.66")));
    assert!(groups.iter().any(|g| g.contains("203.0.113.99")));
}

#[tokio::test]
async fn disabled_rules_are_recorded_in_the_state_store() {
    let lake = brute_force_lake();
    let rule = example_rule(&lake);
    let det = lake.detector();
    assert!(det.is_enabled(&rule).await.unwrap());
    det.store().set_enabled(&rule.id, false).await.unwrap();
    assert!(!lake.detector().is_enabled(&rule).await.unwrap());
    det.store().set_enabled(&rule.id, true).await.unwrap();
    assert!(lake.detector().is_enabled(&rule).await.unwrap());
}
