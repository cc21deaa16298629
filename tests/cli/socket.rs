//! `mantissa serve --socket-mode` end to end: the real binary connects to a
//! local server speaking Slack's Socket Mode protocol (`apps.connections.open`
//! then a WebSocket carrying `hello`, envelopes and `disconnect`) and answers
//! through a local Slack Web API that records every call.

use std::process::Command;

use futures::SinkExt;
use mantissa_testkit::{
    Fake, SLACK_APP_TOKEN, SLACK_TOKEN, SocketModeConnection, SocketModeFake, next_json, wait,
};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use super::server;
use super::{Run, ingest_brute_force};

const APP_TOKEN: &str = SLACK_APP_TOKEN;
const BOT_TOKEN: &str = SLACK_TOKEN;

/// The kit's Slack Web API (`apps.connections.open` hands out the Socket
/// Mode listener's URL) and the listener.
async fn fake() -> (Fake, SocketModeFake) {
    let api = Fake::start().await;
    api.slack_channel("C1");
    let socket = SocketModeFake::start().await;
    api.use_socket_mode(&socket);
    (api, socket)
}

async fn send(ws: &mut SocketModeConnection, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

fn mention(event_id: &str, ts: &str, text: &str) -> Value {
    json!({
        "type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": event_id,
        "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": true}],
        "event": {"type": "app_mention", "user": "U1", "channel": "C1", "ts": ts, "text": text},
    })
}

/// `chat.postMessage` calls: (authorization header, body).
fn posts(fake: &Fake) -> Vec<(String, Value)> {
    fake.requests("/slack/chat.postMessage")
        .iter()
        .map(|r| (r.header("authorization").unwrap_or_default(), r.json()))
        .collect()
}

async fn wait_for_posts(fake: &Fake, n: usize) -> Vec<(String, Value)> {
    wait::at_least_async(n, || posts(fake)).await
}

