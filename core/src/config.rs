//! Typed configuration.
//!
//! Layers, lowest to highest precedence: built-in defaults → `mantissa.toml`
//! (or the file given with `--config`) → `MANTISSA_*` environment variables →
//! command-line flags. Unknown keys are errors that name the key and where it
//! came from, so a typo never silently falls back to a default.
//!
//! Environment variables map onto keys by section: `MANTISSA_DATA_DIR` sets
//! `data_dir`, `MANTISSA_ENGINE_MAX_ROWS` sets `engine.max_rows`
//! (`MANTISSA_ENGINE__MAX_ROWS` works too).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

mod layers;
mod routing;
pub mod secrets;

pub use routing::{
    DestinationConfig, DiscordConfig, GroupingConfig, PolicyFile, RetryConfig, RouteConfig,
    RouteTargets, RouterConfig, Secret, SlackConfig, SmtpTls,
};

/// Name of the configuration file looked up in the working directory.
pub const DEFAULT_CONFIG_FILE: &str = "mantissa.toml";

/// The whole configuration.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Directory holding the Parquet tables, the ingest manifest and quarantine files.
    pub data_dir: PathBuf,
    /// The query engine (`type`) and the limits every query gets.
    pub engine: EngineConfig,
    /// Where alerts, sessions, rule state and claimed event ids are kept.
    pub stores: StoresConfig,
    /// Where the log tables live (`url`).
    pub storage: StorageConfig,
    /// Ingest tuning.
    pub ingest: IngestConfig,
    /// Detection engine: rule folders and limits.
    pub detector: DetectorConfig,
    /// Alert enrichment sources (`[enrich]`).
    pub enrich: EnrichConfig,
    /// Custom JSON application-log sources (`[[sources]]` tables).
    pub sources: Vec<CustomSourceConfig>,
    /// The LLM translator (optional): provider, model, endpoint, limits.
    pub llm: LlmConfig,
    /// Slack Web API credentials (router destinations, chat bot).
    pub slack: SlackConfig,
    /// Discord REST API credentials (router destinations, chat bot).
    pub discord: DiscordConfig,
    /// Alert routing: destinations, routes, grouping, retries.
    pub router: RouterConfig,
    /// The HTTP API of `mantissa serve` (`/api/*`).
    pub api: ApiConfig,
    /// Who may do what from chat.
    pub permissions: PermissionsConfig,
}

/// `[permissions]`: who may change things from chat. Entries are Slack
/// user ids (`U0123ABC`), Discord user ids or Discord role ids (numeric
/// snowflakes); a Discord member matches when their user id or any of
/// their role ids is listed. Denied actions are explained to the user and
/// logged.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct PermissionsConfig {
    /// May enable and disable rules (`/mantissa rule enable|disable`);
    /// empty: nobody may, from chat.
    #[serde(deserialize_with = "routing::id_list")]
    pub rule_admins: Vec<String>,
    /// May acknowledge, resolve and re-open alerts from chat; empty: anyone
    /// in a channel the bot posts to.
    #[serde(deserialize_with = "routing::id_list")]
    pub alert_responders: Vec<String>,
    /// Which tables each chat channel may query: channel id (Slack `C…`,
    /// `D…`; Discord channel id) → table names. The key `"*"` applies to
    /// channels not listed. With no entry at all, every channel may query
    /// every table. A question touching another table is refused, explained
    /// and logged.
    pub channel_tables: BTreeMap<String, Vec<String>>,
}

impl PermissionsConfig {
    /// Whether `user` (a Slack user, no roles) may enable or disable rules.
    pub fn may_manage_rules(&self, user: &str) -> bool {
        self.member_may_manage_rules(user, &[])
    }

    /// The tables `channel` may query (`None`: every table).
    pub fn tables_for(&self, channel: &str) -> Option<&[String]> {
        self.channel_tables
            .get(channel)
            .or_else(|| self.channel_tables.get("*"))
            .map(Vec::as_slice)
    }

    /// Whether `user` may change alert states.
    pub fn may_respond(&self, user: &str) -> bool {
        self.member_may_respond(user, &[])
    }

    /// Whether a member with `roles` (Discord role ids) may enable or
    /// disable rules: their user id or one of their roles is listed.
    pub fn member_may_manage_rules(&self, user: &str, roles: &[String]) -> bool {
        listed(&self.rule_admins, user, roles)
    }

    /// Whether a member with `roles` may change alert states (anyone when
    /// `alert_responders` is empty).
    pub fn member_may_respond(&self, user: &str, roles: &[String]) -> bool {
        self.alert_responders.is_empty() || listed(&self.alert_responders, user, roles)
    }
}

impl PermissionsConfig {
    /// The Slack user group ids (`S…`) named in `rule_admins` and
    /// `alert_responders`: their members hold the permission.
    pub fn slack_groups(&self) -> Vec<String> {
        let mut groups: Vec<String> = self
            .rule_admins
            .iter()
            .chain(&self.alert_responders)
            .filter(|id| {
                id.len() > 1
                    && id.starts_with('S')
                    && id
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            })
            .cloned()
            .collect();
        groups.sort();
        groups.dedup();
        groups
    }
}

