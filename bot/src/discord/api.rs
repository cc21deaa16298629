//! A small Discord REST client: completing deferred interaction responses
//! (`PATCH /webhooks/{application_id}/{token}/messages/@original`, with a
//! CSV as multipart `files[0]`), registering the `/mantissa` command
//! (`PUT /applications/{id}[/guilds/{guild}]/commands`) and, for gateway
//! mode, posting in channels and starting threads as the bot. The base URL is
//! configurable (tests point it at a local server speaking the same
//! protocol); errors carry Discord's `code` and `message`, never a token.

use std::time::Duration;

use serde_json::Value;

use crate::auth::Secret;

/// Default Discord REST base URL.
pub const DEFAULT_API_URL: &str = "https://discord.com/api/v10";

/// A Discord API failure (never contains the bot or interaction token).
#[derive(Debug, thiserror::Error)]
pub enum DiscordApiError {
    /// Network failure, or an answer that is not Discord's.
    #[error("Discord API {what}: {message}")]
    Http {
        /// The call.
        what: &'static str,
        /// What happened.
        message: String,
    },
    /// Discord refused the call.
    #[error("Discord API {what} returned HTTP {status}{}: {message}{}", code.map(|c| format!(" (code {c})")).unwrap_or_default(), if details.is_empty() { String::new() } else { format!("; {details}") })]
    Discord {
        /// The call.
        what: &'static str,
        /// HTTP status.
        status: u16,
        /// Discord's JSON error code (`50035` invalid form body, `10015` unknown webhook, …).
        code: Option<u64>,
        /// Discord's message.
        message: String,
        /// The `errors` object of a form error, compacted.
        details: String,
    },
    /// A call needs a setting that is missing.
    #[error("{0}")]
    NotConfigured(&'static str),
}

/// A Discord REST client for one application.
#[derive(Clone)]
pub struct DiscordApi {
    http: reqwest::Client,
    base: String,
    application_id: String,
    bot_token: Option<Secret>,
}

impl std::fmt::Debug for DiscordApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscordApi")
            .field("base", &self.base)
            .field("application_id", &self.application_id)
            .finish_non_exhaustive()
    }
}

/// A file to attach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// File name shown in Discord.
    pub name: String,
    /// Contents.
    pub bytes: Vec<u8>,
    /// What it is ("Full result", a chart's alt text).
    pub description: String,
}

