//! What Slack and Discord share: the `/mantissa` command language, the
//! permission decisions and the texts, written once for both platforms.
//!
//! A platform adapter turns its payload into a [`SlashCommand`] and a
//! [`Caller`], calls [`execute`], and maps the [`Outcome`] onto its own
//! response format (Slack: `response_type`; Discord: interaction response
//! types and the ephemeral flag). The only platform difference in the
//! texts is markup, captured by [`Flavor`].

use mantissa_core::alert::{Alert, AlertFilter, AlertStatus};
use mantissa_core::clock::format_instant;

use crate::BotState;
use serde_json::Value;

use crate::backend::{Answer, BackendError, RuleInfo, RuleTestResult, Status};

/// The platform a text is written for: its markup, mentions and icons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Slack `mrkdwn`: `*bold*`, `:emoji:`, `<@U123>`.
    Slack,
    /// Discord Markdown: `**bold**`, Unicode emoji, `<@123>`.
    Discord,
}

/// Icons used in texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Icon {
    /// A rule is enabled.
    Enabled,
    /// A rule is disabled.
    Disabled,
    /// Something needs attention.
    Warning,
    /// Work is running.
    Hourglass,
    /// A test passed.
    Pass,
    /// A test failed.
    Fail,
    /// Nothing to do.
    Tada,
    /// The translator is unsure.
    Thinking,
    /// A rule's notifications are muted.
    Mute,
}

impl Flavor {
    /// The platform's name, as users know it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Slack => "Slack",
            Self::Discord => "Discord",
        }
    }

    /// `text` in bold.
    pub fn bold(self, text: &str) -> String {
        match self {
            Self::Slack => format!("*{text}*"),
            Self::Discord => format!("**{text}**"),
        }
    }

    /// A mention of `user` (rendered as a name; the adapters disable pings).
    pub fn mention(self, user: &str) -> String {
        format!("<@{user}>")
    }

    /// The actor recorded for a change made by `user` (`slack:U1`, `discord:123`).
    pub fn actor(self, user: &str) -> String {
        match self {
            Self::Slack => format!("slack:{user}"),
            Self::Discord => format!("discord:{user}"),
        }
    }

    /// An actor as shown here: a mention for this platform's users, the
    /// actor as recorded otherwise (`api:alice`, `cli:bob`, `slack:U1` on Discord).
    pub fn who(self, actor: &str) -> String {
        let prefix = match self {
            Self::Slack => "slack:",
            Self::Discord => "discord:",
        };
        match actor.strip_prefix(prefix) {
            Some(u) => self.mention(u),
            None => actor.to_string(),
        }
    }

    /// User text made inert for this markup.
    pub fn escape(self, text: &str) -> String {
        match self {
            Self::Slack => text
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;"),
            Self::Discord => {
                let mut out = String::with_capacity(text.len());
                for c in text.chars() {
                    if matches!(c, '\\' | '*' | '_' | '~' | '`' | '|' | '<' | '>' | '#') {
                        out.push('\\');
                    }
                    out.push(c);
                }
                out
            }
        }
    }

    /// An icon.
    pub fn icon(self, icon: Icon) -> &'static str {
        match (self, icon) {
            (Self::Slack, Icon::Enabled) => ":large_green_circle:",
            (Self::Slack, Icon::Disabled) => ":white_circle:",
            (Self::Slack, Icon::Warning) => ":warning:",
            (Self::Slack, Icon::Hourglass) => ":hourglass_flowing_sand:",
            (Self::Slack, Icon::Pass) => ":white_check_mark:",
            (Self::Slack, Icon::Fail) => ":x:",
            (Self::Slack, Icon::Tada) => ":tada:",
            (Self::Slack, Icon::Thinking) => ":thinking_face:",
            (Self::Slack, Icon::Mute) => ":mute:",
            (Self::Discord, Icon::Enabled) => "🟢",
            (Self::Discord, Icon::Disabled) => "⚪",
            (Self::Discord, Icon::Warning) => "⚠️",
            (Self::Discord, Icon::Hourglass) => "⏳",
            (Self::Discord, Icon::Pass) => "✅",
            (Self::Discord, Icon::Fail) => "❌",
            (Self::Discord, Icon::Tada) => "🎉",
            (Self::Discord, Icon::Thinking) => "🤔",
            (Self::Discord, Icon::Mute) => "🔇",
        }
    }
}

