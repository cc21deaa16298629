//! Enrichment on real data: MaxMind's test databases, a real IPsum feed, a
//! CSV list, related alerts from the real store and history from the logs
//! through the real engine. Broken sources leave warnings, never lose alerts.

use std::io::Write;

use mantissa_core::alert::Alert;
use mantissa_core::config::{EnrichConfig, IntelListConfig};
use serde_json::json;

use crate::common::{Lake, at, fixtures};

const ARN: &str = "arn:aws:iam::111122223333:user/alice";

fn login(time: &str, ip: &str) -> serde_json::Value {
    json!({
        "eventVersion": "1.08",
        "userIdentity": {"type": "IAMUser", "principalId": "AIDAALICE", "arn": ARN,
                          "accountId": "111122223333", "userName": "alice"},
        "eventTime": time,
        "eventSource": "signin.amazonaws.com",
        "eventName": "ConsoleLogin",
        "awsRegion": "us-east-1",
        "sourceIPAddress": ip,
        "userAgent": "Mozilla/5.0 (Macintosh)",
        "responseElements": {"ConsoleLogin": "Success"},
        "eventType": "AwsConsoleSignIn",
        "recipientAccountId": "111122223333",
        "eventID": format!("{time}-{ip}"),
    })
}

/// Alice signs in from London for five days, then from Linköping and from
/// an address on the IPsum blocklist.
fn lake() -> Lake {
    let lake = Lake::new();
    let mut records: Vec<_> = (1..=5)
        .map(|d| login(&format!("2024-03-0{d}T09:00:00Z"), "81.2.69.142"))
        .collect();
    records.push(login("2024-03-10T10:00:00Z", "89.160.20.130"));
    records.push(login("2024-03-10T10:05:00Z", "77.90.185.20"));
    let path = lake.dir.path().join("logins.json");
    std::fs::write(&path, json!({ "Records": records }).to_string()).unwrap();
    lake.ingest(&path, Some("cloudtrail"));
    lake
}

const RULE: &str = "name: Console sign-in\nseverity: medium\ncategory: access\n\
    query: SELECT useridentity.arn AS arn, sourceipaddress, awsregion, useragent, eventtime FROM cloudtrail WHERE eventname = 'ConsoleLogin'\n\
    threshold: {count: 1, window: 1h}\ndedup: {fields: [arn, sourceipaddress]}\n";

fn csv_list(lake: &Lake) -> std::path::PathBuf {
    let path = lake.dir.path().join("team-list.csv");
    let mut f = std::fs::File::create(&path).unwrap();
    writeln!(f, "indicator,description").unwrap();
    writeln!(f, "89.160.20.0/24,Red-team egress range").unwrap();
    writeln!(f, "evil.example.com,Phishing domain").unwrap();
    writeln!(f, "d41d8cd98f00b204e9800998ecf8427e,Empty-file hash").unwrap();
    writeln!(f, "this is not an indicator").unwrap();
    path
}

fn config(lake: &Lake) -> EnrichConfig {
    let maxmind = fixtures().join("enrich/maxmind");
    EnrichConfig {
        geoip: vec![
            maxmind.join("GeoLite2-City-Test.mmdb"),
            maxmind.join("GeoLite2-ASN-Test.mmdb"),
        ],
        intel: vec![
            IntelListConfig {
                name: "ipsum".into(),
                path: fixtures().join("enrich/ipsum/ipsum-level4-2026-08-22.txt"),
            },
            IntelListConfig {
                name: "team".into(),
                path: csv_list(lake),
            },
        ],
        ..Default::default()
    }
}

async fn alerts(lake: &Lake, config: &EnrichConfig) -> Vec<Alert> {
    let rule = lake.rule(RULE);
    let run = lake
        .enriched_detector(config)
        .run_rule(&rule, at("2024-03-10T10:10:00Z"))
        .await
        .unwrap();
    assert_eq!(run.outcome, Ok(2));
    run.alerts.into_iter().map(|r| r.alert).collect()
}

fn by_ip<'a>(alerts: &'a [Alert], ip: &str) -> &'a Alert {
    alerts
        .iter()
        .find(|a| a.group["sourceipaddress"] == ip)
        .unwrap_or_else(|| panic!("no alert for {ip}"))
}

