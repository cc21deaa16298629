//! The product behind every front end: answering questions in
//! conversations, the alert lifecycle, rule management and the detector →
//! router handoff. The CLI verbs, `mantissa serve` (HTTP and Socket Mode,
//! Discord) and, in the cloud deployment, each Lambda function are thin
//! shells over one [`Service`]; the chat bot sees it through
//! [`mantissa_bot::backend::Backend`].
//!
//! The service holds only backend traits (`Arc<dyn …>`), built by the
//! composition root ([`crate::compose::Composition`]).

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mantissa_bot::backend::{
    Answer, Ask, Backend, BackendError, Column, Reply, RuleInfo, RuleTestResult, Status,
};
use mantissa_core::alert::{Alert, AlertFilter, AlertStore, RuleMute, StatusChange, Transition};
use mantissa_core::answer::{self, Answerer, Planned, Policy};
use mantissa_core::clock::Clock;
use mantissa_core::engine::QueryTime;
use mantissa_core::llm::{LlmError, LlmTranslator};
use mantissa_core::nl::Turn;
use mantissa_core::rule_state::RuleStateStore;
use mantissa_core::session::SessionStore;
use mantissa_core::store::StoreError;
use mantissa_detector::detector::Raised;
use mantissa_detector::{LoadReport, Rule};
use mantissa_router::{Router, RouterError};

use crate::compose::{ComposeError, Composition};

/// Why the service could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// A backend could not be built.
    #[error(transparent)]
    Compose(#[from] ComposeError),
    /// The translator policy needs an LLM that is not configured.
    #[error(transparent)]
    Llm(#[from] LlmError),
}

/// Questions in conversations: the translator policy, the guard and the
/// engine ([`Answerer`]) over the session store. `ask` and `chat` need only
/// this; [`Service`] adds alerts and rules.
pub struct Conversations {
    answerer: Answerer,
    sessions: Arc<dyn SessionStore>,
    clock: Clock,
}

impl std::fmt::Debug for Conversations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conversations")
            .field("sessions", &self.sessions)
            .finish_non_exhaustive()
    }
}

impl Conversations {
    /// Conversations over `composition`'s engine and session store,
    /// answering with `policy` (an LLM only when `[llm]` configures one).
    pub fn new(composition: &Composition, policy: Policy) -> Result<Self, ServiceError> {
        let llm = match policy {
            Policy::Builtin => None,
            Policy::Llm | Policy::Auto => LlmTranslator::from_config(&composition.config().llm),
        };
        let (catalog, guard, engine) = composition.query()?;
        Ok(Self {
            answerer: Answerer::new(catalog, guard, engine, llm, policy)?,
            sessions: composition.session_store()?,
            clock: composition.clock(),
        })
    }

    fn time(&self) -> QueryTime {
        QueryTime::from_clock(&self.clock)
    }

    /// The previous turn of a conversation.
    pub async fn previous(&self, session: Option<&str>) -> Result<Option<Turn>, StoreError> {
        match session {
            Some(id) => self.sessions.get(id, self.time().now).await,
            None => Ok(None),
        }
    }

    /// Whether `session` is a live conversation.
    pub async fn has_session(&self, session: &str) -> bool {
        matches!(self.previous(Some(session)).await, Ok(Some(_)))
    }

    /// Forgets a conversation (`:new` in chat).
    pub async fn forget(&self, session: &str) -> Result<(), StoreError> {
        self.sessions.clear(session).await
    }

    /// Answers a question as a follow-up in `session` (if given), limited
    /// to `tables` (`None`: every table), and records the turn. `Err` only
    /// when the translator policy cannot run (no LLM configured).
    pub async fn answer(
        &self,
        question: &str,
        session: Option<&str>,
        tables: Option<&[String]>,
    ) -> Result<answer::Answer, LlmError> {
        let time = self.time();
        let previous = self.previous_or_none(session, time).await;
        let answer = self
            .answerer
            .answer_within(question, previous.as_ref(), time, tables)
            .await?;
        self.remember_or_warn(&answer, question, session, time)
            .await;
        Ok(answer)
    }

