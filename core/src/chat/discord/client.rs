//! The Discord REST client: messages in channels as the bot (create, edit,
//! reply, start a thread), incoming webhooks, deferred interaction responses
//! (`PATCH /webhooks/{application_id}/{token}/messages/@original`, files as
//! multipart `files[n]`) and command registration. The base URL is
//! configurable (tests point it at a local server speaking the same
//! protocol); errors carry Discord's `code` and `message`, never a token.

use serde_json::{Value, json};

use crate::chat::http::{ApiError, HttpOptions, Platform, Transport};
use crate::config::Secret;

/// Default Discord REST base URL.
pub const DEFAULT_API_URL: &str = "https://discord.com/api/v10";

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

/// A Discord REST client (cheap to clone).
#[derive(Clone)]
pub struct DiscordClient {
    transport: Transport,
    base: String,
    application_id: String,
    bot_token: Option<Secret>,
}

impl std::fmt::Debug for DiscordClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscordClient")
            .field("base", &self.base)
            .field("application_id", &self.application_id)
            .finish_non_exhaustive()
    }
}

impl DiscordClient {
    /// A client for `base` (e.g. [`DEFAULT_API_URL`]) with the default
    /// [`HttpOptions`]; `bot_token` is needed for everything but
    /// interaction responses and webhooks.
    pub fn new(base: &str, bot_token: Option<Secret>) -> Self {
        Self::with_options(base, bot_token, HttpOptions::default())
    }

    /// A client with explicit HTTP options.
    pub fn with_options(base: &str, bot_token: Option<Secret>, options: HttpOptions) -> Self {
        Self {
            transport: Transport::new(Platform::Discord, options),
            base: base.trim_end_matches('/').to_string(),
            application_id: String::new(),
            bot_token,
        }
    }

    /// The REST base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The application whose interactions and commands this client handles.
    pub fn for_application(mut self, application_id: &str) -> Self {
        self.application_id = application_id.trim().to_string();
        self
    }

    /// Replaces the original response of an interaction (the "thinking…"
    /// message of a deferred response) with `message`, attaching `files`.
    /// The interaction token is the credential (valid 15 minutes).
    pub async fn edit_original(
        &self,
        interaction_token: &str,
        message: &Value,
        files: Vec<Attachment>,
    ) -> Result<(), ApiError> {
        let url = format!(
            "{}/webhooks/{}/{interaction_token}/messages/@original",
            self.base, self.application_id
        );
        self.send(
            "edit original response",
            reqwest::Method::PATCH,
            &url,
            None,
            message,
            &files,
        )
        .await
        .map(drop)
    }

