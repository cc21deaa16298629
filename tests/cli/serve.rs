//! `mantissa serve` end to end: the real binary on loopback, driven as
//! Slack drives it (requests signed by the test), answering through a local
//! server that speaks the Slack Web API and records every call; and the
//! HTTP API with bearer tokens.

use std::process::Command;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use mantissa_bot::auth::SlackVerifier;
use mantissa_testkit::Fake;
use serde_json::{Value, json};

use super::server::{self, Server};
use super::{Run, example_rule_dir, ingest_brute_force};

const SECRET: &str = "test-signing-secret";
const TOKEN: &str = "api-token-for-tests";
const NOW: &str = "2024-03-10T12:00:00Z";

/// The kit's Slack Web API, with the channel and user group these tests use.
type Calls = Fake;

fn fake_slack(rt: &tokio::runtime::Runtime) -> (String, Calls) {
    let fake = rt.block_on(Fake::start());
    fake.slack_channel("C1");
    // The security team's user group: one member.
    fake.slack_usergroup("SSECOPS", &["UGROUPIE"]);
    (fake.slack_url(), fake)
}

/// Every Slack call in order: (method, headers, arguments). Uploads appear
/// as `/upload/<file>` with what the bytes are (a PNG's signature and IHDR
/// size), response URLs as `/response/<n>`.
fn log(fake: &Fake) -> Vec<(String, HeaderMap, Value)> {
    fake.requests("/slack")
        .into_iter()
        .map(|r| {
            let (name, v) = if let Some(file) = r.path.strip_prefix("/slack-upload/") {
                let b = &r.body;
                let be = |i: usize| {
                    b.get(i..i + 4)
                        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
                };
                let png = b.starts_with(b"\x89PNG\r\n\x1a\n") && b.get(12..16) == Some(b"IHDR");
                let v = json!({"len": b.len(), "png": png, "width": be(16), "height": be(20)});
                (format!("/upload/{file}"), v)
            } else if let Some(rest) = r.path.strip_prefix("/slack-response/") {
                (format!("/response/{rest}"), r.json())
            } else {
                let form: Option<std::collections::HashMap<String, String>> = r
                    .header("content-type")
                    .filter(|c| c.starts_with("application/x-www-form-urlencoded"))
                    .and_then(|_| serde_urlencoded::from_bytes(&r.body).ok());
                let v = form.map_or_else(|| r.json(), |f| json!(f));
                (r.path.trim_start_matches("/slack/").to_string(), v)
            };
            (name, r.headers, v)
        })
        .collect()
}

fn serve(r: &Run, slack_url: &str) -> Server {
    server::start(
        r,
        &[
            ("MANTISSA_SLACK_SIGNING_SECRET", SECRET),
            ("MANTISSA_SLACK_BOT_TOKEN", "xoxb-test-token"),
            ("MANTISSA_SLACK_API_URL", slack_url),
            ("MANTISSA_API_TOKEN", TOKEN),
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
        &[SECRET, "xoxb-test-token"],
    )
}

fn signed(ts: i64, body: &str) -> reqwest::header::HeaderMap {
    let mut h = reqwest::header::HeaderMap::new();
    h.insert("x-slack-request-timestamp", ts.to_string().parse().unwrap());
    h.insert(
        "x-slack-signature",
        SlackVerifier::sign(SECRET, ts, body.as_bytes())
            .parse()
            .unwrap(),
    );
    h.insert("content-type", "application/json".parse().unwrap());
    h
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn event(id: &str, inner: Value) -> String {
    json!({
        "token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
        "event_id": id, "event_time": 1,
        "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": true}],
        "event": inner,
    })
    .to_string()
}

fn posts(calls: &Calls) -> Vec<Value> {
    log(calls)
        .iter()
        .filter(|(m, _, _)| m == "chat.postMessage")
        .map(|(_, _, v)| v.clone())
        .collect()
}

fn wait_for_posts(calls: &Calls, n: usize) -> Vec<Value> {
    mantissa_testkit::wait::at_least(n, || posts(calls))
}