/// Cuts `s` to `max` characters, ending with `…` when cut.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The text without `<@…>` mentions (Slack `<@U1>`, Discord `<@1>`, `<@!1>`, `<@&role>`).
pub fn strip_mentions(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("<@") {
        out.push_str(&rest[..i]);
        match rest[i..].find('>') {
            Some(j) => rest = &rest[i + j + 1..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A `/mantissa` command, whatever the platform's syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlashCommand {
    /// `help`, or nothing.
    Help,
    /// `ask <question>` (empty: show the usage).
    Ask(String),
    /// `rule <verb> [id]`.
    Rule(RuleVerb, String),
    /// `alerts [open|mine]`.
    Alerts {
        /// Only the alerts the caller acknowledged.
        mine: bool,
    },
    /// `status`.
    Status,
    /// Anything else (the verb as typed).
    Unknown(String),
}

/// What `/mantissa rule …` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleVerb {
    /// `list` (or nothing).
    List,
    /// `show <id>`.
    Show,
    /// `enable <id>` (rule admins).
    Enable,
    /// `disable <id>` (rule admins).
    Disable,
    /// `test <id>`: the rule's inline tests.
    Test,
    /// `mute <id> [hours]` (alert responders): silence the rule's
    /// notifications; `hours` as typed, checked by [`execute`] (empty: 24).
    Mute {
        /// The duration as typed (`8`, `8h`, or empty for the default).
        hours: String,
    },
    /// `unmute <id>` (alert responders).
    Unmute,
    /// Anything else (as typed).
    Unknown(String),
}

impl RuleVerb {
    /// From the word typed.
    pub fn parse(word: &str) -> Self {
        match word.to_ascii_lowercase().as_str() {
            "" | "list" => Self::List,
            "show" => Self::Show,
            "enable" => Self::Enable,
            "disable" => Self::Disable,
            "test" => Self::Test,
            "mute" => Self::Mute {
                hours: String::new(),
            },
            "unmute" => Self::Unmute,
            _ => Self::Unknown(word.to_string()),
        }
    }
}

impl SlashCommand {
    /// Parses the text after `/mantissa` (Slack sends it as one string).
    pub fn parse(text: &str) -> Self {
        let (verb, rest) = split(text.trim());
        match verb.to_ascii_lowercase().as_str() {
            "" | "help" => Self::Help,
            "ask" => Self::Ask(rest.to_string()),
            "rule" | "rules" => {
                let (verb, id) = split(rest);
                match RuleVerb::parse(verb) {
                    RuleVerb::Mute { .. } => {
                        let (id, hours) = split(id);
                        Self::Rule(
                            RuleVerb::Mute {
                                hours: hours.to_string(),
                            },
                            id.to_string(),
                        )
                    }
                    verb => Self::Rule(verb, id.to_string()),
                }
            }
            "alerts" => Self::Alerts {
                mine: rest.eq_ignore_ascii_case("mine"),
            },
            "status" => Self::Status,
            _ => Self::Unknown(verb.to_string()),
        }
    }
}

fn split(text: &str) -> (&str, &str) {
    match text.split_once(char::is_whitespace) {
        Some((a, b)) => (a, b.trim()),
        None => (text, ""),
    }
}

/// Who runs a command.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    /// The platform.
    pub flavor: Flavor,
    /// User id.
    pub user: &'a str,
    /// Role ids (Discord members; empty on Slack).
    pub roles: &'a [String],
}

/// Who sees a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Only the caller.
    Private,
    /// Everyone in the channel.
    Channel,
}