    /// Overwrites the application's commands with `commands` (a JSON
    /// array), globally or in one guild (instant; for testing). Returns
    /// what Discord registered.
    pub async fn register_commands(
        &self,
        guild: Option<&str>,
        commands: &Value,
    ) -> Result<Value, ApiError> {
        let auth = self.bot_auth()?;
        if self.application_id.is_empty() {
            return Err(ApiError::NotConfigured(
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
        self.send(
            "register commands",
            reqwest::Method::PUT,
            &url,
            Some(auth),
            commands,
            &[],
        )
        .await
    }

    /// Posts a message in a channel or thread as the bot, with `files`
    /// attached; returns Discord's message object.
    pub async fn create_message(
        &self,
        channel_id: &str,
        message: &Value,
        files: &[Attachment],
    ) -> Result<Value, ApiError> {
        let url = format!("{}/channels/{channel_id}/messages", self.base);
        let auth = self.bot_auth()?;
        self.send(
            "create message",
            reqwest::Method::POST,
            &url,
            Some(auth),
            message,
            files,
        )
        .await
    }

    /// Edits a message the bot posted; returns the message object.
    pub async fn edit_message(
        &self,
        channel_id: &str,
        message_id: &str,
        message: &Value,
    ) -> Result<Value, ApiError> {
        let url = format!("{}/channels/{channel_id}/messages/{message_id}", self.base);
        let auth = self.bot_auth()?;
        self.send(
            "edit message",
            reqwest::Method::PATCH,
            &url,
            Some(auth),
            message,
            &[],
        )
        .await
    }

    /// Posts through an incoming webhook (`?wait=true`, so Discord returns
    /// the message object).
    pub async fn execute_webhook(
        &self,
        webhook: &Secret,
        message: &Value,
    ) -> Result<Value, ApiError> {
        let url = format!("{}?wait=true", webhook.expose().trim_end_matches('/'));
        self.send(
            "execute webhook",
            reqwest::Method::POST,
            &url,
            None,
            message,
            &[],
        )
        .await
    }

    /// Edits a message an incoming webhook posted.
    pub async fn edit_webhook_message(
        &self,
        webhook: &Secret,
        message_id: &str,
        message: &Value,
    ) -> Result<Value, ApiError> {
        let url = format!(
            "{}/messages/{message_id}",
            webhook.expose().trim_end_matches('/')
        );
        self.send(
            "edit webhook message",
            reqwest::Method::PATCH,
            &url,
            None,
            message,
            &[],
        )
        .await
    }

    /// Starts a public thread on a message; returns the thread's channel id.
    pub async fn start_thread(
        &self,
        channel_id: &str,
        message_id: &str,
        name: &str,
    ) -> Result<String, ApiError> {
        let url = format!(
            "{}/channels/{channel_id}/messages/{message_id}/threads",
            self.base
        );
        let auth = self.bot_auth()?;
        let body = json!({ "name": name, "auto_archive_duration": 1440 });
        let v = self
            .send(
                "start thread",
                reqwest::Method::POST,
                &url,
                Some(auth),
                &body,
                &[],
            )
            .await?;
        Ok(v["id"].as_str().unwrap_or_default().to_string())
    }

    /// A channel's type (`0` text, `11` public thread, …) and its parent (a
    /// thread's channel; `None` at top level).
    pub async fn channel(&self, channel_id: &str) -> Result<(u64, Option<String>), ApiError> {
        let url = format!("{}/channels/{channel_id}", self.base);
        let auth = self.bot_auth()?;
        let v = self
            .send(
                "get channel",
                reqwest::Method::GET,
                &url,
                Some(auth),
                &Value::Null,
                &[],
            )
            .await?;
        Ok((
            v["type"].as_u64().unwrap_or_default(),
            v["parent_id"].as_str().map(str::to_string),
        ))
    }

    fn bot_auth(&self) -> Result<String, ApiError> {
        self.bot_token
            .as_ref()
            .map(|t| format!("Bot {}", t.expose()))
            .ok_or(ApiError::NotConfigured(
                "discord.bot_token is not set: set MANTISSA_DISCORD_BOT_TOKEN (Developer Portal → Bot → Token)",
            ))
    }

    /// One call: a JSON body (none for `GET`), or `payload_json` +
    /// `files[n]` as multipart when files go along.
    async fn send(
        &self,
        call: &str,
        method: reqwest::Method,
        url: &str,
        auth: Option<String>,
        body: &Value,
        files: &[Attachment],
    ) -> Result<Value, ApiError> {
        let answer = self
            .transport
            .send(call, |http| {
                let mut req = http.request(method.clone(), url);
                if let Some(a) = &auth {
                    req = req.header(reqwest::header::AUTHORIZATION, a);
                }
                if method == reqwest::Method::GET {
                    req
                } else if files.is_empty() {
                    req.json(body)
                } else {
                    req.multipart(multipart(body, files))
                }
            })
            .await?;
        if !answer.is_success() {
            return Err(self.transport.refused(call, &answer));
        }
        Ok(answer.json())
    }
}

/// `payload_json` (the message, with its `attachments`) and `files[n]`.
fn multipart(message: &Value, files: &[Attachment]) -> reqwest::multipart::Form {
    let mut payload = message.clone();
    payload["attachments"] = files
        .iter()
        .enumerate()
        .map(|(id, f)| {
            let description: String = f.description.chars().take(1024).collect();
            json!({ "id": id, "filename": f.name, "description": description })
        })
        .collect();
    let json = reqwest::multipart::Part::text(payload.to_string())
        .mime_str("application/json")
        .expect("a valid MIME type");
    let mut form = reqwest::multipart::Form::new().part("payload_json", json);
    for (id, f) in files.iter().enumerate() {
        let mime = if f.name.ends_with(".png") {
            "image/png"
        } else {
            "text/csv"
        };
        let part = reqwest::multipart::Part::bytes(f.bytes.clone())
            .file_name(f.name.clone())
            .mime_str(mime)
            .expect("a valid MIME type");
        form = form.part(format!("files[{id}]"), part);
    }
    form
}

#[cfg(test)]
mod tests {
    use mantissa_testkit::{DISCORD_TOKEN, Fake, Fault};
    use serde_json::json;

    use super::*;

    /// The kit's Discord REST API, at the root a client is configured with.
    async fn discord() -> (Fake, String) {
        let fake = Fake::start().await;
        let url = format!("{}/api/v10", fake.discord_url());
        (fake, url)
    }

    #[tokio::test]
    async fn a_csv_is_sent_as_files_0_with_the_message_as_payload_json() {
        let (fake, url) = discord().await;
        let api = DiscordClient::new(&url, None).for_application("77");
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
        let sent = fake.requests("/webhooks/")[0].clone();
        assert_eq!(sent.method, "PATCH");
        assert_eq!(sent.path, "/discord/webhooks/77/tok/messages/@original");
        let (headers, body) = (sent.headers, sent.body);
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
    async fn rate_limits_are_waited_out_then_the_call_succeeds() {
        let (fake, url) = discord().await;
        fake.fault(
            "/channels/c1/messages",
            Fault::Reply(
                429,
                r#"{"message": "You are being rate limited.", "retry_after": 0.05, "global": false}"#,
            ),
        );
        let api = DiscordClient::new(&url, Some(Secret::new(DISCORD_TOKEN)));
        let v = api
            .create_message("c1", &json!({"content": "hi"}), &[])
            .await
            .unwrap();
        assert_eq!(v["channel_id"], "c1");
        assert_eq!(fake.requests("/channels/c1/messages").len(), 2);
        assert_eq!(fake.discord_messages("c1").len(), 1);

        // Without inline retries (the router's outbox retries), the 429 comes
        // back as a retryable error carrying the wait Discord asked for.
        fake.fault(
            "/channels/c1/messages",
            Fault::Reply(429, r#"{"message": "slow down", "retry_after": 2.5}"#),
        );
        let options = HttpOptions {
            rate_limit_retries: 0,
            ..HttpOptions::default()
        };
        let e = DiscordClient::with_options(&url, Some(Secret::new(DISCORD_TOKEN)), options)
            .create_message("c1", &json!({}), &[])
            .await
            .unwrap_err();
        assert!(e.is_retryable());
        assert_eq!(
            e.retry_after(),
            Some(std::time::Duration::from_millis(2500))
        );
    }

    #[tokio::test]
    async fn discord_errors_are_explained_without_the_token() {
        let (fake, url) = discord().await;
        fake.fault(
            "/commands",
            Fault::Reply(
                400,
                r#"{"code": 50035, "message": "Invalid Form Body", "errors": {"0": {"name": {"_errors": [{"code": "APPLICATION_COMMAND_INVALID_NAME"}]}}}}"#,
            ),
        );
        let api = DiscordClient::new(&url, Some(Secret::new(DISCORD_TOKEN))).for_application("77");
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
        assert!(!e.contains(DISCORD_TOKEN));
        let none = DiscordClient::new(&url, None)
            .for_application("77")
            .register_commands(None, &json!([]))
            .await
            .unwrap_err();
        assert!(none.to_string().contains("MANTISSA_DISCORD_BOT_TOKEN"));
    }
}
