//! `mantissa serve`: the chat bot and HTTP API on a local port, over the
//! embedded engine and stores. The bot crate sees the product through
//! [`Backend`]; this is its local implementation.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mantissa_bot::BotState;
use mantissa_bot::auth::{SlackVerifier, system_clock};
use mantissa_bot::backend::{
    Answer, Ask, Backend, BackendError, Column, Reply, RuleInfo, RuleTestResult, Status,
};
use mantissa_bot::discord::DiscordSettings;
use mantissa_bot::discord::api::DiscordApi;
use mantissa_bot::discord::verify::DiscordVerifier;
use mantissa_bot::dispatch::{Seen, TokioDispatcher};
use mantissa_bot::slack::SlackSettings;
use mantissa_bot::slack::api::SlackApi;
use mantissa_core::alert::{Alert, AlertFilter, AlertStore, RuleMute, StatusChange, Transition};
use mantissa_core::answer::{self, Answerer, Planned, Policy};
use mantissa_core::clock::Clock;
use mantissa_core::engine::QueryTime;
use mantissa_core::llm::LlmTranslator;
use mantissa_core::session::SessionStore;
use mantissa_core::session::sqlite::{DEFAULT_EXPIRY, SqliteSessionStore};
use mantissa_detector::state::{SqliteStateStore, StateStore};
use mantissa_detector::{LoadReport, Rule};

use crate::app::App;
use crate::cli::{ServeArgs, TranslatorChoice};

/// The product over the embedded engine, session store, alert store and router.
struct LocalBackend {
    answerer: Answerer,
    sessions: SqliteSessionStore,
    alerts: Arc<dyn AlertStore>,
    rule_state: Arc<dyn StateStore>,
    router: Option<Arc<mantissa_router::Router>>,
    clock: Clock,
    /// For reloading rules (edits apply without a restart) and rule tests.
    config: mantissa_core::config::Config,
}

impl LocalBackend {
    fn time(&self) -> QueryTime {
        QueryTime::from_clock(&self.clock)
    }

    fn load(&self) -> LoadReport {
        crate::app::load_rules(&self.config, &[], false)
    }

    /// One loaded rule.
    fn rule(&self, id: &str) -> Result<Rule, BackendError> {
        self.load()
            .get(id)
            .cloned()
            .ok_or_else(|| BackendError::NoRule(id.to_string()))
    }

    async fn info(&self, r: &Rule) -> Result<RuleInfo, BackendError> {
        let st = self
            .rule_state
            .rule_state(&r.id)
            .await
            .map_err(store_error)?;
        Ok(RuleInfo {
            id: r.id.clone(),
            name: r.name.clone(),
            severity: r.severity.to_string(),
            category: r.category.to_string(),
            enabled: st.enabled.unwrap_or(r.enabled),
            schedule: r.schedule.to_string(),
            description: r.description.clone(),
            mitre_attack: r.metadata.mitre_attack.clone(),
            query: r.query.clone(),
            failures: st.failures,
            last_error: st.last_error,
            last_success: st.last_success,
            muted_until: self
                .alerts
                .rule_mute(&r.id, self.clock.now())
                .await
                .map_err(store_error)?
                .map(|m| m.until),
        })
    }
}

fn store_error(e: impl std::fmt::Display) -> BackendError {
    tracing::warn!(error = %e, "alert store");
    BackendError::Failed(e.to_string())
}

