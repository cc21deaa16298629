//! Answering a question end to end: the translator policy (`builtin`,
//! `llm`, `auto`), then translate → guard → engine, and for LLM SQL the
//! repair loop: a guard or execution error goes back to the model with the
//! failing SQL (never result rows), at most [`MAX_REPAIRS`] times.
//!
//! Shared by `mantissa ask`, `mantissa chat` and (later) the chat bot.

use std::sync::Arc;
use std::time::Instant;

use crate::catalog::Catalog;
use crate::engine::{EngineError, QueryEngine, QueryResult, QueryTime};
use crate::guard::SqlGuard;
use crate::llm::{LlmError, LlmReply, LlmTranslator, Repair};
use crate::nl::{self, BuiltinTranslator, Context, Outcome, QuerySpec, Translator, Turn};
use std::borrow::Cow;

/// Repairs asked of the model for one question before giving up.
pub const MAX_REPAIRS: usize = 2;

/// Which translator answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Only the built-in translator (no network).
    Builtin,
    /// Only the LLM (it must be configured).
    Llm,
    /// The built-in translator when confident, else the LLM when
    /// configured, else the built-in "did you mean" answer. Questions the
    /// safety screen refuses are never forwarded.
    Auto,
}

impl std::str::FromStr for Policy {
    type Err = String;

    /// `builtin`, `llm` or `auto`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "builtin" => Ok(Self::Builtin),
            "llm" => Ok(Self::Llm),
            "auto" => Ok(Self::Auto),
            other => Err(format!(
                "`{other}` is not a translator: expected builtin, llm or auto"
            )),
        }
    }
}

/// What one question produced.
#[derive(Debug)]
pub enum Answer {
    /// A query ran.
    Rows {
        /// `builtin` or `llm:<provider>`.
        translator: String,
        /// One sentence saying what is shown.
        interpretation: String,
        /// The plan, for built-in answers (follow-ups edit it).
        plan: Option<Box<QuerySpec>>,
        /// The result; `result.sql` is the guarded SQL that ran.
        result: QueryResult,
        /// Repairs the model needed.
        repairs: usize,
        /// Wall-clock time from question to rows.
        elapsed_ms: u64,
    },
    /// The translator declined.
    Declined {
        /// Why.
        reason: String,
        /// "Did you mean …" questions.
        suggestions: Vec<String>,
    },
    /// The query was refused or failed, or the provider failed.
    Failed {
        /// What went wrong, and what to do.
        message: String,
        /// The last SQL tried, if any.
        sql: Option<String>,
    },
}

impl Answer {
    /// The turn to remember for follow-ups, when a query ran.
    pub fn turn(&self, question: &str) -> Option<Turn> {
        match self {
            Answer::Rows { plan, result, .. } => Some(Turn {
                question: question.to_string(),
                plan: plan.as_deref().cloned(),
                sql: result.sql.clone(),
            }),
            _ => None,
        }
    }
}

/// Who answers a question under the policy.
enum Choice<'a> {
    Builtin(nl::Translation),
    Llm(&'a LlmTranslator),
    Declined {
        reason: String,
        suggestions: Vec<String>,
    },
    Failed(String),
}

/// A translation checked by the guard but not run.
#[derive(Debug, Clone, PartialEq)]
pub enum Planned {
    /// The SQL that would run.
    Sql {
        /// `builtin` or `llm:<provider>`.
        translator: String,
        /// One sentence saying what it would show.
        interpretation: String,
        /// The guarded SQL.
        sql: String,
    },
    /// The translator declined.
    Declined {
        /// Why.
        reason: String,
        /// "Did you mean …" questions.
        suggestions: Vec<String>,
    },
    /// Refused by the guard or the provider failed.
    Failed {
        /// What went wrong.
        message: String,
        /// The last SQL tried, if any.
        sql: Option<String>,
    },
}

/// Everything needed to answer questions.
#[derive(Debug)]
pub struct Answerer {
    catalog: Catalog,
    guard: SqlGuard,
    engine: Arc<dyn QueryEngine>,
    builtin: BuiltinTranslator,
    llm: Option<LlmTranslator>,
    policy: Policy,
}