fn listed(ids: &[String], user: &str, roles: &[String]) -> bool {
    !user.is_empty() && ids.iter().any(|id| id == user || roles.contains(id))
}

/// `[api]`: who may call `/api/*`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ApiConfig {
    /// Accepted bearer tokens (`MANTISSA_API_TOKEN` adds one); without any,
    /// the API refuses every request.
    pub tokens: Vec<Secret>,
    /// One more token, convenient from the environment.
    pub token: Option<Secret>,
    /// Also accept JWTs (e.g. Cognito access or ID tokens) checked against
    /// a JWKS (`[api.jwt]`).
    pub jwt: Option<JwtConfig>,
}

/// `[api.jwt]`: bearer JWTs signed by an identity provider.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct JwtConfig {
    /// Where the signing keys are published, e.g.
    /// `https://cognito-idp.<region>.amazonaws.com/<pool id>/.well-known/jwks.json`.
    pub jwks_url: String,
    /// The required `iss` claim, e.g. `https://cognito-idp.<region>.amazonaws.com/<pool id>`.
    pub issuer: String,
    /// Accepted audiences: the token's `aud` (ID tokens) or `client_id`
    /// (Cognito access tokens) must be one of them; empty: any.
    #[serde(default)]
    pub audience: Vec<String>,
    /// Accepted signature algorithms (asymmetric only).
    #[serde(default = "default_jwt_algorithms")]
    pub algorithms: Vec<String>,
    /// A scope the token must carry in `scope` (space-separated), if set.
    #[serde(default)]
    pub required_scope: Option<String>,
}

fn default_jwt_algorithms() -> Vec<String> {
    vec!["RS256".into()]
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./mantissa-data"),
            engine: EngineConfig::default(),
            stores: StoresConfig::default(),
            storage: StorageConfig::default(),
            ingest: IngestConfig::default(),
            detector: DetectorConfig::default(),
            enrich: EnrichConfig::default(),
            sources: Vec::new(),
            llm: LlmConfig::default(),
            slack: SlackConfig::default(),
            discord: DiscordConfig::default(),
            router: RouterConfig::default(),
            api: ApiConfig::default(),
            permissions: PermissionsConfig::default(),
        }
    }
}

/// Limits applied to every query, whoever wrote it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct EngineConfig {
    /// Which engine runs queries: `embedded` (DataFusion in this process,
    /// the default).
    #[serde(rename = "type")]
    pub kind: EngineKind,
    /// Maximum number of rows a query may return; the guard adds or lowers `LIMIT`.
    pub max_rows: u64,
    /// Wall-clock limit for one query, in seconds.
    pub query_timeout_secs: u64,
    /// Memory the engine may use for one query (sorts, joins, aggregations), in MiB.
    pub memory_limit_mb: u64,
    /// Parallelism of query execution; defaults to the number of CPU cores.
    pub target_partitions: Option<usize>,
    /// `[engine.athena]`: where queries run when `type = "athena"`.
    pub athena: AthenaConfig,
}

/// `[engine.athena]`: the Athena workgroup and Glue database queries run in.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AthenaConfig {
    /// The workgroup. It must enforce its configuration and set a
    /// bytes-scanned cutoff per query, so no question can cost more than
    /// the cutoff (checked at start-up).
    pub workgroup: String,
    /// The Glue database holding the log tables.
    pub database: String,
    /// Reuse the result of an identical query run at most this many minutes
    /// ago (Athena result reuse; `0` turns it off).
    pub result_reuse_minutes: u32,
    /// First wait between `GetQueryExecution` polls, in milliseconds; it
    /// grows by half each poll up to `poll_max_ms`.
    pub poll_initial_ms: u64,
    /// Longest wait between polls, in milliseconds.
    pub poll_max_ms: u64,
}

impl Default for AthenaConfig {
    fn default() -> Self {
        Self {
            workgroup: "mantissa".into(),
            database: "mantissa".into(),
            result_reuse_minutes: 60,
            poll_initial_ms: 200,
            poll_max_ms: 2000,
        }
    }
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            kind: EngineKind::Embedded,
            max_rows: 10_000,
            query_timeout_secs: 60,
            memory_limit_mb: 2048,
            target_partitions: None,
            athena: AthenaConfig::default(),
        }
    }
}

/// The query engines a deployment can select (`[engine] type`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    /// Apache DataFusion in this process, over the Parquet tables in
    /// `[storage]`.
    #[default]
    Embedded,
    /// Amazon Athena over the Glue tables (`[engine.athena]`; builds with
    /// the `aws` feature).
    Athena,
}

impl EngineKind {
    /// The name users see (`mantissa status`, `/mantissa status`).
    pub fn description(self) -> &'static str {
        match self {
            Self::Embedded => "DataFusion (embedded)",
            Self::Athena => "Amazon Athena",
        }
    }
}

