//! E-mail over SMTP (lettre, async tokio transport, rustls): one message per
//! delivery with plain-text and HTML bodies. The first message of an alert
//! has the stable `Message-ID` `<alert.<id>@<sender domain>>`; repeats and
//! status changes reply to it (`In-Reply-To`, `References`), so mail clients
//! thread them. SMTP has no idempotency key: an attempt whose outcome was
//! lost (connection dropped after `DATA`) can duplicate a mail, but the
//! duplicate has the same `Message-ID`, which many clients fold.
//!
//! With the `ses` feature the same message (headers, both bodies) can go
//! through Amazon SES instead of SMTP (`type = "ses"`): SESv2 `SendEmail`
//! with the raw MIME message, client from the AWS SDK's environment.

use std::time::Duration;

use async_trait::async_trait;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use mantissa_core::alert::{Alert, Delivery, DeliveryAction};
use mantissa_core::config::{Secret, SmtpTls};
use serde_json::{Value, json};

use crate::destination::{Destination, SendError, Sent};
use crate::render::{
    change_line, digest_lines, digest_summary, mitre_url, plain_text, severity_label, status_line,
};

/// SMTP settings of one e-mail destination.
#[derive(Debug, Clone)]
pub struct EmailSettings {
    /// Server.
    pub host: String,
    /// Port (default by TLS mode: 25, 587, 465).
    pub port: Option<u16>,
    /// TLS mode.
    pub tls: SmtpTls,
    /// AUTH user.
    pub username: Option<String>,
    /// AUTH password.
    pub password: Option<Secret>,
    /// Sender.
    pub from: String,
    /// Recipients.
    pub to: Vec<String>,
}

/// An e-mail destination.
pub struct EmailDestination {
    transport: Transport,
    from: Mailbox,
    to: Vec<Mailbox>,
    domain: String,
}

/// How messages leave.
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    #[cfg(feature = "ses")]
    Ses {
        client: tokio::sync::OnceCell<aws_sdk_sesv2::Client>,
        configuration_set: Option<String>,
    },
}

impl std::fmt::Debug for EmailDestination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailDestination")
            .field("from", &self.from.to_string())
            .field("to", &self.to.len())
            .finish_non_exhaustive()
    }
}

