//! Discord end to end: the real binary on loopback, driven as Discord
//! drives it (each interaction signed by the test with a fixed-seed
//! Ed25519 key), answering through a local server that speaks the Discord
//! REST API and records every call; and `discord register-commands`.

use std::process::Command;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use ed25519_dalek::{Signer, SigningKey};
use mantissa_testkit::{DISCORD_TOKEN, Fake};
use serde_json::{Value, json};

use super::server::{self, Server};
use super::{Run, example_rule_dir, ingest_brute_force};

const APP_ID: &str = "1100000000000000001";
const BOT_TOKEN: &str = DISCORD_TOKEN;
const NOW: &str = "2024-03-10T12:00:00Z";
const ADMIN_ROLE: &str = "900000000000000009";

/// The kit's Discord REST API.
type Calls = Fake;

fn key() -> SigningKey {
    SigningKey::from_bytes(&[42; 32])
}

fn public_key() -> String {
    hex(&key().verifying_key().to_bytes())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The kit's Discord REST API (channel messages for the router, webhook
/// edits for deferred answers, command registration); records every call.
fn fake_discord(rt: &tokio::runtime::Runtime) -> (String, Calls) {
    let fake = rt.block_on(Fake::start());
    (format!("{}/api/v10", fake.discord_url()), fake)
}

fn serve(r: &Run, discord_url: &str) -> Server {
    let key = public_key();
    server::start(
        r,
        &[
            ("MANTISSA_DISCORD_PUBLIC_KEY", key.as_str()),
            ("MANTISSA_DISCORD_APPLICATION_ID", APP_ID),
            ("MANTISSA_DISCORD_BOT_TOKEN", BOT_TOKEN),
            ("MANTISSA_DISCORD_API_URL", discord_url),
            ("MANTISSA_LOG", "info"),
        ],
        &[
            "--now",
            NOW,
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--translator",
            "builtin",
        ],
        // Secrets (and interaction tokens) never reach the logs.
        &[BOT_TOKEN, "itoken-"],
    )
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn sign(key: &SigningKey, ts: &str, body: &str) -> String {
    let mut m = ts.as_bytes().to_vec();
    m.extend_from_slice(body.as_bytes());
    hex(&key.sign(&m).to_bytes())
}

fn command(id: &str, user: &str, roles: &[&str], sub: Value) -> String {
    json!({
        "id": id, "application_id": APP_ID, "type": 2, "token": format!("itoken-{id}"),
        "version": 1, "guild_id": "1", "channel_id": "C1",
        "member": {"user": {"id": user, "username": user}, "roles": roles},
        "data": {"id": "1300000000000000001", "name": "mantissa", "type": 1, "options": [sub]},
    })
    .to_string()
}

/// Discord calls: (path below the API root, headers, body as JSON, or
/// `{"raw": …}` for multipart).
fn calls_of(calls: &Calls, method: &str, path_prefix: &str) -> Vec<(String, HeaderMap, Value)> {
    calls
        .requests("/discord/")
        .into_iter()
        .filter_map(|r| {
            let path = r.path.trim_start_matches("/discord").to_string();
            (r.method == method && path.starts_with(path_prefix)).then(|| {
                let v = serde_json::from_slice(&r.body)
                    .unwrap_or_else(|_| json!({ "raw": String::from_utf8_lossy(&r.body) }));
                (path, r.headers, v)
            })
        })
        .collect()
}

fn wait_for(
    calls: &Calls,
    method: &str,
    path_prefix: &str,
    n: usize,
) -> Vec<(String, HeaderMap, Value)> {
    mantissa_testkit::wait::at_least(n, || calls_of(calls, method, path_prefix))
}

#[test]
fn discord_interactions_are_verified_answered_deferred_and_update_alert_messages() {
    let r = Run::new();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (discord_url, calls) = fake_discord(&rt);
    std::fs::write(
        r.dir.path().join("mantissa.toml"),
        format!(
            "[permissions]\nrule_admins = [\"{ADMIN_ROLE}\"]\nalert_responders = [\"111\", \"{ADMIN_ROLE}\"]\n[permissions.channel_tables]\nCGUARD = [\"guardduty\"]\n[router.destinations.secops]\ntype = \"discord\"\nchannel_id = \"C1\"\n[router.default_route]\ndestinations = [\"secops\"]\n"
        ),
    )
    .unwrap();
    ingest_brute_force(&r);
    // Detection posts the alert to the channel through the router.
    let rules = example_rule_dir(&r);
    let out = Command::new(env!("CARGO_BIN_EXE_mantissa"))
        .current_dir(r.dir.path())
        .env("MANTISSA_DISCORD_BOT_TOKEN", BOT_TOKEN)
        .env("MANTISSA_DISCORD_API_URL", &discord_url)
        .args([
            "--now",
            "2024-03-10T10:30:00Z",
            "detect",
            "--no-builtin",
            "--rules",
            rules.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let posted = wait_for(&calls, "POST", "/channels/C1/messages", 1);
    assert_eq!(posted.len(), 1);
    let alert_message = posted[0].2.clone();
    let ack_id = alert_message["components"][0]["components"][0]["custom_id"]
        .as_str()
        .unwrap()
        .to_string();
    let alert_id = ack_id.strip_prefix("alert_ack:").unwrap().to_string();
    let mute_id = alert_message["components"][0]["components"][2]["custom_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(mute_id, format!("alert_mute:{alert_id}"));

    let server = serve(&r, &discord_url);
    let http = reqwest::Client::new();
    let send = |body: &str, headers: &[(&str, String)]| -> (u16, Value, Duration) {
        let started = Instant::now();
        rt.block_on(async {
            let mut req = http
                .post(format!("{}/discord/interactions", server.base))
                .header("content-type", "application/json")
                .body(body.to_string());
            for (k, v) in headers {
                req = req.header(*k, v);
            }
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            let v = resp.json().await.unwrap_or(Value::Null);
            (status, v, started.elapsed())
        })
    };
    let signed = |body: &str| {
        let ts = now().to_string();
        send(
            body,
            &[
                ("x-signature-ed25519", sign(&key(), &ts, body)),
                ("x-signature-timestamp", ts),
            ],
        )
    };

    // PING → PONG.
    let (status, pong, _) = signed(r#"{"id":"1","type":1,"application_id":"1"}"#);
    assert_eq!((status, pong), (200, json!({"type": 1})));

    // Missing, forged and tampered signatures: 401 and nothing runs.
    let evil = command(
        "10",
        "111",
        &[],
        json!({"name": "ask", "type": 1, "options": [{"name": "question", "type": 3, "value": "show root activity"}]}),
    );
    assert_eq!(send(&evil, &[]).0, 401);
    let ts = now().to_string();
    let forged = SigningKey::from_bytes(&[1; 32]);
    assert_eq!(
        send(
            &evil,
            &[
                ("x-signature-ed25519", sign(&forged, &ts, &evil)),
                ("x-signature-timestamp", ts.clone()),
            ]
        )
        .0,
        401
    );
    let other_body = evil.replace("root", "IAM");
    assert_eq!(
        send(
            &other_body,
            &[
                ("x-signature-ed25519", sign(&key(), &ts, &evil)),
                ("x-signature-timestamp", ts.clone()),
            ]
        )
        .0,
        401
    );
    assert_eq!(
        send(
            &evil,
            &[
                ("x-signature-ed25519", "not hex".into()),
                ("x-signature-timestamp", ts.clone()),
            ]
        )
        .0,
        401
    );

    // /mantissa help and status answer inline, ephemerally.
    let (_, help, took) = signed(&command(
        "11",
        "111",
        &[],
        json!({"name": "help", "type": 1}),
    ));
    assert_eq!(help["type"], 4);
    assert_eq!(help["data"]["flags"], 64);
    assert!(
        help["data"]["content"]
            .as_str()
            .unwrap()
            .contains("/mantissa ask"),
        "{help}"
    );
    assert!(took < Duration::from_secs(3), "{took:?}");

    // Inline answers stay far inside Discord's 3 seconds, verification included.
    let mut times: Vec<Duration> = (0..50)
        .map(|i| {
            let (status, _, took) = signed(&command(
                &format!("50{i}"),
                "111",
                &[],
                json!({"name": "help", "type": 1}),
            ));
            assert_eq!(status, 200);
            took
        })
        .collect();
    times.sort();
    eprintln!(
        "signed /mantissa help, 50 sequential: p50 {:?}, max {:?}",
        times[25], times[49]
    );
    assert!(times[49] < Duration::from_secs(1), "{times:?}");

    // /mantissa ask: deferred at once, then the answer replaces @original.
    let ask = command(
        "12",
        "111",
        &[],
        json!({"name": "ask", "type": 1, "options": [{"name": "question", "type": 3, "value": "show me failed console logins today"}]}),
    );
    let (status, deferred, took) = signed(&ask);
    assert_eq!((status, deferred), (200, json!({"type": 5})));
    assert!(took < Duration::from_secs(3), "{took:?}");
    let asked = Instant::now();
    let edits = wait_for(
        &calls,
        "PATCH",
        &format!("/webhooks/{APP_ID}/itoken-12/messages/@original"),
        1,
    );
    assert_eq!(edits.len(), 1, "{:?}", calls.requests("/discord/"));
    eprintln!(
        "ask: deferred in {took:?}, answer PATCHed {:?} later",
        asked.elapsed()
    );
    let answer = &edits[0].2;
    mantissa_core::chat::discord::validate_message(answer).unwrap();
    assert!(
        answer["content"]
            .as_str()
            .unwrap()
            .starts_with("<@111> asked: show me failed console logins today"),
        "{answer}"
    );
    let embed = &answer["embeds"][0];
    let table = embed["description"].as_str().unwrap();
    assert!(
        table.starts_with("```\n") && table.contains("203.0.113.66"),
        "{table}"
    );
    assert_eq!(
        table.lines().count(),
        2 + 12 + 2,
        "fences, header and rule, 12 failed logins: {table}"
    );
    assert!(
        embed["fields"][0]["value"]
            .as_str()
            .unwrap()
            .contains("errorcode IS NOT NULL"),
        "{embed}"
    );
    assert!(
        embed["footer"]["text"]
            .as_str()
            .unwrap()
            .starts_with("12 rows")
    );

    // A grouped count also gets its chart: chart.png as a second part,
    // shown as the embed's image.
    let counted = command(
        "29",
        "111",
        &[],
        json!({"name": "ask", "type": 1, "options": [{"name": "question", "type": 3, "value": "failed console logins by source IP today"}]}),
    );
    assert_eq!(signed(&counted).1, json!({"type": 5}));
    let edits = wait_for(
        &calls,
        "PATCH",
        &format!("/webhooks/{APP_ID}/itoken-29/messages/@original"),
        1,
    );
    assert_eq!(edits.len(), 1, "{:?}", calls.requests("/discord/"));
    let raw = edits[0].2["raw"].as_str().expect("a multipart body");
    assert!(
        raw.contains("name=\"files[0]\"; filename=\"chart.png\"")
            && raw.contains("image/png")
            && raw.contains("PNG\r\n")
            && raw.contains(r#""image":{"url":"attachment://chart.png"}"#),
        "{}",
        &raw[..raw.len().min(2000)]
    );

    // [permissions.channel_tables]: a restricted channel, and a thread in
    // it, may not query cloudtrail; the refusal says what they may query.
    let restricted = |id: &str, channel: Value| {
        let mut v: Value = serde_json::from_str(&command(
            id,
            "111",
            &[],
            json!({"name": "ask", "type": 1, "options": [{"name": "question", "type": 3, "value": "show me failed console logins today"}]}),
        ))
        .unwrap();
        v["channel_id"] = channel["id"].clone();
        v["channel"] = channel;
        v.to_string()
    };
    for (id, channel) in [
        ("30", json!({"id": "CGUARD", "type": 0})),
        ("31", json!({"id": "T9", "type": 11, "parent_id": "CGUARD"})),
    ] {
        let (_, deferred, _) = signed(&restricted(id, channel));
        assert_eq!(deferred, json!({"type": 5}));
        let edits = wait_for(
            &calls,
            "PATCH",
            &format!("/webhooks/{APP_ID}/itoken-{id}/messages/@original"),
            1,
        );
        assert_eq!(edits.len(), 1, "{:?}", calls.requests("/discord/"));
        let body = edits[0].2.to_string();
        assert!(
            body.contains("`cloudtrail` may not be queried from here")
                && body.contains("allowed here: guardduty")
                && !body.contains("203.0.113.66"),
            "{body}"
        );
    }

    // Rule admins by role: a member without the role is refused, nothing changes.
    let disable = |id: &str, user: &str, roles: &[&str]| {
        command(
            id,
            user,
            roles,
            json!({"name": "rule", "type": 2, "options": [{"name": "disable", "type": 1,
                   "options": [{"name": "id", "type": 3, "value": "suspicious-logins"}]}]}),
        )
    };
    let (_, denied, _) = signed(&disable("13", "111", &["5"]));
    assert_eq!(denied["type"], 4);
    assert_eq!(denied["data"]["flags"], 64);
    let text = denied["data"]["content"].as_str().unwrap();
    assert!(
        text.contains("not allowed") && text.contains("role"),
        "{text}"
    );
    let enabled = || -> Value {
        let rules: Value =
            serde_json::from_str(&r.ok(&["rules", "list", "--format", "json"])).unwrap();
        rules
            .as_array()
            .or(rules["rules"].as_array())
            .unwrap()
            .iter()
            .find(|x| x["id"] == "suspicious-logins")
            .unwrap()["enabled"]
            .clone()
    };
    assert_eq!(enabled(), true);
    let (_, done, _) = signed(&disable("14", "222", &["5", ADMIN_ROLE]));
    assert_eq!(done["type"], 4);
    assert!(done["data"].get("flags").is_none(), "{done}");
    assert!(
        done["data"]["content"]
            .as_str()
            .unwrap()
            .contains("<@222> disabled rule `suspicious-logins`"),
        "{done}"
    );
    assert_eq!(enabled(), false);

    // /mantissa rule mute|unmute: alert responders (by id or role), hours
    // optional; the channel sees who muted and until when.
    let mute = |id: &str, user: &str, verb: &str, hours: Option<i64>| {
        let mut options = vec![json!({"name": "id", "type": 3, "value": "suspicious-logins"})];
        options.extend(hours.map(|h| json!({"name": "hours", "type": 4, "value": h})));
        command(
            id,
            user,
            &[],
            json!({"name": "rule", "type": 2, "options": [{"name": verb, "type": 1, "options": options}]}),
        )
    };
    let (_, denied, _) = signed(&mute("19", "333", "mute", Some(8)));
    assert_eq!(denied["data"]["flags"], 64);
    assert!(
        denied["data"]["content"]
            .as_str()
            .unwrap()
            .contains("not allowed to mute rules from Discord"),
        "{denied}"
    );
    let (_, muted, _) = signed(&mute("20", "111", "mute", Some(8)));
    assert_eq!(muted["type"], 4);
    assert!(muted["data"].get("flags").is_none(), "{muted}");
    let text = muted["data"]["content"].as_str().unwrap();
    assert!(
        text.contains("<@111> muted rule `suspicious-logins`")
            && text.contains("🔇 muted until 2024-03-10T20:00:00Z"),
        "{text}"
    );
    let (_, bad, _) = signed(&mute("21", "111", "mute", Some(0)));
    assert!(
        bad["data"]["content"]
            .as_str()
            .unwrap()
            .contains("not a number of hours"),
        "{bad}"
    );
    let (_, unmuted, _) = signed(&mute("22", "111", "unmute", None));
    let text = unmuted["data"]["content"].as_str().unwrap();
    assert!(
        text.contains("<@111> unmuted rule `suspicious-logins`") && !text.contains("muted until"),
        "{text}"
    );

    // The alert button: acknowledged in the store, the message updated in
    // place with who and when, and the router edits the embed too.
    let alert_message_id = calls.discord_messages("C1")[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let click = |id: &str, user: &str, roles: &[&str]| {
        json!({
            "id": id, "application_id": APP_ID, "type": 3, "token": format!("itoken-{id}"),
            "version": 1, "guild_id": "1", "channel_id": "C1",
            "member": {"user": {"id": user, "username": user}, "roles": roles},
            "message": {"id": alert_message_id, "channel_id": "C1",
                        "embeds": alert_message["embeds"], "components": alert_message["components"]},
            "data": {"custom_id": ack_id, "component_type": 2},
        })
        .to_string()
    };
    // Not a responder (by id or role): refused, only the clicker sees why.
    let (_, refused, _) = signed(&click("18", "333", &["5"]));
    assert_eq!(refused["type"], 4);
    assert_eq!(refused["data"]["flags"], 64);
    assert!(
        refused["data"]["content"]
            .as_str()
            .unwrap()
            .contains("not allowed to change alerts from Discord"),
        "{refused}"
    );
    let show: Value =
        serde_json::from_str(&r.ok(&["alerts", "show", &alert_id, "--format", "json"])).unwrap();
    assert_eq!(show["alert"]["status"], "open");
    let (status, updated, took) = signed(&click("15", "111", &[]));
    assert_eq!(status, 200);
    eprintln!("alert button: UPDATE_MESSAGE in {took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert_eq!(updated["type"], 7, "{updated}");
    let content = updated["data"]["content"].as_str().unwrap();
    assert!(
        content.contains("Acknowledged by <@111> at 2024-03-10"),
        "{content}"
    );
    assert_eq!(
        updated["data"]["components"][0]["components"][0]["disabled"],
        true
    );
    assert_eq!(
        updated["data"]["components"][0]["components"][1]["disabled"],
        false
    );
    let show: Value =
        serde_json::from_str(&r.ok(&["alerts", "show", &alert_id, "--format", "json"])).unwrap();
    assert_eq!(show["alert"]["status"], "acknowledged");
    assert_eq!(show["alert"]["status_by"], "discord:111");
    let router_edits = wait_for(
        &calls,
        "PATCH",
        &format!("/channels/C1/messages/{alert_message_id}"),
        1,
    );
    assert_eq!(router_edits.len(), 1);
    assert_eq!(
        router_edits[0].1["authorization"],
        format!("Bot {BOT_TOKEN}")
    );

    // A second click: a polite ephemeral note, nothing changes.
    let (_, again, _) = signed(&click("16", "222", &[ADMIN_ROLE]));
    assert_eq!(again["type"], 4);
    assert_eq!(again["data"]["flags"], 64);
    let note = again["data"]["content"].as_str().unwrap();
    assert!(note.contains("already acknowledged by <@111>"), "{note}");
    // A stale button (an alert that does not exist).
    let stale = click("17", "111", &[]).replace(&alert_id, "0000000000000000");
    let (_, gone, _) = signed(&stale);
    assert_eq!(gone["data"]["flags"], 64, "{gone}");

    // Mute rule 24h: responders only; the channel is told until when and
    // how to lift it.
    let rule_id = show["alert"]["rule_id"].as_str().unwrap().to_string();
    let (_, refused, _) = signed(&click("23", "333", &["5"]).replace(&ack_id, &mute_id));
    assert_eq!(refused["data"]["flags"], 64, "{refused}");
    assert!(
        refused["data"]["content"]
            .as_str()
            .unwrap()
            .contains("not allowed to mute rules from Discord"),
        "{refused}"
    );
    let (_, muted, _) = signed(&click("24", "222", &[ADMIN_ROLE]).replace(&ack_id, &mute_id));
    assert_eq!(muted["type"], 4, "{muted}");
    assert!(muted["data"].get("flags").is_none(), "{muted}");
    let note = muted["data"]["content"].as_str().unwrap();
    assert!(
        note.contains(&format!(
            "<@222> muted rule `{rule_id}` until 2024-03-11T12:00:00Z"
        )) && note.contains(&format!("rule unmute {rule_id}")),
        "{note}"
    );

    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        calls_of(&calls, "PATCH", "/webhooks/").len(),
        4,
        "only the signed questions were answered"
    );
    assert_eq!(
        calls_of(&calls, "PATCH", "/channels/").len(),
        1,
        "one router edit, none for the double click"
    );
}

#[test]
fn register_commands_puts_the_manifest_and_explains_failures() {
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("manifests/discord-commands.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let r = Run::new();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (discord_url, calls) = fake_discord(&rt);
    let run = |args: &[&str], token: Option<&str>, url: &str| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mantissa"));
        cmd.current_dir(r.dir.path())
            .env("MANTISSA_DISCORD_APPLICATION_ID", APP_ID)
            .env("MANTISSA_DISCORD_API_URL", url)
            .args(args);
        if let Some(t) = token {
            cmd.env("MANTISSA_DISCORD_BOT_TOKEN", t);
        }
        cmd.output().unwrap()
    };
    let out = run(
        &["discord", "register-commands", "--guild", "42"],
        Some(BOT_TOKEN),
        &discord_url,
    );
    assert!(out.status.success(), "{}", super::stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(
            "registered 1 command in guild 42: /mantissa (ask, rule, alerts, status, help)"
        ),
        "{stdout}"
    );
    let puts = calls_of(&calls, "PUT", "/");
    assert_eq!(puts.len(), 1);
    assert_eq!(
        puts[0].0,
        format!("/applications/{APP_ID}/guilds/42/commands")
    );
    assert_eq!(puts[0].1["authorization"], format!("Bot {BOT_TOKEN}"));
    assert_eq!(puts[0].2, manifest);
    let out = run(
        &["discord", "register-commands"],
        Some(BOT_TOKEN),
        &discord_url,
    );
    assert!(out.status.success(), "{}", super::stderr(&out));
    assert_eq!(
        calls_of(&calls, "PUT", "/")[1].0,
        format!("/applications/{APP_ID}/commands")
    );

    // No token: a clear error, nothing sent.
    let out = run(&["discord", "register-commands"], None, &discord_url);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        super::stderr(&out).contains("MANTISSA_DISCORD_BOT_TOKEN"),
        "{}",
        super::stderr(&out)
    );
    assert_eq!(calls_of(&calls, "PUT", "/").len(), 2);

    // Discord's error body is shown (code and message), the token is not.
    let out = run(
        &["discord", "register-commands"],
        Some("revoked-bot-token"),
        &discord_url,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = super::stderr(&out);
    assert!(
        err.contains("HTTP 401") && err.contains("401: Unauthorized"),
        "{err}"
    );
    assert!(!err.contains("revoked-bot-token"), "{err}");
}

#[test]
#[cfg(not(feature = "discord-gateway"))]
fn gateway_mode_in_a_build_without_it_is_a_clear_configuration_error() {
    let r = Run::new();
    let out = Command::new(env!("CARGO_BIN_EXE_mantissa"))
        .current_dir(r.dir.path())
        .env("MANTISSA_DISCORD_GATEWAY", "true")
        .env("MANTISSA_DISCORD_BOT_TOKEN", BOT_TOKEN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--translator",
            "builtin",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = super::stderr(&out);
    assert!(err.contains("--features discord-gateway"), "{err}");
    assert!(!err.contains(BOT_TOKEN), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_mantissa"))
        .current_dir(r.dir.path())
        .env("MANTISSA_DISCORD_PUBLIC_KEY", "abc")
        .env("MANTISSA_DISCORD_APPLICATION_ID", APP_ID)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        super::stderr(&out).contains(
            "discord.public_key must be the application's Ed25519 public key as 64 hex characters"
        ),
        "{}",
        super::stderr(&out)
    );
}
