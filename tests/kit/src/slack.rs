//! The Slack Web API as the product calls it: `chat.postMessage` (to the
//! channels a test declares), `chat.update`, `chat.postEphemeral`,
//! `conversations.replies`/`history` (with message metadata),
//! `usergroups.users.list`, the external file upload flow
//! (`files.getUploadURLExternal` → POST the bytes to the upload URL →
//! `files.completeUploadExternal`), `apps.connections.open` for Socket Mode
//! (with the app-level token), and interaction `response_url`s. Methods
//! need `Authorization: Bearer` [`SLACK_TOKEN`] and answer `invalid_auth`
//! otherwise, as Slack does (HTTP 200, `"ok": false`).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::fake::{Recorded, SLACK_APP_TOKEN, SLACK_TOKEN, State, next_seq};

/// A file of the external upload flow.
#[derive(Debug, Clone)]
pub struct Upload {
    /// As given to `files.getUploadURLExternal`.
    pub filename: String,
    /// The announced length.
    pub length: usize,
    /// What was POSTed to the upload URL.
    pub bytes: Option<Bytes>,
    /// The `files.completeUploadExternal` body that shared it.
    pub completed: Option<Value>,
}

/// Serves `/slack/<method>`.
pub(crate) fn api(state: &State, name: &str, rec: &Recorded) -> Response {
    if name == "apps.connections.open" {
        if rec.header("authorization").as_deref() != Some(&format!("Bearer {SLACK_APP_TOKEN}")) {
            return axum::Json(json!({"ok": false, "error": "invalid_auth"})).into_response();
        }
        return axum::Json(match state.socket_url.lock().unwrap().clone() {
            Some(url) => json!({"ok": true, "url": url}),
            None => json!({"ok": false, "error": "not_allowed_token_type"}),
        })
        .into_response();
    }
    if rec.header("authorization").as_deref() != Some(&format!("Bearer {SLACK_TOKEN}")) {
        return axum::Json(json!({"ok": false, "error": "invalid_auth"})).into_response();
    }
    axum::Json(method(state, name, rec)).into_response()
}

/// `POST /slack-upload/<file id>`: the bytes of an upload. Slack answers
/// `OK - <length>`; a length other than the announced one is refused.
pub(crate) fn upload(state: &State, id: &str, rec: &Recorded) -> Response {
    let mut uploads = state.slack_uploads.lock().unwrap();
    match uploads.get_mut(id) {
        Some(u) if u.length == rec.body.len() => {
            u.bytes = Some(rec.body.clone());
            format!("OK - {}", rec.body.len()).into_response()
        }
        Some(_) => (StatusCode::BAD_REQUEST, "length mismatch").into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `POST /slack-response/<anything>`: an interaction's `response_url`.
pub(crate) fn response_url(rec: &Recorded) -> Response {
    if rec.json().is_null() {
        return axum::Json(json!({"ok": false, "error": "invalid_payload"})).into_response();
    }
    axum::Json(json!({"ok": true})).into_response()
}

/// The call's arguments from the query string and a form body.
fn args(rec: &Recorded) -> HashMap<String, String> {
    let mut args: HashMap<String, String> =
        serde_urlencoded::from_str(&rec.query).unwrap_or_default();
    let form = rec
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if form {
        let body: HashMap<String, String> =
            serde_urlencoded::from_bytes(&rec.body).unwrap_or_default();
        args.extend(body);
    }
    args
}

fn method(state: &State, method: &str, rec: &Recorded) -> Value {
    let args = args(rec);
    match method {
        "chat.postMessage" => {
            let v = rec.json();
            let channel = v["channel"].as_str().unwrap_or_default().to_string();
            if !state.slack_channels.lock().unwrap().contains(&channel) {
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
            let q = &args;
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
            let q = &args;
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
        "chat.postEphemeral" => {
            let v = rec.json();
            if v["channel"].as_str().is_none() || v["user"].as_str().is_none() {
                return json!({"ok": false, "error": "invalid_arguments"});
            }
            let ts = format!("{}.{:06}", chrono::Utc::now().timestamp(), next_seq(state));
            json!({"ok": true, "message_ts": ts})
        }
        "usergroups.users.list" => {
            let group = args.get("usergroup").cloned().unwrap_or_default();
            match state.slack_usergroups.lock().unwrap().get(&group) {
                Some(users) => json!({"ok": true, "users": users}),
                None => json!({"ok": false, "error": "no_such_subteam"}),
            }
        }
        "files.getUploadURLExternal" => {
            let (Some(filename), Some(length)) = (
                args.get("filename"),
                args.get("length").and_then(|l| l.parse::<usize>().ok()),
            ) else {
                return json!({"ok": false, "error": "invalid_arguments"});
            };
            let mut uploads = state.slack_uploads.lock().unwrap();
            let id = format!("F{}", uploads.len() + 1);
            uploads.insert(
                id.clone(),
                Upload {
                    filename: filename.clone(),
                    length,
                    bytes: None,
                    completed: None,
                },
            );
            let host = rec.header("host").unwrap_or_default();
            json!({"ok": true, "upload_url": format!("http://{host}/slack-upload/{id}"), "file_id": id})
        }
        "files.completeUploadExternal" => {
            let v = rec.json();
            let mut uploads = state.slack_uploads.lock().unwrap();
            let files = v["files"].as_array().cloned().unwrap_or_default();
            let uploaded = |f: &Value| {
                f["id"]
                    .as_str()
                    .and_then(|id| uploads.get(id))
                    .is_some_and(|u| u.bytes.is_some())
            };
            if files.is_empty() || !files.iter().all(uploaded) {
                return json!({"ok": false, "error": "file_not_found"});
            }
            for f in &files {
                let u = uploads
                    .get_mut(f["id"].as_str().unwrap_or_default())
                    .unwrap();
                u.completed = Some(v.clone());
            }
            json!({"ok": true, "files": files})
        }
        _ => json!({"ok": false, "error": "unknown_method"}),
    }
}