impl EmailDestination {
    /// Builds the transport; fails on a bad address or host name.
    pub fn new(settings: &EmailSettings, timeout: Duration) -> Result<Self, String> {
        let builder = match settings.tls {
            SmtpTls::None => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
                    .port(settings.port.unwrap_or(25))
            }
            SmtpTls::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)
                    .map_err(|e| format!("smtp host `{}`: {e}", settings.host))?
                    .port(settings.port.unwrap_or(587))
            }
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host)
                .map_err(|e| format!("smtp host `{}`: {e}", settings.host))?
                .port(settings.port.unwrap_or(465)),
        };
        let mut builder = builder.timeout(Some(timeout));
        if let Some(user) = &settings.username {
            let pass = settings.password.as_ref().map(|p| p.expose().to_string());
            builder = builder.credentials(Credentials::new(user.clone(), pass.unwrap_or_default()));
        }
        Self::with_transport(
            Transport::Smtp(builder.build()),
            &settings.from,
            &settings.to,
        )
    }

    /// Messages through Amazon SES (SESv2 `SendEmail`, raw MIME) from the
    /// verified identity `from` to `to`, optionally in a configuration set.
    #[cfg(feature = "ses")]
    pub fn ses(
        from: &str,
        to: &[String],
        configuration_set: Option<String>,
    ) -> Result<Self, String> {
        Self::with_transport(
            Transport::Ses {
                client: tokio::sync::OnceCell::new(),
                configuration_set,
            },
            from,
            to,
        )
    }

    fn with_transport(transport: Transport, from: &str, to: &[String]) -> Result<Self, String> {
        let from: Mailbox = from.parse().map_err(|e| format!("sender `{from}`: {e}"))?;
        let to = to
            .iter()
            .map(|t| {
                t.parse::<Mailbox>()
                    .map_err(|e| format!("recipient `{t}`: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if to.is_empty() {
            return Err("no recipients: set `to`".into());
        }
        let domain = from.email.domain().to_string();
        Ok(Self {
            transport,
            from,
            to,
            domain,
        })
    }

    /// The first message's `Message-ID` for an alert.
    pub fn alert_message_id(&self, alert_id: &str) -> String {
        format!("<alert.{}@{}>", sanitize(alert_id), self.domain)
    }

    /// Builds the message for a delivery.
    pub fn message(&self, alert: &Alert, delivery: &Delivery) -> Result<Message, SendError> {
        let root = self.alert_message_id(&alert.id);
        let base_subject = format!("[{}] {}", severity_label(alert.severity), alert.title);
        let (subject, plain, message_id) = match delivery.action {
            DeliveryAction::Notify => (base_subject, plain_text(alert), root.clone()),
            DeliveryAction::StatusChange => (
                format!("Re: {base_subject}"),
                format!("{}\n\n{}", change_line(alert, delivery), plain_text(alert)),
                self.reply_id(alert, delivery),
            ),
            DeliveryAction::Repeat => (
                format!("Re: {base_subject}"),
                format!(
                    "Seen again: {} sightings, last at {}\n\n{}",
                    alert.count,
                    mantissa_core::clock::format_instant(alert.last_seen),
                    plain_text(alert)
                ),
                self.reply_id(alert, delivery),
            ),
            DeliveryAction::Digest => (
                format!(
                    "[{}] {}",
                    severity_label(alert.severity),
                    digest_summary(alert, delivery)
                ),
                format!(
                    "{}\n\n{}\n",
                    digest_summary(alert, delivery),
                    digest_lines(delivery).join("\n")
                ),
                self.reply_id(alert, delivery),
            ),
        };
        let html = html_body(alert, delivery, &plain);
        let mut b = Message::builder()
            .from(self.from.clone())
            .subject(subject)
            .message_id(Some(message_id));
        for to in &self.to {
            b = b.to(to.clone());
        }
        if matches!(
            delivery.action,
            DeliveryAction::StatusChange | DeliveryAction::Repeat
        ) {
            b = b.in_reply_to(root.clone()).references(root);
        }
        b.multipart(
            MultiPart::alternative()
                .singlepart(SinglePart::plain(plain))
                .singlepart(SinglePart::html(html)),
        )
        .map_err(|e| SendError::permanent(None, format!("email: cannot build the message: {e}")))
    }

    fn reply_id(&self, alert: &Alert, delivery: &Delivery) -> String {
        format!(
            "<alert.{}.{}@{}>",
            sanitize(&alert.id),
            sanitize(&delivery.key),
            self.domain
        )
    }
}

/// One message through SESv2 `SendEmail` as raw MIME.
#[cfg(feature = "ses")]
async fn send_ses(
    client: &tokio::sync::OnceCell<aws_sdk_sesv2::Client>,
    configuration_set: Option<&str>,
    (from, to): (&str, &[String]),
    message: Message,
    message_id: Option<String>,
) -> Result<Sent, SendError> {
    use aws_sdk_sesv2::error::ProvideErrorMetadata;
    use aws_sdk_sesv2::primitives::Blob;
    use aws_sdk_sesv2::types::{Destination as SesDestination, EmailContent, RawMessage};
    let client = client
        .get_or_init(|| async {
            let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
                .load()
                .await;
            aws_sdk_sesv2::Client::new(&sdk)
        })
        .await;
    let raw = RawMessage::builder()
        .data(Blob::new(message.formatted()))
        .build()
        .map_err(|e| SendError::permanent(None, format!("ses: {e}")))?;
    let out = client
        .send_email()
        .from_email_address(from)
        .destination(
            SesDestination::builder()
                .set_to_addresses(Some(to.to_vec()))
                .build(),
        )
        .content(EmailContent::builder().raw(raw).build())
        .set_configuration_set_name(configuration_set.map(str::to_string))
        .send()
        .await;
    match out {
        Ok(out) => Ok(Sent {
            message_ref: Some(json!({
                "message_id": message_id,
                "ses_message_id": out.message_id(),
            })),
            status_code: Some(200),
        }),
        Err(e) => {
            let status = e.raw_response().map(|r| r.status().as_u16());
            let code = e.code().unwrap_or_default().to_string();
            let message = format!(
                "ses: {}",
                match (e.code(), e.message()) {
                    (Some(c), Some(m)) => format!("{c}: {m}"),
                    (Some(c), None) => c.to_string(),
                    _ => "cannot reach SES; check AWS_REGION and AWS_ENDPOINT_URL".into(),
                }
            );
            // Throttling, sending-quota and server faults pass; a refused
            // sender or message does not.
            let retryable = matches!(
                code.as_str(),
                "TooManyRequestsException" | "LimitExceededException" | "SendingPausedException"
            ) || status.is_none_or(|s| s >= 500);
            if retryable {
                Err(SendError::retryable(status, message))
            } else {
                Err(SendError::permanent(status, message))
            }
        }
    }
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn html_body(alert: &Alert, delivery: &Delivery, plain: &str) -> String {
    let mut h = String::from("<!DOCTYPE html><html><body style=\"font-family:sans-serif\">");
    h.push_str(&format!(
        "<h2>[{}] {}</h2><p><b>{}</b></p><p>{}</p>",
        severity_label(alert.severity),
        escape(&alert.title),
        escape(&status_line(alert)),
        escape(&alert.description)
    ));
    if delivery.action == DeliveryAction::Digest {
        h.push_str("<ul>");
        for l in digest_lines(delivery) {
            h.push_str(&format!("<li>{}</li>", escape(&l)));
        }
        h.push_str("</ul>");
    }
    let context = alert.enrichment.lines();
    if !context.is_empty() {
        h.push_str("<h3>Context</h3><ul>");
        for l in context {
            h.push_str(&format!("<li>{}</li>", escape(&l)));
        }
        h.push_str("</ul>");
    }
    if !alert.mitre_attack.is_empty() {
        h.push_str("<p>MITRE ATT&amp;CK: ");
        for t in &alert.mitre_attack {
            h.push_str(&format!("<a href=\"{}\">{}</a> ", mitre_url(t), escape(t)));
        }
        h.push_str("</p>");
    }
    if let Some(first) = alert.evidence.first() {
        let cols: Vec<&String> = first.keys().collect();
        h.push_str(&format!(
            "<h3>Evidence ({} rows)</h3><table border=\"1\" cellpadding=\"4\" style=\"border-collapse:collapse\"><tr>",
            alert.evidence.len()
        ));
        for c in &cols {
            h.push_str(&format!("<th>{}</th>", escape(c)));
        }
        h.push_str("</tr>");
        for row in alert.evidence.iter().take(50) {
            h.push_str("<tr>");
            for c in &cols {
                let v = row
                    .get(*c)
                    .map(crate::render::value_text)
                    .unwrap_or_default();
                h.push_str(&format!("<td>{}</td>", escape(&v)));
            }
            h.push_str("</tr>");
        }
        h.push_str("</table>");
    }
    h.push_str(&format!(
        "<h3>Query</h3><pre>{}</pre><hr><pre style=\"color:#666\">{}</pre></body></html>",
        escape(&alert.sql),
        escape(plain.lines().last().unwrap_or_default())
    ));
    h
}

#[async_trait]
impl Destination for EmailDestination {
    fn kind(&self) -> &'static str {
        match self.transport {
            Transport::Smtp(_) => "email",
            #[cfg(feature = "ses")]
            Transport::Ses { .. } => "ses",
        }
    }

    async fn send(
        &self,
        alert: &Alert,
        delivery: &Delivery,
        _prior: Option<&Value>,
    ) -> Result<Sent, SendError> {
        let message = self.message(alert, delivery)?;
        let message_id = message.headers().get_raw("Message-ID").map(str::to_string);
        // Without the `ses` feature SMTP is the only transport.
        #[cfg_attr(not(feature = "ses"), allow(clippy::infallible_destructuring_match))]
        let smtp = match &self.transport {
            Transport::Smtp(smtp) => smtp,
            #[cfg(feature = "ses")]
            Transport::Ses {
                client,
                configuration_set,
            } => {
                let to: Vec<String> = self.to.iter().map(|m| m.email.to_string()).collect();
                return send_ses(
                    client,
                    configuration_set.as_deref(),
                    (self.from.email.as_ref(), &to),
                    message,
                    message_id,
                )
                .await;
            }
        };
        match smtp.send(message).await {
            Ok(resp) => Ok(Sent {
                message_ref: Some(json!({ "message_id": message_id })),
                status_code: Some(u16::from(resp.code())),
            }),
            Err(e) => {
                let code = e.status().map(u16::from);
                let message = format!("email: {e}");
                if e.is_permanent() {
                    Err(SendError::permanent(code, message))
                } else {
                    Err(SendError::retryable(code, message))
                }
            }
        }
    }
}