impl DiscordApi {
    /// A client for `base` (e.g. [`DEFAULT_API_URL`]) and an application;
    /// the bot token is needed only to register commands.
    pub fn new(base: &str, application_id: &str, bot_token: Option<Secret>) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap_or_default(),
            base: base.trim_end_matches('/').to_string(),
            application_id: application_id.trim().to_string(),
            bot_token,
        }
    }

    /// Replaces the original response of an interaction (the "thinking…"
    /// message of a deferred response) with `message`, attaching `file` as
    /// `files[n]`. The interaction token is the credential
    /// (valid 15 minutes).
    pub async fn edit_original(
        &self,
        interaction_token: &str,
        message: &Value,
        files: Vec<Attachment>,
    ) -> Result<(), DiscordApiError> {
        let what = "edit original response";
        let url = format!(
            "{}/webhooks/{}/{interaction_token}/messages/@original",
            self.base, self.application_id
        );
        let req = with_body(what, self.http.patch(url), message, files)?;
        self.send(what, req).await.map(drop)
    }

    /// Overwrites the application's commands with `commands` (a JSON
    /// array), globally or in one guild (instant; for testing). Returns
    /// what Discord registered.
    pub async fn register_commands(
        &self,
        guild: Option<&str>,
        commands: &Value,
    ) -> Result<Value, DiscordApiError> {
        let auth = self.bot_auth()?;
        if self.application_id.is_empty() {
            return Err(DiscordApiError::NotConfigured(
                "discord.application_id is not set: set MANTISSA_DISCORD_APPLICATION_ID (Developer Portal → General Information → Application ID)",
            ));
        }
        let url = match guild {
            Some(g) => format!(
                "{}/applications/{}/guilds/{g}/commands",
                self.base, self.application_id
            ),
            None => format!(
                "{}/applications/{}/commands",
                self.base, self.application_id
            ),
        };
        let req = self
            .http
            .put(url)
            .header(reqwest::header::AUTHORIZATION, auth)
            .json(commands);
        self.send("register commands", req).await
    }

    /// Posts a message in a channel or thread as the bot (gateway mode),
    /// with `files` attached; returns the message id.
    pub async fn post_message(
        &self,
        channel_id: &str,
        message: &Value,
        files: Vec<Attachment>,
    ) -> Result<String, DiscordApiError> {
        let what = "create message";
        let req = self
            .http
            .post(format!("{}/channels/{channel_id}/messages", self.base))
            .header(reqwest::header::AUTHORIZATION, self.bot_auth()?);
        let req = with_body(what, req, message, files)?;
        let v = self.send(what, req).await?;
        Ok(v["id"].as_str().unwrap_or_default().to_string())
    }

    /// Starts a public thread on a message; returns the thread's channel id.
    pub async fn start_thread(
        &self,
        channel_id: &str,
        message_id: &str,
        name: &str,
    ) -> Result<String, DiscordApiError> {
        let req = self
            .http
            .post(format!(
                "{}/channels/{channel_id}/messages/{message_id}/threads",
                self.base
            ))
            .header(reqwest::header::AUTHORIZATION, self.bot_auth()?)
            .json(&serde_json::json!({ "name": name, "auto_archive_duration": 1440 }));
        let v = self.send("start thread", req).await?;
        Ok(v["id"].as_str().unwrap_or_default().to_string())
    }

    /// A channel's type (`0` text, `11` public thread, …).
    pub async fn channel_type(&self, channel_id: &str) -> Result<u64, DiscordApiError> {
        self.channel(channel_id).await.map(|(kind, _)| kind)
    }

    /// A channel's type and its parent (a thread's channel; `None` at top level).
    pub async fn channel(
        &self,
        channel_id: &str,
    ) -> Result<(u64, Option<String>), DiscordApiError> {
        let req = self
            .http
            .get(format!("{}/channels/{channel_id}", self.base))
            .header(reqwest::header::AUTHORIZATION, self.bot_auth()?);
        let v = self.send("get channel", req).await?;
        Ok((
            v["type"].as_u64().unwrap_or_default(),
            v["parent_id"].as_str().map(str::to_string),
        ))
    }

    fn bot_auth(&self) -> Result<String, DiscordApiError> {
        self.bot_token
            .as_ref()
            .map(|t| format!("Bot {}", t.expose()))
            .ok_or(DiscordApiError::NotConfigured(
                "discord.bot_token is not set: set MANTISSA_DISCORD_BOT_TOKEN (Developer Portal → Bot → Token)",
            ))
    }

    async fn send(
        &self,
        what: &'static str,
        req: reqwest::RequestBuilder,
    ) -> Result<Value, DiscordApiError> {
        let resp = req
            .send()
            .await
            // Without the URL: it holds the interaction token.
            .map_err(|e| http_error(what, &e.without_url().to_string()))?;
        let status = resp.status();
        let text = resp
            .text()
            .await
            .map_err(|e| http_error(what, &e.without_url().to_string()))?;
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if !status.is_success() {
            return Err(DiscordApiError::Discord {
                what,
                status: status.as_u16(),
                code: v["code"].as_u64(),
                message: v["message"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| crate::chat::clip(text.trim(), 200)),
                details: if v["errors"].is_null() {
                    String::new()
                } else {
                    crate::chat::clip(&v["errors"].to_string(), 1000)
                },
            });
        }
        Ok(v)
    }
}

