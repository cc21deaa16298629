//! `mantissa chat`: a conversation in the terminal. One question or command
//! per line; works with piped input too (no prompt then).
//!
//! Commands: `:sql` shows the last SQL, `:sql SELECT …` runs edited SQL
//! (through the guard), `:new` starts a new conversation, `:help`, `:quit`.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use crate::app::App;
use crate::cli::ChatArgs;
use crate::commands::ask::{Asker, render_text};
use crate::output;

const HELP: &str = "Ask about your logs in plain English; follow-ups refine the last answer \
(\"only errors\", \"group by user\", \"same for yesterday\").\n  :sql          show the last query\n  :sql SELECT…  run an edited query\n  :new          start a new conversation\n  :quit         leave\n";

pub(crate) fn run(app: &App, args: &ChatArgs) -> anyhow::Result<ExitCode> {
    match converse(app, args) {
        // The reader went away (`mantissa chat | head`): not an error.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            Ok(ExitCode::SUCCESS)
        }
        other => other,
    }
}

fn converse(app: &App, args: &ChatArgs) -> anyhow::Result<ExitCode> {
    let asker = Asker::new(app, args.translator)?;
    let mut session = match &args.session {
        Some(id) => {
            mantissa_core::session::validate_id(id)?;
            id.clone()
        }
        None => new_id(),
    };
    let interactive = std::io::stdin().is_terminal();
    let mut out = std::io::stdout().lock();
    if interactive {
        writeln!(
            out,
            "Mantissa chat (session {session}). :help for commands, :quit to leave."
        )?;
    }
    let width = output::terminal_width();
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    loop {
        if interactive {
            write!(out, "mantissa> ")?;
            out.flush()?;
        }
        let Some(line) = lines.next() else { break };
        let line = line?;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if !interactive {
            writeln!(out, "> {line}")?;
        }
        match line {
            ":quit" | ":q" | ":exit" => break,
            ":help" | ":h" | ":?" => write!(out, "{HELP}")?,
            ":new" => {
                asker.forget(&session)?;
                session = new_id();
                writeln!(out, "new conversation (session {session})")?;
            }
            ":sql" => match asker.previous(Some(&session))? {
                Some(t) => writeln!(out, "{}", t.sql)?,
                None => writeln!(out, "no query yet; ask a question first")?,
            },
            _ if line.starts_with(":sql ") => {
                let answer = asker.run_sql(line[5..].trim(), Some(&session))?;
                write!(out, "{}", render_text(&answer, width))?;
            }
            _ if line.starts_with(':') => {
                writeln!(
                    out,
                    "unknown command `{line}`; commands: :sql, :new, :help, :quit"
                )?;
            }
            _ => {
                let answer = asker.ask(line, Some(&session))?;
                write!(out, "{}", render_text(&answer, width))?;
            }
        }
        writeln!(out)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn new_id() -> String {
    // The wall clock even under `--now`: ids must differ between runs.
    let t = mantissa_core::clock::Clock::system()
        .now()
        .timestamp_millis();
    format!("chat-{t}-{}", std::process::id())
}