/// `[stores]`: the backend of every store (alerts, mutes and the delivery
/// outbox; sessions; rule state; claimed event ids).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct StoresConfig {
    /// `sqlite` (files under `<data_dir>/state`, the default) or
    /// `dynamodb` (tables `<table_prefix>-<name>`, builds with the `aws`
    /// feature).
    #[serde(rename = "type")]
    pub kind: StoresKind,
    /// DynamoDB table names start with this and a `-` (the deployment's
    /// environment name, e.g. `mantissa-prod`).
    pub table_prefix: String,
}

impl Default for StoresConfig {
    fn default() -> Self {
        Self {
            kind: StoresKind::default(),
            table_prefix: "mantissa".into(),
        }
    }
}

/// The store backends a deployment can select (`[stores] type`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum StoresKind {
    /// SQLite files under `<data_dir>/state`.
    #[default]
    Sqlite,
    /// DynamoDB tables (the AWS deployment), reached through the AWS SDK's
    /// own environment (region, endpoint, credentials).
    Dynamodb,
}

/// `[storage]`: where the log tables live.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    /// The tables' location as a URL: `file:///path/to/tables`. Unset:
    /// `<data_dir>/tables`.
    pub url: Option<String>,
}

/// The URL schemes `[storage] url` accepts.
pub const STORAGE_SCHEMES: &[&str] = &["file://", "s3://"];

impl StorageConfig {
    /// The tables' directory for a `file://` URL (`None`: the default).
    pub fn tables_path(&self) -> Option<PathBuf> {
        let url = self.url.as_deref()?;
        url.strip_prefix("file://").map(PathBuf::from)
    }

    /// Checks the URL's scheme and path.
    pub fn validate(&self) -> Result<(), ConfigError> {
        match self.url.as_deref().and_then(storage_url_problem) {
            Some(why) => Err(ConfigError::Invalid(format!(
                "storage.url `{}` {why}",
                self.url.as_deref().unwrap_or_default()
            ))),
            None => Ok(()),
        }
    }
}

/// What is wrong with a storage URL (`[storage] url`, an ingest input), if
/// anything, phrased to follow the URL and say what to write instead.
pub fn storage_url_problem(url: &str) -> Option<String> {
    if let Some(rest) = url.strip_prefix("s3://") {
        let bucket = rest.split('/').next().unwrap_or_default();
        let valid = (3..=63).contains(&bucket.len())
            && bucket
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
        return (!valid).then(|| {
            format!("names no valid S3 bucket (`{bucket}`): write s3://bucket-name/optional/prefix")
        });
    }
    match url.strip_prefix("file://") {
        Some(path) if !path.is_empty() => None,
        Some(_) => {
            Some("names no directory: write file:///absolute/path or file://relative/path".into())
        }
        None => Some(format!(
            "has an unsupported scheme; valid schemes: {}",
            STORAGE_SCHEMES.join(", ")
        )),
    }
}

/// Ingest tuning knobs; the defaults suit a laptop.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct IngestConfig {
    /// Parser threads; defaults to the number of CPU cores.
    pub workers: Option<usize>,
    /// Rows buffered per table and day before they are encoded.
    pub batch_rows: usize,
    /// Encoded bytes buffered per Parquet file before a row group is flushed.
    pub row_group_bytes: usize,
    /// Largest number of rows in one Parquet row group.
    pub row_group_rows: usize,
}

impl Default for IngestConfig {
    fn default() -> Self {
        Self {
            workers: None,
            batch_rows: 2048,
            row_group_bytes: 8 * 1024 * 1024,
            row_group_rows: 256 * 1024,
        }
    }
}

/// Detection engine settings.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DetectorConfig {
    /// Load the built-in rule pack shipped with the binary.
    pub builtin_rules: bool,
    /// Folders of user rules (YAML, searched recursively), loaded after the
    /// built-in pack; a user rule with a built-in rule's id replaces it.
    pub rules_dirs: Vec<PathBuf>,
    /// Alerts one rule may raise per hour before the limiter folds the rest
    /// into a single meta-alert.
    pub max_alerts_per_hour: u32,
    /// Result rows kept as evidence in one alert.
    pub evidence_rows: usize,
    /// Longest downtime `detect --watch` catches up, in hours; older missed
    /// intervals are skipped with a warning.
    pub max_catchup_hours: u64,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        Self {
            builtin_rules: true,
            rules_dirs: Vec::new(),
            max_alerts_per_hour: 100,
            evidence_rows: 20,
            max_catchup_hours: 24,
        }
    }
}

/// Alert enrichment: every source is optional; one that is missing or
/// broken leaves a warning in the alert, never a lost alert.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct EnrichConfig {
    /// MaxMind-format `.mmdb` databases (GeoLite2/GeoIP2 City, Country or
    /// ASN, ip-location-db, …); their answers are merged per IP.
    pub geoip: Vec<PathBuf>,
    /// Local indicator lists (IPs, CIDRs, domains, hashes), re-read when
    /// the file changes.
    pub intel: Vec<IntelListConfig>,
    /// Look-back for related alerts (same principal or IP), in hours; 0 turns it off.
    pub related_hours: u32,
    /// Look-back for "first time this principal used this IP / region /
    /// user agent", in days, queried from the logs; 0 turns it off.
    pub history_days: u32,
}

