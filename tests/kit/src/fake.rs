//! Protocol-faithful local fakes of Slack, Discord, PagerDuty and a webhook
//! receiver (one axum server on 127.0.0.1:0). It records every request and
//! applies programmable faults.
//!
//! Paths: Slack Web API under `/slack/<method>` ([`crate::slack`]; upload
//! URLs at `/slack-upload/<file>`, response URLs at `/slack-response/…`),
//! Discord REST under `/discord/…` ([`crate::discord`]), PagerDuty Events v2
//! at `/pd/v2/enqueue`, webhooks at `/hook`, a JSON Web Key Set at
//! `/.well-known/jwks.json`.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub const SLACK_TOKEN: &str = "xoxb-test-token";
/// The app-level token `apps.connections.open` accepts (Socket Mode).
pub const SLACK_APP_TOKEN: &str = "xapp-1-test-app-token";
pub const DISCORD_TOKEN: &str = "discord-test-token";
pub const PD_KEY: &str = "0123456789abcdef0123456789abcdef";

/// A recorded request.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub at: Instant,
}

impl Recorded {
    /// The body as JSON; for a multipart body (a message with files), its
    /// `payload_json` part.
    pub fn json(&self) -> Value {
        if let Ok(v) = serde_json::from_slice(&self.body) {
            return v;
        }
        let text = String::from_utf8_lossy(&self.body);
        text.split_once("name=\"payload_json\"")
            .and_then(|(_, rest)| rest.split_once("\r\n\r\n"))
            .and_then(|(_, rest)| rest.split_once("\r\n--"))
            .and_then(|(json, _)| serde_json::from_str(json).ok())
            .unwrap_or(Value::Null)
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
}

/// A fault applied to the next request whose path contains the pattern.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer with this status (and a small JSON body).
    Status(u16),
    /// 429 with `Retry-After: <secs>`.
    RateLimited(u64),
    /// Never answer, without doing anything.
    Hang,
    /// Do the work (post the message, open the incident), then never answer.
    HangAfterCommit,
    /// Close the connection without a response.
    Drop,
    /// Slack: HTTP 200 `{"ok":false,"error":…}`.
    SlackError(&'static str),
    /// Answer with this status and exactly this body (JSON content type),
    /// as a service's own error replies look (Discord's `retry_after` body,
    /// its `code`/`errors` validation errors).
    Reply(u16, &'static str),
}

#[derive(Default)]
pub struct State {
    pub requests: Mutex<Vec<Recorded>>,
    faults: Mutex<VecDeque<(String, Fault)>>,
    /// Slack messages as posted (and edited): channel, ts, thread_ts, text, blocks, metadata.
    pub slack: Mutex<Vec<Value>>,
    /// Channels `chat.postMessage` accepts (others: `channel_not_found`).
    pub slack_channels: Mutex<HashSet<String>>,
    /// User groups by id: their members.
    pub slack_usergroups: Mutex<HashMap<String, Vec<String>>>,
    /// Files of the external upload flow by id.
    pub slack_uploads: Mutex<HashMap<String, crate::slack::Upload>>,
    /// The WebSocket URL `apps.connections.open` hands out ([`Fake::use_socket_mode`]).
    pub socket_url: Mutex<Option<String>>,
    /// PagerDuty incidents by dedup key: (status, events received).
    pub pd: Mutex<HashMap<String, (String, Vec<Value>)>>,
    /// Discord messages by id.
    pub discord: Mutex<Vec<Value>>,
    /// Discord threads started: (thread id, parent channel id).
    pub discord_threads: Mutex<Vec<(String, String)>>,
    /// The URL `GET /discord/gateway` hands out ([`Fake::use_gateway`]).
    pub gateway_url: Mutex<Option<String>>,
    /// The key set `GET /.well-known/jwks.json` serves ([`Fake::serve_jwks`]).
    pub jwks: Mutex<Option<String>>,
    /// Webhook deliveries accepted (first per Idempotency-Key).
    pub hooks: Mutex<Vec<Recorded>>,
    seq: Mutex<u64>,
}

/// Channels `chat.postMessage` accepts from the start.
pub const DEFAULT_SLACK_CHANNELS: &[&str] = &["C123", "C999"];

/// The HTTP fake.
#[derive(Clone)]
pub struct Fake {
    pub url: String,
    pub state: Arc<State>,
}

impl Fake {
    pub async fn start() -> Fake {
        let state = Arc::new(State::default());
        state
            .slack_channels
            .lock()
            .unwrap()
            .extend(DEFAULT_SLACK_CHANNELS.iter().map(|c| c.to_string()));
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            axum::serve(listener, app).await.ok();
        });
        Fake { url, state }
    }

