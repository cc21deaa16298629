//! A small Slack Web API client: the methods the bot calls, with the base
//! URL configurable (tests point it at a local server speaking the same
//! protocol), `ok:false` errors surfaced, and 429 `Retry-After` honoured.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::auth::Secret;

/// The arguments of a Web API call.
#[derive(Clone, Copy)]
enum Body<'a> {
    Json(&'a Value),
    Form(&'a [(&'a str, &'a str)]),
}

/// Default Slack Web API base URL.
pub const DEFAULT_API_URL: &str = "https://slack.com/api";

/// A Slack API failure (never contains the token).
#[derive(Debug, thiserror::Error)]
pub enum SlackApiError {
    /// Network or HTTP failure.
    #[error("Slack API {method}: {message}")]
    Http {
        /// The method called.
        method: String,
        /// What happened.
        message: String,
    },
    /// Slack answered `ok: false`.
    #[error("Slack API {method} returned error `{error}`")]
    Slack {
        /// The method called.
        method: String,
        /// Slack's error code (`channel_not_found`, `invalid_auth`, …).
        error: String,
    },
}

/// How long a user group's member list is trusted.
const GROUP_TTL: Duration = Duration::from_secs(300);

/// Cached user group members: group id → (fetched at, members).
type GroupCache = Arc<Mutex<HashMap<String, (Instant, Vec<String>)>>>;

/// A Slack Web API client for one bot token.
#[derive(Clone)]
pub struct SlackApi {
    http: reqwest::Client,
    base: String,
    token: Secret,
    groups: GroupCache,
}

impl std::fmt::Debug for SlackApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackApi")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl SlackApi {
    /// A client for `base` (e.g. [`DEFAULT_API_URL`]) with a bot token.
    pub fn new(base: &str, token: Secret) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap_or_default(),
            base: base.trim_end_matches('/').to_string(),
            token,
            groups: GroupCache::default(),
        }
    }

    /// The user groups among `candidates` (ids `S…` named in
    /// `[permissions]`) that `user` belongs to, from `usergroups.users.list`
    /// (scope `usergroups:read`), each group's members cached for five
    /// minutes. A group that cannot be read counts as not containing the
    /// user (permissions fail closed) and is logged.
    pub async fn groups_of(&self, user: &str, candidates: &[String]) -> Vec<String> {
        let mut found = Vec::new();
        for group in candidates {
            let cached = {
                let cache = self.groups.lock().unwrap_or_else(|p| p.into_inner());
                cache
                    .get(group)
                    .filter(|(at, _)| at.elapsed() < GROUP_TTL)
                    .map(|(_, m)| m.contains(&user.to_string()))
            };
            let member = match cached {
                Some(m) => m,
                None => {
                    let method = "usergroups.users.list";
                    match self.call_form(method, &[("usergroup", group)]).await {
                        Ok(v) => {
                            let members: Vec<String> = v["users"]
                                .as_array()
                                .map(|a| {
                                    a.iter()
                                        .filter_map(|u| u.as_str().map(str::to_string))
                                        .collect()
                                })
                                .unwrap_or_default();
                            let m = members.iter().any(|u| u == user);
                            self.groups
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .insert(group.clone(), (Instant::now(), members));
                            m
                        }
                        Err(e) => {
                            tracing::warn!(group, error = %e, "cannot read a Slack user group; its members are not granted");
                            false
                        }
                    }
                }
            };
            if member {
                found.push(group.clone());
            }
        }
        found
    }

    /// Calls a method whose arguments go as a form (Slack's read methods
    /// such as `usergroups.users.list` take form or query arguments, not JSON).
    async fn call_form(&self, method: &str, form: &[(&str, &str)]) -> Result<Value, SlackApiError> {
        self.request(&self.token, method, Body::Form(form)).await
    }

    /// Calls a method with a JSON body; returns the whole response.
    pub async fn call(&self, method: &str, body: &Value) -> Result<Value, SlackApiError> {
        self.call_as(&self.token, method, body).await
    }

    /// `apps.connections.open` with the app-level token (`xapp-…`, scope
    /// `connections:write`): the WebSocket URL of a Socket Mode connection.
    pub async fn open_socket(&self, app_token: &Secret) -> Result<String, SlackApiError> {
        let method = "apps.connections.open";
        let v = self.call_as(app_token, method, &json!({})).await?;
        v["url"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| http_error(method, "the response has no `url`"))
    }

    async fn call_as(
        &self,
        token: &Secret,
        method: &str,
        body: &Value,
    ) -> Result<Value, SlackApiError> {
        self.request(token, method, Body::Json(body)).await
    }

    /// One Web API call: retried on HTTP 429 after `Retry-After` (at most
    /// three retries, 30 s each), and an `"ok": false` reply is an error.
    async fn request(
        &self,
        token: &Secret,
        method: &str,
        body: Body<'_>,
    ) -> Result<Value, SlackApiError> {
        let url = format!("{}/{method}", self.base);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let request = self.http.post(&url).bearer_auth(token.expose());
            let request = match body {
                Body::Json(v) => request.json(v),
                Body::Form(f) => request.form(f),
            };
            let resp = request
                .send()
                .await
                .map_err(|e| http_error(method, &e.without_url().to_string()))?;
            let status = resp.status();
            if status.as_u16() == 429 && attempt < 4 {
                let wait = resp
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(1)
                    .min(30);
                tracing::warn!(method, wait, "Slack rate limit; retrying");
                tokio::time::sleep(Duration::from_secs(wait)).await;
                continue;
            }
            let v: Value = resp
                .json()
                .await
                .map_err(|e| http_error(method, &format!("HTTP {status}: {}", e.without_url())))?;
            if v["ok"].as_bool() != Some(true) {
                return Err(SlackApiError::Slack {
                    method: method.into(),
                    error: v["error"].as_str().unwrap_or("unknown_error").into(),
                });
            }
            return Ok(v);
        }
    }

    /// `chat.postMessage`; returns the message `ts`.
    pub async fn post_message(
        &self,
        channel: &str,
        thread_ts: Option<&str>,
        text: &str,
        blocks: &Value,
    ) -> Result<String, SlackApiError> {
        let mut body = json!({ "channel": channel, "text": text, "blocks": blocks });
        if let Some(t) = thread_ts {
            body["thread_ts"] = json!(t);
        }
        let v = self.call("chat.postMessage", &body).await?;
        Ok(v["ts"].as_str().unwrap_or_default().to_string())
    }

    /// `chat.postEphemeral`: only `user` sees it.
    pub async fn post_ephemeral(
        &self,
        channel: &str,
        user: &str,
        thread_ts: Option<&str>,
        text: &str,
    ) -> Result<(), SlackApiError> {
        let mut body = json!({ "channel": channel, "user": user, "text": text });
        if let Some(t) = thread_ts {
            body["thread_ts"] = json!(t);
        }
        self.call("chat.postEphemeral", &body).await.map(drop)
    }

    /// Posts a reply to a slash command's `response_url` (no token needed;
    /// the URL itself is the credential, valid 30 minutes, 5 uses).
    pub async fn respond(&self, response_url: &str, body: &Value) -> Result<(), SlackApiError> {
        let resp = self
            .http
            .post(response_url)
            .json(body)
            .send()
            .await
            .map_err(|e| http_error("response_url", &e.without_url().to_string()))?;
        if !resp.status().is_success() {
            return Err(http_error(
                "response_url",
                &format!("HTTP {}", resp.status()),
            ));
        }
        Ok(())
    }

    /// `chat.update` of a message.
    pub async fn update_message(
        &self,
        channel: &str,
        ts: &str,
        text: &str,
        blocks: &Value,
    ) -> Result<(), SlackApiError> {
        self.call(
            "chat.update",
            &json!({ "channel": channel, "ts": ts, "text": text, "blocks": blocks }),
        )
        .await
        .map(drop)
    }

    /// Uploads a file into a channel (or thread) with the external upload
    /// flow: `files.getUploadURLExternal` → POST the bytes →
    /// `files.completeUploadExternal`. `alt_txt` describes an image for
    /// screen readers (Slack allows 1000 characters). Returns the file id.
    pub async fn upload_file(
        &self,
        channel: &str,
        thread_ts: Option<&str>,
        filename: &str,
        title: &str,
        alt_txt: Option<&str>,
        bytes: Vec<u8>,
    ) -> Result<String, SlackApiError> {
        // getUploadURLExternal takes form-style arguments.
        let method = "files.getUploadURLExternal";
        let length = bytes.len().to_string();
        let mut form = vec![("filename", filename), ("length", &length)];
        if let Some(alt) = alt_txt {
            form.push(("alt_txt", alt));
        }
        let resp = self
            .http
            .post(format!("{}/{method}", self.base))
            .bearer_auth(self.token.expose())
            .form(&form)
            .send()
            .await
            .map_err(|e| http_error(method, &e.without_url().to_string()))?;
        let v: Value = resp
            .json()
            .await
            .map_err(|e| http_error(method, &e.without_url().to_string()))?;
        if v["ok"].as_bool() != Some(true) {
            return Err(SlackApiError::Slack {
                method: method.into(),
                error: v["error"].as_str().unwrap_or("unknown_error").into(),
            });
        }
        let upload_url = v["upload_url"].as_str().unwrap_or_default().to_string();
        let file_id = v["file_id"].as_str().unwrap_or_default().to_string();
        let up = self
            .http
            .post(&upload_url)
            .body(bytes)
            .send()
            .await
            .map_err(|e| http_error("file upload", &e.without_url().to_string()))?;
        if !up.status().is_success() {
            return Err(http_error("file upload", &format!("HTTP {}", up.status())));
        }
        let mut complete = json!({
            "files": [{ "id": file_id, "title": title }],
            "channel_id": channel,
        });
        if let Some(t) = thread_ts {
            complete["thread_ts"] = json!(t);
        }
        self.call("files.completeUploadExternal", &complete).await?;
        Ok(file_id)
    }
}

fn http_error(method: &str, message: &str) -> SlackApiError {
    SlackApiError::Http {
        method: method.into(),
        message: message.into(),
    }
}
