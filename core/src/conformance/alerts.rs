//! The [`AlertStore`] conformance suite: lifecycle (conditional, idempotent,
//! audited), races between handles, detector updates that never undo a
//! click, mutes, list pagination and order, the outbox (idempotent enqueue,
//! leases, lease expiry and re-claim, concurrent claims), not-found.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::{Backing, at, case, race};
use crate::alert::*;
use crate::store::StoreError;

/// Runs every case, each on a fresh backing.
pub async fn run<B: Backing<dyn AlertStore>>(fresh: impl Fn() -> B) {
    case("lifecycle", &fresh, lifecycle).await;
    case("racing acks", &fresh, racing_acks).await;
    case("racing acks and resolves", &fresh, racing_acks_and_resolves).await;
    case("detector updates", &fresh, detector_updates).await;
    case("mutes", &fresh, mutes).await;
    case("list order and pages", &fresh, list_order_and_pages).await;
    case("outbox", &fresh, outbox).await;
    case("racing claims", &fresh, racing_claims).await;
    case("not found", &fresh, not_found).await;
}

/// An alert seen at `t`.
pub fn alert(id: &str, fingerprint: &str, t: DateTime<Utc>) -> Alert {
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

async fn save(store: &dyn AlertStore, a: &Alert) {
    store
        .save_alert(a, "h", a.first_seen + Duration::hours(1))
        .await
        .expect("save_alert");
}

async fn lifecycle<B: Backing<dyn AlertStore>>(b: B) {
    let store = b.handle();
    let t = at("2024-03-10T10:00:00Z");
    save(&*store, &alert("a1", "fp1", t)).await;
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
    assert!(matches!(err, StoreError::Refused(_)), "{err}");
    assert!(err.to_string().contains("re-open it first"), "{err}");
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
}

/// Sixteen acks of one alert at once, over four handles: one wins, the
/// others are told who did it.
async fn racing_acks<B: Backing<dyn AlertStore>>(b: B) {
    let t = at("2024-03-10T10:00:00Z");
    save(&*b.handle(), &alert("a1", "fp1", t)).await;
    let handles: Vec<Arc<dyn AlertStore>> = (0..4).map(|_| b.handle()).collect();
    let results = race(16, |i| {
        let store = handles[i % 4].clone();
        async move {
            store
                .transition(
                    "a1",
                    &change(AlertStatus::Acknowledged, &format!("user{i}")),
                )
                .await
        }
    })
    .await;
    let mut winners = Vec::new();
    let mut told = Vec::new();
    for r in results {
        match r.expect("an ack never fails") {
            Transition::Changed { alert, .. } => winners.push(alert.status_by),
            Transition::Unchanged { alert } => told.push(alert.status_by),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one ack wins");
    assert_eq!(told.len(), 15);
    assert!(
        told.iter().all(|by| *by == winners[0]),
        "the others see the winner"
    );
    let h = b.handle().history("a1").await.unwrap();
    assert_eq!(h.iter().filter(|e| e.action == "acknowledged").count(), 1);
}

/// Acks and resolves of twenty alerts at once from two handles: each change
/// applies at most once and resolve always ends up winning.
async fn racing_acks_and_resolves<B: Backing<dyn AlertStore>>(b: B) {
    let (a, c) = (b.handle(), b.handle());
    let t = at("2024-03-10T10:00:00Z");
    for i in 0..20 {
        save(&*a, &alert(&format!("a{i}"), &format!("fp{i}"), t)).await;
    }
    let results = race(80, |k| {
        let store = if k % 2 == 0 { a.clone() } else { c.clone() };
        let (i, n) = (k / 4, k % 4);
        let to = if n % 2 == 0 {
            AlertStatus::Acknowledged
        } else {
            AlertStatus::Resolved
        };
        async move {
            store
                .transition(&format!("a{i}"), &change(to, &format!("user{n}")))
                .await
        }
    })
    .await;
    for r in results {
        match r {
            Ok(_) | Err(StoreError::Refused(_)) => {}
            Err(e) => panic!("unexpected: {e}"),
        }
    }
    for i in 0..20 {
        let id = format!("a{i}");
        let stored = a.get(&id).await.unwrap().unwrap();
        assert_eq!(
            stored.status,
            AlertStatus::Resolved,
            "resolve wins in the end"
        );
        let h = a.history(&id).await.unwrap();
        let count = |action: &str| h.iter().filter(|e| e.action == action).count();
        assert_eq!(count("resolved"), 1, "{h:?}");
        assert!(count("acknowledged") <= 1, "{h:?}");
    }
}

async fn detector_updates<B: Backing<dyn AlertStore>>(b: B) {
    let store = b.handle();
    let t = at("2024-03-10T10:00:00Z");
    save(&*store, &alert("a1", "fp1", t)).await;
    // The detector read the alert (open) ...
    let open = store
        .open_alert("fp1", t + Duration::minutes(5))
        .await
        .unwrap()
        .expect("open within suppression");
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
    assert!(
        store
            .history("a1")
            .await
            .unwrap()
            .iter()
            .any(|e| e.action == "repeated")
    );
    // Suppression ends at its time.
    assert!(
        store
            .open_alert("fp1", t + Duration::hours(3))
            .await
            .unwrap()
            .is_none()
    );
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
    assert_eq!(
        store
            .alerts_raised("rule-a", t - Duration::hours(1), t)
            .await
            .unwrap(),
        1
    );
}

async fn mutes<B: Backing<dyn AlertStore>>(b: B) {
    let store = b.handle();
    let t = at("2024-03-10T10:00:00Z");
    assert_eq!(store.rule_mute("rule-a", t).await.unwrap(), None);
    let mute = RuleMute {
        rule_id: "rule-a".into(),
        until: t + Duration::hours(24),
        by: "slack:U1".into(),
        at: t,
    };
    store.mute_rule(&mute).await.unwrap();
    assert_eq!(
        b.handle()
            .rule_mute("rule-a", t + Duration::hours(1))
            .await
            .unwrap(),
        Some(mute.clone())
    );
    assert_eq!(store.rule_mute("rule-b", t).await.unwrap(), None);
    // Expired: no longer in force.
    assert_eq!(
        store
            .rule_mute("rule-a", t + Duration::hours(24))
            .await
            .unwrap(),
        None
    );
    // A new mute replaces the old one.
    let longer = RuleMute {
        until: t + Duration::hours(48),
        by: "slack:U2".into(),
        ..mute
    };
    store.mute_rule(&longer).await.unwrap();
    assert_eq!(
        store
            .rule_mute("rule-a", t + Duration::hours(30))
            .await
            .unwrap(),
        Some(longer)
    );
    assert!(store.unmute_rule("rule-a").await.unwrap());
    assert!(!store.unmute_rule("rule-a").await.unwrap());
    assert_eq!(store.rule_mute("rule-a", t).await.unwrap(), None);
}

/// More alerts than any backend's page: every one comes back, most
/// recently seen first, and limits and filters apply.
async fn list_order_and_pages<B: Backing<dyn AlertStore>>(b: B) {
    let store = b.handle();
    let t = at("2024-03-10T00:00:00Z");
    for i in 0..150 {
        let mut a = alert(
            &format!("a{i:03}"),
            &format!("fp{i}"),
            t + Duration::minutes(i),
        );
        if i % 3 == 0 {
            a.severity = Severity::Critical;
        }
        save(&*store, &a).await;
    }
    let all = store.list(&AlertFilter::default()).await.unwrap();
    assert_eq!(all.len(), 150);
    assert_eq!(all[0].id, "a149");
    assert!(all.windows(2).all(|w| w[0].last_seen >= w[1].last_seen));
    let page = store
        .list(&AlertFilter {
            limit: 25,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        page.iter().map(|a| a.id.clone()).collect::<Vec<_>>(),
        all[..25].iter().map(|a| a.id.clone()).collect::<Vec<_>>()
    );
    let critical = store
        .list(&AlertFilter {
            min_severity: Some(Severity::Critical),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(critical.len(), 50);
    let recent = store
        .list(&AlertFilter {
            since: Some(t + Duration::minutes(139)),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(recent.len(), 10);
    store
        .transition("a007", &change(AlertStatus::Acknowledged, "u"))
        .await
        .unwrap();
    let acked = store
        .list(&AlertFilter {
            status: Some(AlertStatus::Acknowledged),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(acked.len(), 1);
    assert_eq!(acked[0].id, "a007");
}

fn delivery(key: &str, alert: &str, dest: &str, t: DateTime<Utc>) -> NewDelivery {
    NewDelivery {
        key: key.into(),
        alert_id: alert.into(),
        destination: dest.into(),
        action: DeliveryAction::Notify,
        payload: json!({}),
        route: Some("default".into()),
        fallback_of: None,
        not_before: t,
    }
}

async fn outbox<B: Backing<dyn AlertStore>>(b: B) {
    let store = b.handle();
    let t = at("2024-03-10T10:00:00Z");
    save(&*store, &alert("a1", "fp1", t)).await;
    let ids = store
        .enqueue(&[
            delivery("a1:slack:notify", "a1", "slack", t),
            delivery("a1:pd:notify", "a1", "pd", t),
        ])
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
    // The same keys again add nothing.
    assert!(
        store
            .enqueue(&[delivery("a1:slack:notify", "a1", "slack", t)])
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.pending().await.unwrap(), 2);

    let lease = t + Duration::seconds(30);
    let claimed = store.claim_due(t, lease, 10).await.unwrap();
    assert_eq!(claimed.len(), 2);
    // Leased: a second worker gets nothing until the lease expires.
    assert!(
        b.handle()
            .claim_due(t + Duration::seconds(1), lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
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

    // The PagerDuty delivery's worker "crashed": once the lease expires it
    // is claimable again, from another handle (a restarted process).
    let reclaimed = b
        .handle()
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
    assert_eq!(store.pending().await.unwrap(), 1);
}

/// Eight workers claim forty deliveries at once: each delivery goes to
/// exactly one of them.
async fn racing_claims<B: Backing<dyn AlertStore>>(b: B) {
    let t = at("2024-03-10T10:00:00Z");
    let store = b.handle();
    save(&*store, &alert("a1", "fp1", t)).await;
    let rows: Vec<NewDelivery> = (0..40)
        .map(|i| delivery(&format!("a1:d{i}:notify"), "a1", &format!("d{i}"), t))
        .collect();
    assert_eq!(store.enqueue(&rows).await.unwrap().len(), 40);
    let handles: Vec<Arc<dyn AlertStore>> = (0..4).map(|_| b.handle()).collect();
    let claims = race(8, |i| {
        let store = handles[i % 4].clone();
        async move {
            store
                .claim_due(t, t + Duration::seconds(30), 10)
                .await
                .expect("claim_due")
        }
    })
    .await;
    let ids: Vec<i64> = claims.iter().flatten().map(|d| d.id).collect();
    let unique: HashSet<i64> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "a delivery was claimed twice");
    assert_eq!(unique.len(), 40, "every due delivery is claimed");
}

async fn not_found<B: Backing<dyn AlertStore>>(b: B) {
    let store = b.handle();
    assert!(store.get("nope").await.unwrap().is_none());
    assert!(
        matches!(
            store
                .transition("nope", &change(AlertStatus::Resolved, "x"))
                .await,
            Err(StoreError::NotFound { .. })
        ),
        "an unknown alert is NotFound"
    );
    assert!(store.history("nope").await.unwrap().is_empty());
    assert!(store.deliveries("nope").await.unwrap().is_empty());
    assert_eq!(store.pending().await.unwrap(), 0);
    assert_eq!(store.next_due().await.unwrap(), None);
}
