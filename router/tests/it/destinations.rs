//! Exact requests per destination.

use chrono::Utc;
use hmac::{Hmac, KeyInit, Mac};
use mantissa_core::alert::{AlertStatus, DeliveryStatus, Severity};
use mantissa_router::{Change, slack};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::fake::{Fake, PD_KEY, SmtpFake};
use crate::support::*;

fn action_ids(blocks: &Value) -> Vec<String> {
    blocks
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().unwrap().clone())
        .map(|e| e["action_id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn slack_post_update_and_thread_replies() {
    let fake = Fake::start().await;
    let store = memory();
    let r = router(&config(&fake, None, &["slack"], &[]), &store);
    let a = alert("a1", "console-no-mfa", Severity::High);
    save(&store, &a).await;
    r.route(&a, Change::New, Utc::now()).await.unwrap();
    let rep = drain(&r).await;
    assert_eq!(rep.delivered, 1);

    let posts = fake.requests("chat.postMessage");
    assert_eq!(posts.len(), 1);
    assert_eq!(
        posts[0].header("authorization").unwrap(),
        "Bearer xoxb-test-token"
    );
    assert!(
        posts[0]
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let body = posts[0].json();
    assert_eq!(body["channel"], "C123");
    assert_eq!(body["text"], "[HIGH] Console login without MFA: a1 (Open)");
    assert_eq!(
        body["metadata"],
        json!({"event_type": "mantissa_alert", "event_payload": {"delivery": "a1:slack:notify", "alert_id": "a1"}})
    );
    let blocks = &body["blocks"];
    mantissa_core::chat::slack::validate_blocks(blocks).unwrap();
    assert_eq!(blocks[0]["type"], "header");
    assert_eq!(
        blocks[0]["text"]["text"],
        "🟠 HIGH: Console login without MFA: a1"
    );
    assert_eq!(
        action_ids(blocks),
        ["alert_ack", "alert_resolve", "alert_sql", "alert_mute"]
    );
    let action_block = blocks
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["type"] == "actions")
        .unwrap();
    assert!(
        action_block["elements"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["value"] == "a1")
    );
    let all = blocks.to_string();
    assert!(
        all.contains("<https://attack.mitre.org/techniques/T1078/004/|T1078.004>"),
        "{all}"
    );
    assert!(all.contains("SELECT useridentity.arn"));
    assert!(all.contains("*sourceipaddress*\\n203.0.113.7"));

    let d = &deliveries(&store, "a1").await[0];
    assert_eq!(d.status, DeliveryStatus::Delivered);
    let ts = fake.slack_posts()[0]["ts"].clone();
    assert_eq!(d.message_ref, Some(json!({"channel": "C123", "ts": ts})));

    // Acknowledge: chat.update on the same message + a thread reply.
    change(
        &r,
        &store,
        "a1",
        AlertStatus::Acknowledged,
        "cli:alice",
        Utc::now(),
    )
    .await;
    drain(&r).await;
    let updates = fake.requests("chat.update");
    assert_eq!(updates.len(), 1);
    let u = updates[0].json();
    assert_eq!(
        (u["channel"].clone(), u["ts"].clone()),
        (json!("C123"), ts.clone())
    );
    mantissa_core::chat::slack::validate_blocks(&u["blocks"]).unwrap();
    assert!(
        u["blocks"]
            .to_string()
            .contains("Acknowledged by cli:alice")
    );
    assert_eq!(
        action_ids(&u["blocks"]),
        ["alert_resolve", "alert_sql", "alert_mute"]
    );
    let replies = fake.slack_replies();
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0]["thread_ts"], ts);
    assert!(
        replies[0]["text"]
            .as_str()
            .unwrap()
            .contains("Acknowledged by cli:alice")
    );

    // Resolve: buttons gone except Show SQL / Mute.
    change(
        &r,
        &store,
        "a1",
        AlertStatus::Resolved,
        "slack:U1",
        Utc::now(),
    )
    .await;
    drain(&r).await;
    let u = fake.requests("chat.update")[1].json();
    assert_eq!(action_ids(&u["blocks"]), ["alert_sql", "alert_mute"]);

    // A repeat is a thread reply.
    let mut again = store.get("a1").await.unwrap().unwrap();
    again.count = 2;
    save(&store, &again).await;
    r.route(&again, Change::Updated, Utc::now()).await.unwrap();
    drain(&r).await;
    let replies = fake.slack_replies();
    assert_eq!(replies.len(), 3);
    assert!(
        replies[2]["text"]
            .as_str()
            .unwrap()
            .starts_with("Seen again: 2 sightings")
    );
    assert_eq!(fake.slack_posts().len(), 1, "exactly one top-level message");
    let h = actions(&history(&store, "a1").await);
    assert_eq!(h.iter().filter(|a| *a == "delivered").count(), 4, "{h:?}");
}