#[async_trait]
impl Backend for LocalBackend {
    async fn ask(&self, ask: Ask<'_>) -> Reply {
        let Ask {
            question,
            session,
            translate_only,
            tables,
        } = ask;
        let time = self.time();
        let previous = match session.map(|s| self.sessions.get(s, time.now)) {
            Some(Ok(p)) => p,
            Some(Err(e)) => {
                tracing::warn!(error = %e, "session store; answering without the conversation");
                None
            }
            None => None,
        };
        if translate_only {
            return match self
                .answerer
                .plan_within(question, previous.as_ref(), time, tables)
                .await
            {
                Ok(Planned::Sql {
                    translator,
                    interpretation,
                    sql,
                }) => Reply::Answer(Answer {
                    question: question.to_string(),
                    interpretation,
                    sql,
                    translator,
                    columns: Vec::new(),
                    rows: Vec::new(),
                    row_count: 0,
                    truncated: false,
                    elapsed_ms: 0,
                }),
                Ok(Planned::Declined {
                    reason,
                    suggestions,
                }) => Reply::Declined {
                    reason,
                    suggestions,
                },
                Ok(Planned::Failed { message, sql }) => Reply::Failed { message, sql },
                Err(e) => Reply::Failed {
                    message: e.to_string(),
                    sql: None,
                },
            };
        }
        let answer = match self
            .answerer
            .answer_within(question, previous.as_ref(), time, tables)
            .await
        {
            Ok(a) => a,
            Err(e) => {
                return Reply::Failed {
                    message: e.to_string(),
                    sql: None,
                };
            }
        };
        if let (Some(id), Some(turn)) = (session, answer.turn(question))
            && let Err(e) = self.sessions.put(id, &turn, time.now)
        {
            tracing::warn!(error = %e, "cannot record the turn; follow-ups will start over");
        }
        match answer {
            answer::Answer::Rows {
                translator,
                interpretation,
                result,
                elapsed_ms,
                ..
            } => Reply::Answer(Answer {
                question: question.to_string(),
                interpretation,
                columns: result
                    .columns()
                    .into_iter()
                    .map(|c| Column {
                        name: c.name,
                        data_type: c.sql_type,
                    })
                    .collect(),
                rows: result.json_rows(),
                row_count: result.row_count,
                truncated: result.truncated,
                sql: result.sql,
                translator,
                elapsed_ms,
            }),
            answer::Answer::Declined {
                reason,
                suggestions,
            } => Reply::Declined {
                reason,
                suggestions,
            },
            answer::Answer::Failed { message, sql } => Reply::Failed { message, sql },
        }
    }

    async fn has_session(&self, session: &str) -> bool {
        matches!(self.sessions.get(session, self.time().now), Ok(Some(_)))
    }

    async fn alerts(&self, filter: &AlertFilter) -> Result<Vec<Alert>, BackendError> {
        self.alerts.list(filter).await.map_err(store_error)
    }

    async fn alert(&self, id: &str) -> Result<Option<Alert>, BackendError> {
        self.alerts.get(id).await.map_err(store_error)
    }

    async fn change_alert(
        &self,
        id: &str,
        change: &StatusChange,
    ) -> Result<Transition, BackendError> {
        let t = self
            .alerts
            .transition(id, change)
            .await
            .map_err(|e| BackendError::Failed(e.to_string()))?;
        if let (Transition::Changed { alert, from }, Some(router)) = (&t, &self.router)
            && let Err(e) = router.status_changed(alert, *from, change.at).await
        {
            tracing::warn!(error = %e, alert = %alert.id, "cannot queue the status change for destinations");
        }
        Ok(t)
    }

    async fn rules(&self) -> Result<Vec<RuleInfo>, BackendError> {
        let loaded = self.load();
        let mut out = Vec::with_capacity(loaded.rules.len());
        for r in &loaded.rules {
            out.push(self.info(r).await?);
        }
        Ok(out)
    }

    async fn set_rule_enabled(&self, id: &str, enabled: bool) -> Result<RuleInfo, BackendError> {
        let rule = self.rule(id)?;
        self.rule_state
            .set_enabled(id, enabled)
            .await
            .map_err(store_error)?;
        self.info(&rule).await
    }

