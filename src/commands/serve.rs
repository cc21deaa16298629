//! `mantissa serve`: the chat bot and HTTP API on a local port, over the
//! embedded engine and stores. The bot crate sees the product through
//! [`Backend`]; this is its local implementation.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use async_trait::async_trait;
use mantissa_bot::BotState;
use mantissa_bot::auth::{SlackVerifier, system_clock};
use mantissa_bot::backend::{Answer, Backend, BackendError, Column, Reply};
use mantissa_bot::dispatch::{Seen, TokioDispatcher};
use mantissa_bot::slack::SlackSettings;
use mantissa_bot::slack::api::SlackApi;
use mantissa_core::alert::{Alert, AlertFilter, AlertStore, StatusChange, Transition};
use mantissa_core::answer::{self, Answerer, Planned, Policy};
use mantissa_core::clock::Clock;
use mantissa_core::engine::QueryTime;
use mantissa_core::llm::LlmTranslator;
use mantissa_core::session::SessionStore;
use mantissa_core::session::sqlite::{DEFAULT_EXPIRY, SqliteSessionStore};

use crate::app::App;
use crate::cli::{ServeArgs, TranslatorChoice};

/// The product over the embedded engine, session store, alert store and router.
struct LocalBackend {
    answerer: Answerer,
    sessions: SqliteSessionStore,
    alerts: Arc<dyn AlertStore>,
    router: Option<Arc<mantissa_router::Router>>,
    clock: Clock,
}

impl LocalBackend {
    fn time(&self) -> QueryTime {
        QueryTime::from_clock(&self.clock)
    }
}

fn store_error(e: impl std::fmt::Display) -> BackendError {
    tracing::warn!(error = %e, "alert store");
    BackendError(format!("{e}"))
}

#[async_trait]
impl Backend for LocalBackend {
    async fn ask(&self, session: Option<&str>, question: &str, translate_only: bool) -> Reply {
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
            return match self.answerer.plan(question, previous.as_ref(), time).await {
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
            .answer(question, previous.as_ref(), time)
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
            .map_err(|e| BackendError(e.to_string()))?;
        if let (Transition::Changed { alert, from }, Some(router)) = (&t, &self.router)
            && let Err(e) = router.status_changed(alert, *from, change.at).await
        {
            tracing::warn!(error = %e, alert = %alert.id, "cannot queue the status change for destinations");
        }
        Ok(t)
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
    let (guard, engine) = app.engine()?;
    let answerer = Answerer::new(app.catalog(), guard, Arc::new(engine), llm, policy)?;
    let sessions = SqliteSessionStore::open(&app.data.state().join("sessions.db"), DEFAULT_EXPIRY)
        .context("cannot open the session store")?;
    let alerts = app.alert_store()?;
    let router = app.router(alerts.clone())?.map(Arc::new);
    let backend = LocalBackend {
        answerer,
        sessions,
        alerts,
        router: router.clone(),
        clock: app.clock,
    };
    let slack_cfg = &app.config.slack;
    let slack = match (&slack_cfg.signing_secret, &slack_cfg.bot_token) {
        (Some(secret), Some(token)) => Some(SlackSettings {
            verifier: SlackVerifier::new(secret.clone(), system_clock()),
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
    let mut api_tokens = app.config.api.tokens.clone();
    api_tokens.extend(app.config.api.token.clone());
    let clock = app.clock;
    let state = Arc::new(BotState {
        backend: Arc::new(backend),
        dispatcher: Arc::new(TokioDispatcher::default()),
        slack,
        api_tokens,
        seen: Seen::default(),
        now: Arc::new(move || clock.now()),
    });
    let rt = app.runtime()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let addr = listener.local_addr()?;
        if !app.quiet {
            eprintln!("listening on http://{addr}");
            eprintln!(
                "  Slack: {}   API: {}   alert routing: {}",
                if state.slack.is_some() {
                    "POST /slack/events"
                } else {
                    "off (no signing secret / bot token)"
                },
                if state.api_tokens.is_empty() {
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
        let worker = router.map(|r| {
            let mut stop = stop_rx.clone();
            tokio::spawn(async move {
                r.run(async move {
                    let _ = stop.changed().await;
                })
                .await;
            })
        });
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
        anyhow::Ok(ExitCode::SUCCESS)
    })
}
