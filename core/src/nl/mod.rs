//! Questions in plain English → a typed plan → Athena SQL.
//!
//! A [`Translator`] turns a question (plus the conversation so far) into a
//! [`Translation`]: a [`QuerySpec`] or raw SQL, a one-sentence
//! interpretation and the translator's name, or [`Outcome::Declined`] with
//! "did you mean" suggestions when it is not confident. The built-in
//! translator ([`builtin::BuiltinTranslator`]) needs no network; LLM
//! translators implement the same trait and return SQL. Whatever the
//! origin, the SQL goes through [`crate::guard::SqlGuard::check`] before an
//! engine sees it ([`prepare`]).
//!
//! Request path: question → [`Translator::translate`] → [`compile::compile`]
//! (plans) → guard → engine; the session keeps the plan and SQL for
//! follow-ups ([`crate::session`]).

pub mod actions;
pub mod builtin;
pub mod compile;
pub mod entities;
pub mod fields;
pub mod followup;
pub mod gazetteer;
pub mod interpret;
pub mod plan;
mod reading;
pub mod safety;
pub mod spec;
pub mod time;
pub mod tokens;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::guard::{GuardError, GuardedSql, SqlGuard};

pub use builtin::BuiltinTranslator;
pub use spec::QuerySpec;

/// What a translator knows besides the question.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The tables that can be queried.
    pub catalog: &'a Catalog,
    /// "Now" for relative times (the query clock, `--now`).
    pub now: DateTime<Utc>,
    /// The previous turn of the conversation, if any.
    pub previous: Option<&'a Turn>,
}

/// One answered turn of a conversation, kept for follow-ups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    /// The question as asked.
    pub question: String,
    /// The plan, when the translator produced one (LLM translators may not).
    pub plan: Option<QuerySpec>,
    /// The SQL that ran (after the guard).
    pub sql: String,
}

/// What a translation produced: a plan (compiled by [`compile::compile`]) or SQL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Query {
    /// A typed plan.
    Plan(QuerySpec),
    /// SQL text (LLM translators, edited SQL).
    Sql(String),
}

/// A confident answer to a question.
#[derive(Debug, Clone, PartialEq)]
pub struct Translation {
    /// The plan or SQL.
    pub query: Query,
    /// One sentence saying what will be shown.
    pub interpretation: String,
    /// Which translator answered: `builtin` or `llm:<provider>`.
    pub translator: String,
    /// How sure the translator is, 0-1.
    pub confidence: f32,
}

impl Translation {
    /// The SQL to run (before the guard).
    pub fn sql(&self) -> String {
        match &self.query {
            Query::Plan(p) => compile::compile(p),
            Query::Sql(s) => s.clone(),
        }
    }

    /// The plan, if the translator produced one.
    pub fn plan(&self) -> Option<&QuerySpec> {
        match &self.query {
            Query::Plan(p) => Some(p),
            Query::Sql(_) => None,
        }
    }
}

/// The result of translating a question.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Confident: run this.
    Answer(Translation),
    /// Not confident, or not a question about the logs.
    Declined {
        /// Why, in one sentence.
        reason: String,
        /// "Did you mean …" questions the translator can answer.
        suggestions: Vec<String>,
    },
}

/// Why a translator failed (as opposed to declining).
#[derive(Debug, thiserror::Error)]
pub enum NlError {
    /// The translator is not available (e.g. no LLM configured).
    #[error("{0}")]
    Unavailable(String),
    /// The translator's backend failed (network, provider error).
    #[error("translator `{translator}` failed: {message}")]
    Backend {
        /// The translator.
        translator: String,
        /// What went wrong.
        message: String,
    },
    /// The SQL produced was refused by the guard.
    #[error("the generated query was refused by the SQL guard: {0}")]
    Guard(#[from] GuardError),
}

/// Turns questions into queries.
///
/// # Contract
/// - `translate` never runs a query and never returns SQL that bypasses the
///   guard: callers pass the result through [`prepare`].
/// - A question it cannot answer with confidence is [`Outcome::Declined`]
///   with suggestions, not a guess; questions that are not about the logs
///   (or that try to change anything) are always declined.
/// - With `context.previous`, a follow-up ("only errors", "group by user")
///   edits the previous plan; a new question starts afresh.
pub trait Translator: Send + Sync + std::fmt::Debug {
    /// Short name shown with every answer (`builtin`, `llm:bedrock`).
    fn name(&self) -> &str;

    /// Translates one question.
    fn translate(&self, question: &str, context: &Context<'_>) -> Result<Outcome, NlError>;
}

/// A translation checked by the guard, ready for an engine.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The translation.
    pub translation: Translation,
    /// The SQL that runs.
    pub guarded: GuardedSql,
}

/// Compiles (if needed) and guards a translation.
pub fn prepare(translation: Translation, guard: &SqlGuard) -> Result<Prepared, NlError> {
    let guarded = guard.check(&translation.sql())?;
    Ok(Prepared {
        translation,
        guarded,
    })
}