#[tokio::test]
async fn alerts_carry_geolocation_threat_intel_related_alerts_and_history() {
    let lake = lake();
    let alerts = alerts(&lake, &config(&lake)).await;

    let sweden = by_ip(&alerts, "89.160.20.130");
    let e = &sweden.enrichment;
    assert!(e.warnings.is_empty(), "{:?}", e.warnings);
    assert_eq!(e.ips.len(), 1);
    let ip = &e.ips[0];
    assert_eq!(ip.country.as_deref(), Some("SE"));
    assert_eq!(ip.city.as_deref(), Some("Linköping"));
    assert_eq!(ip.asn, Some(29518));
    assert_eq!(ip.as_org.as_deref(), Some("Bredband2 AB"));
    // The CIDR on the team list, with its description.
    assert_eq!(e.threat_intel.len(), 1, "{:?}", e.threat_intel);
    assert_eq!(e.threat_intel[0].list, "team");
    assert_eq!(e.threat_intel[0].indicator, "89.160.20.0/24");
    assert_eq!(
        e.threat_intel[0].detail.as_deref(),
        Some("Red-team egress range")
    );
    // History from the logs: a new IP, a familiar region and user agent.
    let fact = |attr: &str| e.history.iter().find(|h| h.attribute == attr).unwrap();
    assert!(fact("source IP").first_time());
    assert_eq!(fact("region").prior_events, 5);
    assert_eq!(fact("user agent").prior_events, 5);
    assert_eq!(fact("source IP").principal, ARN);
    assert!(
        e.lines()
            .iter()
            .any(|l| l.contains("first time in 30 days") && l.contains("source IP 89.160.20.130")),
        "{:?}",
        e.lines()
    );

    let listed = by_ip(&alerts, "77.90.185.20");
    let hits: Vec<_> = listed
        .enrichment
        .threat_intel
        .iter()
        .map(|m| m.list.as_str())
        .collect();
    assert_eq!(hits, ["ipsum"]);

    // The two alerts share the principal: the later-stored one names the other.
    let related: Vec<_> = alerts.iter().flat_map(|a| &a.enrichment.related).collect();
    assert_eq!(related.len(), 1, "{related:?}");
    assert_eq!(related[0].via, format!("principal={ARN}"));

    // Enrichment is stored with the alert.
    let stored = lake.alert_store().get(&sweden.id).await.unwrap().unwrap();
    assert_eq!(stored.enrichment, sweden.enrichment);
}

/// The built-in pack names the principal `actor` (55 of 65 rules): related
/// alerts and history must both find it under that name.
#[tokio::test]
async fn a_rule_naming_the_principal_actor_gets_related_alerts_and_history() {
    let lake = lake();
    let rule = lake.rule(
        "name: Console sign-in by actor\nseverity: medium\ncategory: access\n\
         query: SELECT useridentity.arn AS actor, sourceipaddress, eventtime FROM cloudtrail WHERE eventname = 'ConsoleLogin'\n\
         threshold: {count: 1, window: 1h}\ndedup: {fields: [actor, sourceipaddress]}\n",
    );
    let run = lake
        .enriched_detector(&EnrichConfig::default())
        .run_rule(&rule, at("2024-03-10T10:10:00Z"))
        .await
        .unwrap();
    assert_eq!(run.outcome, Ok(2));
    let alerts: Vec<Alert> = run.alerts.into_iter().map(|r| r.alert).collect();
    for a in &alerts {
        assert_eq!(a.principal().as_deref(), Some(ARN));
    }
    let related: Vec<_> = alerts.iter().flat_map(|a| &a.enrichment.related).collect();
    assert_eq!(related.len(), 1, "{related:?}");
    assert_eq!(related[0].via, format!("principal={ARN}"));
    let sweden = by_ip(&alerts, "89.160.20.130");
    assert!(
        sweden
            .enrichment
            .history
            .iter()
            .any(|h| h.principal == ARN && h.attribute == "source IP" && h.first_time()),
        "{:?}",
        sweden.enrichment.history
    );
}

#[tokio::test]
async fn missing_or_broken_sources_leave_warnings_and_never_lose_the_alert() {
    let lake = lake();
    let garbage = lake.dir.path().join("corrupt.mmdb");
    std::fs::write(&garbage, b"this is not a MaxMind database").unwrap();
    let config = EnrichConfig {
        geoip: vec![lake.dir.path().join("missing.mmdb"), garbage],
        intel: vec![IntelListConfig {
            name: "gone".into(),
            path: lake.dir.path().join("gone.txt"),
        }],
        ..Default::default()
    };
    let alerts = alerts(&lake, &config).await;
    assert_eq!(alerts.len(), 2, "both alerts raised and stored");
    for a in &alerts {
        let w = &a.enrichment.warnings;
        assert!(w.iter().any(|w| w.contains("missing.mmdb")), "{w:?}");
        assert!(w.iter().any(|w| w.contains("corrupt.mmdb")), "{w:?}");
        assert!(w.iter().any(|w| w.contains("threat intel `gone`")), "{w:?}");
        // The sources that work still contribute.
        assert!(!a.enrichment.history.is_empty());
        assert!(lake.alert_store().get(&a.id).await.unwrap().is_some());
    }
}

#[tokio::test]
async fn an_indicator_list_is_reloaded_when_it_changes() {
    let lake = lake();
    let list = lake.dir.path().join("live.txt");
    std::fs::write(&list, "# nothing yet\n").unwrap();
    let config = EnrichConfig {
        intel: vec![IntelListConfig {
            name: "live".into(),
            path: list.clone(),
        }],
        related_hours: 0,
        history_days: 0,
        ..Default::default()
    };
    let pipeline = mantissa_detector::enrich::Pipeline::new(&config, None, None);
    let alerts = alerts(&lake, &EnrichConfig::default()).await;
    let mut a = by_ip(&alerts, "89.160.20.130").clone();
    use mantissa_detector::enrich::Enricher;
    pipeline.enrich(&mut a).await;
    assert!(a.enrichment.threat_intel.is_empty());
    // A new version of the file (a later mtime) is picked up.
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&list, "89.160.20.130 seen scanning\n").unwrap();
    let f = std::fs::File::options().append(true).open(&list).unwrap();
    f.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5))
        .unwrap();
    pipeline.enrich(&mut a).await;
    assert_eq!(a.enrichment.threat_intel.len(), 1);
    assert_eq!(
        a.enrichment.threat_intel[0].detail.as_deref(),
        Some("seen scanning")
    );
}