    /// Makes `GET /discord/gateway` point clients at `gateway`.
    pub fn use_gateway(&self, gateway: &crate::GatewayFake) {
        *self.state.gateway_url.lock().unwrap() = Some(gateway.url.clone());
    }

    /// Lets `chat.postMessage` post to `channel` too (besides
    /// [`DEFAULT_SLACK_CHANNELS`]).
    pub fn slack_channel(&self, channel: &str) {
        self.state
            .slack_channels
            .lock()
            .unwrap()
            .insert(channel.to_string());
    }

    /// Declares a Slack user group (`usergroups.users.list`).
    pub fn slack_usergroup(&self, id: &str, members: &[&str]) {
        self.state.slack_usergroups.lock().unwrap().insert(
            id.to_string(),
            members.iter().map(|m| m.to_string()).collect(),
        );
    }

    /// Files uploaded through the external upload flow, by id.
    pub fn slack_uploads(&self) -> HashMap<String, crate::slack::Upload> {
        self.state.slack_uploads.lock().unwrap().clone()
    }

    /// Makes `apps.connections.open` hand out `socket`'s URL.
    pub fn use_socket_mode(&self, socket: &crate::SocketModeFake) {
        *self.state.socket_url.lock().unwrap() = Some(socket.url.clone());
    }

    /// Serves `jwks` (a JSON Web Key Set) as an identity provider such as
    /// Cognito does; returns its URL.
    pub fn serve_jwks(&self, jwks: &str) -> String {
        *self.state.jwks.lock().unwrap() = Some(jwks.to_string());
        format!("{}/.well-known/jwks.json", self.url)
    }

    /// The `/slack` base URL to configure as the Slack API URL.
    pub fn slack_url(&self) -> String {
        format!("{}/slack", self.url)
    }

    /// The `/discord` base URL to configure as the Discord API URL.
    pub fn discord_url(&self) -> String {
        format!("{}/discord", self.url)
    }

    /// Discord messages posted in a channel or thread, in order.
    pub fn discord_messages(&self, channel_id: &str) -> Vec<Value> {
        self.state
            .discord
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m["channel_id"] == channel_id)
            .cloned()
            .collect()
    }

    pub fn fault(&self, path_contains: &str, fault: Fault) {
        self.state
            .faults
            .lock()
            .unwrap()
            .push_back((path_contains.to_string(), fault));
    }

    pub fn requests(&self, path_contains: &str) -> Vec<Recorded> {
        self.state
            .requests
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path.contains(path_contains))
            .cloned()
            .collect()
    }

    /// Top-level Slack messages (not thread replies).
    pub fn slack_posts(&self) -> Vec<Value> {
        self.state
            .slack
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m["thread_ts"].is_null())
            .cloned()
            .collect()
    }

    pub fn slack_replies(&self) -> Vec<Value> {
        self.state
            .slack
            .lock()
            .unwrap()
            .iter()
            .filter(|m| !m["thread_ts"].is_null())
            .cloned()
            .collect()
    }

    pub fn pd_incidents(&self) -> HashMap<String, (String, Vec<Value>)> {
        self.state.pd.lock().unwrap().clone()
    }

    pub fn hooks(&self) -> Vec<Recorded> {
        self.state.hooks.lock().unwrap().clone()
    }
}

pub(crate) fn next_seq(state: &State) -> u64 {
    let mut s = state.seq.lock().unwrap();
    *s += 1;
    *s
}