impl Default for EnrichConfig {
    fn default() -> Self {
        Self {
            geoip: Vec::new(),
            intel: Vec::new(),
            related_hours: 24,
            history_days: 30,
        }
    }
}

/// One indicator list.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IntelListConfig {
    /// Name shown in alerts (`threat list ipsum`).
    pub name: String,
    /// The file: one indicator per line (`#` comments; extra columns after
    /// whitespace ignored), or CSV with the indicator in the first column
    /// and an optional description in the second.
    pub path: PathBuf,
}

/// A custom JSON application-log source, queried as its own table.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CustomSourceConfig {
    /// Table name (lower case letters, digits and `_`).
    pub name: String,
    /// Glob matched against ingested file paths, e.g. `**/app-logs/*.jsonl`.
    pub pattern: String,
    /// Field holding the event time (RFC 3339 text or epoch seconds/milliseconds).
    pub timestamp_field: String,
    /// One-line description shown by `mantissa tables` and `mantissa schema`.
    #[serde(default)]
    pub description: Option<String>,
}

/// Which LLM service answers questions the built-in translator declines.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LlmProvider {
    /// Amazon Bedrock, Converse API (credentials from the AWS chain).
    Bedrock,
    /// Anthropic Messages API.
    Anthropic,
    /// OpenAI Chat Completions or a compatible server (Ollama, vLLM, llama.cpp).
    Openai,
}

impl LlmProvider {
    /// Lower-case name, as in `llm:<name>`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Bedrock => "bedrock",
            Self::Anthropic => "anthropic",
            Self::Openai => "openai",
        }
    }

    /// The model used when `llm.model` is not set.
    pub fn default_model(self) -> &'static str {
        match self {
            Self::Bedrock => "anthropic.claude-3-5-haiku-20241022-v1:0",
            Self::Anthropic => "claude-3-5-haiku-latest",
            Self::Openai => "gpt-4o-mini",
        }
    }

    /// The environment variable holding the API key when `llm.api_key_env` is not set.
    pub fn default_api_key_env(self) -> Option<&'static str> {
        match self {
            Self::Bedrock => None,
            Self::Anthropic => Some("ANTHROPIC_API_KEY"),
            Self::Openai => Some("OPENAI_API_KEY"),
        }
    }
}

/// The LLM translator. Without `provider`, no LLM is used: `--translator
/// auto` falls back to "did you mean" answers. Nothing but the schema, the
/// question, the previous turn's question and SQL, and (for repairs) the
/// failing SQL and its error is ever sent: never log rows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LlmConfig {
    /// `bedrock`, `anthropic` or `openai` (any OpenAI-compatible server).
    pub provider: Option<LlmProvider>,
    /// Model id (Bedrock model or inference profile id, Anthropic or OpenAI
    /// model name); a per-provider default when unset.
    pub model: Option<String>,
    /// Endpoint override: `http://localhost:11434/v1` for Ollama, a gateway,
    /// a VPC endpoint for Bedrock. Defaults to the provider's public API.
    pub base_url: Option<String>,
    /// AWS region for Bedrock; defaults to the AWS chain (`AWS_REGION`, profile).
    pub region: Option<String>,
    /// Name of the environment variable holding the API key (Anthropic,
    /// OpenAI); defaults to `ANTHROPIC_API_KEY` / `OPENAI_API_KEY`.
    pub api_key_env: Option<String>,
    /// The API key itself; prefer `MANTISSA_LLM_API_KEY` or `api_key_env`
    /// over writing it into a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<Secret>,
    /// Time limit for one request to the provider, in seconds.
    pub timeout_secs: u64,
    /// Retries after a throttled (429), failed (5xx) or timed-out request.
    pub max_retries: u32,
    /// First backoff delay, in milliseconds; doubles per retry, with jitter.
    pub retry_base_ms: u64,
    /// Longest wait before a retry (caps `Retry-After` too), in seconds.
    pub max_retry_wait_secs: u64,
    /// Largest reply, in tokens.
    pub max_tokens: u32,
    /// Question → SQL examples from the library put into the prompt.
    pub examples: usize,
}

impl Default for LlmConfig {
    fn default() -> Self {
        Self {
            provider: None,
            model: None,
            base_url: None,
            region: None,
            api_key_env: None,
            api_key: None,
            timeout_secs: 30,
            max_retries: 2,
            retry_base_ms: 500,
            max_retry_wait_secs: 30,
            max_tokens: 1024,
            examples: 4,
        }
    }
}

impl LlmConfig {
    /// The model to ask.
    pub fn model_or_default(&self) -> Option<String> {
        let p = self.provider?;
        Some(
            self.model
                .clone()
                .unwrap_or_else(|| p.default_model().to_string()),
        )
    }
}