#[test]
fn slack_blocks_respect_limits_on_the_longest_alert() {
    let mut a = alert("long", "r", Severity::Critical);
    a.title = "T".repeat(500);
    a.description = "D".repeat(10_000);
    a.sql = "SELECT ".to_string() + &"x, ".repeat(3000);
    a.mitre_attack = (0..300)
        .map(|i| format!("T{:04}.{:03}", 1000 + i, i))
        .collect();
    for i in 0..40 {
        a.group
            .insert(format!("field_{i}"), json!("v".repeat(5000)));
    }
    a.evidence = (0..100)
        .map(|i| {
            let mut row = a.group.clone();
            row.insert("row".into(), json!(i));
            row
        })
        .collect();
    a.tags = (0..50).map(|i| format!("tag{i}")).collect();
    a.enrichment.warnings = vec!["w".repeat(5000)];
    a.enrichment.history = (0..200)
        .map(|i| mantissa_core::alert::HistoryFact {
            principal: "alice".into(),
            attribute: "source IP".into(),
            value: format!("10.0.0.{i}"),
            days: 30,
            prior_events: 0,
        })
        .collect();
    let blocks = slack::alert_blocks(&a);
    mantissa_core::chat::slack::validate_blocks(&blocks).unwrap();
    let all = blocks.to_string();
    assert!(all.contains("truncated"), "a visible truncation note");
    assert!(all.contains("more fields in the evidence below"));
    for s in [AlertStatus::Acknowledged, AlertStatus::Resolved] {
        a.status = s;
        a.status_by = Some("x".repeat(400));
        mantissa_core::chat::slack::validate_blocks(&slack::alert_blocks(&a)).unwrap();
    }
    // The validator does catch violations.
    let bad = json!([{"type": "header", "text": {"type": "plain_text", "text": "h".repeat(151)}}]);
    assert!(mantissa_core::chat::slack::validate_blocks(&bad).is_err());
    let many: Vec<Value> = (0..51).map(|_| json!({"type": "divider"})).collect();
    assert!(mantissa_core::chat::slack::validate_blocks(&Value::Array(many)).is_err());
    // Discord embed limits on the same alert.
    let embed = mantissa_router::discord::alert_embed(&a);
    mantissa_core::chat::discord::validate_embed(&embed).unwrap();
}

#[tokio::test]
async fn pagerduty_trigger_acknowledge_resolve_bodies() {
    let fake = Fake::start().await;
    let store = memory();
    let r = router(&config(&fake, None, &["pd"], &[]), &store);
    let a = alert("p1", "root-login", Severity::Critical);
    save(&store, &a).await;
    r.route(&a, Change::New, Utc::now()).await.unwrap();
    drain(&r).await;
    change(
        &r,
        &store,
        "p1",
        AlertStatus::Acknowledged,
        "cli:bob",
        Utc::now(),
    )
    .await;
    drain(&r).await;
    change(
        &r,
        &store,
        "p1",
        AlertStatus::Resolved,
        "cli:bob",
        Utc::now(),
    )
    .await;
    drain(&r).await;
    let reqs = fake.requests("/pd/v2/enqueue");
    assert_eq!(reqs.len(), 3);
    let t = reqs[0].json();
    assert_eq!(t["routing_key"], PD_KEY);
    assert_eq!(t["event_action"], "trigger");
    assert_eq!(t["dedup_key"], "p1");
    assert_eq!(
        t["payload"]["summary"],
        "[CRITICAL] Console login without MFA: p1"
    );
    assert_eq!(t["payload"]["severity"], "critical");
    assert_eq!(t["payload"]["source"], "mantissa");
    assert_eq!(t["payload"]["component"], "root-login");
    assert_eq!(t["payload"]["group"], "access");
    assert_eq!(t["payload"]["class"], "Rule root-login");
    assert_eq!(t["payload"]["custom_details"]["alert_id"], "p1");
    assert_eq!(
        t["links"],
        json!([{"href": "https://attack.mitre.org/techniques/T1078/004/", "text": "MITRE ATT&CK T1078.004"}])
    );
    assert_eq!(
        reqs[1].json(),
        json!({"event_action": "acknowledge", "dedup_key": "p1", "routing_key": PD_KEY})
    );
    assert_eq!(
        reqs[2].json(),
        json!({"event_action": "resolve", "dedup_key": "p1", "routing_key": PD_KEY})
    );
    assert_eq!(fake.pd_incidents()["p1"].0, "resolved");
    let ds = deliveries(&store, "p1").await;
    assert!(ds.iter().all(|d| d.status == DeliveryStatus::Delivered));
    assert_eq!(
        store.attempts(ds[0].id).await.unwrap()[0].status_code,
        Some(202)
    );
}