async fn handle(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Discord REST is served both at `/discord/…` and, as API clients that
    // take an origin build it (serenity's proxy), at `/discord/api/v10/…`.
    let path = uri.path().replacen("/discord/api/v10/", "/discord/", 1);
    let rec = Recorded {
        method: method.to_string(),
        path,
        query: uri.query().unwrap_or_default().to_string(),
        headers,
        body,
        at: Instant::now(),
    };
    state.requests.lock().unwrap().push(rec.clone());
    let fault = {
        let mut faults = state.faults.lock().unwrap();
        let pos = faults
            .iter()
            .position(|(p, _)| rec.path.contains(p.as_str()));
        pos.and_then(|i| faults.remove(i)).map(|(_, f)| f)
    };
    match fault {
        Some(Fault::Status(code)) => {
            return (
                StatusCode::from_u16(code).unwrap(),
                axum::Json(json!({"ok": false, "error": "injected", "status": "invalid event"})),
            )
                .into_response();
        }
        Some(Fault::RateLimited(secs)) => {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", secs.to_string())],
                axum::Json(json!({"ok": false, "error": "ratelimited", "retry_after": secs})),
            )
                .into_response();
        }
        Some(Fault::SlackError(e)) => {
            return axum::Json(json!({"ok": false, "error": e})).into_response();
        }
        Some(Fault::Reply(code, body)) => {
            return (
                StatusCode::from_u16(code).unwrap(),
                [("content-type", "application/json")],
                body,
            )
                .into_response();
        }
        Some(Fault::Hang) => std::future::pending::<()>().await,
        Some(Fault::Drop) => std::panic::resume_unwind(Box::new("drop the connection")),
        Some(Fault::HangAfterCommit) => {
            let _ = commit(&state, &rec);
            std::future::pending::<()>().await;
        }
        None => {}
    }
    commit(&state, &rec)
}

/// Does what the real API does and answers like it.
fn commit(state: &State, rec: &Recorded) -> Response {
    let p = rec.path.as_str();
    if let Some(method) = p.strip_prefix("/slack/") {
        return crate::slack::api(state, method, rec);
    }
    if let Some(id) = p.strip_prefix("/slack-upload/") {
        return crate::slack::upload(state, id, rec);
    }
    if p.starts_with("/slack-response/") {
        return crate::slack::response_url(rec);
    }
    if p == "/pd/v2/enqueue" {
        let v = rec.json();
        let action = v["event_action"].as_str().unwrap_or_default();
        if v["routing_key"] != PD_KEY || !["trigger", "acknowledge", "resolve"].contains(&action) {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(
                    json!({"status": "invalid event", "message": "Event object is invalid"}),
                ),
            )
                .into_response();
        }
        if action == "trigger"
            && (v["payload"]["summary"].as_str().is_none()
                || v["payload"]["source"].as_str().is_none()
                || v["payload"]["severity"].as_str().is_none())
        {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({"status": "invalid event"})),
            )
                .into_response();
        }
        let key = v["dedup_key"].as_str().unwrap_or_default().to_string();
        let mut pd = state.pd.lock().unwrap();
        let entry = pd
            .entry(key.clone())
            .or_insert_with(|| ("triggered".into(), Vec::new()));
        entry.1.push(v.clone());
        entry.0 = match action {
            "trigger" => "triggered",
            "acknowledge" => "acknowledged",
            _ => "resolved",
        }
        .into();
        return (
            StatusCode::ACCEPTED,
            axum::Json(
                json!({"status": "success", "message": "Event processed", "dedup_key": key}),
            ),
        )
            .into_response();
    }
    if let Some(rest) = p.strip_prefix("/discord/") {
        return crate::discord::rest(state, rest, rec);
    }
    if p == "/.well-known/jwks.json" {
        return match state.jwks.lock().unwrap().clone() {
            Some(jwks) => ([("content-type", "application/json")], jwks).into_response(),
            None => StatusCode::NOT_FOUND.into_response(),
        };
    }
    if p == "/hook" {
        let key = rec.header("idempotency-key").unwrap_or_default();
        let mut hooks = state.hooks.lock().unwrap();
        if !hooks
            .iter()
            .any(|h| h.header("idempotency-key").unwrap_or_default() == key)
        {
            hooks.push(rec.clone());
        }
        return StatusCode::OK.into_response();
    }
    StatusCode::NOT_FOUND.into_response()
}