/// Work too slow for the platform's 3-second deadline.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Work {
    /// Answer a question.
    Ask(String),
    /// Run a rule's inline tests (the id is known to exist).
    RuleTest(String),
}

/// What a command produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Answer now.
    Reply {
        /// The text, in the caller's markup.
        text: String,
        /// Who sees it.
        visibility: Visibility,
    },
    /// Acknowledge now (with `ack`), answer after `work`.
    Later {
        /// What to say while working.
        ack: String,
        /// The work.
        work: Work,
    },
}

fn private(text: String) -> Outcome {
    Outcome::Reply {
        text,
        visibility: Visibility::Private,
    }
}

/// The help text.
pub fn help(f: Flavor) -> String {
    let mut text = format!(
        "{} commands:\n\
• `/mantissa ask <question>`: ask about your logs (\"failed console logins by source IP today\")\n\
• `/mantissa rule list` · `rule show <id>` · `rule test <id>`\n\
• `/mantissa rule enable <id>` · `rule disable <id>` (rule admins)\n\
• `/mantissa rule mute <id> [hours]` · `rule unmute <id>`: silence a noisy rule's notifications (alert responders)\n\
• `/mantissa alerts [open|mine]`: open alerts, or the ones you acknowledged\n\
• `/mantissa status`: engine, last detection cycle, failing rules",
        f.bold("Mantissa")
    );
    if f == Flavor::Slack {
        text.push_str(
            "\nIn a channel, `@mantissa <question>` starts a conversation you can refine in the thread.",
        );
    }
    text
}

/// Runs a command for `caller`: permission checks, the backend call and
/// the reply text; slow work is handed back as [`Outcome::Later`].
pub async fn execute(state: &BotState, caller: Caller<'_>, command: SlashCommand) -> Outcome {
    let f = caller.flavor;
    match command {
        SlashCommand::Help => private(help(f)),
        SlashCommand::Ask(q) if q.trim().is_empty() => {
            private("Usage: `/mantissa ask <question>`".into())
        }
        SlashCommand::Ask(q) => Outcome::Later {
            ack: format!(
                "{} Looking into \"{}\"…",
                f.icon(Icon::Hourglass),
                f.escape(q.trim())
            ),
            work: Work::Ask(q.trim().to_string()),
        },
        SlashCommand::Rule(verb, id) => rule(state, caller, verb, &id).await,
        SlashCommand::Alerts { mine } => alerts(state, caller, mine).await,
        SlashCommand::Status => private(match state.backend.status().await {
            Ok(s) => status_text(f, &s),
            Err(e) => format!("Cannot read the status: {e}"),
        }),
        SlashCommand::Unknown(other) => private(format!(
            "Unknown command `{}`.\n{}",
            f.escape(&other),
            help(f)
        )),
    }
}

/// One line per rule: state, id, severity, schedule, failures, mute.
pub fn rule_line(f: Flavor, r: &RuleInfo) -> String {
    format!(
        "{} `{}` {} · {}{}{}",
        f.icon(if r.enabled {
            Icon::Enabled
        } else {
            Icon::Disabled
        }),
        r.id,
        r.severity,
        r.schedule,
        if r.failures > 0 {
            format!(" · {} failing ({})", f.icon(Icon::Warning), r.failures)
        } else {
            String::new()
        },
        r.muted_until
            .map(|t| format!(
                " · {} muted until {}",
                f.icon(Icon::Mute),
                format_instant(t)
            ))
            .unwrap_or_default()
    )
}

fn no_rule(f: Flavor, id: &str) -> String {
    format!(
        "No rule `{}`; `/mantissa rule list` shows the ids.",
        f.escape(id)
    )
}

