//! Test helpers: alerts, stores, configs pointing at the fakes.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use mantissa_core::alert::{
    Alert, AlertEvent, AlertStatus, AlertStore, Category, Delivery, Severity, SqliteAlertStore,
    StatusChange, Transition,
};
use mantissa_core::config::{
    Config, DestinationConfig, RetryConfig, RouteConfig, RouteTargets, Secret, SmtpTls,
};
use mantissa_router::Router;
use serde_json::{Map, json};

use crate::fake::{DISCORD_TOKEN, Fake, PD_KEY, SLACK_TOKEN, SmtpFake};

pub(crate) const HOOK_SECRET: &str = "whsec-test";

pub(crate) fn alert(id: &str, rule: &str, severity: Severity) -> Alert {
    let now = Utc::now();
    let mut group = Map::new();
    group.insert(
        "useridentity.arn".into(),
        json!("arn:aws:iam::123456789012:user/alice"),
    );
    group.insert("sourceipaddress".into(), json!("203.0.113.7"));
    let mut row = group.clone();
    row.insert("eventname".into(), json!("ConsoleLogin"));
    row.insert("awsregion".into(), json!("eu-west-1"));
    Alert {
        id: id.into(),
        rule_id: rule.into(),
        rule_name: format!("Rule {rule}"),
        severity,
        category: Category::Access,
        title: format!("Console login without MFA: {id}"),
        description: "A principal signed in to the console without MFA.".into(),
        first_seen: now,
        last_seen: now,
        count: 1,
        group,
        evidence: vec![row],
        mitre_attack: vec!["T1078.004".into()],
        tags: vec!["aws".into(), "identity".into()],
        sql: "SELECT useridentity.arn, sourceipaddress FROM cloudtrail WHERE eventname = 'ConsoleLogin'".into(),
        status: AlertStatus::Open,
        status_by: None,
        status_at: None,
        fingerprint: format!("fp-{id}"),
        meta: false,
        enrichment: Default::default(),
    }
}

pub(crate) async fn save(store: &Arc<dyn AlertStore>, a: &Alert) {
    store
        .save_alert(a, "hash", a.first_seen + Duration::hours(1))
        .await
        .unwrap();
}

pub(crate) fn sqlite(path: &Path) -> Arc<dyn AlertStore> {
    Arc::new(SqliteAlertStore::open(path).unwrap())
}

pub(crate) fn memory() -> Arc<dyn AlertStore> {
    Arc::new(SqliteAlertStore::in_memory().unwrap())
}

/// A config with every destination pointing at the fakes, fast retries,
/// grouping off, and `default_route` = `route`.
pub(crate) fn config(
    fake: &Fake,
    smtp: Option<&SmtpFake>,
    route: &[&str],
    fallback: &[&str],
) -> Config {
    let mut c = Config::default();
    c.slack.bot_token = Some(Secret::new(SLACK_TOKEN));
    c.slack.api_url = format!("{}/slack", fake.url);
    c.discord.bot_token = Some(Secret::new(DISCORD_TOKEN));
    c.discord.api_url = format!("{}/discord", fake.url);
    let r = &mut c.router;
    r.destinations.insert(
        "slack".into(),
        DestinationConfig::Slack {
            channel: "C123".into(),
        },
    );
    r.destinations.insert(
        "slack-missing".into(),
        DestinationConfig::Slack {
            channel: "C404".into(),
        },
    );
    r.destinations.insert(
        "pd".into(),
        DestinationConfig::Pagerduty {
            routing_key: Secret::new(PD_KEY),
            events_url: format!("{}/pd/v2/enqueue", fake.url),
        },
    );
    r.destinations.insert(
        "pd-badkey".into(),
        DestinationConfig::Pagerduty {
            routing_key: Secret::new("wrong"),
            events_url: format!("{}/pd/v2/enqueue", fake.url),
        },
    );
    r.destinations.insert(
        "discord".into(),
        DestinationConfig::Discord {
            channel_id: Some("D42".into()),
            webhook_url: None,
        },
    );
    r.destinations.insert(
        "hook".into(),
        DestinationConfig::Webhook {
            url: format!("{}/hook", fake.url),
            secret: Some(Secret::new(HOOK_SECRET)),
        },
    );
    if let Some(s) = smtp {
        r.destinations.insert(
            "mail".into(),
            DestinationConfig::Email {
                host: "127.0.0.1".into(),
                port: Some(s.port),
                tls: SmtpTls::None,
                username: Some("mantissa".into()),
                password: Some(Secret::new("smtp-pass")),
                from: "Mantissa <alerts@example.com>".into(),
                to: vec!["soc@example.com".into()],
            },
        );
    }
    r.default_route = Some(RouteTargets {
        destinations: route.iter().map(|s| s.to_string()).collect(),
        fallback: fallback.iter().map(|s| s.to_string()).collect(),
    });
    r.grouping.max_alerts = 0;
    r.retry = RetryConfig {
        max_attempts: 3,
        base_backoff_ms: 50,
        max_backoff_ms: 200,
        attempt_timeout_ms: 700,
        lease_ms: 1500,
        concurrency: 4,
    };
    c
}

pub(crate) fn route(name: &str, dests: &[&str]) -> RouteConfig {
    RouteConfig {
        name: name.into(),
        min_severity: None,
        categories: vec![],
        tags: vec![],
        rules: vec![],
        destinations: dests.iter().map(|s| s.to_string()).collect(),
        fallback: vec![],
    }
}

pub(crate) fn router(c: &Config, store: &Arc<dyn AlertStore>) -> Router {
    Router::new(c, store.clone(), mantissa_core::clock::Clock::system()).unwrap()
}

pub(crate) async fn drain(r: &Router) -> mantissa_router::DeliveryReport {
    r.drain(tokio::time::Instant::now() + std::time::Duration::from_secs(20))
        .await
        .unwrap()
}

pub(crate) async fn deliveries(store: &Arc<dyn AlertStore>, id: &str) -> Vec<Delivery> {
    store.deliveries(id).await.unwrap()
}

pub(crate) async fn history(store: &Arc<dyn AlertStore>, id: &str) -> Vec<AlertEvent> {
    store.history(id).await.unwrap()
}

pub(crate) fn actions(h: &[AlertEvent]) -> Vec<String> {
    h.iter().map(|e| e.action.clone()).collect()
}

/// Moves an alert and tells the router.
pub(crate) async fn change(
    r: &Router,
    store: &Arc<dyn AlertStore>,
    id: &str,
    to: AlertStatus,
    actor: &str,
    at: DateTime<Utc>,
) -> Alert {
    let t = store
        .transition(
            id,
            &StatusChange {
                to,
                actor: actor.into(),
                note: None,
                at,
            },
        )
        .await
        .unwrap();
    let Transition::Changed { alert, from } = t else {
        panic!("unchanged")
    };
    r.status_changed(&alert, from, at).await.unwrap();
    alert
}

#[allow(dead_code)]
pub(crate) fn dests(map: &BTreeMap<String, DestinationConfig>) -> Vec<String> {
    map.keys().cloned().collect()
}
