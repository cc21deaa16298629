//! Protocol-faithful local fakes of Slack, Discord, PagerDuty and a webhook
//! receiver (one axum server on 127.0.0.1:0), and a tiny SMTP server. They
//! record every request and apply programmable faults.
//!
//! Paths: Slack Web API under `/slack/<method>`, Discord REST under
//! `/discord/…`, PagerDuty Events v2 at `/pd/v2/enqueue`, webhooks at `/hook`.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

pub const SLACK_TOKEN: &str = "xoxb-test-token";
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
}

#[derive(Default)]
pub struct State {
    pub requests: Mutex<Vec<Recorded>>,
    faults: Mutex<VecDeque<(String, Fault)>>,
    /// Slack messages as posted (and edited): channel, ts, thread_ts, text, blocks, metadata.
    pub slack: Mutex<Vec<Value>>,
    /// PagerDuty incidents by dedup key: (status, events received).
    pub pd: Mutex<HashMap<String, (String, Vec<Value>)>>,
    /// Discord messages by id.
    pub discord: Mutex<Vec<Value>>,
    /// Discord threads started: (thread id, parent channel id).
    pub discord_threads: Mutex<Vec<(String, String)>>,
    /// The URL `GET /discord/gateway` hands out ([`Fake::use_gateway`]).
    pub gateway_url: Mutex<Option<String>>,
    /// Webhook deliveries accepted (first per Idempotency-Key).
    pub hooks: Mutex<Vec<Recorded>>,
    seq: Mutex<u64>,
}

/// The HTTP fake.
#[derive(Clone)]
pub struct Fake {
    pub url: String,
    pub state: Arc<State>,
}