/// The reply to a rule change (`word`: enable, disable, mute, unmute),
/// told to the channel with who did it; refusals to the caller only.
fn rule_changed(
    caller: Caller<'_>,
    word: &str,
    id: &str,
    changed: Result<RuleInfo, BackendError>,
) -> Outcome {
    let f = caller.flavor;
    match changed {
        Ok(r) => {
            tracing::info!(platform = f.name(), user = %caller.user, rule = %id, action = word, "Rule changed from chat.");
            Outcome::Reply {
                text: format!(
                    "{} {word}d rule `{}`.\n{}",
                    f.mention(caller.user),
                    r.id,
                    rule_line(f, &r)
                ),
                visibility: Visibility::Channel,
            }
        }
        Err(BackendError::NoRule(_)) => private(no_rule(f, id)),
        Err(e) => private(format!("Nothing changed: {e}")),
    }
}

async fn rule(state: &BotState, caller: Caller<'_>, verb: RuleVerb, id: &str) -> Outcome {
    let f = caller.flavor;
    let unknown = |id: &str| private(no_rule(f, id));
    if let RuleVerb::Enable | RuleVerb::Disable = verb {
        // Enabling and disabling look the rule up themselves.
        let word = if verb == RuleVerb::Enable {
            "enable"
        } else {
            "disable"
        };
        if !state
            .permissions
            .member_may_manage_rules(caller.user, caller.roles)
        {
            tracing::warn!(
                platform = f.name(),
                user = %caller.user,
                rule = %id,
                action = word,
                "Denied: not in permissions.rule_admins."
            );
            return private(format!(
                "You are not allowed to enable or disable rules from {}; ask an admin to add your user id{} to `permissions.rule_admins`.",
                f.name(),
                if f == Flavor::Discord {
                    " or one of your role ids"
                } else {
                    ""
                }
            ));
        }
        let changed = state
            .backend
            .set_rule_enabled(id, verb == RuleVerb::Enable)
            .await;
        return rule_changed(caller, word, id, changed);
    }
    if let RuleVerb::Mute { .. } | RuleVerb::Unmute = verb {
        // Muting looks the rule up itself.
        return mute(state, caller, &verb, id).await;
    }
    let rules = match state.backend.rules().await {
        Ok(r) => r,
        Err(e) => return private(format!("Cannot load the rules: {e}")),
    };
    let find = |id: &str| rules.iter().find(|r| r.id == id);
    match verb {
        RuleVerb::List => {
            let enabled = rules.iter().filter(|r| r.enabled).count();
            let mut text = f.bold(&format!("{} rules, {enabled} enabled", rules.len()));
            text.push('\n');
            for r in &rules {
                text.push_str(&rule_line(f, r));
                text.push('\n');
            }
            private(text)
        }
        RuleVerb::Show => match find(id) {
            Some(r) => private(format!(
                "{}\n{}: {}\nCategory: {} · MITRE: {}{}\n```{}```",
                rule_line(f, r),
                f.bold(&f.escape(&r.name)),
                f.escape(&r.description),
                r.category,
                if r.mitre_attack.is_empty() {
                    "-".into()
                } else {
                    r.mitre_attack.join(", ")
                },
                r.last_error
                    .as_deref()
                    .map(|e| format!("\nLast error: {}", f.escape(e)))
                    .unwrap_or_default(),
                clip(&r.query, 2500)
            )),
            None => unknown(id),
        },
        RuleVerb::Test => match find(id) {
            Some(r) => Outcome::Later {
                ack: format!(
                    "{} Running the tests of `{}`…",
                    f.icon(Icon::Hourglass),
                    f.escape(&r.id)
                ),
                work: Work::RuleTest(r.id.clone()),
            },
            None => unknown(id),
        },
        RuleVerb::Unknown(other) => private(format!(
            "Unknown rule command `{}`; use list, show, enable, disable, test, mute or unmute.",
            f.escape(&other)
        )),
        RuleVerb::Enable | RuleVerb::Disable | RuleVerb::Mute { .. } | RuleVerb::Unmute => {
            unknown(id)
        }
    }
}

/// The longest mute, in hours (30 days).
pub const MAX_MUTE_HOURS: i64 = 24 * 30;

