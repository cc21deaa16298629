//! Alert routing configuration: the `[slack]` and `[discord]` API sections,
//! and `[router]` (named destinations, routes, fallback chains, quiet
//! grouping, retry policy).
//!
//! ```toml
//! [slack]
//! bot_token = "xoxb-…"                 # or MANTISSA_SLACK_BOT_TOKEN
//!
//! [router.destinations.secops]
//! type = "slack"
//! channel = "C0123456789"              # a channel id (edits and look-ups need the id)
//!
//! [router.destinations.oncall]
//! type = "pagerduty"
//! routing_key = "0123456789abcdef0123456789abcdef"
//!
//! [router.destinations.mail]
//! type = "email"
//! host = "smtp.example.com"
//! port = 587
//! tls = "starttls"
//! username = "alerts"
//! password = "…"
//! from = "Mantissa <alerts@example.com>"
//! to = ["secops@example.com"]
//!
//! [[router.routes]]
//! name = "critical"
//! min_severity = "critical"
//! destinations = ["secops", "oncall"]  # several at once
//! fallback = ["mail"]
//!
//! [router.default_route]
//! destinations = ["secops"]
//! fallback = ["oncall", "mail"]        # Slack, then PagerDuty, then e-mail
//!
//! [router.rule_overrides.aws-root-login]
//! destinations = ["oncall"]
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::alert::{Category, Severity};

/// A credential (token, routing key, password, signing secret).
///
/// `Debug`, `Display` and `Serialize` print `[redacted]`, so a secret never
/// reaches a log line, an error message or a dumped config; only
/// [`Secret::expose`] gives the value, at the point it is sent.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for the request that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// No value was given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("[redacted]")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

/// `[slack]`: the Slack Web API (shared by the router and the chat bot).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SlackConfig {
    /// Bot token (`xoxb-…`), scopes `chat:write` and `channels:history`
    /// (`groups:history` for private channels).
    pub bot_token: Option<Secret>,
    /// Web API base URL.
    pub api_url: String,
    /// Signing secret: `mantissa serve` verifies every request from Slack
    /// with it (`MANTISSA_SLACK_SIGNING_SECRET`).
    pub signing_secret: Option<Secret>,
    /// App-level token (`xapp-…`) for Socket Mode (`MANTISSA_SLACK_APP_TOKEN`).
    pub app_token: Option<Secret>,
}

impl Default for SlackConfig {
    fn default() -> Self {
        Self {
            bot_token: None,
            api_url: "https://slack.com/api".into(),
            signing_secret: None,
            app_token: None,
        }
    }
}

/// `[discord]`: the Discord REST API (shared by the router and the chat bot)
/// and the application behind `/discord/interactions`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DiscordConfig {
    /// Bot token (sent as `Authorization: Bot …`; `MANTISSA_DISCORD_BOT_TOKEN`).
    pub bot_token: Option<Secret>,
    /// REST API base URL (`MANTISSA_DISCORD_API_URL`).
    pub api_url: String,
    /// The application's public key, 64 hex characters (Developer Portal →
    /// General Information → Public Key; `MANTISSA_DISCORD_PUBLIC_KEY`).
    /// `mantissa serve` verifies every interaction's Ed25519 signature with
    /// it; without it `/discord/interactions` is off.
    #[serde(deserialize_with = "optional_id")]
    pub public_key: Option<String>,
    /// The application id (Developer Portal → General Information;
    /// `MANTISSA_DISCORD_APPLICATION_ID`): completes deferred answers and
    /// registers the `/mantissa` command.
    #[serde(deserialize_with = "optional_id")]
    pub application_id: Option<String>,
    /// Gateway mode (`MANTISSA_DISCORD_GATEWAY=true`): `mantissa serve`
    /// connects to Discord with the bot token and answers mentions and
    /// thread follow-ups, no public URL needed. Needs a build with the
    /// `discord-gateway` feature and the Message Content intent.
    pub gateway: bool,
}

