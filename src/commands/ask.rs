//! `mantissa ask`: question → translator → guard → engine → answer, with the
//! interpretation and SQL shown. Also the conversation machinery `chat` uses.

use std::process::ExitCode;

use mantissa::service::Conversations;
use mantissa_core::answer::Answer;
use mantissa_core::nl::Turn;
use serde_json::json;

use crate::app::App;
use crate::cli::{AskArgs, ResultFormat, TranslatorChoice};
use crate::output;

/// Answers questions in one process: the conversations of the service
/// (answering, sessions) and a runtime to drive them from the synchronous
/// CLI.
pub(crate) struct Asker {
    service: Conversations,
    rt: tokio::runtime::Runtime,
}

impl Asker {
    pub(crate) fn new(app: &App, choice: TranslatorChoice) -> anyhow::Result<Self> {
        Ok(Self {
            service: Conversations::new(&app.compose, choice.policy())?,
            rt: app.runtime()?,
        })
    }

    pub(crate) fn previous(&self, session: Option<&str>) -> anyhow::Result<Option<Turn>> {
        Ok(self.rt.block_on(self.service.previous(session))?)
    }

    pub(crate) fn forget(&self, session: &str) -> anyhow::Result<()> {
        Ok(self.rt.block_on(self.service.forget(session))?)
    }

    /// Answers a question, recording the turn in the session.
    pub(crate) fn ask(&self, question: &str, session: Option<&str>) -> anyhow::Result<Answer> {
        check_session(session)?;
        Ok(self
            .rt
            .block_on(self.service.answer(question, session, None))?)
    }

    /// Runs edited SQL through the guard and engine, recording it in the session.
    pub(crate) fn run_sql(&self, sql: &str, session: Option<&str>) -> anyhow::Result<Answer> {
        check_session(session)?;
        Ok(self.rt.block_on(self.service.run_sql(sql, session)))
    }
}

/// A `--session` id the store cannot take is a usage error, not a warning.
fn check_session(session: Option<&str>) -> anyhow::Result<()> {
    if let Some(id) = session {
        mantissa_core::session::validate_id(id)?;
    }
    Ok(())
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
                    "bytes_scanned": result.scan.as_ref().map(|s| s.bytes),
                    "cost_usd": result.scan.as_ref().and_then(|s| s.usd),
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