#[tokio::test]
async fn email_headers_and_both_bodies_and_threading() {
    let fake = Fake::start().await;
    let smtp = SmtpFake::start().await;
    let store = memory();
    let r = router(&config(&fake, Some(&smtp), &["mail"], &[]), &store);
    let mut a = alert("m1", "r1", Severity::Medium);
    a.description = "Fish & <chips>".into();
    save(&store, &a).await;
    r.route(&a, Change::New, Utc::now()).await.unwrap();
    drain(&r).await;
    change(
        &r,
        &store,
        "m1",
        AlertStatus::Resolved,
        "cli:carol",
        Utc::now(),
    )
    .await;
    drain(&r).await;
    let mails: Vec<_> = smtp
        .mails
        .lock()
        .unwrap()
        .iter()
        .map(|m| crate::fake::Mail {
            data: qp_decode(&m.data),
            ..m.clone()
        })
        .collect();
    assert_eq!(mails.len(), 2);
    let m = &mails[0];
    assert!(m.from.starts_with("<alerts@example.com>"), "{}", m.from);
    assert_eq!(m.to, ["<soc@example.com>"]);
    assert!(m.auth.is_some(), "AUTH PLAIN used");
    let d = &m.data;
    assert!(
        d.contains("Subject: [MEDIUM] Console login without MFA: m1\r\n"),
        "{d}"
    );
    assert!(d.contains("Message-ID: <alert.m1@example.com>\r\n"), "{d}");
    assert!(d.contains("From: Mantissa <alerts@example.com>\r\n"), "{d}");
    assert!(d.contains("To: soc@example.com\r\n"), "{d}");
    assert!(d.contains("multipart/alternative"), "{d}");
    assert!(d.contains("Content-Type: text/plain; charset=utf-8"), "{d}");
    assert!(d.contains("Content-Type: text/html; charset=utf-8"), "{d}");
    assert!(d.contains("Fish & <chips>"), "plain body unescaped");
    assert!(d.contains("Fish &amp; &lt;chips&gt;"), "html body escaped");
    assert!(d.contains("https://attack.mitre.org/techniques/T1078/004/"));
    let re = &mails[1].data;
    assert!(
        re.contains("Subject: Re: [MEDIUM] Console login without MFA: m1\r\n"),
        "{re}"
    );
    assert!(
        re.contains("In-Reply-To: <alert.m1@example.com>\r\n"),
        "{re}"
    );
    assert!(
        re.contains("References: <alert.m1@example.com>\r\n"),
        "{re}"
    );
    assert!(re.contains("Resolved by cli:carol"));
}

#[tokio::test]
async fn webhook_signature_and_idempotency_key() {
    let fake = Fake::start().await;
    let store = memory();
    let r = router(&config(&fake, None, &["hook"], &[]), &store);
    let a = alert("w1", "r1", Severity::Low);
    save(&store, &a).await;
    r.route(&a, Change::New, Utc::now()).await.unwrap();
    drain(&r).await;
    let reqs = fake.requests("/hook");
    assert_eq!(reqs.len(), 1);
    let req = &reqs[0];
    assert_eq!(req.header("idempotency-key").unwrap(), "w1:hook:notify");
    let ts = req.header("x-mantissa-timestamp").unwrap();
    assert!((Utc::now().timestamp() - ts.parse::<i64>().unwrap()).abs() < 30);
    let mut mac = Hmac::<Sha256>::new_from_slice(HOOK_SECRET.as_bytes()).unwrap();
    mac.update(format!("{ts}.").as_bytes());
    mac.update(&req.body);
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(req.header("x-mantissa-signature").unwrap(), expected);
    let body = req.json();
    assert_eq!(body["delivery"], "w1:hook:notify");
    assert_eq!(body["action"], "notify");
    assert_eq!(body["alert"]["id"], "w1");
    assert_eq!(body["alert"]["severity"], "low");
}

