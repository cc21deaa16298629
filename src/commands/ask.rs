//! `mantissa ask`: question → translator → guard → engine → answer, with the
//! interpretation and SQL shown. Also the conversation machinery `chat` uses.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use mantissa_core::catalog::Catalog;
use mantissa_core::engine::datafusion::DataFusionEngine;
use mantissa_core::engine::{QueryEngine, QueryResult, QueryTime};
use mantissa_core::guard::SqlGuard;
use mantissa_core::nl::{self, BuiltinTranslator, Context, Outcome, Translator, Turn};
use mantissa_core::session::SessionStore;
use mantissa_core::session::sqlite::{DEFAULT_EXPIRY, SqliteSessionStore};
use serde_json::json;

use crate::app::App;
use crate::cli::{AskArgs, ResultFormat, TranslatorChoice};
use crate::output;

/// What one question produced.
pub(crate) enum Answer {
    /// A query ran.
    Rows {
        interpretation: String,
        translator: String,
        result: QueryResult,
        elapsed_ms: u64,
    },
    /// The translator declined.
    Declined {
        reason: String,
        suggestions: Vec<String>,
    },
    /// The query was refused or failed (message, SQL if any).
    Failed {
        message: String,
        sql: Option<String>,
    },
}

/// Everything needed to answer questions in one process.
pub(crate) struct Asker {
    catalog: Catalog,
    guard: SqlGuard,
    engine: DataFusionEngine,
    translator: Box<dyn Translator>,
    store: SqliteSessionStore,
    rt: tokio::runtime::Runtime,
    time: QueryTime,
}

impl Asker {
    pub(crate) fn new(app: &App, choice: TranslatorChoice) -> anyhow::Result<Self> {
        let translator: Box<dyn Translator> = match choice {
            TranslatorChoice::Builtin | TranslatorChoice::Auto => {
                Box::new(BuiltinTranslator::default())
            }
            TranslatorChoice::Llm => anyhow::bail!(
                "no LLM translator is configured: LLM providers (Bedrock, Anthropic, OpenAI-compatible) are not available in this build; use --translator builtin or auto"
            ),
        };
        let (guard, engine) = app.engine()?;
        let store = SqliteSessionStore::open(&app.data.state().join("sessions.db"), DEFAULT_EXPIRY)
            .context("cannot open the session store")?;
        Ok(Self {
            catalog: app.catalog(),
            guard,
            engine,
            translator,
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
        let started = Instant::now();
        let previous = self.previous(session)?;
        let ctx = Context {
            catalog: &self.catalog,
            now: self.time.now,
            previous: previous.as_ref(),
        };
        let translation = match self.translator.translate(question, &ctx)? {
            Outcome::Answer(t) => t,
            Outcome::Declined {
                reason,
                suggestions,
            } => {
                return Ok(Answer::Declined {
                    reason,
                    suggestions,
                });
            }
        };
        let sql = translation.sql();
        let prepared = match nl::prepare(translation, &self.guard) {
            Ok(p) => p,
            Err(e) => {
                return Ok(Answer::Failed {
                    message: e.to_string(),
                    sql: Some(sql),
                });
            }
        };
        let result = match self
            .rt
            .block_on(self.engine.execute(&prepared.guarded, self.time))
        {
            Ok(r) => r,
            Err(e) => {
                return Ok(Answer::Failed {
                    message: e.to_string(),
                    sql: Some(prepared.guarded.sql().to_string()),
                });
            }
        };
        if let Some(id) = session {
            let turn = Turn {
                question: question.to_string(),
                plan: prepared.translation.plan().cloned(),
                sql: prepared.guarded.sql().to_string(),
            };
            self.store.put(id, &turn, self.time.now)?;
        }
        Ok(Answer::Rows {
            interpretation: prepared.translation.interpretation,
            translator: prepared.translation.translator,
            result,
            elapsed_ms: started.elapsed().as_millis() as u64,
        })
    }

    /// Runs edited SQL through the guard and engine, recording it in the session.
    pub(crate) fn run_sql(&self, sql: &str, session: Option<&str>) -> anyhow::Result<Answer> {
        let started = Instant::now();
        let guarded = match self.guard.check(sql) {
            Ok(g) => g,
            Err(e) => {
                return Ok(Answer::Failed {
                    message: format!("query refused by the SQL guard: {e}"),
                    sql: None,
                });
            }
        };
        let result = match self.rt.block_on(self.engine.execute(&guarded, self.time)) {
            Ok(r) => r,
            Err(e) => {
                return Ok(Answer::Failed {
                    message: e.to_string(),
                    sql: Some(guarded.sql().to_string()),
                });
            }
        };
        if let Some(id) = session {
            let turn = Turn {
                question: sql.to_string(),
                plan: None,
                sql: guarded.sql().to_string(),
            };
            self.store.put(id, &turn, self.time.now)?;
        }
        Ok(Answer::Rows {
            interpretation: "your SQL".into(),
            translator: "sql".into(),
            result,
            elapsed_ms: started.elapsed().as_millis() as u64,
        })
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
