//! Secrets kept out of the configuration: any [`Secret`] setting may hold a
//! reference to AWS Secrets Manager instead of the value,
//!
//! ```toml
//! [slack]
//! bot_token = "aws-secretsmanager:mantissa-prod/slack#bot_token"   # a JSON secret's field
//! [router.destinations.oncall]
//! type = "pagerduty"
//! routing_key = "aws-secretsmanager:mantissa-prod/pagerduty"       # the whole secret string
//! ```
//!
//! (`MANTISSA_SLACK_BOT_TOKEN=aws-secretsmanager:…` works the same). The
//! references are resolved once, at start-up, each secret fetched once
//! ([`resolve`]); the values then live only in [`Secret`]s, which never
//! print them. Errors name the setting and the secret id, never a value.

use std::collections::HashMap;
use std::future::Future;

use super::{Config, DestinationConfig, Secret};

/// What a reference starts with.
pub const PREFIX: &str = "aws-secretsmanager:";

/// A parsed reference: the secret's id (name or ARN) and, for a JSON
/// secret, the field holding the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef {
    /// Secret name or ARN.
    pub id: String,
    /// Field of a JSON secret (`#field`).
    pub key: Option<String>,
}

impl Secret {
    /// The Secrets Manager reference this setting holds, if it is one.
    pub fn reference(&self) -> Option<SecretRef> {
        let rest = self.expose().strip_prefix(PREFIX)?;
        // An ARN contains `:` but never `#`.
        let (id, key) = match rest.rsplit_once('#') {
            Some((id, key)) => (id, Some(key.to_string())),
            None => (rest, None),
        };
        Some(SecretRef {
            id: id.to_string(),
            key,
        })
    }
}

/// A reference that could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{setting}`: cannot read `{id}` from AWS Secrets Manager: {why}")]
pub struct SecretError {
    /// The setting holding the reference (`slack.bot_token`).
    pub setting: String,
    /// The secret id.
    pub id: String,
    /// What went wrong and how to fix it (never the value).
    pub why: String,
}

impl Config {
    /// Every secret setting with its name, for resolution and audits.
    pub fn secrets_mut(&mut self) -> Vec<(String, &mut Secret)> {
        let mut out: Vec<(String, &mut Secret)> = Vec::new();
        for (i, t) in self.api.tokens.iter_mut().enumerate() {
            out.push((format!("api.tokens[{i}]"), t));
        }
        let optional = [
            ("api.token", self.api.token.as_mut()),
            ("slack.bot_token", self.slack.bot_token.as_mut()),
            ("slack.signing_secret", self.slack.signing_secret.as_mut()),
            ("slack.app_token", self.slack.app_token.as_mut()),
            ("discord.bot_token", self.discord.bot_token.as_mut()),
            ("llm.api_key", self.llm.api_key.as_mut()),
        ];
        for (name, secret) in optional {
            if let Some(s) = secret {
                out.push((name.to_string(), s));
            }
        }
        for (name, d) in self.router.destinations.iter_mut() {
            let (field, secret) = match d {
                DestinationConfig::Discord { webhook_url, .. } => {
                    ("webhook_url", webhook_url.as_mut())
                }
                DestinationConfig::Pagerduty { routing_key, .. } => {
                    ("routing_key", Some(routing_key))
                }
                DestinationConfig::Email { password, .. } => ("password", password.as_mut()),
                DestinationConfig::Webhook { secret, .. } => ("secret", secret.as_mut()),
                _ => continue,
            };
            if let Some(s) = secret {
                out.push((format!("router.destinations.{name}.{field}"), s));
            }
        }
        out
    }

    /// Whether any secret setting is a Secrets Manager reference.
    pub fn has_secret_references(&mut self) -> bool {
        self.secrets_mut()
            .iter()
            .any(|(_, s)| s.reference().is_some())
    }
}