/// The mute of "Mute rule 24h" and of `rule mute` without hours.
pub const DEFAULT_MUTE_HOURS: i64 = 24;

/// `rule mute <id> [hours]` / `rule unmute <id>`: alert responders only.
async fn mute(state: &BotState, caller: Caller<'_>, verb: &RuleVerb, id: &str) -> Outcome {
    let f = caller.flavor;
    let hours = match verb {
        RuleVerb::Mute { hours } => match hours.trim() {
            "" => Some(DEFAULT_MUTE_HOURS),
            h => match h.trim_end_matches('h').parse::<i64>() {
                Ok(n) if (1..=MAX_MUTE_HOURS).contains(&n) => Some(n),
                _ => {
                    return private(format!(
                        "`{}` is not a number of hours between 1 and {MAX_MUTE_HOURS}; e.g. `/mantissa rule mute {} 8`.",
                        f.escape(h),
                        f.escape(id)
                    ));
                }
            },
        },
        _ => None,
    };
    let word = if hours.is_some() { "mute" } else { "unmute" };
    if id.is_empty() {
        return private(format!(
            "Usage: `/mantissa rule {word} <id>{}`",
            if hours.is_some() { " [hours]" } else { "" }
        ));
    }
    if !state
        .permissions
        .member_may_respond(caller.user, caller.roles)
    {
        tracing::warn!(
            platform = f.name(),
            user = %caller.user,
            rule = %id,
            action = word,
            "Denied: not in permissions.alert_responders."
        );
        return private(mute_denied(f));
    }
    let until = hours.map(|h| state.clock.now() + chrono::Duration::hours(h));
    let changed = state
        .backend
        .mute_rule(id, until, &f.actor(caller.user))
        .await;
    rule_changed(caller, word, id, changed)
}

/// The refusal for a mute by someone not in `alert_responders`.
pub fn mute_denied(f: Flavor) -> String {
    format!(
        "You are not allowed to mute rules from {}; ask an admin to add you{} to `permissions.alert_responders`.",
        f.name(),
        if f == Flavor::Discord {
            " (or one of your roles)"
        } else {
            ""
        }
    )
}

/// "Mute rule 24h" on an alert: mutes the alert's rule for
/// [`DEFAULT_MUTE_HOURS`]. `Ok` is the note for everyone (the alert's
/// thread on Slack, the channel on Discord); `Err` is for the caller only
/// (refused, alert gone, store error).
pub async fn mute_alert_rule(
    state: &BotState,
    caller: Caller<'_>,
    alert_id: &str,
) -> Result<String, String> {
    let f = caller.flavor;
    if !state
        .permissions
        .member_may_respond(caller.user, caller.roles)
    {
        tracing::warn!(platform = f.name(), user = %caller.user, alert = %alert_id, "Denied mute: not in permissions.alert_responders.");
        return Err(mute_denied(f));
    }
    let rule_id = match state.backend.alert(alert_id).await {
        Ok(Some(a)) => a.rule_id,
        Ok(None) => return Err("That alert no longer exists.".into()),
        Err(e) => return Err(format!("Cannot read the alert: {e}.")),
    };
    let until = state.clock.now() + chrono::Duration::hours(DEFAULT_MUTE_HOURS);
    match state
        .backend
        .mute_rule(&rule_id, Some(until), &f.actor(caller.user))
        .await
    {
        Ok(_) => {
            tracing::info!(platform = f.name(), user = %caller.user, rule = %rule_id, "Rule muted from chat.");
            Ok(format!(
                "{} {} muted rule `{rule_id}` until {}. It keeps running and its alerts are still recorded (`/mantissa alerts`); `/mantissa rule unmute {rule_id}` lifts the mute.",
                f.icon(Icon::Mute),
                f.mention(caller.user),
                format_instant(until)
            ))
        }
        Err(e) => Err(format!("Nothing changed: {e}.")),
    }
}

