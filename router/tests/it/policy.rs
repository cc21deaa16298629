//! Routing policy and quiet grouping.

use chrono::{Duration, TimeZone, Utc};
use mantissa_core::alert::{Category, DeliveryAction, DeliveryStatus, Severity};
use mantissa_core::config::{RouteConfig, RouteTargets};
use mantissa_router::Change;
use mantissa_router::policy::select;

use crate::fake::Fake;
use crate::support::*;

fn routes() -> Vec<RouteConfig> {
    let mut critical = route("critical", &["slack", "pd"]);
    critical.min_severity = Some(Severity::Critical);
    critical.fallback = vec!["hook".into()];
    let mut network = route("network", &["discord"]);
    network.categories = vec![Category::Network];
    let mut tagged = route("pci", &["hook"]);
    tagged.tags = vec!["pci".into(), "sox".into()];
    let mut by_rule = route("iam", &["pd"]);
    by_rule.rules = vec!["iam-change".into()];
    let mut both = route("high-data", &["slack"]);
    both.min_severity = Some(Severity::High);
    both.categories = vec![Category::Data];
    vec![critical, network, tagged, by_rule, both]
}

#[tokio::test]
async fn routes_match_on_severity_category_tags_and_rule() {
    let fake = Fake::start().await;
    let mut c = config(&fake, None, &["slack"], &[]);
    c.router.routes = routes();
    c.router.rule_overrides.insert(
        "noisy".into(),
        RouteTargets {
            destinations: vec!["hook".into()],
            fallback: vec![],
        },
    );
    let p = &c.router;
    let pick = |a: &mantissa_core::alert::Alert| {
        let s = select(p, a).unwrap();
        (s.route, s.destinations)
    };
    let crit = alert("x", "any", Severity::Critical);
    assert_eq!(
        pick(&crit),
        ("critical".into(), vec!["slack".into(), "pd".into()])
    );
    assert_eq!(select(p, &crit).unwrap().fallback, ["hook"]);
    let mut net = alert("x", "any", Severity::Low);
    net.category = Category::Network;
    assert_eq!(pick(&net).0, "network");
    let mut tagged = alert("x", "any", Severity::Low);
    tagged.tags = vec!["sox".into()];
    assert_eq!(pick(&tagged).0, "pci");
    let iam = alert("x", "iam-change", Severity::Medium);
    assert_eq!(pick(&iam).0, "iam");
    let mut data = alert("x", "any", Severity::Medium);
    data.category = Category::Data;
    assert_eq!(pick(&data).0, "default", "all conditions must hold");
    data.severity = Severity::High;
    assert_eq!(pick(&data).0, "high-data");
    // Per-rule override beats every route, even for critical alerts.
    let noisy = alert("x", "noisy", Severity::Critical);
    assert_eq!(pick(&noisy), ("rule:noisy".into(), vec!["hook".into()]));
    // Without a default route, unmatched alerts go nowhere.
    let mut c2 = c.clone();
    c2.router.default_route = None;
    assert!(select(&c2.router, &alert("x", "any", Severity::Low)).is_none());
}

#[tokio::test]
async fn critical_goes_to_several_destinations_at_once() {
    let fake = Fake::start().await;
    let mut c = config(&fake, None, &["hook"], &[]);
    c.router.routes = routes();
    let store = memory();
    let r = router(&c, &store);
    let a = alert("crit", "root", Severity::Critical);
    save(&store, &a).await;
    let ids = r.route(&a, Change::New, Utc::now()).await.unwrap();
    assert_eq!(ids.len(), 2);
    assert!(
        r.route(&a, Change::New, Utc::now())
            .await
            .unwrap()
            .is_empty(),
        "idempotent"
    );
    drain(&r).await;
    assert_eq!(fake.slack_posts().len(), 1);
    assert_eq!(fake.pd_incidents().len(), 1);
    let ds = deliveries(&store, "crit").await;
    assert_eq!(
        ds.iter()
            .map(|d| d.destination.as_str())
            .collect::<Vec<_>>(),
        ["slack", "pd"]
    );
    assert!(ds.iter().all(|d| d.route.as_deref() == Some("critical")));
    // A repeat goes only where the first message was delivered.
    let mut again = a.clone();
    again.count = 2;
    let ids = r.route(&again, Change::Updated, Utc::now()).await.unwrap();
    assert_eq!(ids.len(), 2);
}