fn sql_of(post: &Value) -> String {
    post["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|b| b["text"]["text"].as_str())
        .find(|t| t.starts_with("```"))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn slack_mentions_are_answered_in_the_thread_and_follow_ups_refine_them() {
    let r = Run::new();
    ingest_brute_force(&r);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (slack_url, calls) = fake_slack(&rt);
    let server = serve(&r, &slack_url);
    let http = reqwest::Client::new();
    let post = |body: String, headers: reqwest::header::HeaderMap| {
        rt.block_on(async {
            let resp = http
                .post(format!("{}/slack/events", server.base))
                .headers(headers)
                .body(body)
                .send()
                .await
                .unwrap();
            (resp.status().as_u16(), resp.text().await.unwrap())
        })
    };

    // URL verification.
    let challenge =
        json!({"token": "x", "challenge": "c-123", "type": "url_verification"}).to_string();
    let (status, body) = post(challenge.clone(), signed(now(), &challenge));
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["challenge"],
        "c-123"
    );

    // A mention starts a conversation; the answer goes to its thread.
    let mention = event(
        "Ev1",
        json!({"type": "app_mention", "user": "U1", "channel": "C1", "ts": "1710070000.000100",
        "text": "<@UBOT> show me failed console logins today", "event_ts": "1710070000.000100"}),
    );
    let started = Instant::now();
    let (status, _) = post(mention.clone(), signed(now(), &mention));
    assert_eq!(status, 200);
    let acked = started.elapsed();
    let p = wait_for_posts(&calls, 1);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0]["channel"], "C1");
    assert_eq!(p[0]["thread_ts"], "1710070000.000100");
    assert!(sql_of(&p[0]).contains("errorcode IS NOT NULL"), "{}", p[0]);
    let table = p[0]["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["type"] == "table")
        .unwrap();
    assert_eq!(
        table["rows"].as_array().unwrap().len(),
        13,
        "header + 12 failed logins"
    );
    mantissa_core::chat::slack::validate_blocks(&p[0]["blocks"]).unwrap();
    assert!(acked < Duration::from_secs(3), "acked in {acked:?}");
    {
        let c = log(&calls);
        assert_eq!(c[0].1["authorization"], "Bearer xoxb-test-token");
    }

    // Slack retries the same event: never answered twice.
    let mut retry = signed(now(), &mention);
    retry.insert("x-slack-retry-num", "1".parse().unwrap());
    retry.insert("x-slack-retry-reason", "http_timeout".parse().unwrap());
    assert_eq!(post(mention.clone(), retry).0, 200);

    // Two follow-ups in the thread, without a mention, refine the query.
    let reply = |id: &str, ts: &str, text: &str| {
        event(
            id,
            json!({"type": "message", "channel_type": "channel", "user": "U1", "channel": "C1",
            "ts": ts, "thread_ts": "1710070000.000100", "text": text}),
        )
    };
    let f1 = reply("Ev2", "1710070001.000100", "group by source IP");
    assert_eq!(post(f1.clone(), signed(now(), &f1)).0, 200);
    let p = wait_for_posts(&calls, 2);
    assert_eq!(p.len(), 2, "the retry was not answered; the follow-up was");
    let sql = sql_of(&p[1]);
    assert!(
        sql.contains("GROUP BY") && sql.contains("errorcode IS NOT NULL"),
        "{sql}"
    );
    assert_eq!(p[1]["thread_ts"], "1710070000.000100");
    let f2 = reply("Ev3", "1710070002.000100", "top 2");
    assert_eq!(post(f2.clone(), signed(now(), &f2)).0, 200);
    let p = wait_for_posts(&calls, 3);
    let sql = sql_of(&p[2]);
    assert!(sql.contains("GROUP BY") && sql.contains("LIMIT 2"), "{sql}");
    let table = p[2]["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["type"] == "table")
        .unwrap();
    assert_eq!(table["rows"][1][0]["text"], "203.0.113.66");

    // Chatter in a thread the bot is not part of is ignored; so are bots.
    let other = event(
        "Ev4",
        json!({"type": "message", "channel_type": "channel", "user": "U2", "channel": "C1",
        "ts": "1710070100.000100", "thread_ts": "1710070099.000100", "text": "lunch?"}),
    );
    assert_eq!(post(other.clone(), signed(now(), &other)).0, 200);
    let bot = event(
        "Ev5",
        json!({"type": "message", "bot_id": "B9", "channel": "C1",
        "ts": "1710070003.000100", "thread_ts": "1710070000.000100", "text": "beep"}),
    );
    assert_eq!(post(bot.clone(), signed(now(), &bot)).0, 200);

    // Bad and stale signatures: 401, nothing runs.
    let evil = event(
        "Ev6",
        json!({"type": "app_mention", "user": "U1", "channel": "C1", "ts": "9.9",
        "text": "<@UBOT> show root activity"}),
    );
    let mut forged = signed(now(), &evil);
    forged.insert(
        "x-slack-signature",
        SlackVerifier::sign("wrong-secret", now(), evil.as_bytes())
            .parse()
            .unwrap(),
    );
    assert_eq!(post(evil.clone(), forged).0, 401);
    assert_eq!(post(evil.clone(), signed(now() - 600, &evil)).0, 401);
    assert_eq!(post(evil.clone(), reqwest::header::HeaderMap::new()).0, 401);

    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        posts(&calls).len(),
        3,
        "nothing answered for the retry, chatter, bots or forgeries"
    );
}