impl Answerer {
    /// An answerer; [`Policy::Llm`] without an LLM is a configuration error.
    pub fn new(
        catalog: Catalog,
        guard: SqlGuard,
        engine: Arc<dyn QueryEngine>,
        llm: Option<LlmTranslator>,
        policy: Policy,
    ) -> Result<Self, LlmError> {
        if policy == Policy::Llm && llm.is_none() {
            return Err(LlmError::NotConfigured);
        }
        Ok(Self {
            catalog,
            guard,
            engine,
            builtin: BuiltinTranslator::default(),
            llm,
            policy,
        })
    }

    /// The guard for an asker limited to `tables` (`None`: the full guard).
    fn guard_for(&self, tables: Option<&[String]>) -> Cow<'_, SqlGuard> {
        match tables {
            Some(t) => Cow::Owned(self.guard.restricted_to(t)),
            None => Cow::Borrowed(&self.guard),
        }
    }

    /// The guard every query passes.
    pub fn guard(&self) -> &SqlGuard {
        &self.guard
    }

    /// Answers `question` (a follow-up of `previous`, if given) at `time`.
    /// `Err` only for configuration problems (no LLM, no credentials);
    /// everything else is an [`Answer`].
    pub async fn answer(
        &self,
        question: &str,
        previous: Option<&Turn>,
        time: QueryTime,
    ) -> Result<Answer, LlmError> {
        self.answer_within(question, previous, time, None).await
    }

    /// [`Answerer::answer`] for an asker who may query only `tables`
    /// (`None`: every table). SQL touching another table is refused by the
    /// guard (and, from an LLM, sent back for repair).
    pub async fn answer_within(
        &self,
        question: &str,
        previous: Option<&Turn>,
        time: QueryTime,
        tables: Option<&[String]>,
    ) -> Result<Answer, LlmError> {
        let started = Instant::now();
        let guard = &*self.guard_for(tables);
        let ctx = Context {
            catalog: &self.catalog,
            now: time.now,
            previous,
        };
        let llm = match self.choose(question, &ctx)? {
            Choice::Builtin(t) => return Ok(self.run_builtin(t, guard, time, started).await),
            Choice::Llm(llm) => llm,
            Choice::Declined {
                reason,
                suggestions,
            } => {
                return Ok(Answer::Declined {
                    reason,
                    suggestions,
                });
            }
            Choice::Failed(message) => return Ok(Answer::Failed { message, sql: None }),
        };
        self.run_llm(llm, guard, question, &ctx, time, started)
            .await
    }

    /// The policy: which translator handles `question` (shared by
    /// [`Answerer::answer`] and [`Answerer::plan`]).
    fn choose(&self, question: &str, ctx: &Context<'_>) -> Result<Choice<'_>, LlmError> {
        let declined = match self.policy {
            Policy::Llm => None,
            Policy::Builtin | Policy::Auto => match self.builtin.translate(question, ctx) {
                Ok(Outcome::Answer(t)) => return Ok(Choice::Builtin(t)),
                Ok(Outcome::Declined {
                    reason,
                    suggestions,
                }) => Some((reason, suggestions)),
                Err(e) => return Ok(Choice::Failed(e.to_string())),
            },
        };
        match (&self.llm, self.policy, declined) {
            (Some(llm), Policy::Llm, _) => Ok(Choice::Llm(llm)),
            (Some(llm), Policy::Auto, Some(d)) if nl::safety::screen(question).is_none() => {
                tracing::info!(
                    message = "Built-in translator declined; asking the LLM.",
                    reason = %d.0
                );
                Ok(Choice::Llm(llm))
            }
            (_, _, Some((reason, suggestions))) => Ok(Choice::Declined {
                reason,
                suggestions,
            }),
            (_, _, None) => Err(LlmError::NotConfigured),
        }
    }

    async fn run_builtin(
        &self,
        translation: nl::Translation,
        guard: &SqlGuard,
        time: QueryTime,
        started: Instant,
    ) -> Answer {
        let sql = translation.sql();
        let prepared = match nl::prepare(translation, guard) {
            Ok(p) => p,
            Err(e) => {
                return Answer::Failed {
                    message: e.to_string(),
                    sql: Some(sql),
                };
            }
        };
        match self.engine.execute(&prepared.guarded, time).await {
            Ok(result) => Answer::Rows {
                plan: prepared.translation.plan().cloned().map(Box::new),
                translator: prepared.translation.translator,
                interpretation: prepared.translation.interpretation,
                result,
                repairs: 0,
                elapsed_ms: started.elapsed().as_millis() as u64,
            },
            Err(e) => Answer::Failed {
                message: e.to_string(),
                sql: Some(prepared.guarded.sql().to_string()),
            },
        }
    }

    async fn run_llm(
        &self,
        llm: &LlmTranslator,
        guard: &SqlGuard,
        question: &str,
        ctx: &Context<'_>,
        time: QueryTime,
        started: Instant,
    ) -> Result<Answer, LlmError> {
        let mut repairs: Vec<Repair> = Vec::new();
        loop {
            let last_sql = repairs
                .last()
                .map(|r| r.sql.clone())
                .filter(|s| !s.is_empty());
            let reply = match llm.translate(question, ctx, &repairs).await {
                Ok(r) => r,
                Err(e) if e.is_configuration() => return Err(e),
                Err(e) => {
                    return Ok(Answer::Failed {
                        message: e.to_string(),
                        sql: last_sql,
                    });
                }
            };
            let (sql, raw, error) = match reply {
                LlmReply::CannotAnswer(reason) => {
                    return Ok(Answer::Declined {
                        reason: format!("{} could not answer: {reason}", llm.name()),
                        suggestions: self.suggestions(question, ctx),
                    });
                }
                LlmReply::NoSql(text) => (String::new(), text, "the reply held no SQL".to_string()),
                LlmReply::Sql { sql, reply } => {
                    let error = match guard.check(&sql) {
                        Err(e) => format!("refused by the SQL guard: {e}"),
                        Ok(guarded) => match self.engine.execute(&guarded, time).await {
                            Ok(result) => {
                                return Ok(Answer::Rows {
                                    translator: llm.name().to_string(),
                                    interpretation: format!(
                                        "SQL written by {} for \"{}\"{}",
                                        llm.name(),
                                        question.trim(),
                                        match repairs.len() {
                                            0 => String::new(),
                                            1 => " (repaired once)".into(),
                                            n => format!(" (repaired {n} times)"),
                                        }
                                    ),
                                    plan: None,
                                    result,
                                    repairs: repairs.len(),
                                    elapsed_ms: started.elapsed().as_millis() as u64,
                                });
                            }
                            // Errors the SQL itself can fix go back to the model.
                            Err(
                                e @ (EngineError::Query(_)
                                | EngineError::Timeout(_)
                                | EngineError::ResourcesExhausted(_)),
                            ) => format!("query failed: {e}"),
                            Err(e) => {
                                return Ok(Answer::Failed {
                                    message: e.to_string(),
                                    sql: Some(guarded.sql().to_string()),
                                });
                            }
                        },
                    };
                    (sql, reply, error)
                }
            };
            tracing::info!(
                message = "LLM query rejected; asking for a repair.",
                translator = %llm.name(),
                attempt = repairs.len() + 1,
                %error
            );
            if repairs.len() == MAX_REPAIRS {
                return Ok(Answer::Failed {
                    message: format!(
                        "{} could not produce a working query after {MAX_REPAIRS} repairs; last error: {error}; rephrase the question or write SQL with `mantissa sql`",
                        llm.name()
                    ),
                    sql: (!sql.is_empty()).then_some(sql),
                });
            }
            repairs.push(Repair {
                reply: raw,
                sql,
                error,
            });
        }
    }

    /// Translates and guards without running (`/api/query` with
    /// `execute: false`): the same policy as [`Answerer::answer`]; LLM SQL
    /// the guard refuses is sent back for repair, at most [`MAX_REPAIRS`] times.
    pub async fn plan(
        &self,
        question: &str,
        previous: Option<&Turn>,
        time: QueryTime,
    ) -> Result<Planned, LlmError> {
        self.plan_within(question, previous, time, None).await
    }

    /// [`Answerer::plan`] for an asker who may query only `tables`.
    pub async fn plan_within(
        &self,
        question: &str,
        previous: Option<&Turn>,
        time: QueryTime,
        tables: Option<&[String]>,
    ) -> Result<Planned, LlmError> {
        let guard = &*self.guard_for(tables);
        let ctx = Context {
            catalog: &self.catalog,
            now: time.now,
            previous,
        };
        let llm = match self.choose(question, &ctx)? {
            Choice::Builtin(t) => {
                let sql = t.sql();
                return Ok(match nl::prepare(t, guard) {
                    Ok(p) => Planned::Sql {
                        translator: p.translation.translator.clone(),
                        interpretation: p.translation.interpretation.clone(),
                        sql: p.guarded.sql().to_string(),
                    },
                    Err(e) => Planned::Failed {
                        message: e.to_string(),
                        sql: Some(sql),
                    },
                });
            }
            Choice::Llm(llm) => llm,
            Choice::Declined {
                reason,
                suggestions,
            } => {
                return Ok(Planned::Declined {
                    reason,
                    suggestions,
                });
            }
            Choice::Failed(message) => return Ok(Planned::Failed { message, sql: None }),
        };
        let mut repairs: Vec<Repair> = Vec::new();
        loop {
            let reply = match llm.translate(question, &ctx, &repairs).await {
                Ok(r) => r,
                Err(e) if e.is_configuration() => return Err(e),
                Err(e) => {
                    return Ok(Planned::Failed {
                        message: e.to_string(),
                        sql: None,
                    });
                }
            };
            let (sql, raw) = match reply {
                LlmReply::CannotAnswer(reason) => {
                    return Ok(Planned::Declined {
                        reason: format!("{} could not answer: {reason}", llm.name()),
                        suggestions: self.suggestions(question, &ctx),
                    });
                }
                LlmReply::NoSql(text) => (String::new(), text),
                LlmReply::Sql { sql, reply } => (sql, reply),
            };
            let error = match guard.check(&sql) {
                Ok(g) if !sql.is_empty() => {
                    return Ok(Planned::Sql {
                        translator: llm.name().to_string(),
                        interpretation: format!(
                            "SQL written by {} for \"{}\"",
                            llm.name(),
                            question.trim()
                        ),
                        sql: g.sql().to_string(),
                    });
                }
                Ok(_) => "the reply held no SQL".to_string(),
                Err(e) => format!("refused by the SQL guard: {e}"),
            };
            if repairs.len() == MAX_REPAIRS {
                return Ok(Planned::Failed {
                    message: format!(
                        "{} could not produce a valid query after {MAX_REPAIRS} repairs; last error: {error}",
                        llm.name()
                    ),
                    sql: (!sql.is_empty()).then_some(sql),
                });
            }
            repairs.push(Repair {
                reply: raw,
                sql,
                error,
            });
        }
    }

    fn suggestions(&self, question: &str, ctx: &Context<'_>) -> Vec<String> {
        match self.builtin.translate(question, ctx) {
            Ok(Outcome::Declined { suggestions, .. }) => suggestions,
            _ => Vec::new(),
        }
    }

    /// Runs SQL written by the user (`:sql` in chat) through the guard and engine.
    pub async fn run_sql(&self, sql: &str, time: QueryTime) -> Answer {
        let started = Instant::now();
        let guarded = match self.guard.check(sql) {
            Ok(g) => g,
            Err(e) => {
                return Answer::Failed {
                    message: format!("query refused by the SQL guard: {e}"),
                    sql: None,
                };
            }
        };
        match self.engine.execute(&guarded, time).await {
            Ok(result) => Answer::Rows {
                translator: "sql".into(),
                interpretation: "your SQL".into(),
                plan: None,
                result,
                repairs: 0,
                elapsed_ms: started.elapsed().as_millis() as u64,
            },
            Err(e) => Answer::Failed {
                message: e.to_string(),
                sql: Some(guarded.sql().to_string()),
            },
        }
    }
}