impl Default for DiscordConfig {
    fn default() -> Self {
        Self {
            bot_token: None,
            api_url: "https://discord.com/api/v10".into(),
            public_key: None,
            application_id: None,
            gateway: false,
        }
    }
}

impl DiscordConfig {
    /// Checks the shapes serde cannot: the public key is 32 bytes of hex
    /// and the application id is a snowflake (digits).
    pub fn validate(&self) -> Result<(), String> {
        if let Some(key) = &self.public_key {
            let key = key.trim();
            if key.len() != 64 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!(
                    "discord.public_key must be the application's Ed25519 public key as 64 hex characters (32 bytes), got {} characters{}; copy it from the Developer Portal → General Information → Public Key",
                    key.chars().count(),
                    if key.bytes().all(|b| b.is_ascii_hexdigit()) {
                        ""
                    } else {
                        " that are not all hex digits"
                    }
                ));
            }
        }
        if let Some(id) = &self.application_id
            && (id.trim().is_empty() || !id.trim().bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(format!(
                "discord.application_id `{id}` must be the numeric application id (Developer Portal → General Information → Application ID)"
            ));
        }
        Ok(())
    }
}

/// An id written as text or as a number (environment variables holding
/// only digits, such as Discord snowflakes, arrive as numbers).
#[derive(Deserialize)]
#[serde(untagged)]
enum Id {
    Text(String),
    Number(u64),
}

impl From<Id> for String {
    fn from(id: Id) -> Self {
        match id {
            Id::Text(s) => s,
            Id::Number(n) => n.to_string(),
        }
    }
}

/// Deserializes an optional id given as text or number.
pub(crate) fn optional_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<Id>::deserialize(d)?.map(String::from))
}

/// Deserializes a list of ids given as text or numbers.
pub(crate) fn id_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Vec::<Id>::deserialize(d)?
        .into_iter()
        .map(String::from)
        .collect())
}

/// `[router]`: where alerts go and how hard the router tries.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct RouterConfig {
    /// A YAML file holding the policy (`routes`, `default_route`,
    /// `rule_overrides`, `grouping`) instead of this section; destinations
    /// and their secrets stay here.
    pub policy_file: Option<PathBuf>,
    /// Named destinations (`[router.destinations.<name>]`).
    pub destinations: BTreeMap<String, DestinationConfig>,
    /// Routes, tried in order; the first that matches an alert wins.
    pub routes: Vec<RouteConfig>,
    /// Where alerts no route matches go (none: they are not sent).
    pub default_route: Option<RouteTargets>,
    /// Per-rule routing that replaces the routes for that rule id.
    pub rule_overrides: BTreeMap<String, RouteTargets>,
    /// Quiet grouping: a noisy rule's surplus alerts become one digest.
    pub grouping: GroupingConfig,
    /// Retries, timeouts, leases and concurrency.
    pub retry: RetryConfig,
}

/// One named destination; `type` picks the kind.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum DestinationConfig {
    /// A Slack channel (token and API URL from `[slack]`).
    Slack {
        /// Channel id (`C…`); `chat.update` and `conversations.history` need the id.
        channel: String,
    },
    /// A Discord channel (bot token from `[discord]`) or an incoming webhook.
    Discord {
        /// Channel id, for bot messages.
        #[serde(default)]
        channel_id: Option<String>,
        /// Webhook URL (holds its own token, so it is a secret).
        #[serde(default)]
        webhook_url: Option<Secret>,
    },
    /// A PagerDuty service (Events API v2).
    Pagerduty {
        /// The integration's 32-character routing key.
        routing_key: Secret,
        /// Events API endpoint.
        #[serde(default = "default_pagerduty_url")]
        events_url: String,
    },
    /// E-mail over SMTP.
    Email {
        /// SMTP server.
        host: String,
        /// Port (default by TLS mode: 25, 587, 465).
        #[serde(default)]
        port: Option<u16>,
        /// `none`, `starttls` (default) or `tls`.
        #[serde(default)]
        tls: SmtpTls,
        /// SMTP AUTH user.
        #[serde(default)]
        username: Option<String>,
        /// SMTP AUTH password.
        #[serde(default)]
        password: Option<Secret>,
        /// Sender (`Name <addr>` or `addr`).
        from: String,
        /// Recipients.
        to: Vec<String>,
    },
    /// E-mail through Amazon SES (SESv2; the AWS deployment). The same
    /// message as `email`; `from` must be an identity verified in SES.
    Ses {
        /// Sender (`Name <addr>` or `addr`), a verified SES identity.
        from: String,
        /// Recipients.
        to: Vec<String>,
        /// SES configuration set (event publishing, dedicated IPs).
        #[serde(default)]
        configuration_set: Option<String>,
    },
    /// A generic JSON webhook (SOAR tools), HMAC-signed.
    Webhook {
        /// Endpoint.
        url: String,
        /// HMAC-SHA256 key for `X-Mantissa-Signature`.
        #[serde(default)]
        secret: Option<Secret>,
    },
}