    /// Translates and guards a question without running it (`execute:
    /// false`); nothing is recorded.
    pub async fn plan(
        &self,
        question: &str,
        session: Option<&str>,
        tables: Option<&[String]>,
    ) -> Result<Planned, LlmError> {
        let time = self.time();
        let previous = self.previous_or_none(session, time).await;
        self.answerer
            .plan_within(question, previous.as_ref(), time, tables)
            .await
    }

    /// Runs SQL (edited by the user) through the guard and the engine, and
    /// records it in `session` as the turn to follow up on.
    pub async fn run_sql(&self, sql: &str, session: Option<&str>) -> answer::Answer {
        let time = self.time();
        let answer = self.answerer.run_sql(sql, time).await;
        self.remember_or_warn(&answer, sql, session, time).await;
        answer
    }

    async fn previous_or_none(&self, session: Option<&str>, time: QueryTime) -> Option<Turn> {
        let id = session?;
        match self.sessions.get(id, time.now).await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "session store; answering without the conversation");
                None
            }
        }
    }

    async fn remember_or_warn(
        &self,
        answer: &answer::Answer,
        question: &str,
        session: Option<&str>,
        time: QueryTime,
    ) {
        if let (Some(id), Some(turn)) = (session, answer.turn(question))
            && let Err(e) = self.sessions.put(id, &turn, time.now).await
        {
            tracing::warn!(error = %e, "cannot record the turn; follow-ups will start over");
        }
    }
}

/// The product over the backends of one composition.
pub struct Service {
    composition: Composition,
    conversations: Conversations,
    alerts: Arc<dyn AlertStore>,
    rule_state: Arc<dyn RuleStateStore>,
    router: Option<Arc<Router>>,
    clock: Clock,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("engine", &self.composition.engine_description())
            .field("conversations", &self.conversations)
            .field("router", &self.router.is_some())
            .finish_non_exhaustive()
    }
}

impl Service {
    /// The service over `composition`'s backends, answering with `policy`.
    /// Builds the router too, so a bad `[router]` stops start-up.
    pub fn new(composition: Composition, policy: Policy) -> Result<Self, ServiceError> {
        let alerts = composition.alert_store()?;
        let router = composition.router(alerts.clone())?.map(Arc::new);
        Ok(Self {
            conversations: Conversations::new(&composition, policy)?,
            rule_state: composition.rule_state_store()?,
            alerts,
            router,
            clock: composition.clock(),
            composition,
        })
    }

    /// Questions in conversations.
    pub fn conversations(&self) -> &Conversations {
        &self.conversations
    }

    /// The alert router, when destinations are configured.
    pub fn router(&self) -> Option<&Arc<Router>> {
        self.router.as_ref()
    }
}

/// Routes raised or updated alerts through `router`: the one detector →
/// router handoff, shared by the service and the detection verbs.
pub async fn hand_off(
    router: &Router,
    raised: &[Raised],
    now: DateTime<Utc>,
) -> Vec<(String, RouterError)> {
    let mut failed = Vec::new();
    for r in raised {
        if let Err(e) = router.route(&r.alert, r.change, now).await {
            failed.push((r.alert.id.clone(), e));
        }
    }
    failed
}