#[tokio::test]
async fn quiet_grouping_folds_the_rest_into_one_digest() {
    let fake = Fake::start().await;
    let mut c = config(&fake, None, &["slack"], &[]);
    c.router.grouping.max_alerts = 2;
    c.router.grouping.window_minutes = 5;
    let store = memory();
    let r = router(&c, &store);
    let now = Utc.with_ymd_and_hms(2026, 11, 30, 10, 1, 0).unwrap();
    for i in 0..6 {
        let a = alert(&format!("g{i}"), "noisy", Severity::Medium);
        save(&store, &a).await;
        r.route(&a, Change::New, now).await.unwrap();
    }
    // Another rule is not affected.
    let other = alert("o1", "quiet", Severity::Medium);
    save(&store, &other).await;
    r.route(&other, Change::New, now).await.unwrap();

    let rep = r.deliver_due(now).await.unwrap();
    assert_eq!(rep.delivered, 3, "g0, g1 and o1 one by one");
    let digest = &deliveries(&store, "g2").await[0];
    assert_eq!(digest.action, DeliveryAction::Digest);
    assert_eq!(
        digest.key,
        format!(
            "digest:noisy:{}:slack",
            Utc.with_ymd_and_hms(2026, 11, 30, 10, 0, 0)
                .unwrap()
                .timestamp()
        )
    );
    let end = Utc.with_ymd_and_hms(2026, 11, 30, 10, 5, 0).unwrap();
    assert_eq!(digest.next_attempt, end);
    for i in 3..6 {
        assert!(
            deliveries(&store, &format!("g{i}")).await.is_empty(),
            "folded into g2's digest row"
        );
        assert_eq!(
            actions(&history(&store, &format!("g{i}")).await),
            ["raised", "folded"]
        );
    }
    assert_eq!(
        r.deliver_due(end - Duration::seconds(1))
            .await
            .unwrap()
            .claimed,
        0,
        "sent when the window closes"
    );
    let rep = r.deliver_due(end).await.unwrap();
    assert_eq!(rep.delivered, 1);
    let posts = fake.slack_posts();
    assert_eq!(posts.len(), 4);
    let text = posts[3]["text"].as_str().unwrap();
    assert!(
        text.starts_with("4 more alerts from rule Rule noisy"),
        "{text}"
    );
    let blocks = posts[3]["blocks"].to_string();
    for i in 2..6 {
        assert!(blocks.contains(&format!("(g{i})")), "{blocks}");
    }
    assert!(!blocks.contains("(g1)"));
    mantissa_core::chat::slack::validate_blocks(&posts[3]["blocks"]).unwrap();
    assert_eq!(
        deliveries(&store, "g2").await[0].status,
        DeliveryStatus::Delivered
    );
}

#[tokio::test]
async fn a_muted_rule_is_not_sent_until_the_mute_ends() {
    use mantissa_core::alert::RuleMute;
    let fake = Fake::start().await;
    let c = config(&fake, None, &["slack"], &[]);
    let store = memory();
    let r = router(&c, &store);
    let now = Utc.with_ymd_and_hms(2024, 3, 10, 12, 0, 0).unwrap();
    store
        .mute_rule(&RuleMute {
            rule_id: "noisy".into(),
            until: now + Duration::hours(24),
            by: "slack:U1".into(),
            at: now,
        })
        .await
        .unwrap();
    // Muted: stored, recorded in the history, not sent.
    let a = alert("m1", "noisy", Severity::High);
    save(&store, &a).await;
    assert!(r.route(&a, Change::New, now).await.unwrap().is_empty());
    drain(&r).await;
    assert!(fake.slack_posts().is_empty());
    let history = store.history("m1").await.unwrap();
    let muted = history.iter().find(|e| e.action == "muted").unwrap();
    assert!(
        muted
            .detail
            .as_deref()
            .unwrap()
            .contains("muted until 2024-03-11T12:00:00Z by slack:U1"),
        "{muted:?}"
    );
    // Other rules are unaffected.
    let b = alert("o1", "other", Severity::High);
    save(&store, &b).await;
    assert_eq!(r.route(&b, Change::New, now).await.unwrap().len(), 1);
    // After the mute ends, or once lifted, alerts go out again.
    let later = alert("m2", "noisy", Severity::High);
    save(&store, &later).await;
    let after = now + Duration::hours(24) + Duration::seconds(1);
    assert_eq!(r.route(&later, Change::New, after).await.unwrap().len(), 1);
    assert!(store.unmute_rule("noisy").await.unwrap());
    assert!(!store.unmute_rule("noisy").await.unwrap());
    let third = alert("m3", "noisy", Severity::High);
    save(&store, &third).await;
    assert_eq!(r.route(&third, Change::New, now).await.unwrap().len(), 1);
}