impl DestinationConfig {
    /// The kind, as written in `type`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Slack { .. } => "slack",
            Self::Discord { .. } => "discord",
            Self::Pagerduty { .. } => "pagerduty",
            Self::Email { .. } => "email",
            Self::Ses { .. } => "ses",
            Self::Webhook { .. } => "webhook",
        }
    }
}

fn default_pagerduty_url() -> String {
    "https://events.pagerduty.com/v2/enqueue".into()
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text (local relays and tests only).
    None,
    /// Plain connection upgraded with STARTTLS (required).
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS).
    Tls,
}

/// A route: which alerts, and where they go.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    /// Name (shown in deliveries and `alerts show`).
    pub name: String,
    /// Alerts of this severity or higher.
    #[serde(default)]
    pub min_severity: Option<Severity>,
    /// Alerts in one of these categories.
    #[serde(default)]
    pub categories: Vec<Category>,
    /// Alerts with at least one of these tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Alerts of one of these rule ids.
    #[serde(default)]
    pub rules: Vec<String>,
    /// Destination names, all sent at once.
    pub destinations: Vec<String>,
    /// Tried in order when a destination fails for good.
    #[serde(default)]
    pub fallback: Vec<String>,
}

impl RouteConfig {
    /// The destinations and fallback chain.
    pub fn targets(&self) -> RouteTargets {
        RouteTargets {
            destinations: self.destinations.clone(),
            fallback: self.fallback.clone(),
        }
    }
}

/// Destinations of a route, and the fallback chain taken when one fails
/// after its retries.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct RouteTargets {
    /// Destination names, all sent at once.
    pub destinations: Vec<String>,
    /// Tried in order when a destination fails for good.
    #[serde(default)]
    pub fallback: Vec<String>,
}

/// Quiet grouping: when one rule raises more than `max_alerts` alerts in
/// `window_minutes`, the rest of that window is folded into one digest per
/// destination, sent when the window closes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct GroupingConfig {
    /// Alerts sent one by one per rule and window (0 turns grouping off).
    pub max_alerts: u32,
    /// Window length.
    pub window_minutes: u32,
}

impl Default for GroupingConfig {
    fn default() -> Self {
        Self {
            max_alerts: 20,
            window_minutes: 10,
        }
    }
}

/// Retries and timeouts of deliveries.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RetryConfig {
    /// Attempts before a delivery fails and its fallback takes over.
    pub max_attempts: u32,
    /// First retry delay; doubles each attempt (with jitter).
    pub base_backoff_ms: u64,
    /// Longest retry delay.
    pub max_backoff_ms: u64,
    /// Time limit of one attempt.
    pub attempt_timeout_ms: u64,
    /// How long a worker holds a claimed delivery; a crashed worker's
    /// deliveries are retried after it (must exceed the attempt timeout).
    pub lease_ms: u64,
    /// Deliveries sent at once.
    pub concurrency: usize,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            base_backoff_ms: 2_000,
            max_backoff_ms: 300_000,
            attempt_timeout_ms: 10_000,
            lease_ms: 60_000,
            concurrency: 8,
        }
    }
}