#[tokio::test]
async fn discord_embed_components_and_edit() {
    let fake = Fake::start().await;
    let store = memory();
    let r = router(&config(&fake, None, &["discord"], &[]), &store);
    let a = alert("d1", "r1", Severity::Critical);
    save(&store, &a).await;
    r.route(&a, Change::New, Utc::now()).await.unwrap();
    drain(&r).await;
    let posts = fake.requests("/discord/channels/D42/messages");
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].method, "POST");
    assert_eq!(
        posts[0].header("authorization").unwrap(),
        "Bot discord-test-token"
    );
    let b = posts[0].json();
    let e = &b["embeds"][0];
    assert_eq!(e["title"], "[CRITICAL] Console login without MFA: d1");
    assert_eq!(e["color"], 0xD0021B);
    assert!(
        e["description"]
            .as_str()
            .unwrap()
            .contains("[T1078.004](https://attack.mitre.org/techniques/T1078/004/)")
    );
    assert_eq!(e["fields"][0]["name"], "useridentity.arn");
    mantissa_core::chat::discord::validate_embed(e).unwrap();
    assert_eq!(
        b["nonce"],
        mantissa_router::discord::nonce("d1:discord:notify")
    );
    assert_eq!(b["nonce"].as_str().unwrap().len(), 25);
    assert_eq!(b["enforce_nonce"], true);
    let row = &b["components"][0];
    assert_eq!(row["type"], 1);
    assert_eq!(
        row["components"][0],
        json!({"type": 2, "style": 3, "label": "Acknowledge", "custom_id": "alert_ack:d1", "disabled": false})
    );
    assert_eq!(
        row["components"][1],
        json!({"type": 2, "style": 4, "label": "Resolve", "custom_id": "alert_resolve:d1", "disabled": false})
    );
    assert_eq!(
        row["components"][2],
        json!({"type": 2, "style": 2, "label": "Mute rule 24h", "custom_id": "alert_mute:d1", "disabled": false})
    );
    change(
        &r,
        &store,
        "d1",
        AlertStatus::Acknowledged,
        "discord:42",
        Utc::now(),
    )
    .await;
    drain(&r).await;
    let all = fake.requests("/discord/channels/D42/messages");
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].method, "PATCH");
    let id = fake.state.discord.lock().unwrap()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(all[1].path, format!("/discord/channels/D42/messages/{id}"));
    let p = all[1].json();
    assert!(
        p["embeds"][0]["description"]
            .as_str()
            .unwrap()
            .contains("Acknowledged by discord:42")
    );
    assert_eq!(p["components"][0]["components"][0]["disabled"], true);
    assert_eq!(p["components"][0]["components"][1]["disabled"], false);
}

/// Undoes quoted-printable (soft line breaks and `=XX`), enough to read
/// the bodies lettre encodes.
fn qp_decode(s: &str) -> String {
    let s = s.replace("=\r\n", "");
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'='
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn secrets_stay_out_of_debug_and_errors() {
    let fake = Fake::start().await;
    let smtp = SmtpFake::start().await;
    let c = config(&fake, Some(&smtp), &["pd-badkey"], &[]);
    let store = memory();
    let r = router(&c, &store);
    let dump = format!("{r:?} {c:?}");
    for secret in [
        "xoxb-test-token",
        "discord-test-token",
        PD_KEY,
        HOOK_SECRET,
        "smtp-pass",
    ] {
        assert!(!dump.contains(secret), "{secret} in {dump}");
    }
    let a = alert("s1", "r", Severity::High);
    save(&store, &a).await;
    r.route(&a, Change::New, Utc::now()).await.unwrap();
    drain(&r).await;
    let d = &deliveries(&store, "s1").await[0];
    assert_eq!(d.status, DeliveryStatus::Failed);
    let err = d.last_error.clone().unwrap();
    assert!(err.contains("HTTP 400") && !err.contains("wrong"), "{err}");
}