#[test]
fn time_series_and_grouped_counts_get_a_chart_uploaded_into_their_thread() {
    let r = Run::new();
    r.ok(&["--now", NOW, "-q", "demo", "--events", "5000"]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (slack_url, calls) = fake_slack(&rt);
    let server = serve(&r, &slack_url);
    let http = reqwest::Client::new();
    let mention = |id: &str, ts: &str, text: &str| {
        let body = event(
            id,
            json!({"type": "app_mention", "user": "U1", "channel": "C1", "ts": ts,
            "text": format!("<@UBOT> {text}"), "event_ts": ts}),
        );
        let status = rt.block_on(async {
            http.post(format!("{}/slack/events", server.base))
                .headers(signed(now(), &body))
                .body(body.clone())
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
        assert_eq!(status, 200);
    };
    let check = |i: usize, thread: &str, kind: &str| {
        let asked = wait_for(&calls, "files.getUploadURLExternal", i + 1);
        let completed = wait_for(&calls, "files.completeUploadExternal", i + 1);
        assert_eq!(completed.len(), i + 1, "{completed:?}");
        let ask = &asked[i];
        assert_eq!(ask["filename"], "chart.png");
        assert!(ask["alt_txt"].as_str().unwrap().contains(kind), "{ask}");
        let file = format!("F{}", i + 1);
        let bytes = wait_for(&calls, &format!("/upload/{file}"), 1);
        assert_eq!(bytes.len(), 1);
        assert_eq!(bytes[0]["png"], true, "{}", bytes[0]);
        assert_eq!(
            (&bytes[0]["width"], &bytes[0]["height"]),
            (&json!(1000), &json!(500))
        );
        assert_eq!(
            ask["length"].as_str().unwrap(),
            bytes[0]["len"].to_string(),
            "the announced length is the uploaded length"
        );
        let done = &completed[i];
        assert_eq!(done["channel_id"], "C1");
        assert_eq!(done["thread_ts"], thread, "{done}");
        assert_eq!(done["files"][0]["id"], file.as_str());
        assert!(
            done["files"][0]["title"]
                .as_str()
                .unwrap()
                .starts_with("Chart: "),
            "{done}"
        );
    };

    // A time series: a line chart in the mention's thread, after the table.
    mention(
        "Ec1",
        "1710070000.000100",
        "hourly console logins this week",
    );
    check(0, "1710070000.000100", "Line chart of n by hour");
    let p = posts(&calls);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0]["thread_ts"], "1710070000.000100");
    {
        let c = log(&calls);
        let order: Vec<&str> = c.iter().map(|(m, _, _)| m.as_str()).collect();
        assert_eq!(
            order,
            [
                "chat.postMessage",
                "files.getUploadURLExternal",
                "/upload/F1",
                "files.completeUploadExternal"
            ]
        );
    }

    // A grouped count: a bar chart in its own thread.
    mention("Ec2", "1710070100.000100", "count of events by event name");
    check(
        1,
        "1710070100.000100",
        "Bar chart of n by eventname, 20 bars (top 20 of 63)",
    );

    // A single number: the table only.
    mention("Ec3", "1710070200.000100", "how many events this week");
    let p = wait_for_posts(&calls, 3);
    assert_eq!(p.len(), 3);
    std::thread::sleep(Duration::from_millis(1000));
    assert_eq!(
        wait_for(&calls, "files.getUploadURLExternal", 0).len(),
        2,
        "no chart for a single value"
    );
}

#[test]
fn the_http_api_answers_questions_and_changes_alerts_with_a_bearer_token() {
    let r = Run::new();
    ingest_brute_force(&r);
    let rules = example_rule_dir(&r);
    r.ok(&[
        "--now",
        "2024-03-10T10:30:00Z",
        "detect",
        "--no-builtin",
        "--rules",
        rules.to_str().unwrap(),
    ]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (slack_url, _calls) = fake_slack(&rt);
    let server = serve(&r, &slack_url);
    let http = reqwest::Client::new();
    let call =
        |method: &str, path: &str, token: Option<&str>, body: Option<Value>| -> (u16, Value) {
            rt.block_on(async {
                let mut req =
                    http.request(method.parse().unwrap(), format!("{}{path}", server.base));
                if let Some(t) = token {
                    req = req.bearer_auth(t);
                }
                if let Some(b) = body {
                    req = req.json(&b);
                }
                let resp = req.send().await.unwrap();
                let status = resp.status().as_u16();
                (status, resp.json().await.unwrap_or(Value::Null))
            })
        };
    assert_eq!(call("GET", "/healthz", None, None).0, 200);

    // Nothing runs without the token.
    let q = json!({"question": "show me failed console logins today", "execute": true});
    assert_eq!(call("POST", "/api/query", None, Some(q.clone())).0, 401);
    assert_eq!(
        call("POST", "/api/query", Some("wrong"), Some(q.clone())).0,
        401
    );
    assert_eq!(call("GET", "/api/alerts", None, None).0, 401);

    let (status, v) = call("POST", "/api/query", Some(TOKEN), Some(q));
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["row_count"], 12);
    assert_eq!(v["translator"], "builtin");
    assert!(v["sql"].as_str().unwrap().contains("ConsoleLogin"));
    assert!(v["interpretation"].as_str().unwrap().len() > 10);
    let (_, plan) = call(
        "POST",
        "/api/query",
        Some(TOKEN),
        Some(json!({"question": "show me failed console logins today", "execute": false})),
    );
    assert_eq!(plan["executed"], false);
    assert_eq!(plan["sql"], v["sql"]);
    assert!(plan.get("rows").is_none());
    let (status, bad) = call(
        "POST",
        "/api/query",
        Some(TOKEN),
        Some(json!({"q": "typo"})),
    );
    assert_eq!(status, 400);
    assert!(bad["error"].as_str().unwrap().contains("question"));
    let (_, declined) = call(
        "POST",
        "/api/query",
        Some(TOKEN),
        Some(json!({"question": "what is the weather in Paris"})),
    );
    assert_eq!(declined["declined"], true, "{declined}");

    // Alerts: list, acknowledge, and a second click changes nothing.
    let (_, list) = call("GET", "/api/alerts?status=open", Some(TOKEN), None);
    let alerts = list["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1, "{list}");
    let id = alerts[0]["id"].as_str().unwrap().to_string();
    let (status, ack) = call(
        "POST",
        &format!("/api/alerts/{id}/ack"),
        Some(TOKEN),
        Some(json!({"actor": "alice"})),
    );
    assert_eq!(status, 200, "{ack}");
    assert_eq!(ack["changed"], true);
    assert_eq!(ack["alert"]["status"], "acknowledged");
    assert_eq!(ack["alert"]["status_by"], "api:alice");
    let (_, again) = call("POST", &format!("/api/alerts/{id}/ack"), Some(TOKEN), None);
    assert_eq!(again["changed"], false);
    let (status, _) = call("POST", "/api/alerts/nope/resolve", Some(TOKEN), None);
    assert_eq!(status, 404);
    let (status, _) = call("GET", "/api/alerts?severity=urgent", Some(TOKEN), None);
    assert_eq!(status, 400);
}

fn click(action: &str, value: &str, user: &str, message_ts: &str, n: u32) -> String {
    let payload = json!({
        "type": "block_actions",
        "user": {"id": user, "username": user},
        "team": {"id": "T1"},
        "api_app_id": "A1",
        "container": {"type": "message", "message_ts": message_ts, "channel_id": "C1", "is_ephemeral": false},
        "channel": {"id": "C1", "name": "secops"},
        "message": {"ts": message_ts, "type": "message"},
        "response_url": "http://unused",
        "trigger_id": "1.2.3",
        "actions": [{"action_id": action, "block_id": "b", "type": "button", "value": value,
                     "action_ts": format!("1710073000.{n:06}")}],
    });
    serde_urlencoded_body(&payload.to_string())
}

fn serde_urlencoded_body(json: &str) -> String {
    let mut out = String::from("payload=");
    for b in json.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn wait_for(calls: &Calls, method: &str, n: usize) -> Vec<Value> {
    mantissa_testkit::wait::at_least(n, || {
        log(calls)
            .iter()
            .filter(|(m, _, _)| m == method)
            .map(|(_, _, v)| v.clone())
            .collect()
    })
}

#[test]
fn alert_buttons_acknowledge_and_resolve_edit_the_message_and_double_clicks_get_a_note() {
    let r = Run::new();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (slack_url, calls) = fake_slack(&rt);
    std::fs::write(
        r.dir.path().join("mantissa.toml"),
        "[router.destinations.secops]\ntype = \"slack\"\nchannel = \"C1\"\n[router.default_route]\ndestinations = [\"secops\"]\n",
    )
    .unwrap();
    ingest_brute_force(&r);
    let rules = example_rule_dir(&r);
    // Detection posts the alert to the channel through the router.
    let out = Command::new(env!("CARGO_BIN_EXE_mantissa"))
        .current_dir(r.dir.path())
        .env("MANTISSA_SLACK_BOT_TOKEN", "xoxb-test-token")
        .env("MANTISSA_SLACK_API_URL", &slack_url)
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
    let posted = wait_for(&calls, "chat.postMessage", 1);
    assert_eq!(posted.len(), 1);
    let blocks = posted[0]["blocks"].to_string();
    assert!(
        blocks.contains("alert_ack") && blocks.contains("alert_resolve"),
        "{blocks}"
    );
    let ts = calls.slack_posts()[0]["ts"].as_str().unwrap().to_string();
    let id = posted[0]["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().unwrap().clone())
        .find(|e| e["action_id"] == "alert_ack")
        .unwrap()["value"]
        .as_str()
        .unwrap()
        .to_string();

    let server = serve(&r, &slack_url);
    let http = reqwest::Client::new();
    let send = |body: String, ts_header: i64, secret: &str| -> u16 {
        rt.block_on(async {
            http.post(format!("{}/slack/interactions", server.base))
                .header("content-type", "application/x-www-form-urlencoded")
                .header("x-slack-request-timestamp", ts_header.to_string())
                .header(
                    "x-slack-signature",
                    SlackVerifier::sign(secret, ts_header, body.as_bytes()),
                )
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    };

    // Forged and stale clicks change nothing.
    assert_eq!(
        send(click("alert_resolve", &id, "U666", &ts, 1), now(), "wrong"),
        401
    );
    assert_eq!(
        send(
            click("alert_resolve", &id, "U666", &ts, 2),
            now() - 3600,
            SECRET
        ),
        401
    );

    // Acknowledge: the store changes and the original message is edited.
    assert_eq!(
        send(click("alert_ack", &id, "U1", &ts, 3), now(), SECRET),
        200
    );
    let updates = wait_for(&calls, "chat.update", 1);
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0]["channel"], "C1");
    assert_eq!(updates[0]["ts"], ts.as_str());
    let show: Value =
        serde_json::from_str(&r.ok(&["alerts", "show", &id, "--format", "json"])).unwrap();
    assert_eq!(show["alert"]["status"], "acknowledged");
    assert_eq!(show["alert"]["status_by"], "slack:U1");

    // A double click: a polite ephemeral note to the clicker, no second edit.
    assert_eq!(
        send(click("alert_ack", &id, "U2", &ts, 4), now(), SECRET),
        200
    );
    let notes = wait_for(&calls, "chat.postEphemeral", 1);
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["user"], "U2");
    let text = notes[0]["text"].as_str().unwrap();
    assert!(text.contains("already acknowledged by <@U1>"), "{text}");

    // Resolve edits the same message again.
    assert_eq!(
        send(click("alert_resolve", &id, "U2", &ts, 5), now(), SECRET),
        200
    );
    let updates = wait_for(&calls, "chat.update", 2);
    assert_eq!(updates.len(), 2);
    assert_eq!(updates[1]["ts"], ts.as_str());
    let show: Value =
        serde_json::from_str(&r.ok(&["alerts", "show", &id, "--format", "json"])).unwrap();
    assert_eq!(show["alert"]["status"], "resolved");
    assert_eq!(show["alert"]["status_by"], "slack:U2");
    // Show SQL answers the clicker only.
    assert_eq!(
        send(click("alert_sql", &id, "U3", &ts, 6), now(), SECRET),
        200
    );
    let notes = wait_for(&calls, "chat.postEphemeral", 2);
    assert!(
        notes[1]["text"].as_str().unwrap().contains("SELECT"),
        "{}",
        notes[1]
    );
    // Mute rule 24h: noted in the alert's thread, with how to lift it.
    let before = posts(&calls).len();
    assert_eq!(
        send(click("alert_mute", &id, "U3", &ts, 7), now(), SECRET),
        200
    );
    let p = wait_for_posts(&calls, before + 1);
    let note = p.last().unwrap();
    assert_eq!(note["thread_ts"], ts.as_str());
    let text = note["text"].as_str().unwrap();
    let rule = show["alert"]["rule_id"].as_str().unwrap();
    assert!(
        text.contains(&format!("<@U3> muted rule `{rule}` until "))
            && text.contains(&format!("rule unmute {rule}")),
        "{text}"
    );
    std::thread::sleep(Duration::from_millis(500));
    let edits = log(&calls)
        .iter()
        .filter(|(m, _, _)| m == "chat.update")
        .count();
    assert_eq!(edits, 2, "no edit for a refused or read-only click");
}

fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                serde_urlencoded_body(v).trim_start_matches("payload=")
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[test]
fn slash_commands_answer_within_the_deadline_and_respect_permissions() {
    let r = Run::new();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (slack_url, calls) = fake_slack(&rt);
    std::fs::write(
        r.dir.path().join("mantissa.toml"),
        "[permissions]\nrule_admins = [\"UADMIN\", \"SSECOPS\"]\n",
    )
    .unwrap();
    ingest_brute_force(&r);
    let server = serve(&r, &slack_url);
    let response_url = slack_url.replace("/slack", "/slack-response/1");
    let http = reqwest::Client::new();
    // Slack gives every invocation its own trigger id.
    let triggers = std::sync::atomic::AtomicU32::new(0);
    let slash = |user: &str, text: &str, secret: &str| -> (u16, Value, Duration) {
        let trigger = format!(
            "1.2.{}",
            triggers.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let body = form(&[
            ("token", "x"),
            ("team_id", "T1"),
            ("channel_id", "C1"),
            ("user_id", user),
            ("command", "/mantissa"),
            ("text", text),
            ("response_url", &response_url),
            ("trigger_id", &trigger),
        ]);
        let t = now();
        let started = Instant::now();
        rt.block_on(async {
            let resp = http
                .post(format!("{}/slack/commands", server.base))
                .header("content-type", "application/x-www-form-urlencoded")
                .header("x-slack-request-timestamp", t.to_string())
                .header(
                    "x-slack-signature",
                    SlackVerifier::sign(secret, t, body.as_bytes()),
                )
                .body(body)
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            let v = resp.json().await.unwrap_or(Value::Null);
            (status, v, started.elapsed())
        })
    };
    let text = |v: &Value| v["text"].as_str().unwrap_or_default().to_string();

    let (status, help, took) = slash("U1", "help", SECRET);
    assert_eq!(status, 200);
    assert!(text(&help).contains("/mantissa ask"), "{help}");
    assert!(took < Duration::from_secs(3));
    assert_eq!(slash("U1", "help", "forged").0, 401);

    let (_, list, took) = slash("U1", "rule list", SECRET);
    assert!(took < Duration::from_secs(3), "{took:?}");
    let all: String = list["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["text"]["text"].as_str().unwrap().to_string())
        .collect();
    assert!(all.contains("`suspicious-logins`"), "{all}");
    mantissa_core::chat::slack::validate_blocks(&list["blocks"]).unwrap();

    // Not an admin: refused, nothing changes.
    let (_, denied, _) = slash("U1", "rule disable suspicious-logins", SECRET);
    assert_eq!(denied["response_type"], "ephemeral");
    assert!(text(&denied).contains("not allowed"), "{denied}");
    let rules: Value = serde_json::from_str(&r.ok(&["rules", "list", "--format", "json"])).unwrap();
    let enabled = |rules: &Value| {
        rules
            .as_array()
            .or(rules["rules"].as_array())
            .unwrap()
            .iter()
            .find(|x| x["id"] == "suspicious-logins")
            .unwrap()["enabled"]
            .clone()
    };
    assert_eq!(enabled(&rules), true);
    // The admin disables it; the channel sees who did it.
    let (_, done, _) = slash("UADMIN", "rule disable suspicious-logins", SECRET);
    assert_eq!(done["response_type"], "in_channel");
    assert!(
        text(&done).contains("<@UADMIN> disabled rule `suspicious-logins`"),
        "{done}"
    );
    let rules: Value = serde_json::from_str(&r.ok(&["rules", "list", "--format", "json"])).unwrap();
    assert_eq!(enabled(&rules), false);
    // A member of a Slack user group named in rule_admins may too.
    let (_, by_group, _) = slash("UGROUPIE", "rule enable suspicious-logins", SECRET);
    assert!(
        text(&by_group).contains("<@UGROUPIE> enabled rule `suspicious-logins`"),
        "{by_group}"
    );
    let rules: Value = serde_json::from_str(&r.ok(&["rules", "list", "--format", "json"])).unwrap();
    assert_eq!(enabled(&rules), true);
    let (_, done, _) = slash("UADMIN", "rule disable suspicious-logins", SECRET);
    assert!(text(&done).contains("disabled"), "{done}");
    let (_, unknown, _) = slash("UADMIN", "rule disable suspicous-logins", SECRET);
    assert!(text(&unknown).contains("No rule"), "{unknown}");

    // Mute and unmute (alert responders: anyone here, as none are configured).
    let (_, muted, _) = slash("U1", "rule mute suspicious-logins 8", SECRET);
    assert_eq!(muted["response_type"], "in_channel");
    assert!(
        text(&muted).contains("<@U1> muted rule `suspicious-logins`")
            && text(&muted).contains(":mute: muted until 2024-03-10T20:00:00Z"),
        "{muted}"
    );
    let (_, listed, _) = slash("U1", "rule list", SECRET);
    assert!(listed.to_string().contains("muted until"), "{listed}");
    let (_, bad, _) = slash("U1", "rule mute suspicious-logins forever", SECRET);
    assert!(text(&bad).contains("not a number of hours"), "{bad}");
    let (_, unmuted, _) = slash("U1", "rule unmute suspicious-logins", SECRET);
    assert!(
        text(&unmuted).contains("unmuted rule") && !text(&unmuted).contains("muted until"),
        "{unmuted}"
    );

    let (_, status_reply, _) = slash("U1", "status", SECRET);
    assert!(text(&status_reply).contains("enabled"), "{status_reply}");
    let (_, alerts, _) = slash("U1", "alerts", SECRET);
    assert!(text(&alerts).contains("No open alerts"), "{alerts}");

    // A question: acked at once, answered through response_url.
    let (_, ack, took) = slash("U1", "ask show me failed console logins today", SECRET);
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert!(text(&ack).contains("Looking into"), "{ack}");
    let answers = wait_for(&calls, "/response/1", 1);
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0]["response_type"], "in_channel");
    assert!(
        answers[0]["blocks"].to_string().contains("\"table\""),
        "{}",
        answers[0]
    );
    mantissa_core::chat::slack::validate_blocks(&answers[0]["blocks"]).unwrap();

    // Rule tests run in the background too.
    let (_, ack, _) = slash("U1", "rule test suspicious-logins", SECRET);
    assert!(text(&ack).contains("Running the tests"), "{ack}");
    let answers = wait_for(&calls, "/response/1", 2);
    assert!(text(&answers[1]).contains("tests passed"), "{}", answers[1]);
    assert!(!text(&answers[1]).contains(":x:"), "{}", answers[1]);
}

#[test]
fn the_socket_mode_manifest_needs_no_url_and_enables_socket_mode() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("manifests/slack-app-socket.yaml"),
    )
    .unwrap();
    assert!(text.contains("socket_mode_enabled: true"));
    assert!(
        !text.contains("https://HOST"),
        "Socket Mode apps have no request URLs"
    );
    let http = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("manifests/slack-app.yaml"),
    )
    .unwrap();
    // Same scopes and events as the HTTP app.
    let section = |t: &str, from: &str, to: &str| {
        let start = t.find(from).unwrap();
        let end = start + t[start..].find(to).unwrap();
        t[start..end]
            .lines()
            .filter(|l| l.trim_start().starts_with("- "))
            .map(str::trim)
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        section(&text, "scopes:", "settings:"),
        section(&http, "scopes:", "settings:")
    );
    assert_eq!(
        section(&text, "bot_events:", "interactivity:"),
        section(&http, "bot_events:", "interactivity:")
    );
}