/// A configuration problem, with the key and the file or variable it came from.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file given with `--config` does not exist.
    #[error("config file `{0}` does not exist")]
    Missing(PathBuf),
    /// A key is unknown, has the wrong type, or the file does not parse.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// Loads the configuration: defaults, then `file` (or `./mantissa.toml`
    /// when it exists), then `MANTISSA_*` environment variables.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let default = Path::new(DEFAULT_CONFIG_FILE);
        let file = match file {
            Some(path) if !path.exists() => return Err(ConfigError::Missing(path.to_path_buf())),
            Some(path) => Some(path),
            None => default.exists().then_some(default),
        };
        let env = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
        Self::from_layers(file, env)
    }

    /// Loads the configuration from the defaults, `file` (if any) and the
    /// given `MANTISSA_*` variables, in that order of precedence.
    pub fn from_layers(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let mut layers = layers::Layers::default();
        if let Some(path) = file {
            layers.file(path).map_err(ConfigError::Invalid)?;
        }
        layers.env(env);
        let mut config: Config = layers.extract().map_err(ConfigError::Invalid)?;
        config
            .router
            .load_policy_file()
            .map_err(ConfigError::Invalid)?;
        config.validate()?;
        Ok(config)
    }

    /// Checks what serde cannot: names and value ranges.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.storage.validate()?;
        let builtin = ["cloudtrail", "vpc_flow", "guardduty"];
        for s in &self.sources {
            let ok = !s.name.is_empty()
                && s.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                && !s.name.starts_with(|c: char| c.is_ascii_digit());
            if !ok {
                return Err(ConfigError::Invalid(format!(
                    "source name `{}` must be lower case letters, digits and `_`",
                    s.name
                )));
            }
            if builtin.contains(&s.name.as_str()) {
                return Err(ConfigError::Invalid(format!(
                    "source name `{}` is a built-in table; pick another name",
                    s.name
                )));
            }
            globset::Glob::new(&s.pattern).map_err(|e| {
                ConfigError::Invalid(format!("source `{}`: bad pattern: {e}", s.name))
            })?;
        }
        if self.llm.timeout_secs == 0 {
            return Err(ConfigError::Invalid(
                "llm.timeout_secs must be at least 1".into(),
            ));
        }
        if let Some(url) = &self.llm.base_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError::Invalid(format!(
                "llm.base_url `{url}` must start with http:// or https://"
            )));
        }
        self.router.validate().map_err(ConfigError::Invalid)?;
        self.discord.validate().map_err(ConfigError::Invalid)?;
        if self.engine.max_rows == 0 {
            return Err(ConfigError::Invalid(
                "engine.max_rows must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A config file in a directory of its own (for files it names).
    struct Setup {
        dir: tempfile::TempDir,
        env: Vec<(String, String)>,
    }

    impl Setup {
        fn new() -> Self {
            Self {
                dir: tempfile::tempdir().unwrap(),
                env: Vec::new(),
            }
        }

        fn write(&self, name: &str, text: &str) -> PathBuf {
            let path = self.dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        }

        fn env(&mut self, key: &str, value: &str) -> &mut Self {
            self.env.retain(|(k, _)| k != key);
            self.env.push((key.into(), value.into()));
            self
        }

        fn load(&self, file: Option<&Path>) -> Result<Config, String> {
            Config::from_layers(file, self.env.clone()).map_err(|e| e.to_string())
        }

        /// Loads with `mantissa.toml` holding `toml`.
        fn with_file(&self, toml: &str) -> Result<Config, String> {
            self.load(Some(&self.write("mantissa.toml", toml)))
        }
    }

    #[test]
    fn unknown_backend_types_name_the_valid_ones_plainly() {
        let s = Setup::new();
        let e = s.with_file("[stores]\ntype = \"redis\"\n").unwrap_err();
        assert!(
            e.contains(
                "stores.type: unknown variant `redis`, expected `sqlite` or `dynamodb` (in "
            ),
            "{e}"
        );
        assert!(e.contains("mantissa.toml)"), "{e}");
        let e = s
            .with_file(
                "[router.destinations.m]\ntype = \"email\"\nhost = \"h\"\nfrom = \"a@b.c\"\nto = [\"x@y.z\"]\ntls = \"ssl\"\n",
            )
            .unwrap_err();
        assert!(
            e.contains("router.destinations.m")
                && e.contains("unknown variant `ssl`, expected one of `none`, `starttls`, `tls`"),
            "{e}"
        );
        let mut s = Setup::new();
        s.env("MANTISSA_ENGINE_TYPE", "presto");
        let e = s.load(None).unwrap_err();
        assert!(
            e.contains("engine.type: unknown variant `presto`, expected `embedded` or `athena`")
                && e.contains("(from environment variable MANTISSA_ENGINE_TYPE)"),
            "{e}"
        );
    }

    #[test]
    fn defaults_are_valid() {
        assert_eq!(Setup::new().load(None).unwrap(), Config::default());
        assert_eq!(Setup::new().with_file("").unwrap(), Config::default());
    }

    #[test]
    fn file_and_env_layers() {
        let mut s = Setup::new();
        let file = s.write(
            "mantissa.toml",
            "data_dir = \"/tmp/x\"\n[engine]\nmax_rows = 50\n[[sources]]\nname = \"app\"\npattern = \"**/app/*.jsonl\"\ntimestamp_field = \"ts\"\n",
        );
        s.env("MANTISSA_ENGINE_QUERY_TIMEOUT_SECS", "5")
            .env("MANTISSA_ENGINE__MEMORY_LIMIT_MB", "64")
            .env("MANTISSA_LOG", "debug")
            .env("MANTISSA_NOW", "2024-01-01T00:00:00Z")
            .env("MANTISSA_TEST_ANYTHING", "x")
            .env("OTHER_VAR", "y");
        let c = s.load(Some(&file)).unwrap();
        assert_eq!(c.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(c.engine.max_rows, 50);
        assert_eq!(c.engine.query_timeout_secs, 5);
        assert_eq!(c.engine.memory_limit_mb, 64);
        assert_eq!(
            c.engine.kind,
            EngineKind::Embedded,
            "untouched keys keep defaults"
        );
        assert_eq!(c.sources[0].name, "app");
        s.env("MANTISSA_DATA_DIR", "/tmp/y")
            .env("MANTISSA_INGEST_WORKERS", "3")
            .env("MANTISSA_DETECTOR_BUILTIN_RULES", "false")
            .env("MANTISSA_DETECTOR_RULES_DIRS", "/r/a, /r/b")
            .env("MANTISSA_API_TOKENS", "[\"t1\", \"t2\"]")
            .env("MANTISSA_STORAGE_URL", "file:///tmp/t")
            .env("MANTISSA_STORES_TYPE", "sqlite");
        let c = s.load(Some(&file)).unwrap();
        assert_eq!(c.data_dir, PathBuf::from("/tmp/y"));
        assert_eq!(c.ingest.workers, Some(3));
        assert!(!c.detector.builtin_rules);
        assert_eq!(
            c.detector.rules_dirs,
            [PathBuf::from("/r/a"), PathBuf::from("/r/b")]
        );
        assert_eq!(
            c.api.tokens.iter().map(Secret::expose).collect::<Vec<_>>(),
            ["t1", "t2"]
        );
        assert_eq!(c.storage.url.as_deref(), Some("file:///tmp/t"));
    }

    #[test]
    fn env_text_is_typed_by_its_field() {
        let mut s = Setup::new();
        // Digits stay text where the field is text: ids and secrets.
        s.env("MANTISSA_SLACK_SIGNING_SECRET", "0123456789")
            .env("MANTISSA_API_TOKEN", "42")
            .env("MANTISSA_LLM_MODEL", "1.5");
        let c = s.load(None).unwrap();
        assert_eq!(
            c.slack.signing_secret.as_ref().map(Secret::expose),
            Some("0123456789")
        );
        assert_eq!(c.api.token.as_ref().map(Secret::expose), Some("42"));
        assert_eq!(c.llm.model.as_deref(), Some("1.5"));
        s.env("MANTISSA_ENGINE_MAX_ROWS", "lots");
        let e = s.load(None).unwrap_err();
        assert!(
            e.contains("engine.max_rows: invalid value: `lots`, expected a non-negative integer")
                && e.contains("MANTISSA_ENGINE_MAX_ROWS"),
            "{e}"
        );
        let mut s = Setup::new();
        s.env("MANTISSA_DETECTOR_BUILTIN_RULES", "yes");
        let e = s.load(None).unwrap_err();
        assert!(e.contains("expected `true` or `false`"), "{e}");
        let mut s = Setup::new();
        s.env("MANTISSA_API_JWT", "x");
        let e = s.load(None).unwrap_err();
        assert!(e.contains("MANTISSA_API__JWT__ISSUER"), "{e}");
        let mut s = Setup::new();
        s.env("MANTISSA_API__JWT__JWKS_URL", "https://idp/jwks.json")
            .env("MANTISSA_API__JWT__ISSUER", "https://idp");
        let jwt = s.load(None).unwrap().api.jwt.unwrap();
        assert_eq!(jwt.issuer, "https://idp");
        assert_eq!(jwt.algorithms, ["RS256"]);
    }

    #[test]
    fn file_values_keep_their_toml_types() {
        let s = Setup::new();
        let e = s.with_file("[engine]\nmax_rows = \"50\"\n").unwrap_err();
        assert!(
            e.contains("engine.max_rows: invalid type: string \"50\", expected u64"),
            "{e}"
        );
        let e = s.with_file("[engine\nmax_rows = 5\n").unwrap_err();
        assert!(e.contains("mantissa.toml") && e.contains("line 1"), "{e}");
    }

    #[test]
    fn unknown_key_names_key_and_file() {
        let s = Setup::new();
        let path = s.write("custom.toml", "[engine]\nmax_rowz = 5\n");
        let err = s.load(Some(&path)).unwrap_err();
        assert!(
            err.contains("engine.max_rowz: unknown field `max_rowz`"),
            "{err}"
        );
        assert!(err.contains("custom.toml"), "{err}");
    }

    #[test]
    fn unknown_env_key_is_named() {
        let mut s = Setup::new();
        s.write("mantissa.toml", "[engine]\nmax_rows = 5\n");
        s.env("MANTISSA_ENGINE_MAX_ROWZ", "5");
        let err = s
            .load(Some(&s.dir.path().join("mantissa.toml")))
            .unwrap_err();
        assert!(err.contains("max_rowz"), "{err}");
        assert!(
            err.contains("(from environment variable MANTISSA_ENGINE_MAX_ROWZ)"),
            "{err}"
        );
        let mut s = Setup::new();
        s.env("MANTISSA_DATADIR", "/x");
        let err = s.load(None).unwrap_err();
        assert!(
            err.contains("unknown field `datadir`") && err.contains("MANTISSA_DATADIR"),
            "{err}"
        );
    }

    #[test]
    fn llm_section_from_file_and_env_keeps_the_key_secret() {
        let mut s = Setup::new();
        let file = s.write(
            "mantissa.toml",
            "[llm]\nprovider = \"anthropic\"\nmodel = \"claude-x\"\napi_key_env = \"MY_KEY\"\n",
        );
        s.env("MANTISSA_LLM_API_KEY", "sk-very-secret")
            .env("MANTISSA_LLM_MAX_RETRIES", "5")
            .env("MANTISSA_LLM_BASE_URL", "http://127.0.0.1:9/");
        let c = s.load(Some(&file)).unwrap();
        assert_eq!(c.llm.provider, Some(LlmProvider::Anthropic));
        assert_eq!(c.llm.model.as_deref(), Some("claude-x"));
        assert_eq!(c.llm.api_key_env.as_deref(), Some("MY_KEY"));
        assert_eq!(c.llm.max_retries, 5);
        assert_eq!(c.llm.base_url.as_deref(), Some("http://127.0.0.1:9/"));
        assert_eq!(
            c.llm.api_key.as_ref().map(Secret::expose),
            Some("sk-very-secret")
        );
        let shown = format!("{c:?} {}", serde_json::to_string(&c).unwrap());
        assert!(!shown.contains("sk-very-secret"), "{shown}");
        s.env("MANTISSA_LLM_PROVIDER", "gemini");
        let err = s.load(Some(&file)).unwrap_err();
        assert!(err.contains("gemini"), "{err}");
        assert!(!err.contains("sk-very-secret"), "{err}");
    }

    #[test]
    fn router_sections_from_file_and_env_with_secrets_redacted() {
        let mut s = Setup::new();
        let file = s.write(
            "mantissa.toml",
            r#"
[router.destinations.secops]
type = "slack"
channel = "C1"
[router.destinations.pd]
type = "pagerduty"
routing_key = "pd-routing-key-123"
[router.destinations.mail]
type = "email"
host = "smtp.example.com"
tls = "tls"
password = "hunter2"
from = "alerts@example.com"
to = ["soc@example.com"]
[[router.routes]]
name = "critical"
min_severity = "critical"
destinations = ["secops", "pd"]
fallback = ["mail"]
[router.default_route]
destinations = ["secops"]
fallback = ["pd", "mail"]
[router.rule_overrides.root-login]
destinations = ["pd"]
[router.grouping]
max_alerts = 3
"#,
        );
        s.env("MANTISSA_SLACK_BOT_TOKEN", "xoxb-secret-token")
            .env("MANTISSA_SLACK_API_URL", "http://127.0.0.1:9/api")
            .env("MANTISSA_DISCORD_BOT_TOKEN", "discord-secret");
        let c = s.load(Some(&file)).unwrap();
        assert_eq!(c.slack.api_url, "http://127.0.0.1:9/api");
        assert_eq!(
            c.slack.bot_token.as_ref().map(Secret::expose),
            Some("xoxb-secret-token")
        );
        assert_eq!(c.router.routes[0].destinations, ["secops", "pd"]);
        assert_eq!(c.router.grouping.max_alerts, 3);
        assert_eq!(c.router.rule_overrides["root-login"].destinations, ["pd"]);
        let debug = format!("{c:?}");
        for secret in [
            "xoxb-secret-token",
            "discord-secret",
            "pd-routing-key-123",
            "hunter2",
        ] {
            assert!(!debug.contains(secret), "{secret} leaked into Debug");
        }
    }

    #[test]
    fn routing_policy_from_a_yaml_file() {
        let s = Setup::new();
        let policy = s.write(
            "routing.yaml",
            "routes:\n  - name: critical\n    min_severity: critical\n    categories: [access]\n    destinations: [secops, mail]\ndefault_route:\n  destinations: [secops]\n  fallback: [mail]\nrule_overrides:\n  noisy: { destinations: [mail] }\ngrouping: { max_alerts: 5, window_minutes: 15 }\n",
        );
        let toml = format!(
            "[router]\npolicy_file = \"{}\"\n[router.destinations.secops]\ntype = \"slack\"\nchannel = \"C1\"\n[router.destinations.mail]\ntype = \"webhook\"\nurl = \"http://x\"\n",
            policy.display()
        );
        let c = s.with_file(&toml).unwrap();
        assert_eq!(c.router.routes[0].name, "critical");
        assert_eq!(
            c.router.routes[0].min_severity,
            Some(crate::alert::Severity::Critical)
        );
        assert_eq!(c.router.default_route.as_ref().unwrap().fallback, ["mail"]);
        assert_eq!(c.router.rule_overrides["noisy"].destinations, ["mail"]);
        assert_eq!(c.router.grouping.window_minutes, 15);
        s.write(
            "routing.yaml",
            "routes:\n  - name: x\n    destinatons: [secops]\n",
        );
        let err = s.with_file(&toml).unwrap_err();
        assert!(
            err.contains("routing.yaml") && err.contains("destinatons"),
            "{err}"
        );
    }

    #[test]
    fn route_naming_an_unknown_destination_is_an_error() {
        let err = Setup::new()
            .with_file(
                "[router.destinations.secops]\ntype = \"slack\"\nchannel = \"C1\"\n[router.default_route]\ndestinations = [\"secopz\"]\n",
            )
            .unwrap_err();
        assert!(err.contains("secopz") && err.contains("secops"), "{err}");
    }

    #[test]
    fn discord_interactions_settings_from_env_with_a_clear_error_for_a_bad_key() {
        let mut s = Setup::new();
        let key = "a".repeat(64);
        s.env("MANTISSA_DISCORD_PUBLIC_KEY", &key)
            .env("MANTISSA_DISCORD_APPLICATION_ID", "1234567890");
        let c = s.load(None).unwrap();
        assert_eq!(c.discord.public_key.as_deref(), Some(key.as_str()));
        assert_eq!(c.discord.application_id.as_deref(), Some("1234567890"));
        let c = s
            .with_file("[permissions]\nrule_admins = [900000000000000009, \"U1\"]\n")
            .unwrap();
        assert_eq!(c.permissions.rule_admins, ["900000000000000009", "U1"]);
        s.env(
            "MANTISSA_PERMISSIONS_ALERT_RESPONDERS",
            "900000000000000010,U2",
        );
        let c = s.load(None).unwrap();
        assert_eq!(c.permissions.alert_responders, ["900000000000000010", "U2"]);
        s.env("MANTISSA_DISCORD_PUBLIC_KEY", "not-hex");
        let err = s.load(None).unwrap_err();
        assert!(
            err.contains("discord.public_key") && err.contains("64 hex"),
            "{err}"
        );
        s.env("MANTISSA_DISCORD_PUBLIC_KEY", &"ab".repeat(31));
        let err = s.load(None).unwrap_err();
        assert!(err.contains("got 62 characters"), "{err}");
        s.env("MANTISSA_DISCORD_PUBLIC_KEY", &key)
            .env("MANTISSA_DISCORD_APPLICATION_ID", "my-app");
        let err = s.load(None).unwrap_err();
        assert!(err.contains("discord.application_id `my-app`"), "{err}");
    }

    #[test]
    fn permissions_match_user_ids_and_discord_role_ids() {
        let p = PermissionsConfig {
            rule_admins: vec!["UADMIN".into(), "900".into()],
            alert_responders: vec!["901".into()],
            ..Default::default()
        };
        assert!(p.may_manage_rules("UADMIN"));
        assert!(!p.may_manage_rules("U1"));
        assert!(p.member_may_manage_rules("111", &["5".into(), "900".into()]));
        let groups = PermissionsConfig {
            rule_admins: vec!["U1".into(), "S0SECOPS".into(), "900".into()],
            alert_responders: vec!["S0SECOPS".into(), "SOC".into(), "Sx".into()],
            ..Default::default()
        };
        // Slack user group ids only (S + upper-case letters and digits), once each.
        assert_eq!(groups.slack_groups(), ["S0SECOPS", "SOC"]);
        assert!(!p.member_may_manage_rules("111", &["5".into()]));
        assert!(!p.member_may_manage_rules("", &[]));
        assert!(p.member_may_respond("111", &["901".into()]));
        assert!(!p.may_respond("U1"));
        let open = PermissionsConfig::default();
        assert!(open.may_respond("U1") && open.member_may_respond("111", &[]));
        assert!(!open.may_manage_rules("U1"));
    }

    #[test]
    fn missing_explicit_file_is_an_error() {
        let err = Config::load(Some(Path::new("/nonexistent/m.toml"))).unwrap_err();
        assert!(err.to_string().contains("does not exist"));
    }

    #[test]
    fn bad_source_name_rejected() {
        let err = Setup::new()
            .with_file(
                "[[sources]]\nname = \"App-Logs\"\npattern = \"*.json\"\ntimestamp_field = \"ts\"\n",
            )
            .unwrap_err();
        assert!(err.contains("App-Logs"), "{err}");
    }
}
