//! A generic JSON webhook for SOAR tools, signed with HMAC-SHA256.
//!
//! Request: `POST <url>` with `Content-Type: application/json` and body
//! `{"delivery": <key>, "action": "notify"|"repeat"|"status_change"|"digest",
//! "payload": {…}, "alert": {…the alert as stored…}}`.
//!
//! Headers:
//! - `X-Mantissa-Timestamp`: Unix seconds when the request was signed.
//! - `X-Mantissa-Signature`: `sha256=` + lower-case hex of
//!   HMAC-SHA256(key = the configured secret as UTF-8 bytes,
//!   message = `<timestamp>.<raw body bytes>`). Receivers recompute it over
//!   the raw body, compare in constant time and reject timestamps more than
//!   five minutes old (replays).
//! - `Idempotency-Key`: the delivery key; a retry of the same delivery
//!   carries the same key, so receivers can drop duplicates.
//!
//! 2xx is success; 408, 429 (with `Retry-After`) and 5xx are retried;
//! other statuses are permanent failures.

use std::time::Duration;

use async_trait::async_trait;
use hmac::{Hmac, KeyInit, Mac};
use mantissa_core::alert::{Alert, Delivery};
use mantissa_core::clock::Clock;
use mantissa_core::config::Secret;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::destination::{
    Destination, SendError, Sent, http_client, status_error, transport_error,
};

/// Signature header.
pub const SIGNATURE_HEADER: &str = "X-Mantissa-Signature";
/// Timestamp header.
pub const TIMESTAMP_HEADER: &str = "X-Mantissa-Timestamp";

/// A webhook endpoint.
#[derive(Debug, Clone)]
pub struct WebhookDestination {
    client: reqwest::Client,
    url: String,
    secret: Option<Secret>,
    clock: Clock,
}

impl WebhookDestination {
    /// Posts to `url`, signing with `secret` when given; the signature's
    /// timestamp comes from `clock`.
    pub fn new(url: &str, secret: Option<Secret>, timeout: Duration, clock: Clock) -> Self {
        Self {
            client: http_client(timeout),
            url: url.to_string(),
            secret,
            clock,
        }
    }
}

/// `sha256=<hex>` of HMAC-SHA256(secret, `<timestamp>.<body>`).
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[async_trait]
impl Destination for WebhookDestination {
    fn kind(&self) -> &'static str {
        "webhook"
    }

    async fn send(
        &self,
        alert: &Alert,
        delivery: &Delivery,
        _prior: Option<&Value>,
    ) -> Result<Sent, SendError> {
        let body = serde_json::to_vec(&json!({
            "delivery": delivery.key,
            "action": delivery.action,
            "payload": delivery.payload,
            "alert": alert,
        }))
        .map_err(|e| SendError::permanent(None, format!("webhook: cannot encode: {e}")))?;
        let ts = self.clock.now().timestamp();
        let mut req = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("Idempotency-Key", &delivery.key)
            .header(TIMESTAMP_HEADER, ts.to_string());
        if let Some(secret) = &self.secret {
            req = req.header(SIGNATURE_HEADER, signature(secret.expose(), ts, &body));
        }
        let resp = req
            .body(body)
            .send()
            .await
            .map_err(|e| transport_error("webhook", e))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(Sent {
                message_ref: Some(json!({ "idempotency_key": delivery.key })),
                status_code: Some(status.as_u16()),
            });
        }
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        Err(status_error("webhook", status, &headers, &text))
    }
}