impl Service {
    fn load(&self) -> LoadReport {
        self.composition.rules(&[], false)
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
impl Backend for Service {
    async fn ask(&self, ask: Ask<'_>) -> Reply {
        let Ask {
            question,
            session,
            translate_only,
            tables,
        } = ask;
        if translate_only {
            return match self.conversations.plan(question, session, tables).await {
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
                    scan: None,
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
        let answer = match self.conversations.answer(question, session, tables).await {
            Ok(a) => a,
            Err(e) => {
                return Reply::Failed {
                    message: e.to_string(),
                    sql: None,
                };
            }
        };
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
                scan: result.scan,
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
        self.conversations.has_session(session).await
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
        let config = self.composition.config().clone();
        let composition = self.composition.clone();
        // Rule tests run their own runtime on a scratch data dir: a plain thread.
        let (tx, rx) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let _ = tx.send(mantissa_detector::testing::run_tests(
                &rule,
                &config,
                &composition,
            ));
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
            engine: self.composition.engine_description().into(),
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

/// What one scheduled detection cycle did (logged, and the detector
/// function's response).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CycleSummary {
    /// The scheduled time the cycle ran at.
    pub at: DateTime<Utc>,
    /// Enabled rules.
    pub rules: usize,
    /// Rule evaluations (missed ticks caught up included).
    pub evaluations: usize,
    /// Alerts raised.
    pub new_alerts: usize,
    /// Open alerts that grew.
    pub updated_alerts: usize,
    /// Evaluations that failed: `rule at time: error`.
    pub failed: Vec<String>,
    /// Rule files that could not be loaded (skipped): `file:line: error`.
    pub skipped_rule_files: Vec<String>,
    /// Bytes the queries scanned.
    pub bytes_scanned: u64,
    /// Alerts that could not be queued for delivery: `id: error`.
    pub unrouted: Vec<String>,
}

/// The live schedule's step over `enabled` rules at `at`: every tick missed
/// since each rule's last run caught up, and what was raised handed to
/// `router`. Returns the report and the alerts that could not be queued.
pub async fn catch_up_and_hand_off(
    detector: &mantissa_detector::Detector,
    router: Option<&Router>,
    enabled: &[&Rule],
    at: DateTime<Utc>,
) -> Result<
    (mantissa_detector::RunReport, Vec<(String, RouterError)>),
    mantissa_detector::detector::DetectError,
> {
    let report = detector.catch_up(enabled, at).await?;
    let unrouted = match router {
        Some(r) => hand_off(r, &report.alerts(), at).await,
        None => Vec::new(),
    };
    Ok((report, unrouted))
}

/// One scheduled detection cycle at `at`, as the detector function runs it
/// (`mantissa detect --watch` runs [`catch_up_and_hand_off`] over the rules
/// it was given): the rules are loaded afresh (a broken file
/// is logged and skipped), every tick missed since each rule's last run is
/// caught up, and what was raised is handed to `router` (the outbox).
/// Runs on a multi-thread tokio runtime (rule files in S3 are read on a
/// blocking section of it).
pub async fn scheduled_cycle(
    composition: &Composition,
    detector: &mantissa_detector::Detector,
    router: Option<&Router>,
    at: DateTime<Utc>,
) -> Result<(mantissa_detector::RunReport, CycleSummary), mantissa_detector::detector::DetectError>
{
    // Rules in S3 are read through a runtime of their own: off this one.
    let loaded = tokio::task::block_in_place(|| composition.rules(&[], false));
    for e in &loaded.errors {
        tracing::warn!(rule_file = %e.path, line = ?e.line, error = %e.message, "rule file skipped");
    }
    let enabled = detector.enabled(&loaded.rules).await?;
    let (report, unrouted) = catch_up_and_hand_off(detector, router, &enabled, at).await?;
    let raised = report.alerts();
    let summary = CycleSummary {
        at,
        rules: enabled.len(),
        evaluations: report.runs.len(),
        new_alerts: raised
            .iter()
            .filter(|r| r.change == mantissa_detector::detector::Change::New)
            .count(),
        updated_alerts: raised
            .iter()
            .filter(|r| r.change == mantissa_detector::detector::Change::Updated)
            .count(),
        failed: report
            .failures()
            .into_iter()
            .map(|(rule, t, e)| format!("{rule} at {t}: {e}"))
            .collect(),
        skipped_rule_files: loaded.errors.iter().map(|e| e.to_string()).collect(),
        bytes_scanned: report.scanned().bytes,
        unrouted: unrouted
            .iter()
            .map(|(id, e)| format!("{id}: {e}"))
            .collect(),
    };
    tracing::info!(
        at = %at,
        rules = summary.rules,
        evaluations = summary.evaluations,
        new_alerts = summary.new_alerts,
        updated_alerts = summary.updated_alerts,
        failed = summary.failed.len(),
        bytes_scanned = summary.bytes_scanned,
        "detection cycle"
    );
    Ok((report, summary))
}