/// The routing policy as written in `router.policy_file` (`routing.yaml`):
///
/// ```yaml
/// routes:
///   - name: critical
///     min_severity: critical
///     destinations: [secops, oncall]
///     fallback: [mail]
/// default_route:
///   destinations: [secops]
///   fallback: [oncall, mail]
/// rule_overrides:
///   aws-root-login: { destinations: [oncall] }
/// grouping: { max_alerts: 20, window_minutes: 10 }
/// ```
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct PolicyFile {
    /// Routes, first match wins.
    pub routes: Vec<RouteConfig>,
    /// Where unmatched alerts go.
    pub default_route: Option<RouteTargets>,
    /// Per-rule routing.
    pub rule_overrides: BTreeMap<String, RouteTargets>,
    /// Quiet grouping (the config's when absent).
    pub grouping: Option<GroupingConfig>,
}

impl RouterConfig {
    /// Reads `policy_file`, when set, into this section. The policy must be
    /// in one place: routes in both the config and the file are an error.
    pub fn load_policy_file(&mut self) -> Result<(), String> {
        let Some(path) = self.policy_file.clone() else {
            return Ok(());
        };
        if !self.routes.is_empty()
            || self.default_route.is_some()
            || !self.rule_overrides.is_empty()
        {
            return Err(format!(
                "routes are set both in the config and in router.policy_file `{}`; keep them in one place",
                path.display()
            ));
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("router.policy_file `{}`: {e}", path.display()))?;
        let policy: PolicyFile = serde_saphyr::from_str(&text)
            .map_err(|e| format!("router.policy_file `{}`: {e}", path.display()))?;
        self.routes = policy.routes;
        self.default_route = policy.default_route;
        self.rule_overrides = policy.rule_overrides;
        if let Some(g) = policy.grouping {
            self.grouping = g;
        }
        Ok(())
    }

    /// Checks names and values serde cannot: every route names configured
    /// destinations, limits are positive.
    pub fn validate(&self) -> Result<(), String> {
        let check = |what: &str, t: &RouteTargets| -> Result<(), String> {
            if t.destinations.is_empty() {
                return Err(format!("{what} names no destinations"));
            }
            for d in t.destinations.iter().chain(&t.fallback) {
                if !self.destinations.contains_key(d) {
                    let known: Vec<&str> = self.destinations.keys().map(String::as_str).collect();
                    return Err(format!(
                        "{what} names destination `{d}`, which is not configured (configured: {})",
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    ));
                }
            }
            Ok(())
        };
        for r in &self.routes {
            check(&format!("router route `{}`", r.name), &r.targets())?;
        }
        if let Some(d) = &self.default_route {
            check("router.default_route", d)?;
        }
        for (rule, t) in &self.rule_overrides {
            check(&format!("router.rule_overrides.{rule}"), t)?;
        }
        for (name, d) in &self.destinations {
            match d {
                DestinationConfig::Discord {
                    channel_id,
                    webhook_url,
                } if channel_id.is_some() == webhook_url.is_some() => {
                    return Err(format!(
                        "router destination `{name}` (discord) needs exactly one of `channel_id` or `webhook_url`"
                    ));
                }
                DestinationConfig::Email { to, .. } | DestinationConfig::Ses { to, .. }
                    if to.is_empty() =>
                {
                    return Err(format!(
                        "router destination `{name}` ({}) has no recipients (`to`)",
                        d.kind()
                    ));
                }
                _ => {}
            }
        }
        let r = &self.retry;
        if r.max_attempts == 0 || r.concurrency == 0 || r.attempt_timeout_ms == 0 {
            return Err(
                "router.retry: max_attempts, concurrency and attempt_timeout_ms must be at least 1"
                    .into(),
            );
        }
        if r.lease_ms <= r.attempt_timeout_ms {
            return Err(format!(
                "router.retry.lease_ms ({}) must exceed attempt_timeout_ms ({})",
                r.lease_ms, r.attempt_timeout_ms
            ));
        }
        if self.grouping.max_alerts > 0 && self.grouping.window_minutes == 0 {
            return Err("router.grouping.window_minutes must be at least 1".into());
        }
        Ok(())
    }
}