#[test]
fn socket_mode_answers_mentions_and_commands_and_reconnects_on_disconnect() {
    let r = Run::new();
    ingest_brute_force(&r);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (fake, socket) = rt.block_on(fake());
    let server = server::start(
        &r,
        &[
            ("MANTISSA_SLACK_APP_TOKEN", APP_TOKEN),
            ("MANTISSA_SLACK_BOT_TOKEN", BOT_TOKEN),
            ("MANTISSA_SLACK_API_URL", &fake.slack_url()),
        ],
        &[
            "--now",
            "2024-03-10T12:00:00Z",
            "serve",
            "--socket-mode",
            "--listen",
            "127.0.0.1:0",
            "--translator",
            "builtin",
        ],
        &[APP_TOKEN, BOT_TOKEN],
    );
    let base = server.base.clone();

    rt.block_on(async {
        let mut ws = socket.accept().await;
        send(
            &mut ws,
            json!({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"}}),
        )
        .await;

        // A mention: acked by envelope id, answered in the thread with the bot token.
        let body = mention(
            "Ev1",
            "1710070000.000100",
            "<@UBOT> show me failed console logins today",
        );
        send(
            &mut ws,
            json!({"envelope_id": "env-1", "type": "events_api", "accepts_response_payload": false,
                   "retry_attempt": 0, "payload": body}),
        )
        .await;
        assert_eq!(next_json(&mut ws).await, json!({"envelope_id": "env-1"}));
        let p = wait_for_posts(&fake, 1).await;
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].0, format!("Bearer {BOT_TOKEN}"));
        assert_eq!(p[0].1["thread_ts"], "1710070000.000100");
        assert!(
            p[0].1["blocks"].to_string().contains("errorcode IS NOT NULL"),
            "{}",
            p[0].1
        );

        // Slack redelivers the same event: acked again, not answered twice.
        send(
            &mut ws,
            json!({"envelope_id": "env-2", "type": "events_api", "retry_attempt": 1,
                   "retry_reason": "timeout", "payload": body}),
        )
        .await;
        assert_eq!(next_json(&mut ws).await["envelope_id"], "env-2");

        // A slash command: its reply rides in the ack's payload.
        send(
            &mut ws,
            json!({"envelope_id": "env-3", "type": "slash_commands", "accepts_response_payload": true,
                   "payload": {"command": "/mantissa", "text": "help", "user_id": "U1",
                               "channel_id": "C1", "response_url": "http://unused", "trigger_id": "1.2"}}),
        )
        .await;
        let ack = next_json(&mut ws).await;
        assert_eq!(ack["envelope_id"], "env-3");
        assert_eq!(ack["payload"]["response_type"], "ephemeral");
        assert!(
            ack["payload"]["text"]
                .as_str()
                .unwrap()
                .contains("/mantissa ask"),
            "{ack}"
        );

        // Garbage and unknown envelopes do not break the connection.
        ws.send(Message::Text("not json".into())).await.unwrap();
        send(
            &mut ws,
            json!({"envelope_id": "env-4", "type": "something_new", "payload": {}}),
        )
        .await;
        assert_eq!(next_json(&mut ws).await, json!({"envelope_id": "env-4"}));

        // Slack refreshes the connection: the bot opens a new one.
        send(
            &mut ws,
            json!({"type": "disconnect", "reason": "refresh_requested"}),
        )
        .await;
        let mut ws2 = socket.accept().await;
        send(&mut ws2, json!({"type": "hello", "num_connections": 1})).await;
        let follow_up = mention("Ev3", "1710070500.000100", "<@UBOT> top 5 event names today");
        send(
            &mut ws2,
            json!({"envelope_id": "env-5", "type": "events_api", "payload": follow_up}),
        )
        .await;
        assert_eq!(next_json(&mut ws2).await["envelope_id"], "env-5");
        let p = wait_for_posts(&fake, 2).await;
        assert_eq!(p.len(), 2, "the retry was not answered; the new mention was");
        assert_eq!(p[1].1["thread_ts"], "1710070500.000100");

        let opens: Vec<String> = fake
            .requests("/slack/apps.connections.open")
            .iter()
            .map(|r| r.header("authorization").unwrap_or_default())
            .collect();
        assert_eq!(opens.len(), 2);
        assert!(opens.iter().all(|a| a == &format!("Bearer {APP_TOKEN}")));

        // Without a signing secret the HTTP Slack routes refuse everything.
        let resp = reqwest::Client::new()
            .post(format!("{base}/slack/events"))
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 404);
        assert!(resp.text().await.unwrap().contains("Socket Mode"));
    });
}

#[test]
fn socket_mode_without_an_app_token_says_what_to_set() {
    let r = Run::new();
    let out = Command::new(env!("CARGO_BIN_EXE_mantissa"))
        .current_dir(r.dir.path())
        .env_remove("MANTISSA_SLACK_APP_TOKEN")
        .env("MANTISSA_SLACK_BOT_TOKEN", BOT_TOKEN)
        .args(["serve", "--socket-mode", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("MANTISSA_SLACK_APP_TOKEN"), "{err}");
}

#[test]
fn a_refused_app_token_stops_socket_mode_with_what_to_set() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    // The kit refuses any app-level token but its own, as Slack does.
    let api = rt.block_on(Fake::start()).slack_url();
    let r = Run::new();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mantissa"));
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("MANTISSA_")) {
        cmd.env_remove(k);
    }
    let out = cmd
        .current_dir(r.dir.path())
        .env("MANTISSA_SLACK_APP_TOKEN", "xapp-1-revoked-token")
        .env("MANTISSA_SLACK_BOT_TOKEN", BOT_TOKEN)
        .env("MANTISSA_SLACK_API_URL", &api)
        .args(["serve", "--socket-mode", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("refused the app-level token (invalid_auth)")
            && err.contains("connections:write"),
        "{err}"
    );
    assert!(
        !err.contains("xapp-1-revoked-token") && !err.contains(BOT_TOKEN),
        "{err}"
    );
}