impl Fake {
    pub async fn start() -> Fake {
        let state = Arc::new(State::default());
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

fn next_seq(state: &State) -> u64 {
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
        if rec.header("authorization").as_deref() != Some(&format!("Bearer {SLACK_TOKEN}")) {
            return axum::Json(json!({"ok": false, "error": "invalid_auth"})).into_response();
        }
        return axum::Json(slack(state, method, rec)).into_response();
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
    if p == "/discord/gateway" {
        return match state.gateway_url.lock().unwrap().clone() {
            Some(url) => axum::Json(json!({ "url": url })).into_response(),
            None => StatusCode::NOT_FOUND.into_response(),
        };
    }
    if let Some(rest) = p.strip_prefix("/discord/channels/") {
        if rec.header("authorization").as_deref() != Some(&format!("Bot {DISCORD_TOKEN}")) {
            return (
                StatusCode::UNAUTHORIZED,
                axum::Json(json!({"message": "401: Unauthorized", "code": 0})),
            )
                .into_response();
        }
        let parts: Vec<&str> = rest.split('/').collect();
        let channel = parts[0];
        if rec.method == "GET" && parts.len() == 1 {
            let threads = state.discord_threads.lock().unwrap();
            let parent = threads.iter().find(|(t, _)| t == channel).map(|(_, p)| p);
            return axum::Json(match parent {
                Some(p) => json!({"id": channel, "type": 11, "parent_id": p}),
                None => json!({"id": channel, "type": 0, "parent_id": null}),
            })
            .into_response();
        }
        if rec.method == "POST" && parts.len() == 4 && parts[3] == "threads" {
            let id = format!("{}", 2_000_000 + next_seq(state));
            state
                .discord_threads
                .lock()
                .unwrap()
                .push((id.clone(), channel.to_string()));
            let name = rec.json()["name"].clone();
            return axum::Json(json!({"id": id, "type": 11, "parent_id": channel, "name": name}))
                .into_response();
        }
        let mut msgs = state.discord.lock().unwrap();
        if rec.method == "POST" && parts.len() == 2 {
            let mut m = rec.json();
            if m["enforce_nonce"] == true
                && let Some(existing) = msgs.iter().find(|x| x["nonce"] == m["nonce"])
            {
                return axum::Json(existing.clone()).into_response();
            }
            let id = format!("{}", 1_000_000 + next_seq(state));
            m["id"] = json!(id);
            m["channel_id"] = json!(channel);
            msgs.push(m.clone());
            return axum::Json(m).into_response();
        }
        if rec.method == "PATCH" && parts.len() == 3 {
            let id = parts[2];
            if let Some(m) = msgs.iter_mut().find(|m| m["id"] == id) {
                for (k, v) in rec.json().as_object().unwrap() {
                    m[k] = v.clone();
                }
                return axum::Json(m.clone()).into_response();
            }
            return (
                StatusCode::NOT_FOUND,
                axum::Json(json!({"message": "Unknown Message", "code": 10008})),
            )
                .into_response();
        }
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

fn slack(state: &State, method: &str, rec: &Recorded) -> Value {
    match method {
        "chat.postMessage" => {
            let v = rec.json();
            let channel = v["channel"].as_str().unwrap_or_default().to_string();
            if channel != "C123" && channel != "C999" {
                return json!({"ok": false, "error": "channel_not_found"});
            }
            if v["text"].as_str().is_none_or(str::is_empty) && v["blocks"].is_null() {
                return json!({"ok": false, "error": "no_text"});
            }
            let seq = next_seq(state);
            let ts = format!("{}.{:06}", chrono::Utc::now().timestamp(), seq);
            let mut m = v.clone();
            m["ts"] = json!(ts);
            state.slack.lock().unwrap().push(m.clone());
            json!({"ok": true, "channel": channel, "ts": ts, "message": m})
        }
        "chat.update" => {
            let v = rec.json();
            let mut msgs = state.slack.lock().unwrap();
            match msgs
                .iter_mut()
                .find(|m| m["channel"] == v["channel"] && m["ts"] == v["ts"])
            {
                Some(m) => {
                    m["text"] = v["text"].clone();
                    m["blocks"] = v["blocks"].clone();
                    m["edited"] = json!(true);
                    json!({"ok": true, "channel": v["channel"], "ts": v["ts"]})
                }
                None => json!({"ok": false, "error": "message_not_found"}),
            }
        }
        "conversations.replies" => {
            let q: HashMap<String, String> = rec
                .query
                .split('&')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            let with_meta = q.get("include_all_metadata").map(String::as_str) == Some("true");
            let ts = q.get("ts").cloned().unwrap_or_default();
            let msgs: Vec<Value> = state
                .slack
                .lock()
                .unwrap()
                .iter()
                .filter(|m| m["ts"] == ts.as_str() || m["thread_ts"] == ts.as_str())
                .map(|m| {
                    let mut out = json!({"type": "message", "ts": m["ts"], "thread_ts": ts, "text": m["text"]});
                    if with_meta && !m["metadata"].is_null() {
                        out["metadata"] = m["metadata"].clone();
                    }
                    out
                })
                .collect();
            if msgs.is_empty() {
                return json!({"ok": false, "error": "thread_not_found"});
            }
            json!({"ok": true, "messages": msgs, "has_more": false})
        }
        "conversations.history" => {
            let q: HashMap<String, String> = rec
                .query
                .split('&')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_string(), v.replace("%2E", ".").to_string()))
                .collect();
            let oldest: f64 = q.get("oldest").and_then(|o| o.parse().ok()).unwrap_or(0.0);
            let with_meta = q.get("include_all_metadata").map(String::as_str) == Some("true");
            let channel = q.get("channel").cloned().unwrap_or_default();
            let mut msgs: Vec<Value> = state
                .slack
                .lock()
                .unwrap()
                .iter()
                .filter(|m| m["channel"] == channel.as_str() && m["thread_ts"].is_null())
                .filter(|m| {
                    m["ts"]
                        .as_str()
                        .and_then(|t| t.parse::<f64>().ok())
                        .unwrap_or(0.0)
                        >= oldest
                })
                .map(|m| {
                    let mut out = json!({"type": "message", "ts": m["ts"], "text": m["text"]});
                    if with_meta && !m["metadata"].is_null() {
                        out["metadata"] = m["metadata"].clone();
                    }
                    out
                })
                .collect();
            msgs.reverse();
            json!({"ok": true, "messages": msgs, "has_more": false})
        }
        _ => json!({"ok": false, "error": "unknown_method"}),
    }
}

/// A received mail.
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    pub auth: Option<String>,
    pub data: String,
}

/// A tiny SMTP server: 220 greeting, EHLO, AUTH PLAIN/LOGIN, MAIL, RCPT,
/// DATA, RSET, NOOP, QUIT. `fail_next` makes the next MAIL FROM answer with
/// the given reply (e.g. `451 try later`, `550 no such user`).
#[derive(Clone)]
pub struct SmtpFake {
    pub port: u16,
    pub mails: Arc<Mutex<Vec<Mail>>>,
    pub fail_next: Arc<Mutex<VecDeque<String>>>,
}

impl SmtpFake {
    pub async fn start() -> SmtpFake {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let fake = SmtpFake {
            port,
            mails: Arc::default(),
            fail_next: Arc::default(),
        };
        let f = fake.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let f = f.clone();
                tokio::spawn(async move {
                    let _ = f.session(sock).await;
                });
            }
        });
        fake
    }

    async fn session(&self, sock: tokio::net::TcpStream) -> std::io::Result<()> {
        let (r, mut w) = sock.into_split();
        let mut r = BufReader::new(r);
        w.write_all(b"220 fake.smtp ESMTP ready\r\n").await?;
        let (mut from, mut to, mut auth) = (String::new(), Vec::new(), None);
        let mut line = String::new();
        loop {
            line.clear();
            if r.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let cmd = line.trim_end().to_string();
            let upper = cmd.to_ascii_uppercase();
            if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                w.write_all(
                    b"250-fake.smtp\r\n250-AUTH PLAIN LOGIN\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
                )
                .await?;
            } else if upper.starts_with("AUTH PLAIN") {
                auth = Some(cmd[10..].trim().to_string());
                w.write_all(b"235 2.7.0 Authentication successful\r\n")
                    .await?;
            } else if upper.starts_with("MAIL FROM") {
                let fail = self.fail_next.lock().unwrap().pop_front();
                if let Some(reply) = fail {
                    w.write_all(format!("{reply}\r\n").as_bytes()).await?;
                    continue;
                }
                from = cmd[10..].trim().to_string();
                w.write_all(b"250 2.1.0 OK\r\n").await?;
            } else if upper.starts_with("RCPT TO") {
                to.push(cmd[8..].trim().to_string());
                w.write_all(b"250 2.1.5 OK\r\n").await?;
            } else if upper == "DATA" {
                w.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    data.push_str(
                        line.strip_prefix('.')
                            .filter(|_| line.starts_with(".."))
                            .unwrap_or(&line),
                    );
                }
                self.mails.lock().unwrap().push(Mail {
                    from: std::mem::take(&mut from),
                    to: std::mem::take(&mut to),
                    auth: auth.clone(),
                    data,
                });
                w.write_all(b"250 2.0.0 OK queued\r\n").await?;
            } else if upper == "RSET" || upper == "NOOP" {
                w.write_all(b"250 OK\r\n").await?;
            } else if upper == "QUIT" {
                w.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            } else {
                w.write_all(b"502 Command not implemented\r\n").await?;
            }
        }
    }
}
