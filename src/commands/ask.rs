//! `mantissa ask`: question → translator → guard → engine → answer, with the
//! interpretation and SQL shown. Also the conversation machinery `chat` uses.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use mantissa_core::answer::{Answer, Answerer, Policy};
use mantissa_core::engine::QueryTime;
use mantissa_core::llm::LlmTranslator;
use mantissa_core::nl::Turn;
use mantissa_core::session::SessionStore;
use mantissa_core::session::sqlite::{DEFAULT_EXPIRY, SqliteSessionStore};
use serde_json::json;

use crate::app::App;
use crate::cli::{AskArgs, ResultFormat, TranslatorChoice};
use crate::output;

/// Everything needed to answer questions in one process: the policy and
/// repair loop live in core ([`Answerer`]); this adds the session store.
pub(crate) struct Asker {
    answerer: Answerer,
    store: SqliteSessionStore,
    rt: tokio::runtime::Runtime,
    time: QueryTime,
}

impl Asker {
    pub(crate) fn new(app: &App, choice: TranslatorChoice) -> anyhow::Result<Self> {
        let policy = match choice {
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
        let store = SqliteSessionStore::open(&app.data.state().join("sessions.db"), DEFAULT_EXPIRY)
            .context("cannot open the session store")?;
        Ok(Self {
            answerer,
            store,
            rt: app.runtime()?,
            time: QueryTime::from_clock(&app.clock),
        })
    }

    pub(crate) fn previous(&self, session: Option<&str>) -> anyhow::Result<Option<Turn>> {
        match session {
            Some(id) => Ok(self.store.get(id, self.time.now)?),
            None => Ok(None),
        }
    }

    pub(crate) fn forget(&self, session: &str) -> anyhow::Result<()> {
        Ok(self.store.clear(session)?)
    }

    /// Answers a question, recording the turn in the session.
    pub(crate) fn ask(&self, question: &str, session: Option<&str>) -> anyhow::Result<Answer> {
        let previous = self.previous(session)?;
        let answer =
            self.rt
                .block_on(self.answerer.answer(question, previous.as_ref(), self.time))?;
        self.remember(&answer, question, session)?;
        Ok(answer)
    }

    /// Runs edited SQL through the guard and engine, recording it in the session.
    pub(crate) fn run_sql(&self, sql: &str, session: Option<&str>) -> anyhow::Result<Answer> {
        let answer = self.rt.block_on(self.answerer.run_sql(sql, self.time));
        self.remember(&answer, sql, session)?;
        Ok(answer)
    }

    fn remember(
        &self,
        answer: &Answer,
        question: &str,
        session: Option<&str>,
    ) -> anyhow::Result<()> {
        if let (Some(id), Some(turn)) = (session, answer.turn(question)) {
            self.store.put(id, &turn, self.time.now)?;
        }
        Ok(())
    }
}

/// The human-readable rendering of an answer (interpretation and SQL above the table).
pub(crate) fn render_text(answer: &Answer, width: usize) -> String {
    match answer {
        Answer::Rows {
            interpretation,
            result,
            ..
        } => {
            let mut s = format!("{interpretation}\n  {}\n\n", result.sql);
            s.push_str(&output::result_table(result, width));
            if result.row_count == 0 {
                s.push_str(
                    "no rows; check the time range (is --now right?) or widen the filters\n",
                );
            }
            s
        }
        Answer::Declined {
            reason,
            suggestions,
        } => {
            let mut s = format!("Not sure how to answer that: {reason}.\n");
            if !suggestions.is_empty() {
                s.push_str("Try:\n");
                for q in suggestions {
                    s.push_str(&format!("  - {q}\n"));
                }
            }
            s
        }
        Answer::Failed { message, sql } => {
            let mut s = format!("error: {message}\n");
            if let Some(sql) = sql {
                s.push_str(&format!("  sql: {sql}\n"));
            }
            s
        }
    }
}

/// Writes to stdout; a reader that went away (`| head`) is not an error.
fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

pub(crate) fn run(app: &App, args: &AskArgs) -> anyhow::Result<ExitCode> {
    if let Some(id) = &args.session {
        mantissa_core::session::validate_id(id)?;
    }
    let asker = Asker::new(app, args.translator)?;
    let answer = asker.ask(&args.question, args.session.as_deref())?;
    match (&answer, args.format) {
        (Answer::Failed { .. }, _) => {
            eprint!("{}", render_text(&answer, output::terminal_width()));
            return Ok(ExitCode::from(1));
        }
        (_, ResultFormat::Table) => emit(&render_text(&answer, output::terminal_width()))?,
        (
            Answer::Declined {
                reason,
                suggestions,
            },
            ResultFormat::Json,
        ) => {
            if !app.quiet {
                eprintln!("declined: {reason}");
            }
            emit(&format!(
                "{}\n",
                json!({"question": args.question, "declined": true, "suggestions": suggestions})
            ))?;
        }
        (
            Answer::Declined {
                reason,
                suggestions,
            },
            ResultFormat::Csv,
        ) => {
            eprintln!("declined: {reason}");
            for s in suggestions {
                eprintln!("  try: {s}");
            }
        }
        (
            Answer::Rows {
                interpretation,
                translator,
                result,
                elapsed_ms,
                ..
            },
            ResultFormat::Json,
        ) => {
            emit(&format!(
                "{}\n",
                json!({
                    "question": args.question,
                    "interpretation": interpretation,
                    "sql": result.sql,
                    "translator": translator,
                    "columns": result.columns(),
                    "rows": result.json_rows(),
                    "row_count": result.row_count,
                    "truncated": result.truncated,
                    "elapsed_ms": elapsed_ms,
                    "session": args.session,
                })
            ))?;
        }
        (
            Answer::Rows {
                interpretation,
                result,
                ..
            },
            ResultFormat::Csv,
        ) => {
            if !app.quiet {
                eprintln!("{interpretation}\n  {}", result.sql);
            }
            emit(&output::result_csv(result))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