#[test]
fn the_slack_manifest_points_at_routes_the_server_answers() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("manifests/slack-app.yaml"),
    )
    .unwrap();
    let urls: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_once("https://HOST").map(|(_, path)| path.trim()))
        .collect();
    assert_eq!(
        urls,
        ["/slack/commands", "/slack/events", "/slack/interactions"]
    );
    let r = Run::new();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (slack_url, _) = fake_slack(&rt);
    let server = serve(&r, &slack_url);
    for path in urls {
        // Unsigned: each route exists and refuses the request (not 404/405).
        let status = rt.block_on(async {
            reqwest::Client::new()
                .post(format!("{}{path}", server.base))
                .body("x")
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
        assert_eq!(status, 401, "{path}");
    }
    for scope in ["app_mentions:read", "chat:write", "commands", "files:write"] {
        assert!(text.contains(&format!("- {scope}")), "{scope}");
    }
}

#[test]
fn a_channel_may_query_only_the_tables_it_is_allowed() {
    let r = Run::new();
    std::fs::write(
        r.dir.path().join("mantissa.toml"),
        "[permissions.channel_tables]\nCGUARD = [\"guardduty\"]\n",
    )
    .unwrap();
    ingest_brute_force(&r);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (slack_url, calls) = fake_slack(&rt);
    let server = serve(&r, &slack_url);
    let http = reqwest::Client::new();
    let mention = |id: &str, channel: &str, ts: &str| {
        let body = event(
            id,
            json!({"type": "app_mention", "user": "U1", "channel": channel, "ts": ts,
            "text": "<@UBOT> show me failed console logins today"}),
        );
        rt.block_on(async {
            let resp = http
                .post(format!("{}/slack/events", server.base))
                .headers(signed(now(), &body))
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status().as_u16(), 200);
        });
    };
    // The restricted channel is refused, with the reason and what it may query.
    mention("EvA", "CGUARD", "1710070000.000200");
    let p = wait_for_posts(&calls, 1);
    assert_eq!(p[0]["channel"], "CGUARD");
    let text = p[0]["text"].as_str().unwrap();
    assert!(
        text.contains("`cloudtrail` may not be queried from here")
            && text.contains("allowed here: guardduty"),
        "{text}"
    );
    assert!(p[0]["blocks"].to_string().contains("may not be queried"));
    // A channel with no entry (and no "*") may query everything.
    mention("EvB", "COPEN", "1710070000.000300");
    let p = wait_for_posts(&calls, 2);
    assert_eq!(p[1]["channel"], "COPEN");
    assert!(sql_of(&p[1]).contains("FROM cloudtrail"), "{}", p[1]);
    drop(server);

    // A typo in the permissions is a startup error naming the key.
    std::fs::write(
        r.dir.path().join("mantissa.toml"),
        "[permissions.channel_tables]\nCGUARD = [\"guard_duty\"]\n",
    )
    .unwrap();
    let out = r.cmd(&["serve", "--listen", "127.0.0.1:0"]);
    assert!(!out.status.success());
    let out = super::stderr(&out);
    assert!(
        out.contains("permissions.channel_tables.CGUARD: `guard_duty` is not a log table"),
        "{out}"
    );
}

