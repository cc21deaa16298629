//! `mantissa stores`: create the state stores' tables.

use std::process::ExitCode;

use crate::app::App;
use crate::cli::{StoresArgs, StoresCommand};

pub(crate) fn run(app: &App, args: &StoresArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        StoresCommand::Create => {
            let created = app.runtime()?.block_on(app.compose.create_stores())?;
            for t in &created {
                println!("created {t}");
            }
            if !app.quiet {
                match app.config().stores.kind {
                    mantissa_core::config::StoresKind::Sqlite => eprintln!(
                        "sqlite stores are files under {}, made on first use",
                        app.data().state().display()
                    ),
                    _ if created.is_empty() => eprintln!("every table already exists"),
                    _ => eprintln!("{} tables created", created.len()),
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
