//! The SQLite alert store: lifecycle with compare-and-set under real
//! concurrency (two connections to one file), detector updates that never
//! undo a click, and the outbox (idempotent enqueue, leases, attempts).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use mantissa_core::alert::*;
use serde_json::json;

fn at(s: &str) -> DateTime<Utc> {
    mantissa_core::clock::parse_instant(s).unwrap()
}

fn alert(id: &str, fingerprint: &str, t: DateTime<Utc>) -> Alert {
    let mut group = serde_json::Map::new();
    group.insert("ip".into(), json!("203.0.113.7"));
    Alert {
        id: id.into(),
        rule_id: "rule-a".into(),
        rule_name: "Rule A".into(),
        severity: Severity::High,
        category: Category::Access,
        title: "Rule A: ip=203.0.113.7".into(),
        description: "test".into(),
        first_seen: t,
        last_seen: t,
        count: 1,
        group,
        evidence: vec![],
        mitre_attack: vec!["T1110".into()],
        tags: vec![],
        sql: "SELECT 1".into(),
        status: AlertStatus::Open,
        status_by: None,
        status_at: None,
        fingerprint: fingerprint.into(),
        meta: false,
        enrichment: Enrichment::default(),
    }
}

fn change(to: AlertStatus, actor: &str) -> StatusChange {
    StatusChange {
        to,
        actor: actor.into(),
        note: None,
        at: at("2024-03-10T11:00:00Z"),
    }
}

#[tokio::test]
async fn lifecycle_is_conditional_idempotent_and_audited() {
    let store = SqliteAlertStore::in_memory().unwrap();
    let t = at("2024-03-10T10:00:00Z");
    store
        .save_alert(&alert("a1", "fp1", t), "h1", t + Duration::hours(1))
        .await
        .unwrap();
    let ack = store
        .transition("a1", &change(AlertStatus::Acknowledged, "slack:U1"))
        .await
        .unwrap();
    assert!(matches!(
        ack,
        Transition::Changed {
            from: AlertStatus::Open,
            ..
        }
    ));
    assert_eq!(ack.alert().status_by.as_deref(), Some("slack:U1"));
    // A double click: nothing changes, the first actor stays.
    let again = store
        .transition("a1", &change(AlertStatus::Acknowledged, "slack:U2"))
        .await
        .unwrap();
    assert!(matches!(again, Transition::Unchanged { .. }));
    assert_eq!(again.alert().status_by.as_deref(), Some("slack:U1"));
    store
        .transition("a1", &change(AlertStatus::Resolved, "slack:U2"))
        .await
        .unwrap();
    let err = store
        .transition("a1", &change(AlertStatus::Acknowledged, "slack:U3"))
        .await
        .unwrap_err();
    assert!(matches!(err, AlertStoreError::NotAllowed { .. }), "{err}");
    assert!(err.to_string().contains("re-open it first"));
    store
        .transition("a1", &change(AlertStatus::Open, "cli:ops"))
        .await
        .unwrap();
    let actions: Vec<String> = store
        .history("a1")
        .await
        .unwrap()
        .into_iter()
        .map(|e| format!("{}:{}", e.action, e.actor))
        .collect();
    assert_eq!(
        actions,
        [
            "raised:detector",
            "acknowledged:slack:U1",
            "resolved:slack:U2",
            "reopened:cli:ops"
        ]
    );
    assert!(matches!(
        store
            .transition("nope", &change(AlertStatus::Resolved, "x"))
            .await,
        Err(AlertStoreError::NotFound(_))
    ));
}