#[test]
fn the_http_api_accepts_jwts_checked_against_the_configured_jwks() {
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("bot/tests/fixtures/jwt");
    let jwks = std::fs::read_to_string(root.join("jwks.json")).unwrap();
    let key = EncodingKey::from_rsa_der(&std::fs::read(root.join("rsa-private.der")).unwrap());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (slack_url, calls) = fake_slack(&rt);
    let jwks_url = calls.serve_jwks(&jwks);
    let issuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TEST";
    let r = Run::new();
    std::fs::write(
        r.dir.path().join("mantissa.toml"),
        format!(
            "[api.jwt]\njwks_url = \"{jwks_url}\"\nissuer = \"{issuer}\"\naudience = [\"client-abc\"]\n"
        ),
    )
    .unwrap();
    ingest_brute_force(&r);
    let rules = example_rule_dir(&r);
    r.ok(&[
        "--now",
        "2024-03-10T10:30:00Z",
        "detect",
        "--no-builtin",
        "--rules",
        rules.to_str().unwrap(),
    ]);
    let server = serve(&r, &slack_url);
    let exp = now() + 600;
    let token = |client: &str| {
        let mut h = Header::new(Algorithm::RS256);
        h.kid = Some("test-key-1".into());
        let claims = json!({"sub": "0f1e", "iss": issuer, "client_id": client,
                            "token_use": "access", "username": "alice", "exp": exp});
        jsonwebtoken::encode(&h, &claims, &key).unwrap()
    };
    let http = reqwest::Client::new();
    let call = |method: &str, path: &str, bearer: &str| -> (u16, Value) {
        rt.block_on(async {
            let resp = http
                .request(method.parse().unwrap(), format!("{}{path}", server.base))
                .bearer_auth(bearer)
                .json(&json!({"question": "show me failed console logins today"}))
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            (status, resp.json().await.unwrap_or(Value::Null))
        })
    };
    let (status, v) = call("POST", "/api/query", &token("client-abc"));
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["row_count"], 12);
    // Another app's token, a tampered one: refused with the reason.
    let (status, v) = call("POST", "/api/query", &token("other-app"));
    assert_eq!(status, 401);
    assert!(v["error"].as_str().unwrap().contains("audience"), "{v}");
    let mut tampered = token("client-abc");
    tampered.push('x');
    assert_eq!(call("POST", "/api/query", &tampered).0, 401);
    // The static token keeps working next to JWTs.
    assert_eq!(call("POST", "/api/query", TOKEN).0, 200);
    // A JWT names the actor of a state change.
    let (_, list) = call("GET", "/api/alerts?status=open", &token("client-abc"));
    let id = list["alerts"][0]["id"].as_str().unwrap().to_string();
    let (status, ack) = rt.block_on(async {
        let resp = http
            .post(format!("{}/api/alerts/{id}/ack", server.base))
            .bearer_auth(token("client-abc"))
            .json(&json!({"actor": "someone-else"}))
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.json::<Value>().await.unwrap())
    });
    assert_eq!(status, 200, "{ack}");
    assert_eq!(ack["alert"]["status_by"], "api:alice");
}
