//! `mantissa`: the command-line interface of Mantissa Log.
//!
//! One verb per job (`demo`, `ingest`, `sql`, `tables`, `schema`). Global
//! flags (`--config`, `--data-dir`, `--now`) apply to every verb.
//!
//! Exit codes: 0 success; 1 the work failed (a query was refused or failed,
//! nothing could be ingested); 2 bad usage or configuration.

mod app;
mod cli;
mod commands;
mod output;
mod progress;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    init_tracing(cli.global.verbose, cli.global.quiet);
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: cli::Cli) -> anyhow::Result<ExitCode> {
    let app = app::App::from_global(&cli.global)?;
    let code = commands::dispatch(&app, cli.command);
    // Round trips are a cost: say how many (MANTISSA_LOG=info, or -v).
    if let Some(requests) = app.compose.dynamodb_requests().filter(|r| !r.is_empty()) {
        let total: u64 = requests.values().sum();
        let each: Vec<String> = requests.iter().map(|(op, n)| format!("{op}={n}")).collect();
        tracing::info!(total, "dynamodb requests: {total} ({})", each.join(" "));
    }
    code
}

fn init_tracing(verbose: u8, quiet: bool) {
    use tracing_subscriber::EnvFilter;
    let default = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info,datafusion=warn",
        (false, _) => "debug",
    };
    let filter =
        EnvFilter::try_from_env("MANTISSA_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}