/// The outcome of a rule's tests, as text.
pub async fn rule_test_text(state: &BotState, f: Flavor, id: &str) -> String {
    match state.backend.test_rule(id).await {
        Ok(results) => test_results_text(f, id, &results),
        Err(e) => format!("Cannot test `{id}`: {e}"),
    }
}

fn test_results_text(f: Flavor, id: &str, results: &[RuleTestResult]) -> String {
    let failed = results.iter().filter(|t| t.failure.is_some()).count();
    let mut t = format!(
        "Rule `{id}`: {} of {} tests passed\n",
        results.len() - failed,
        results.len()
    );
    for r in results {
        match &r.failure {
            None => t.push_str(&format!("{} {}\n", f.icon(Icon::Pass), f.escape(&r.name))),
            Some(e) => t.push_str(&format!(
                "{} {}: {}\n",
                f.icon(Icon::Fail),
                f.escape(&r.name),
                clip(&f.escape(e), 300)
            )),
        }
    }
    t
}

fn status_text(f: Flavor, s: &Status) -> String {
    format!(
        "{} {}\n{} {} loaded, {} enabled{}\n{} {}\n{} {}\n{} {}{}",
        f.bold("Engine:"),
        s.engine,
        f.bold("Rules:"),
        s.rules,
        s.enabled,
        if s.load_errors.is_empty() {
            String::new()
        } else {
            format!(", {} failed to load", s.load_errors.len())
        },
        f.bold("Last detection:"),
        s.last_cycle
            .map(format_instant)
            .unwrap_or_else(|| "never".into()),
        f.bold("Open alerts:"),
        s.open_alerts,
        f.bold("Pending deliveries:"),
        s.pending_deliveries,
        if s.failing.is_empty() {
            String::new()
        } else {
            format!(
                "\n{}\n{}",
                f.bold("Failing rules:"),
                s.failing
                    .iter()
                    .map(|(id, e)| format!("• `{id}`: {}", clip(e, 200)))
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        }
    )
}

async fn alerts(state: &BotState, caller: Caller<'_>, mine: bool) -> Outcome {
    let f = caller.flavor;
    let filter = AlertFilter {
        status: Some(if mine {
            AlertStatus::Acknowledged
        } else {
            AlertStatus::Open
        }),
        limit: if mine { 500 } else { 20 },
        ..Default::default()
    };
    let list = match state.backend.alerts(&filter).await {
        Ok(l) => l,
        Err(e) => return private(format!("Cannot read the alerts: {e}")),
    };
    let me = f.actor(caller.user);
    let list: Vec<_> = list
        .into_iter()
        .filter(|a| !mine || a.status_by.as_deref() == Some(me.as_str()))
        .take(20)
        .collect();
    if list.is_empty() {
        return private(if mine {
            "You have no acknowledged alerts.".into()
        } else {
            format!("No open alerts. {}", f.icon(Icon::Tada))
        });
    }
    let mut text = f.bold(&format!(
        "{} {} alert{}",
        list.len(),
        if mine { "of your" } else { "open" },
        if list.len() == 1 { "" } else { "s" }
    ));
    text.push('\n');
    for a in &list {
        text.push_str(&format!(
            "• `{}` {} {} · last seen {}\n",
            a.id,
            f.bold(&a.severity.as_str().to_uppercase()),
            clip(&f.escape(&a.title), 200),
            format_instant(a.last_seen)
        ));
    }
    private(text)
}

/// The note for a click that changed nothing: "This alert is already
/// acknowledged by <@U1> at …".
pub fn already_note(f: Flavor, alert: &Alert) -> String {
    format!(
        "This alert is already {}{}.",
        alert.status,
        match (&alert.status_by, alert.status_at) {
            (Some(by), Some(at)) => format!(" by {} at {}", f.who(by), format_instant(at)),
            _ => String::new(),
        }
    )
}

/// The refusal for an alert click by someone not in `alert_responders`.
pub fn respond_denied(f: Flavor) -> String {
    format!(
        "You are not allowed to change alerts from {}; ask an admin to add you{} to `permissions.alert_responders`.",
        f.name(),
        if f == Flavor::Discord {
            " (or one of your roles)"
        } else {
            ""
        }
    )
}

/// A file name for a question's result (`show-me-failed-logins.csv`).
pub fn file_name(question: &str) -> String {
    let slug: String = question
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .take(8)
        .collect::<Vec<_>>()
        .join("-");
    format!(
        "{}.csv",
        if slug.is_empty() {
            "result".into()
        } else {
            slug
        }
    )
}

/// The whole result as CSV (RFC 4180 quoting).
pub fn to_csv(a: &Answer) -> Vec<u8> {
    fn field(s: &str) -> String {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    }
    let mut out = String::new();
    out.push_str(
        &a.columns
            .iter()
            .map(|c| field(&c.name))
            .collect::<Vec<_>>()
            .join(","),
    );
    out.push('\n');
    for r in &a.rows {
        let cells: Vec<String> = r
            .iter()
            .map(|v| match v {
                Value::Null => String::new(),
                Value::String(s) => field(s),
                other => field(&other.to_string()),
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out.into_bytes()
}

/// A slash command's question, answered with the tables `[permissions]`
/// grants the channel (no conversation: a command is one question).
pub(crate) async fn ask_in_channel(
    state: &BotState,
    channel: &str,
    user: &str,
    question: &str,
) -> crate::backend::Reply {
    use tracing::Instrument;
    state
        .backend
        .ask(crate::backend::Ask {
            tables: state.permissions.tables_for(channel),
            ..crate::backend::Ask::new(question)
        })
        .instrument(tracing::info_span!("ask", user = %user, channel = %channel))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_the_same_for_every_platform() {
        assert_eq!(SlashCommand::parse(""), SlashCommand::Help);
        assert_eq!(
            SlashCommand::parse("ask  failed logins today "),
            SlashCommand::Ask("failed logins today".into())
        );
        assert_eq!(
            SlashCommand::parse("RULE disable suspicious-logins"),
            SlashCommand::Rule(RuleVerb::Disable, "suspicious-logins".into())
        );
        assert_eq!(
            SlashCommand::parse("rules"),
            SlashCommand::Rule(RuleVerb::List, String::new())
        );
        assert_eq!(
            SlashCommand::parse("alerts mine"),
            SlashCommand::Alerts { mine: true }
        );
        assert_eq!(
            SlashCommand::parse("alerts"),
            SlashCommand::Alerts { mine: false }
        );
        assert_eq!(
            SlashCommand::parse("stat"),
            SlashCommand::Unknown("stat".into())
        );
        assert_eq!(
            SlashCommand::parse("rule mute noisy-rule 8h"),
            SlashCommand::Rule(RuleVerb::Mute { hours: "8h".into() }, "noisy-rule".into())
        );
        assert_eq!(
            SlashCommand::parse("rule mute noisy-rule"),
            SlashCommand::Rule(
                RuleVerb::Mute {
                    hours: String::new()
                },
                "noisy-rule".into()
            )
        );
        assert_eq!(
            SlashCommand::parse("rule UNMUTE noisy-rule"),
            SlashCommand::Rule(RuleVerb::Unmute, "noisy-rule".into())
        );
    }

    #[test]
    fn markup_differs_by_platform_only() {
        assert_eq!(Flavor::Slack.who("slack:U1"), "<@U1>");
        assert_eq!(Flavor::Discord.who("discord:42"), "<@42>");
        assert_eq!(Flavor::Discord.who("slack:U1"), "slack:U1");
        assert_eq!(Flavor::Slack.escape("a<b>&"), "a&lt;b&gt;&amp;");
        assert_eq!(Flavor::Discord.escape("*x*_`"), "\\*x\\*\\_\\`");
        assert!(help(Flavor::Slack).starts_with("*Mantissa* commands"));
        assert!(help(Flavor::Discord).starts_with("**Mantissa** commands"));
        assert!(!help(Flavor::Discord).contains("@mantissa"));
    }
}
