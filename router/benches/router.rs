//! Throughput: alerts persisted (`save_alert`) per second, then routed and
//! delivered per second to a local fake webhook that answers 200 at once,
//! on a SQLite store in a temporary file.
//!
//! `cargo bench -p mantissa-router --bench router` (or `cargo run --release
//! --bench router`); `ALERTS=20000` changes the count.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use chrono::{Duration, Utc};
use mantissa_core::alert::{
    Alert, AlertEvent, AlertStatus, AlertStore, Attempt, AttemptOutcome, Category, DeliveryAction,
    NewDelivery, Severity, SqliteAlertStore,
};
use mantissa_core::config::{Config, DestinationConfig, RouteTargets};
use mantissa_router::{Change, Router};
use serde_json::{Map, json};

fn alert(i: usize) -> Alert {
    let now = Utc::now();
    let mut group = Map::new();
    group.insert(
        "sourceipaddress".into(),
        json!(format!("198.51.100.{}", i % 250)),
    );
    group.insert(
        "useridentity.arn".into(),
        json!(format!("arn:aws:iam::123456789012:user/u{i}")),
    );
    Alert {
        id: format!("bench-{i:06}"),
        rule_id: format!("rule-{}", i % 50),
        rule_name: "Bench rule".into(),
        severity: Severity::High,
        category: Category::Access,
        title: format!("Bench alert {i}"),
        description: "Throughput benchmark".into(),
        first_seen: now,
        last_seen: now,
        count: 1,
        evidence: vec![group.clone()],
        group,
        mitre_attack: vec!["T1078.004".into()],
        tags: vec!["bench".into()],
        sql: "SELECT 1".into(),
        status: AlertStatus::Open,
        status_by: None,
        status_at: None,
        fingerprint: format!("fp-{i}"),
        meta: false,
        enrichment: Default::default(),
    }
}

fn main() {
    let n: usize = std::env::var("ALERTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let hits = Arc::new(AtomicU64::new(0));
        let h = hits.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move || {
                let h = h.clone();
                async move {
                    h.fetch_add(1, Ordering::Relaxed);
                    "ok"
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.ok() });

        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn AlertStore> =
            Arc::new(SqliteAlertStore::open(&dir.path().join("alerts.db")).unwrap());
        let mut c = Config::default();
        c.router.destinations.insert(
            "hook".into(),
            DestinationConfig::Webhook {
                url,
                secret: Some(mantissa_core::config::Secret::new("k")),
            },
        );
        c.router.default_route = Some(RouteTargets {
            destinations: vec!["hook".into()],
            fallback: vec![],
        });
        c.router.grouping.max_alerts = 0;
        c.router.retry.concurrency = 32;
        let router = Router::new(&c, store.clone(), mantissa_core::clock::Clock::system()).unwrap();

        let alerts: Vec<Alert> = (0..n).map(alert).collect();
        let t = Instant::now();
        for a in &alerts {
            store
                .save_alert(a, "h", a.first_seen + Duration::hours(1))
                .await
                .unwrap();
        }
        let persist = t.elapsed();

        let t = Instant::now();
        for a in &alerts {
            router.route(a, Change::New, Utc::now()).await.unwrap();
        }
        let route = t.elapsed();

        let t = Instant::now();
        let rep = router
            .drain(tokio::time::Instant::now() + std::time::Duration::from_secs(600))
            .await
            .unwrap();
        let deliver = t.elapsed();
        assert_eq!(rep.delivered, n);
        assert_eq!(hits.load(Ordering::Relaxed) as usize, n);

        // The store's share of a delivery, without any HTTP: claim, read the
        // alert, record the attempt and the history entry, for n more rows.
        let rows: Vec<NewDelivery> = alerts
            .iter()
            .map(|a| NewDelivery {
                key: format!("{}:store-only", a.id),
                alert_id: a.id.clone(),
                destination: "hook".into(),
                action: DeliveryAction::Repeat,
                payload: json!({}),
                route: None,
                fallback_of: None,
                not_before: Utc::now(),
            })
            .collect();
        store.enqueue(&rows).await.unwrap();
        let t = Instant::now();
        loop {
            let now = Utc::now();
            let batch = store
                .claim_due(now, now + Duration::seconds(60), 128)
                .await
                .unwrap();
            if batch.is_empty() {
                break;
            }
            for d in batch {
                let _alert = store.get(&d.alert_id).await.unwrap();
                store
                    .record_attempt(&Attempt {
                        delivery_id: d.id,
                        at: now,
                        duration_ms: 1,
                        status_code: Some(200),
                        error: None,
                        outcome: AttemptOutcome::Delivered { message_ref: None },
                    })
                    .await
                    .unwrap();
                store
                    .record_event(
                        &d.alert_id,
                        &AlertEvent {
                            at: now,
                            actor: "router".into(),
                            action: "delivered".into(),
                            detail: None,
                        },
                    )
                    .await
                    .unwrap();
            }
        }
        let store_only = t.elapsed();

        let rate = |d: std::time::Duration| n as f64 / d.as_secs_f64();
        println!("alerts: {n} (SQLite file store, webhook fake on loopback, concurrency 32)");
        println!(
            "persisted (save_alert):        {:>9.0} alerts/s  ({persist:.2?})",
            rate(persist)
        );
        println!(
            "routed (policy + enqueue):     {:>9.0} alerts/s  ({route:.2?})",
            rate(route)
        );
        println!(
            "delivered (claim+send+record): {:>9.0} alerts/s  ({deliver:.2?})",
            rate(deliver)
        );
        println!(
            "store share of delivering (no HTTP): {:>5.0} deliveries/s  ({store_only:.2?})",
            rate(store_only)
        );
        println!(
            "end to end (persist+route+deliver): {:>5.0} alerts/s",
            rate(persist + route + deliver)
        );
    });
}