#[tokio::test]
async fn a_detector_update_never_undoes_a_click_and_resolved_alerts_do_not_absorb_repeats() {
    let store = SqliteAlertStore::in_memory().unwrap();
    let t = at("2024-03-10T10:00:00Z");
    store
        .save_alert(&alert("a1", "fp1", t), "h1", t + Duration::hours(1))
        .await
        .unwrap();
    // The detector read the alert (open) ...
    let open = store
        .open_alert("fp1", t + Duration::minutes(5))
        .await
        .unwrap()
        .unwrap();
    // ... someone acknowledges it ...
    store
        .transition("a1", &change(AlertStatus::Acknowledged, "slack:U1"))
        .await
        .unwrap();
    // ... and the detector writes its stale copy back with new evidence.
    let mut seen = open.alert.clone();
    seen.count = 2;
    seen.last_seen = t + Duration::minutes(5);
    assert_eq!(
        store
            .save_alert(&seen, "h2", t + Duration::hours(2))
            .await
            .unwrap(),
        Saved::Updated
    );
    let stored = store.get("a1").await.unwrap().unwrap();
    assert_eq!(stored.status, AlertStatus::Acknowledged);
    assert_eq!(stored.count, 2);
    let history = store.history("a1").await.unwrap();
    assert!(history.iter().any(|e| e.action == "repeated"));
    // Once resolved, the fingerprint no longer folds repeats into it.
    store
        .transition("a1", &change(AlertStatus::Resolved, "slack:U1"))
        .await
        .unwrap();
    assert!(
        store
            .open_alert("fp1", t + Duration::minutes(10))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_clicks_from_two_processes_apply_each_change_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alerts.db");
    let a = Arc::new(SqliteAlertStore::open(&path).unwrap());
    let b = Arc::new(SqliteAlertStore::open(&path).unwrap());
    let t = at("2024-03-10T10:00:00Z");
    for i in 0..20 {
        a.save_alert(
            &alert(&format!("a{i}"), &format!("fp{i}"), t),
            "h",
            t + Duration::hours(1),
        )
        .await
        .unwrap();
    }
    let mut tasks = Vec::new();
    for i in 0..20 {
        for (n, store) in [a.clone(), b.clone(), a.clone(), b.clone()]
            .into_iter()
            .enumerate()
        {
            let to = if n % 2 == 0 {
                AlertStatus::Acknowledged
            } else {
                AlertStatus::Resolved
            };
            let id = format!("a{i}");
            tasks.push(tokio::spawn(async move {
                store
                    .transition(&id, &change(to, &format!("user{n}")))
                    .await
            }));
        }
    }
    let mut not_allowed = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => {}
            Err(AlertStoreError::NotAllowed { .. }) => not_allowed += 1,
            Err(e) => panic!("unexpected: {e}"),
        }
    }
    for i in 0..20 {
        let id = format!("a{i}");
        let stored = a.get(&id).await.unwrap().unwrap();
        assert_eq!(
            stored.status,
            AlertStatus::Resolved,
            "resolve always wins in the end"
        );
        let h = a.history(&id).await.unwrap();
        let count = |action: &str| h.iter().filter(|e| e.action == action).count();
        assert_eq!(count("resolved"), 1, "{h:?}");
        assert!(count("acknowledged") <= 1, "{h:?}");
    }
    // Acks that lost the race to a resolve were refused, not applied.
    assert!(not_allowed <= 40);
}

fn delivery(key: &str, dest: &str, t: DateTime<Utc>) -> NewDelivery {
    NewDelivery {
        key: key.into(),
        alert_id: "a1".into(),
        destination: dest.into(),
        action: DeliveryAction::Notify,
        payload: json!({}),
        route: Some("default".into()),
        fallback_of: None,
        not_before: t,
    }
}

#[tokio::test]
async fn the_outbox_enqueues_once_leases_claims_and_records_attempts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alerts.db");
    let store = SqliteAlertStore::open(&path).unwrap();
    let t = at("2024-03-10T10:00:00Z");
    let ids = store
        .enqueue(&[
            delivery("a1:slack:notify", "slack", t),
            delivery("a1:pd:notify", "pd", t),
        ])
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
    // The same keys again add nothing.
    assert!(
        store
            .enqueue(&[delivery("a1:slack:notify", "slack", t)])
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.pending().await.unwrap(), 2);

    let lease = t + Duration::seconds(30);
    let claimed = store.claim_due(t, lease, 10).await.unwrap();
    assert_eq!(claimed.len(), 2);
    // Leased: a second worker gets nothing until the lease expires.
    assert!(store.claim_due(t, lease, 10).await.unwrap().is_empty());
    let slack = claimed.iter().find(|d| d.destination == "slack").unwrap();
    let pd = claimed.iter().find(|d| d.destination == "pd").unwrap();
    store
        .record_attempt(&Attempt {
            delivery_id: slack.id,
            at: t,
            duration_ms: 12,
            status_code: Some(429),
            error: Some("rate limited".into()),
            outcome: AttemptOutcome::Retry {
                retry_at: t + Duration::seconds(5),
            },
        })
        .await
        .unwrap();
    // Not due before its retry time, due after.
    assert!(
        store
            .claim_due(t + Duration::seconds(1), lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.next_due().await.unwrap(),
        Some(t + Duration::seconds(5))
    );
    let retry = store
        .claim_due(t + Duration::seconds(5), lease, 10)
        .await
        .unwrap();
    assert_eq!(retry.len(), 1);
    assert_eq!(retry[0].attempts, 1);
    let done = store
        .record_attempt(&Attempt {
            delivery_id: slack.id,
            at: t + Duration::seconds(5),
            duration_ms: 8,
            status_code: Some(200),
            error: None,
            outcome: AttemptOutcome::Delivered {
                message_ref: Some(json!({"channel": "C1", "ts": "1710064800.000100"})),
            },
        })
        .await
        .unwrap();
    assert_eq!(done.status, DeliveryStatus::Delivered);
    assert_eq!(done.message_ref.unwrap()["ts"], "1710064800.000100");

    // The PagerDuty delivery's worker "crashed": after the lease it is claimable again,
    // also from a fresh store on the same file (a restarted process).
    let restarted = SqliteAlertStore::open(&path).unwrap();
    let reclaimed = restarted
        .claim_due(lease, lease + Duration::seconds(30), 10)
        .await
        .unwrap();
    assert_eq!(reclaimed.len(), 1);
    assert_eq!(reclaimed[0].id, pd.id);

    let attempts = store.attempts(slack.id).await.unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0].status_code, Some(429));
    assert!(matches!(
        attempts[1].outcome,
        AttemptOutcome::Delivered { .. }
    ));
    assert_eq!(store.deliveries("a1").await.unwrap().len(), 2);
}
