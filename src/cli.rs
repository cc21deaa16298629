//! Command-line definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Mantissa Log: ask questions of your AWS security logs and get answers.
///
/// Logs (CloudTrail, VPC Flow Logs, GuardDuty, custom JSON) are ingested into
/// local Parquet tables and queried with Athena-dialect SQL on an embedded
/// engine. Every query passes the SQL guard: read-only, one statement, log
/// tables only, row-limited.
#[derive(Debug, Parser)]
#[command(
    name = "mantissa",
    version,
    propagate_version = true,
    max_term_width = 100
)]
#[command(
    after_help = "Start with `mantissa demo`, then try `mantissa tables` and `mantissa sql`."
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Flags accepted by every verb.
#[derive(Debug, Args)]
pub(crate) struct Global {
    /// Configuration file [default: ./mantissa.toml when present].
    #[arg(long, global = true, value_name = "FILE", env = "MANTISSA_CONFIG")]
    pub(crate) config: Option<PathBuf>,
    /// Where tables, state and quarantine live [default: ./mantissa-data].
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) data_dir: Option<PathBuf>,
    /// Freeze the clock (RFC 3339, e.g. 2024-07-31T14:00:00Z) for CURRENT_TIMESTAMP,
    /// now() and every relative time, to replay queries on historical data.
    #[arg(long, global = true, value_name = "TIME", env = "MANTISSA_NOW")]
    pub(crate) now: Option<String>,
    /// Print only results and errors (no progress bars or summaries).
    #[arg(long, short, global = true)]
    pub(crate) quiet: bool,
    /// More logging (-v info, -vv debug); MANTISSA_LOG overrides.
    #[arg(long, short, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Generate a realistic week of AWS logs with planted attacks, ingest them
    /// and show queries to try.
    Demo(DemoArgs),
    /// Ingest log files or directories (recursively; .gz transparently) into tables.
    Ingest(IngestArgs),
    /// Run an Athena-dialect SQL query through the guard and the engine.
    Sql(SqlArgs),
    /// List tables with row counts and time span.
    Tables(TablesArgs),
    /// Show a table's columns, types and descriptions.
    Schema(SchemaArgs),
    /// Run detection rules: one cycle at --now, the live schedule (--watch),
    /// or a replay of a past period (--from/--to).
    Detect(DetectArgs),
    /// List, show, validate, test, enable/disable and backtest detection rules.
    Rules(RulesArgs),
    /// The state stores (alerts, sessions, rule state, de-dup).
    Stores(StoresArgs),
    /// Run the chat bot and HTTP API: Slack events, Discord interactions,
    /// /api/query, /api/alerts.
    Serve(ServeArgs),
    /// Discord application set-up: register the `/mantissa` command.
    Discord(DiscordArgs),
    /// Alerts: list, show (evidence, enrichment, history, deliveries),
    /// acknowledge, resolve, re-open.
    Alerts(AlertsArgs),
    /// Ask a question in plain English; shows the interpretation, the SQL and the answer.
    Ask(AskArgs),
    /// An interactive conversation: questions and follow-ups, one per line
    /// (`:sql` shows or edits the last query, `:new` starts over, `:quit` ends).
    Chat(ChatArgs),
}