/// Replaces every reference in `config` with its value, fetching each
/// secret id once with `fetch` (which returns the secret string). Returns
/// how many settings were resolved.
pub async fn resolve<F, Fut>(config: &mut Config, fetch: F) -> Result<usize, SecretError>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<String, String>>,
{
    let mut fetched: HashMap<String, String> = HashMap::new();
    let mut resolved = 0;
    let mut unset = Vec::new();
    for (setting, secret) in config.secrets_mut() {
        let Some(r) = secret.reference() else {
            continue;
        };
        let error = |why: String| SecretError {
            setting: setting.clone(),
            id: r.id.clone(),
            why,
        };
        if r.key.as_deref() == Some("") {
            return Err(error(
                "nothing follows `#`: name the JSON field (`#bot_token`) or drop the `#`".into(),
            ));
        }
        if !fetched.contains_key(&r.id) {
            let value = fetch(r.id.clone()).await.map_err(error)?;
            fetched.insert(r.id.clone(), value);
        }
        let whole = &fetched[&r.id];
        let value = match &r.key {
            None => whole.clone(),
            Some(key) => {
                let json: serde_json::Value = serde_json::from_str(whole).map_err(|_| {
                    error(format!(
                        "`#{key}` asks for a field, but the secret is not a JSON object; drop `#{key}` or store JSON"
                    ))
                })?;
                match json.get(key) {
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(_) => return Err(error(format!("field `{key}` is not a string"))),
                    None => {
                        let fields: Vec<&str> = json
                            .as_object()
                            .map(|o| o.keys().map(String::as_str).collect())
                            .unwrap_or_default();
                        return Err(error(format!(
                            "the secret has no field `{key}` (fields: {})",
                            fields.join(", ")
                        )));
                    }
                }
            }
        };
        if value.is_empty() {
            if !OPTIONAL.contains(&setting.as_str()) {
                return Err(error("the secret value is empty".into()));
            }
            // A deployment creates its secrets empty and the operator fills
            // them in: until then the platform stays off.
            tracing::warn!(setting = %setting, secret = %r.id,
                "the secret is still empty: this setting stays unset until it is filled in");
            unset.push(setting.clone());
            continue;
        }
        *secret = Secret::new(value);
        resolved += 1;
    }
    config.unset_optional(&unset);
    Ok(resolved)
}

/// Settings that may stay unset: a reference to an empty secret (or an
/// empty field of one) leaves them out, as if never configured.
const OPTIONAL: &[&str] = &[
    "api.token",
    "slack.bot_token",
    "slack.signing_secret",
    "slack.app_token",
    "discord.bot_token",
    "llm.api_key",
];

impl Config {
    /// Clears the [`OPTIONAL`] settings named in `settings`.
    fn unset_optional(&mut self, settings: &[String]) {
        for setting in settings {
            let slot = match setting.as_str() {
                "api.token" => &mut self.api.token,
                "slack.bot_token" => &mut self.slack.bot_token,
                "slack.signing_secret" => &mut self.slack.signing_secret,
                "slack.app_token" => &mut self.slack.app_token,
                "discord.bot_token" => &mut self.discord.bot_token,
                "llm.api_key" => &mut self.llm.api_key,
                _ => continue,
            };
            *slot = None;
        }
    }
}