    async fn mute_rule(
        &self,
        id: &str,
        until: Option<DateTime<Utc>>,
        by: &str,
    ) -> Result<RuleInfo, BackendError> {
        let rule = self.rule(id)?;
        match until {
            Some(until) => self
                .alerts
                .mute_rule(&RuleMute {
                    rule_id: id.to_string(),
                    until,
                    by: by.to_string(),
                    at: self.clock.now(),
                })
                .await
                .map_err(store_error)?,
            None => {
                self.alerts.unmute_rule(id).await.map_err(store_error)?;
            }
        }
        tracing::info!(rule = id, by, until = ?until, "rule mute changed");
        self.info(&rule).await
    }

    async fn test_rule(&self, id: &str) -> Result<Vec<RuleTestResult>, BackendError> {
        let rule = self.rule(id)?;
        let config = self.config.clone();
        // Rule tests run their own runtime on a scratch data dir: a plain thread.
        let (tx, rx) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let _ = tx.send(mantissa_detector::testing::run_tests(&rule, &config));
        });
        let outcomes = rx
            .await
            .map_err(|_| BackendError::Failed("the rule tests stopped unexpectedly".into()))?;
        Ok(outcomes
            .into_iter()
            .map(|o| RuleTestResult {
                name: o.name,
                failure: o.result.err(),
            })
            .collect())
    }

    async fn status(&self) -> Result<Status, BackendError> {
        let loaded = self.load();
        let mut enabled = 0;
        let mut failing = Vec::new();
        let mut last_cycle = None;
        for r in &loaded.rules {
            let st = self
                .rule_state
                .rule_state(&r.id)
                .await
                .map_err(store_error)?;
            if st.enabled.unwrap_or(r.enabled) {
                enabled += 1;
            }
            if st.failures > 0 {
                failing.push((r.id.clone(), st.last_error.clone().unwrap_or_default()));
            }
            last_cycle = last_cycle.max(st.last_success);
        }
        let open = self
            .alerts
            .list(&AlertFilter {
                status: Some(mantissa_core::alert::AlertStatus::Open),
                ..Default::default()
            })
            .await
            .map_err(store_error)?
            .len();
        Ok(Status {
            engine: "DataFusion (embedded)".into(),
            rules: loaded.rules.len(),
            enabled,
            load_errors: loaded.errors.iter().map(|e| e.to_string()).collect(),
            failing,
            last_cycle,
            open_alerts: open,
            pending_deliveries: self.alerts.pending().await.map_err(store_error)?,
        })
    }
}