/// Where rules come from (every rules verb and `detect`).
#[derive(Debug, Args, Clone)]
pub(crate) struct RuleSources {
    /// A folder of rule files (YAML, recursively); repeatable. Added after
    /// the built-in pack and `detector.rules_dirs`; a rule with a built-in
    /// rule's id replaces it.
    #[arg(long = "rules", value_name = "DIR")]
    pub(crate) dirs: Vec<PathBuf>,
    /// Leave out the built-in rule pack.
    #[arg(long)]
    pub(crate) no_builtin: bool,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  mantissa detect --now 2024-07-31T14:00:00Z          one cycle, as of that time
  mantissa detect --from 2024-07-01 --to 2024-08-01   replay July as if live
  mantissa detect --from 7d --to now                  replay the last week
  mantissa detect --watch                             run the schedule until Ctrl-C")]
pub(crate) struct DetectArgs {
    #[command(flatten)]
    pub(crate) sources: RuleSources,
    /// Only these rules (ids); repeatable.
    #[arg(long = "rule", value_name = "ID")]
    pub(crate) only: Vec<String>,
    /// Run the schedule continuously (catching up missed intervals) until Ctrl-C.
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub(crate) watch: bool,
    /// Replay the schedule from this time, as if it had run live: RFC 3339, a
    /// date, or a duration back from now (`7d`).
    #[arg(long, value_name = "TIME", requires = "to")]
    pub(crate) from: Option<String>,
    /// End of the replay (inclusive): a time, a date, `now`, or `2h` (ago).
    #[arg(long, value_name = "TIME", requires = "from")]
    pub(crate) to: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub(crate) format: SummaryFormat,
}

#[derive(Debug, Args)]
pub(crate) struct RulesArgs {
    #[command(flatten)]
    pub(crate) sources: RuleSources,
    #[command(subcommand)]
    pub(crate) command: RulesCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum RulesCommand {
    /// Every rule with its severity, schedule and enabled state.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// One rule in full.
    Show {
        /// Rule id.
        id: String,
    },
    /// Load every rule strictly and report each problem with file:line:column.
    Validate,
    /// Run rules' inline tests on the real ingest pipeline and engine.
    Test {
        /// Only these rules (ids); default: all.
        ids: Vec<String>,
    },
    /// Enable a rule (stored in the state store; the file is not changed).
    Enable {
        /// Rule id.
        id: String,
    },
    /// Disable a rule (stored in the state store; the file is not changed).
    Disable {
        /// Rule id.
        id: String,
    },
    /// Upload a local rules folder to the rules bucket, after validating
    /// every file (nothing is uploaded if one is invalid). The detector
    /// loads the bucket afresh each cycle.
    #[command(after_help = "Examples:
  mantissa rules sync --from rules --to s3://mantissa-prod-rules/rules/
  mantissa rules sync --dry-run          to the first URL in detector.rules_dirs")]
    Sync {
        /// The local folder (YAML files, recursively).
        #[arg(long, value_name = "DIR", default_value = "rules")]
        from: std::path::PathBuf,
        /// Destination (`s3://bucket/prefix/`); default: the first URL in
        /// `detector.rules_dirs`.
        #[arg(long, value_name = "URL")]
        to: Option<String>,
        /// Validate and print what would be uploaded, upload nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// What a rule would have raised over a past period (no state is kept).
    Backtest {
        /// Rule id.
        id: String,
        /// Start: RFC 3339, a date, or a duration back from now (`7d`).
        #[arg(long, value_name = "TIME")]
        from: String,
        /// End (inclusive): a time, a date, `now`, or a duration back from now.
        #[arg(long, value_name = "TIME", default_value = "now")]
        to: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  mantissa alerts list --status open --severity high
  mantissa alerts show 3f9c2a1b7d4e8f60
  mantissa alerts ack 3f9c2a1b7d4e8f60
  mantissa alerts resolve 3f9c2a1b7d4e8f60 --note \"rotated the key\"")]
pub(crate) struct AlertsArgs {
    #[command(subcommand)]
    pub(crate) command: AlertsCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum AlertsCommand {
    /// Alerts, most recently seen first.
    List {
        /// Only this status: open, acknowledged (ack), resolved.
        #[arg(long, value_parser = parse_status)]
        status: Option<mantissa_core::alert::AlertStatus>,
        /// Only this severity or higher: info, low, medium, high, critical.
        #[arg(long, value_parser = parse_severity)]
        severity: Option<mantissa_core::alert::Severity>,
        /// Only this rule (id).
        #[arg(long, value_name = "ID")]
        rule: Option<String>,
        /// Only alerts seen since: a time, a date, or a duration back (`24h`).
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// At most this many (0 = all).
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Include alert-limiter meta-alerts.
        #[arg(long)]
        meta: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// One alert in full: evidence, enrichment, SQL, history and deliveries.
    Show {
        /// Alert id (or a unique prefix).
        id: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// Acknowledge an alert: someone is on it.
    Ack(StatusArgs),
    /// Resolve an alert (from open or acknowledged).
    Resolve(StatusArgs),
    /// Re-open an acknowledged or resolved alert.
    Reopen(StatusArgs),
    /// Send what is pending in the delivery outbox (after a restart or an
    /// outage); exit 1 when something is still pending.
    Deliver {
        /// Keep delivering until Ctrl-C.
        #[arg(long)]
        watch: bool,
    },
}

/// Arguments of a status change.
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// Alert id (or a unique prefix).
    pub(crate) id: String,
    /// A note kept in the alert's history.
    #[arg(long)]
    pub(crate) note: Option<String>,
    /// Who is acting (default: `cli:$USER`).
    #[arg(long = "as", value_name = "NAME")]
    pub(crate) actor: Option<String>,
}

fn parse_status(s: &str) -> Result<mantissa_core::alert::AlertStatus, String> {
    mantissa_core::alert::AlertStatus::parse(s)
        .ok_or_else(|| format!("`{s}` is not a status; use open, acknowledged or resolved"))
}

fn parse_severity(s: &str) -> Result<mantissa_core::alert::Severity, String> {
    mantissa_core::alert::Severity::parse(s)
        .ok_or_else(|| format!("`{s}` is not a severity; use info, low, medium, high or critical"))
}

/// Which translator turns questions into SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TranslatorChoice {
    /// The built-in translator (no network; declines when unsure).
    Builtin,
    /// A configured LLM provider.
    Llm,
    /// Built-in when confident, else the LLM if configured, else suggestions.
    Auto,
}

impl TranslatorChoice {
    /// The answer policy it selects.
    pub(crate) fn policy(self) -> mantissa_core::answer::Policy {
        use mantissa_core::answer::Policy;
        match self {
            Self::Builtin => Policy::Builtin,
            Self::Llm => Policy::Llm,
            Self::Auto => Policy::Auto,
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct AskArgs {
    /// The question, e.g. "failed console logins in the last 24 hours".
    #[arg(value_name = "QUESTION")]
    pub(crate) question: String,
    /// Conversation id: follow-ups ("only errors", "group by user") refine
    /// the previous answer of the same session.
    #[arg(long, value_name = "ID")]
    pub(crate) session: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ResultFormat::Table)]
    pub(crate) format: ResultFormat,
    /// Translator.
    #[arg(long, value_enum, default_value_t = TranslatorChoice::Auto)]
    pub(crate) translator: TranslatorChoice,
}

#[derive(Debug, Args)]
#[command(after_help = "Settings (config keys or environment variables):
  MANTISSA_SLACK_SIGNING_SECRET   verifies every request from Slack
  MANTISSA_SLACK_BOT_TOKEN        posts answers (xoxb-...)
  MANTISSA_SLACK_API_URL          Slack Web API base URL (default https://slack.com/api)
  MANTISSA_API_TOKEN              bearer token for /api/* (or [api] tokens = [...])
  MANTISSA_DISCORD_PUBLIC_KEY     verifies every Discord interaction (hex, Developer Portal)
  MANTISSA_DISCORD_APPLICATION_ID completes deferred Discord answers
  MANTISSA_DISCORD_API_URL        Discord REST base URL (default https://discord.com/api/v10)

Routes: POST /slack/events, POST /slack/interactions, POST /slack/commands,
        POST /discord/interactions, POST /api/query, GET /api/alerts,
        POST /api/alerts/{id}/ack|resolve|reopen, GET /healthz")]
pub(crate) struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:3000", value_name = "ADDR")]
    pub(crate) listen: String,
    /// Translator for questions.
    #[arg(long, value_enum, default_value_t = TranslatorChoice::Auto)]
    pub(crate) translator: TranslatorChoice,
    /// Receive Slack events, commands and button clicks over Socket Mode (a
    /// WebSocket the bot opens; no public URL needed). Needs
    /// MANTISSA_SLACK_APP_TOKEN (xapp-…) and MANTISSA_SLACK_BOT_TOKEN; the
    /// HTTP API keeps listening on --listen.
    #[arg(long)]
    pub(crate) socket_mode: bool,
}

#[derive(Debug, Args)]
pub(crate) struct DiscordArgs {
    #[command(subcommand)]
    pub(crate) command: DiscordCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum DiscordCommand {
    /// Register the `/mantissa` command (manifests/discord-commands.json,
    /// built into the binary) with Discord, replacing the application's
    /// commands. Needs MANTISSA_DISCORD_BOT_TOKEN and MANTISSA_DISCORD_APPLICATION_ID.
    #[command(after_help = "Examples:
  mantissa discord register-commands               global (may take a while to appear)
  mantissa discord register-commands --guild 123   one server, at once (for testing)")]
    RegisterCommands {
        /// Register in this guild (server) only; updates instantly.
        #[arg(long, value_name = "ID")]
        guild: Option<String>,
    },
}

#[derive(Debug, Args)]
pub(crate) struct ChatArgs {
    /// Continue this conversation (default: a new one).
    #[arg(long, value_name = "ID")]
    pub(crate) session: Option<String>,
    /// Translator.
    #[arg(long, value_enum, default_value_t = TranslatorChoice::Auto)]
    pub(crate) translator: TranslatorChoice,
}

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Random seed: the same seed (and --now) gives the same logs.
    #[arg(long, default_value_t = 42)]
    pub(crate) seed: u64,
    /// Approximate number of log events to generate.
    #[arg(long, default_value_t = 200_000)]
    pub(crate) events: u64,
    /// Days of activity, ending at --now (or the current hour).
    #[arg(long, default_value_t = 7)]
    pub(crate) days: u32,
    /// Where to write the raw logs [default: <data-dir>/raw/demo].
    #[arg(long, value_name = "DIR")]
    pub(crate) raw_dir: Option<PathBuf>,
    /// Upload the raw logs under this storage URL (e.g.
    /// `s3://mantissa-raw/`, in the AWS S3 key layout) and ingest them from
    /// there, as a deployment reads its log buckets.
    #[arg(long, value_name = "URL")]
    pub(crate) raw_url: Option<String>,
    /// Only write the raw logs; do not ingest them.
    #[arg(long)]
    pub(crate) no_ingest: bool,
}

#[derive(Debug, Args)]
pub(crate) struct IngestArgs {
    /// Files or directories to ingest, or storage URLs (`file:///dir`: every
    /// log file below it).
    #[arg(required = true, value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
    /// Read every file as this source (cloudtrail, vpc_flow, guardduty or a
    /// custom source) instead of recognising it.
    #[arg(long, value_name = "NAME")]
    pub(crate) source: Option<String>,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub(crate) format: SummaryFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SummaryFormat {
    /// Human-readable.
    Text,
    /// One JSON object.
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct SqlArgs {
    /// The query, e.g. "SELECT eventname, count(*) FROM cloudtrail GROUP BY 1".
    #[arg(value_name = "SQL")]
    pub(crate) sql: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ResultFormat::Table)]
    pub(crate) format: ResultFormat,
    /// Time the query: run it N times in this process (as `serve` and
    /// `detect` run queries, with file metadata cached after the first run)
    /// and report the median; JSON output adds every run as `runs_ms`.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub(crate) repeat: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ResultFormat {
    /// Aligned table fitted to the terminal.
    Table,
    /// One JSON object: sql, columns, rows, row_count, truncated, elapsed_ms.
    Json,
    /// CSV with a header row.
    Csv,
}

#[derive(Debug, Args)]
pub(crate) struct TablesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub(crate) format: SummaryFormat,
    /// Print each table's AWS Glue definition instead (a JSON array of
    /// Glue `TableInput`s: columns from the catalog, Parquet under
    /// `<location>/<table>/dt=…/`, partition projection on `dt`).
    #[arg(long)]
    pub(crate) glue: bool,
    /// With --glue: where the tables live (default: `[storage] url`).
    #[arg(long, value_name = "URL", requires = "glue")]
    pub(crate) location: Option<String>,
    /// With --glue: create (or update) them in the Glue database
    /// `[engine.athena] database` instead of printing them (needs the `aws`
    /// build; a deployment's Terraform does the same).
    #[arg(long, requires = "glue")]
    pub(crate) apply: bool,
}

#[derive(Debug, Args)]
pub(crate) struct SchemaArgs {
    /// Table name, e.g. cloudtrail.
    #[arg(value_name = "TABLE")]
    pub(crate) table: String,
}

#[derive(Debug, Args)]
pub(crate) struct StoresArgs {
    #[command(subcommand)]
    pub(crate) command: StoresCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum StoresCommand {
    /// Create the stores' tables ([stores] type = "dynamodb": every table of
    /// the design, as Terraform would; existing ones are kept).
    Create,
}
