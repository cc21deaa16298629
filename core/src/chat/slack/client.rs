//! The Slack Web API client: the methods the bot and the router call, the
//! base URL configurable (tests point it at a local server speaking the same
//! protocol), `"ok": false` answers as errors, 429 through the one retry path.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::chat::http::{Answer, ApiError, HttpOptions, Platform, Transport};
use crate::config::Secret;

/// Default Slack Web API base URL.
pub const DEFAULT_API_URL: &str = "https://slack.com/api";

/// How long a user group's member list is trusted.
const GROUP_TTL: Duration = Duration::from_secs(300);

/// Cached user group members: group id → (fetched at, members).
type GroupCache = Arc<Mutex<HashMap<String, (Instant, Vec<String>)>>>;

/// Slack error codes worth retrying (the rest, `channel_not_found`,
/// `invalid_auth`, `not_in_channel`, `invalid_blocks`, …, will fail again).
const RETRYABLE_ERRORS: [&str; 6] = [
    "ratelimited",
    "rate_limited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
];

/// The arguments of a Web API call.
#[derive(Clone, Copy)]
enum Args<'a> {
    Json(&'a Value),
    Form(&'a [(&'a str, &'a str)]),
    Query(&'a [(&'a str, String)]),
}

/// A Slack Web API client for one bot token (cheap to clone).
#[derive(Clone)]
pub struct SlackClient {
    transport: Transport,
    base: String,
    token: Secret,
    groups: GroupCache,
}