pub(crate) fn run(app: &App, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    mantissa_router::install_crypto_provider();
    let policy = match args.translator {
        TranslatorChoice::Builtin => Policy::Builtin,
        TranslatorChoice::Llm => Policy::Llm,
        TranslatorChoice::Auto => Policy::Auto,
    };
    let llm = match policy {
        Policy::Builtin => None,
        Policy::Llm | Policy::Auto => LlmTranslator::from_config(&app.config.llm),
    };
    check_channel_tables(&app.config.permissions, &app.catalog())?;
    let (guard, engine) = app.engine()?;
    let answerer = Answerer::new(app.catalog(), guard, Arc::new(engine), llm, policy)?;
    let sessions = SqliteSessionStore::open(&app.data.state().join("sessions.db"), DEFAULT_EXPIRY)
        .context("cannot open the session store")?;
    let alerts = app.alert_store()?;
    let router = app.router(alerts.clone())?.map(Arc::new);
    let rule_state = SqliteStateStore::open(&app.data.state().join("detector.db"))
        .context("cannot open the detector state")?;
    let backend = LocalBackend {
        answerer,
        sessions,
        alerts,
        rule_state: Arc::new(rule_state),
        router: router.clone(),
        clock: app.clock,
        config: app.config.clone(),
    };
    let slack_cfg = &app.config.slack;
    let verifier = slack_cfg
        .signing_secret
        .as_ref()
        .map(|s| SlackVerifier::new(s.clone(), system_clock()));
    let socket_token = if args.socket_mode {
        let Some(app_token) = slack_cfg.app_token.clone() else {
            anyhow::bail!(
                "--socket-mode needs an app-level token: set MANTISSA_SLACK_APP_TOKEN (xapp-…, Slack app → Basic Information → App-Level Tokens, scope connections:write)"
            );
        };
        if slack_cfg.bot_token.is_none() {
            anyhow::bail!(
                "--socket-mode needs the bot token too: set MANTISSA_SLACK_BOT_TOKEN (xoxb-…, Slack app → OAuth & Permissions)"
            );
        }
        Some(app_token)
    } else {
        None
    };
    let slack = match (&slack_cfg.signing_secret, &slack_cfg.bot_token) {
        (_, Some(token)) if socket_token.is_some() => Some(SlackSettings {
            verifier,
            api: SlackApi::new(&slack_cfg.api_url, token.clone()),
        }),
        (Some(_), Some(token)) => Some(SlackSettings {
            verifier,
            api: SlackApi::new(&slack_cfg.api_url, token.clone()),
        }),
        (None, None) => None,
        (None, Some(_)) => anyhow::bail!(
            "slack.bot_token is set but slack.signing_secret is not: set MANTISSA_SLACK_SIGNING_SECRET (Slack app → Basic Information → Signing Secret)"
        ),
        (Some(_), None) => anyhow::bail!(
            "slack.signing_secret is set but slack.bot_token is not: set MANTISSA_SLACK_BOT_TOKEN (xoxb-…, Slack app → OAuth & Permissions)"
        ),
    };
    let discord_cfg = &app.config.discord;
    let discord = match (&discord_cfg.public_key, &discord_cfg.application_id) {
        (Some(key), Some(application_id)) => Some(DiscordSettings {
            verifier: DiscordVerifier::from_hex(key, system_clock())?,
            api: DiscordApi::new(
                &discord_cfg.api_url,
                application_id,
                discord_cfg.bot_token.clone(),
            ),
        }),
        (None, _) => None,
        (Some(_), None) => anyhow::bail!(
            "discord.public_key is set but discord.application_id is not: set MANTISSA_DISCORD_APPLICATION_ID (Developer Portal → General Information → Application ID)"
        ),
    };
    let gateway = match (discord_cfg.gateway, &discord_cfg.bot_token) {
        (false, _) => None,
        (true, None) => anyhow::bail!(
            "discord.gateway is set but discord.bot_token is not: set MANTISSA_DISCORD_BOT_TOKEN (Developer Portal → Bot → Token)"
        ),
        (true, Some(_)) if !mantissa_bot::discord::gateway::BUILT => {
            anyhow::bail!("{}", mantissa_bot::discord::GatewayError::NotBuilt)
        }
        (true, Some(token)) => Some((
            DiscordApi::new(
                &discord_cfg.api_url,
                discord_cfg.application_id.as_deref().unwrap_or_default(),
                Some(token.clone()),
            ),
            token.clone(),
        )),
    };
    let mut api_tokens = app.config.api.tokens.clone();
    api_tokens.extend(app.config.api.token.clone());
    let jwt = match &app.config.api.jwt {
        Some(cfg) => Some(Arc::new(
            mantissa_bot::jwt::JwtVerifier::new(cfg.clone()).context("[api.jwt] is not usable")?,
        )),
        None => None,
    };
    let clock = app.clock;
    // Answers (queries, rule tests) run on their own runtime so a burst of
    // questions never delays the acks Slack waits for.
    let work = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("mantissa-work")
        .enable_all()
        .build()
        .context("cannot start the worker runtime")?;
    let state = Arc::new(BotState {
        backend: Arc::new(backend),
        dispatcher: Arc::new(TokioDispatcher::new(Some(work.handle().clone()), 2)),
        slack,
        discord,
        api_tokens,
        jwt,
        seen: Seen::default(),
        now: Arc::new(move || clock.now()),
        permissions: app.config.permissions.clone(),
    });
    let rt = app.runtime()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .with_context(|| {
                format!(
                    "cannot listen on {} (give --listen HOST:PORT, e.g. 127.0.0.1:3000)",
                    args.listen
                )
            })?;
        let addr = listener.local_addr()?;
        if !app.quiet {
            eprintln!("listening on http://{addr}");
            eprintln!(
                "  Slack: {}   Discord: {}   API: {}   alert routing: {}",
                if socket_token.is_some() {
                    "Socket Mode"
                } else if state.slack.is_some() {
                    "POST /slack/events"
                } else {
                    "off (no signing secret / bot token)"
                },
                match (state.discord.is_some(), app.config.discord.gateway) {
                    (true, true) => "POST /discord/interactions + gateway",
                    (true, false) => "POST /discord/interactions",
                    (false, true) => "gateway",
                    (false, false) => "off (no public key / application id)",
                },
                if state.api_tokens.is_empty() && state.jwt.is_none() {
                    "off (no [api] tokens)"
                } else {
                    "/api/*"
                },
                if router.is_some() {
                    "on"
                } else {
                    "off (no [router] destinations)"
                },
            );
        }
        let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
        let gateway_failed = Arc::new(std::sync::atomic::AtomicBool::new(false));
        if let Some((api, token)) = gateway {
            let state = state.clone();
            let stop = stop_tx.clone();
            let failed = gateway_failed.clone();
            tokio::spawn(async move {
                if let Err(e) = mantissa_bot::discord::gateway::run(state, api, token).await {
                    eprintln!("error: {e}");
                    failed.store(true, std::sync::atomic::Ordering::SeqCst);
                    let _ = stop.send(true);
                }
            });
        }
        let worker = router.map(|r| {
            let mut stop = stop_rx.clone();
            tokio::spawn(async move {
                r.run(async move {
                    let _ = stop.changed().await;
                })
                .await;
            })
        });
        let socket = match (socket_token, state.slack.clone()) {
            (Some(token), Some(slack)) => {
                let mut stop = stop_rx.clone();
                let state = state.clone();
                Some(tokio::spawn(async move {
                    mantissa_bot::slack::socket::run(state, slack, token, async move {
                        let _ = stop.changed().await;
                    })
                    .await
                }))
            }
            _ => None,
        };
        let socket_failed = {
            let stop_tx = stop_tx.clone();
            async move {
                match socket {
                    Some(task) => match task.await {
                        Ok(Err(e)) => {
                            let _ = stop_tx.send(true);
                            Some(e)
                        }
                        _ => None,
                    },
                    None => None,
                }
            }
        };
        let socket_failed = tokio::spawn(socket_failed);
        axum::serve(listener, mantissa_bot::app(state))
            .with_graceful_shutdown(async move {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = stop_rx.changed() => {}
                }
            })
            .await
            .context("the HTTP server failed")?;
        let _ = stop_tx.send(true);
        if let Some(w) = worker {
            let _ = w.await;
        }
        if let Ok(Some(e)) = socket_failed.await {
            return Err(anyhow::Error::new(e));
        }
        if gateway_failed.load(std::sync::atomic::Ordering::SeqCst) {
            return anyhow::Ok(ExitCode::from(1));
        }
        anyhow::Ok(ExitCode::SUCCESS)
    })
}

/// `[permissions.channel_tables]` must name catalogued tables: a typo would
/// otherwise silently lock a channel out.
fn check_channel_tables(
    permissions: &mantissa_core::config::PermissionsConfig,
    catalog: &mantissa_core::catalog::Catalog,
) -> anyhow::Result<()> {
    for (channel, tables) in &permissions.channel_tables {
        for t in tables {
            if catalog.get(&t.to_ascii_lowercase()).is_none() {
                anyhow::bail!(
                    "permissions.channel_tables.{channel}: `{t}` is not a log table; known tables: {}",
                    catalog.names()
                );
            }
        }
    }
    Ok(())
}
