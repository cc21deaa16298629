//! `mantissa serve --socket-mode` end to end: the real binary connects to a
//! local server speaking Slack's Socket Mode protocol (`apps.connections.open`
//! then a WebSocket carrying `hello`, envelopes and `disconnect`) and answers
//! through a local Slack Web API that records every call.

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

use super::server;
use super::{Run, ingest_brute_force};

const APP_TOKEN: &str = "xapp-1-test-app-token";
const BOT_TOKEN: &str = "xoxb-socket-test-token";

type Calls = Arc<Mutex<Vec<(String, String, Value)>>>;
type Ws = WebSocketStream<TcpStream>;

struct Fake {
    api: String,
    calls: Calls,
    sockets: tokio::sync::mpsc::UnboundedReceiver<Ws>,
}

/// The Web API (connections.open hands out the WebSocket URL) and the
/// WebSocket endpoint; accepted sockets are handed to the test.
async fn fake() -> Fake {
    let ws_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let ws_url = format!("ws://{}/link/?ticket=t1", ws_listener.local_addr().unwrap());
    let (tx, sockets) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = ws_listener.accept().await {
            if let Ok(ws) = tokio_tungstenite::accept_async(tcp).await {
                let _ = tx.send(ws);
            }
        }
    });
    let calls: Calls = Arc::default();
    #[derive(Clone)]
    struct S {
        calls: Calls,
        ws_url: String,
    }
    async fn handle(State(s): State<S>, uri: Uri, headers: HeaderMap, body: Bytes) -> String {
        let method = uri.path().trim_start_matches("/api/").to_string();
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        s.calls.lock().unwrap().push((method.clone(), auth, v));
        match method.as_str() {
            "apps.connections.open" => json!({"ok": true, "url": s.ws_url}),
            "chat.postMessage" => json!({"ok": true, "channel": "C1", "ts": "1710072000.000100"}),
            _ => json!({"ok": true}),
        }
        .to_string()
    }
    let app = Router::new().fallback(handle).with_state(S {
        calls: calls.clone(),
        ws_url,
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api = format!("http://{}/api", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Fake {
        api,
        calls,
        sockets,
    }
}

async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

/// The next JSON text frame (the bot's acks).
async fn next_json(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(30), ws.next())
            .await
            .expect("an ack within 30 s")
            .expect("socket open")
            .unwrap();
        if let Message::Text(t) = msg {
            return serde_json::from_str(&t).unwrap();
        }
    }
}

fn mention(event_id: &str, ts: &str, text: &str) -> Value {
    json!({
        "type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": event_id,
        "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": true}],
        "event": {"type": "app_mention", "user": "U1", "channel": "C1", "ts": ts, "text": text},
    })
}

fn posts(calls: &Calls) -> Vec<(String, Value)> {
    calls
        .lock()
        .unwrap()
        .iter()
        .filter(|(m, _, _)| m == "chat.postMessage")
        .map(|(_, auth, v)| (auth.clone(), v.clone()))
        .collect()
}

async fn wait_for_posts(calls: &Calls, n: usize) -> Vec<(String, Value)> {
    for _ in 0..600 {
        let p = posts(calls);
        if p.len() >= n {
            return p;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    posts(calls)
}

#[test]
fn socket_mode_answers_mentions_and_commands_and_reconnects_on_disconnect() {
    let r = Run::new();
    ingest_brute_force(&r);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut fake = rt.block_on(fake());
    let server = server::start(
        &r,
        &[
            ("MANTISSA_SLACK_APP_TOKEN", APP_TOKEN),
            ("MANTISSA_SLACK_BOT_TOKEN", BOT_TOKEN),
            ("MANTISSA_SLACK_API_URL", &fake.api),
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
        let mut ws = tokio::time::timeout(Duration::from_secs(30), fake.sockets.recv())
            .await
            .expect("the bot connects")
            .unwrap();
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
        let p = wait_for_posts(&fake.calls, 1).await;
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
        let mut ws2 = tokio::time::timeout(Duration::from_secs(30), fake.sockets.recv())
            .await
            .expect("the bot reconnects")
            .unwrap();
        send(&mut ws2, json!({"type": "hello", "num_connections": 1})).await;
        let follow_up = mention("Ev3", "1710070500.000100", "<@UBOT> top 5 event names today");
        send(
            &mut ws2,
            json!({"envelope_id": "env-5", "type": "events_api", "payload": follow_up}),
        )
        .await;
        assert_eq!(next_json(&mut ws2).await["envelope_id"], "env-5");
        let p = wait_for_posts(&fake.calls, 2).await;
        assert_eq!(p.len(), 2, "the retry was not answered; the new mention was");
        assert_eq!(p[1].1["thread_ts"], "1710070500.000100");

        let opens: Vec<String> = fake
            .calls
            .lock()
            .unwrap()
            .iter()
            .filter(|(m, _, _)| m == "apps.connections.open")
            .map(|(_, auth, _)| auth.clone())
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
    let api = rt.block_on(async {
        let app = Router::new()
            .fallback(|| async { json!({"ok": false, "error": "invalid_auth"}).to_string() });
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let api = format!("http://{}/api", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        api
    });
    let r = Run::new();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mantissa"));
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("MANTISSA_")) {
        cmd.env_remove(k);
    }
    let out = cmd
        .current_dir(r.dir.path())
        .env("MANTISSA_SLACK_APP_TOKEN", APP_TOKEN)
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
        !err.contains(APP_TOKEN) && !err.contains(BOT_TOKEN),
        "{err}"
    );
}