/// Fetches secret strings from AWS Secrets Manager with the SDK's
/// environment (region, `AWS_ENDPOINT_URL[_SECRETS_MANAGER]`, credentials).
#[cfg(feature = "secretsmanager")]
pub async fn resolve_from_aws(config: &mut Config) -> Result<usize, SecretError> {
    use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await;
    let client = aws_sdk_secretsmanager::Client::new(&sdk);
    resolve(config, |id| {
        let client = client.clone();
        async move {
            let out = client
                .get_secret_value()
                .secret_id(&id)
                .send()
                .await
                .map_err(|e| match e.as_service_error() {
                    Some(s) => match s.code() {
                        Some("ResourceNotFoundException") => {
                            "no such secret; create it (the deploy script sets the stack's secrets) or fix the name".to_string()
                        }
                        Some("AccessDeniedException") => {
                            "access denied; grant secretsmanager:GetSecretValue on it to this role".to_string()
                        }
                        Some(code) => format!("{code}: {}", s.message().unwrap_or_default()),
                        None => "the request failed".to_string(),
                    },
                    None => "cannot reach Secrets Manager; check AWS_REGION and AWS_ENDPOINT_URL".to_string(),
                })?;
            out.secret_string()
                .map(str::to_string)
                .ok_or_else(|| "the secret holds binary data, not a string".to_string())
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    fn config(toml_text: &str) -> Config {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.toml");
        std::fs::write(&path, toml_text).unwrap();
        Config::from_layers(Some(&path), Vec::<(String, String)>::new()).unwrap()
    }

    #[test]
    fn references_are_resolved_once_per_secret_and_fields_picked() {
        let mut c = config(
            r#"
[slack]
bot_token = "aws-secretsmanager:prod/slack#bot_token"
signing_secret = "aws-secretsmanager:prod/slack#signing_secret"
[router.destinations.pd]
type = "pagerduty"
routing_key = "aws-secretsmanager:arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/pd-AbCdEf"
[router.destinations.hook]
type = "webhook"
url = "https://soar.example.com/hook"
secret = "plain-value"
"#,
        );
        assert!(c.has_secret_references());
        let calls = std::sync::Mutex::new(Vec::new());
        let n = block_on(resolve(&mut c, |id| {
            calls.lock().unwrap().push(id.clone());
            async move {
                Ok(match id.as_str() {
                    "prod/slack" => r#"{"bot_token":"xoxb-1","signing_secret":"s3cr3t"}"#.into(),
                    _ => "0123456789abcdef0123456789abcdef".into(),
                })
            }
        }))
        .unwrap();
        assert_eq!(n, 3);
        assert_eq!(calls.lock().unwrap().len(), 2, "one fetch per secret");
        assert_eq!(c.slack.bot_token.as_ref().unwrap().expose(), "xoxb-1");
        assert_eq!(c.slack.signing_secret.as_ref().unwrap().expose(), "s3cr3t");
        assert!(!c.has_secret_references());
    }

    #[test]
    fn errors_name_the_setting_and_never_a_value() {
        let mut c = config("[slack]\nbot_token = \"aws-secretsmanager:prod/slack#bot_tokn\"\n");
        let e = block_on(resolve(&mut c, |_| async {
            Ok(r#"{"bot_token":"xoxb-very-secret"}"#.to_string())
        }))
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("slack.bot_token")
                && e.contains("bot_tokn")
                && e.contains("fields: bot_token"),
            "{e}"
        );
        assert!(!e.contains("xoxb-very-secret"), "{e}");
    }

    #[test]
    fn an_empty_secret_leaves_an_optional_setting_unset_and_fails_a_required_one() {
        // What Terraform creates before the operator fills the values in.
        let mut c = config(
            r#"
[slack]
bot_token = "aws-secretsmanager:prod/slack#bot_token"
signing_secret = "aws-secretsmanager:prod/slack#signing_secret"
[llm]
api_key = "aws-secretsmanager:prod/llm#api_key"
"#,
        );
        let n = block_on(resolve(&mut c, |id| async move {
            Ok(match id.as_str() {
                "prod/slack" => r#"{"signing_secret":"","bot_token":""}"#,
                _ => r#"{"api_key":"sk-filled-in"}"#,
            }
            .to_string())
        }))
        .unwrap();
        assert_eq!(n, 1);
        assert!(c.slack.bot_token.is_none() && c.slack.signing_secret.is_none());
        assert_eq!(c.llm.api_key.as_ref().unwrap().expose(), "sk-filled-in");

        let mut c = config(
            "[router.destinations.pd]\ntype = \"pagerduty\"\nrouting_key = \"aws-secretsmanager:prod/pd#routing_key\"\n",
        );
        let e = block_on(resolve(&mut c, |_| async {
            Ok(r#"{"routing_key":""}"#.to_string())
        }))
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("router.destinations.pd.routing_key") && e.contains("empty"),
            "{e}"
        );
    }
}