/// A JSON body, or `payload_json` + `files[n]` as multipart when files go along.
fn with_body(
    what: &'static str,
    req: reqwest::RequestBuilder,
    message: &Value,
    files: Vec<Attachment>,
) -> Result<reqwest::RequestBuilder, DiscordApiError> {
    if files.is_empty() {
        return Ok(req.json(message));
    }
    let mut payload = message.clone();
    payload["attachments"] = files
        .iter()
        .enumerate()
        .map(|(id, f)| {
            serde_json::json!({ "id": id, "filename": f.name, "description": crate::chat::clip(&f.description, 1024) })
        })
        .collect();
    let json = reqwest::multipart::Part::text(payload.to_string())
        .mime_str("application/json")
        .map_err(|e| http_error(what, &e.to_string()))?;
    let mut form = reqwest::multipart::Form::new().part("payload_json", json);
    for (id, f) in files.into_iter().enumerate() {
        let mime = if f.name.ends_with(".png") {
            "image/png"
        } else {
            "text/csv"
        };
        let part = reqwest::multipart::Part::bytes(f.bytes)
            .file_name(f.name)
            .mime_str(mime)
            .map_err(|e| http_error(what, &e.to_string()))?;
        form = form.part(format!("files[{id}]"), part);
    }
    Ok(req.multipart(form))
}

fn http_error(what: &'static str, message: &str) -> DiscordApiError {
    DiscordApiError::Http {
        what,
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use axum::Router;
    use axum::body::Bytes;
    use axum::extract::State;
    use axum::http::{HeaderMap, Method, Uri};
    use serde_json::json;

    use super::*;

    type Seen = Arc<Mutex<Vec<(Method, String, HeaderMap, Bytes)>>>;

    /// A loopback server that records requests and answers `status` with `body`.
    async fn server(status: u16, body: &'static str) -> (String, Seen) {
        let seen: Seen = Arc::default();
        let app = Router::new()
            .fallback(
                move |State(seen): State<Seen>,
                      method: Method,
                      uri: Uri,
                      headers: HeaderMap,
                      b: Bytes| async move {
                    seen.lock()
                        .unwrap()
                        .push((method, uri.path().to_string(), headers, b));
                    (
                        axum::http::StatusCode::from_u16(status).unwrap(),
                        body.to_string(),
                    )
                },
            )
            .with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/api/v10", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (url, seen)
    }

    #[tokio::test]
    async fn a_csv_is_sent_as_files_0_with_the_message_as_payload_json() {
        let (url, seen) = server(200, "{}").await;
        let api = DiscordApi::new(&url, "77", None);
        api.edit_original(
            "tok",
            &json!({"content": "hi"}),
            vec![Attachment {
                name: "result.csv".into(),
                bytes: b"a,b\n1,2\n".to_vec(),
                description: "Full result".into(),
            }],
        )
        .await
        .unwrap();
        let (method, path, headers, body) = seen.lock().unwrap()[0].clone();
        assert_eq!(method, Method::PATCH);
        assert_eq!(path, "/api/v10/webhooks/77/tok/messages/@original");
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("multipart/form-data; boundary=")
        );
        let body = String::from_utf8_lossy(&body);
        assert!(body.contains("name=\"payload_json\""), "{body}");
        assert!(
            body.contains(
                r#""attachments":[{"description":"Full result","filename":"result.csv","id":0}]"#
            ) || body.contains(
                r#""attachments":[{"id":0,"filename":"result.csv","description":"Full result"}]"#
            ),
            "{body}"
        );
        assert!(
            body.contains("name=\"files[0]\"; filename=\"result.csv\""),
            "{body}"
        );
        assert!(body.contains("a,b\r\n1,2\r\n") || body.contains("a,b\n1,2\n"));
    }

    #[tokio::test]
    async fn discord_errors_are_explained_without_the_token() {
        let (url, _) = server(
            400,
            r#"{"code": 50035, "message": "Invalid Form Body", "errors": {"0": {"name": {"_errors": [{"code": "APPLICATION_COMMAND_INVALID_NAME"}]}}}}"#,
        )
        .await;
        let api = DiscordApi::new(&url, "77", Some(Secret::new("bot-secret")));
        let e = api
            .register_commands(None, &json!([]))
            .await
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("HTTP 400 (code 50035): Invalid Form Body")
                && e.contains("APPLICATION_COMMAND_INVALID_NAME"),
            "{e}"
        );
        assert!(!e.contains("bot-secret"));
        let none = DiscordApi::new(&url, "77", None)
            .register_commands(None, &json!([]))
            .await
            .unwrap_err();
        assert!(none.to_string().contains("MANTISSA_DISCORD_BOT_TOKEN"));
    }
}