impl std::fmt::Debug for SlackClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackClient")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl SlackClient {
    /// A client for `base` (e.g. [`DEFAULT_API_URL`]) with a bot token and
    /// the default [`HttpOptions`].
    pub fn new(base: &str, token: Secret) -> Self {
        Self::with_options(base, token, HttpOptions::default())
    }

    /// A client with explicit HTTP options.
    pub fn with_options(base: &str, token: Secret, options: HttpOptions) -> Self {
        Self {
            transport: Transport::new(Platform::Slack, options),
            base: base.trim_end_matches('/').to_string(),
            token,
            groups: GroupCache::default(),
        }
    }

    /// Calls a method with a JSON body; returns the whole response.
    pub async fn call(&self, method: &str, body: &Value) -> Result<Value, ApiError> {
        self.request(&self.token, method, Args::Json(body)).await
    }

    /// Calls a read method with query arguments (`conversations.history`,
    /// `conversations.replies`).
    pub async fn get(&self, method: &str, query: &[(&str, String)]) -> Result<Value, ApiError> {
        self.request(&self.token, method, Args::Query(query)).await
    }

    /// Calls a method whose arguments go as a form (Slack's read methods
    /// such as `usergroups.users.list` take form or query arguments, not JSON).
    pub async fn call_form(&self, method: &str, form: &[(&str, &str)]) -> Result<Value, ApiError> {
        self.request(&self.token, method, Args::Form(form)).await
    }

    /// `apps.connections.open` with the app-level token (`xapp-…`, scope
    /// `connections:write`): the WebSocket URL of a Socket Mode connection.
    pub async fn open_socket(&self, app_token: &Secret) -> Result<String, ApiError> {
        let method = "apps.connections.open";
        let v = self
            .request(app_token, method, Args::Json(&json!({})))
            .await?;
        v["url"].as_str().map(str::to_string).ok_or_else(|| {
            self.transport
                .bad_response(method, "the response has no `url`")
        })
    }

    /// One Web API call; an `"ok": false` reply is an error.
    async fn request(
        &self,
        token: &Secret,
        method: &str,
        args: Args<'_>,
    ) -> Result<Value, ApiError> {
        let url = format!("{}/{method}", self.base);
        let answer = self
            .transport
            .send(method, |http| {
                let request = match args {
                    Args::Query(q) => http.get(&url).query(q),
                    _ => http.post(&url),
                };
                let request = request.bearer_auth(token.expose());
                match args {
                    Args::Json(v) => request.json(v),
                    Args::Form(f) => request.form(f),
                    Args::Query(_) => request,
                }
            })
            .await?;
        self.read(method, &answer)
    }

    /// A Web API answer as JSON, or the error it carries.
    fn read(&self, method: &str, answer: &Answer) -> Result<Value, ApiError> {
        if !answer.is_success() {
            return Err(self.transport.refused(method, answer));
        }
        let v: Value = serde_json::from_str(&answer.body).map_err(|e| {
            self.transport.bad_response(
                method,
                format!("HTTP {}: the response is not JSON: {e}", answer.status),
            )
        })?;
        if v["ok"].as_bool() == Some(true) {
            return Ok(v);
        }
        let error = v["error"].as_str().unwrap_or("unknown_error");
        Err(ApiError::Refused {
            platform: Platform::Slack,
            call: method.to_string(),
            status: answer.status,
            code: Some(error.to_string()),
            message: slack_meaning(error).to_string(),
            details: String::new(),
            retry_after: answer.wait(),
            retryable: RETRYABLE_ERRORS.contains(&error),
        })
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
                    .map(|(_, m)| m.iter().any(|u| u == user))
            };
            let member = match cached {
                Some(m) => m,
                None => match self
                    .call_form("usergroups.users.list", &[("usergroup", group)])
                    .await
                {
                    Ok(v) => {
                        let members: Vec<String> = v["users"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|u| u.as_str().map(str::to_string))
                            .collect();
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
                },
            };
            if member {
                found.push(group.clone());
            }
        }
        found
    }

    /// `chat.postMessage`; returns the message `ts`.
    pub async fn post_message(
        &self,
        channel: &str,
        thread_ts: Option<&str>,
        text: &str,
        blocks: &Value,
    ) -> Result<String, ApiError> {
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
    ) -> Result<(), ApiError> {
        let mut body = json!({ "channel": channel, "user": user, "text": text });
        if let Some(t) = thread_ts {
            body["thread_ts"] = json!(t);
        }
        self.call("chat.postEphemeral", &body).await.map(drop)
    }

    /// `chat.update` of a message.
    pub async fn update_message(
        &self,
        channel: &str,
        ts: &str,
        text: &str,
        blocks: &Value,
    ) -> Result<(), ApiError> {
        self.call(
            "chat.update",
            &json!({ "channel": channel, "ts": ts, "text": text, "blocks": blocks }),
        )
        .await
        .map(drop)
    }

    /// Posts a reply to a slash command's or an interaction's `response_url`
    /// (no token needed: the URL itself is the credential, valid 30 minutes,
    /// 5 uses).
    pub async fn respond(&self, response_url: &str, body: &Value) -> Result<(), ApiError> {
        let call = "response_url";
        let answer = self
            .transport
            .send(call, |http| http.post(response_url).json(body))
            .await?;
        if !answer.is_success() {
            return Err(self.transport.refused(call, &answer));
        }
        Ok(())
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
    ) -> Result<String, ApiError> {
        let length = bytes.len().to_string();
        let mut form = vec![("filename", filename), ("length", length.as_str())];
        if let Some(alt) = alt_txt {
            form.push(("alt_txt", alt));
        }
        let v = self.call_form("files.getUploadURLExternal", &form).await?;
        let upload_url = v["upload_url"].as_str().unwrap_or_default().to_string();
        let file_id = v["file_id"].as_str().unwrap_or_default().to_string();
        let call = "file upload";
        let up = self
            .transport
            .send(call, |http| http.post(&upload_url).body(bytes.clone()))
            .await?;
        if !up.is_success() {
            return Err(self.transport.refused(call, &up));
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

/// What a Slack error code means, in words, for the common ones.
fn slack_meaning(error: &str) -> &'static str {
    match error {
        "channel_not_found" => "the channel does not exist or the app cannot see it",
        "not_in_channel" => "the app is not in the channel: /invite it there",
        "invalid_auth" | "not_authed" => "the token is not valid",
        "token_revoked" | "account_inactive" => "the token was revoked",
        "missing_scope" => "the token lacks a scope this call needs (see the app manifest)",
        "ratelimited" | "rate_limited" => "rate limited",
        "is_archived" => "the channel is archived",
        "invalid_blocks" => "Slack refused the message's blocks",
        "msg_too_long" => "the message is too long",
        "message_not_found" => "the message no longer exists",
        _ => "Slack refused the call",
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use mantissa_testkit::{Fake, Fault, SLACK_TOKEN};

    use super::*;

    #[tokio::test]
    async fn rate_limits_are_waited_out_and_ok_false_is_an_error() {
        let fake = Fake::start().await;
        fake.fault("chat.postMessage", Fault::RateLimited(0));
        let api = SlackClient::new(&fake.slack_url(), Secret::new(SLACK_TOKEN));
        let ts = api
            .post_message("C123", None, "hi", &json!([]))
            .await
            .unwrap();
        assert_eq!(fake.slack_posts()[0]["ts"], ts.as_str());
        let seen = fake.requests("/slack/chat.postMessage");
        assert_eq!(seen.len(), 2);
        assert_eq!(
            seen[1].header("authorization").unwrap(),
            format!("Bearer {SLACK_TOKEN}")
        );
        let e = api
            .post_message("C9", None, "hi", &json!([]))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("channel_not_found"));
        assert!(!e.is_retryable());
        let shown = e.to_string();
        assert!(
            shown.contains("chat.postMessage returned error `channel_not_found`"),
            "{shown}"
        );
        assert!(!shown.contains(SLACK_TOKEN));
    }

    #[tokio::test]
    async fn a_rate_limit_without_inline_retries_says_how_long_to_wait() {
        let fake = Fake::start().await;
        fake.fault("chat.postMessage", Fault::Reply(429, ""));
        let options = HttpOptions {
            timeout: Duration::from_secs(5),
            rate_limit_retries: 0,
        };
        // Retry-After comes as a header; the fake sends none, so no wait is known.
        let e = SlackClient::with_options(&fake.slack_url(), Secret::new(SLACK_TOKEN), options)
            .call("chat.postMessage", &json!({}))
            .await
            .unwrap_err();
        assert!(e.is_retryable());
        assert_eq!(e.status(), Some(429));
    }
}
