//! `mantissa tables`: what is queryable, how much, and over what time.

use std::process::ExitCode;

use mantissa_core::engine::QueryTime;
use mantissa_core::engine::result::to_text;
use serde_json::json;

use crate::app::App;
use crate::cli::{SummaryFormat, TablesArgs};
use crate::output;

pub(crate) fn run(app: &App, args: &TablesArgs) -> anyhow::Result<ExitCode> {
    let catalog = app.catalog();
    if args.glue {
        let location = match &args.location {
            Some(l) => l.clone(),
            None => app.compose.tables()?.url(),
        };
        if args.apply {
            return apply_glue(app, catalog.tables(), &location);
        }
        let tables: Vec<_> = catalog
            .tables()
            .iter()
            .map(|t| mantissa_core::catalog::glue::table_input(t, &location))
            .collect();
        println!("{}", serde_json::to_string_pretty(&tables)?);
        return Ok(ExitCode::SUCCESS);
    }
    let (guard, engine) = app.engine()?;
    let rt = app.runtime()?;
    let mut rows = Vec::new();
    let mut json_rows = Vec::new();
    for t in catalog.tables() {
        let sql = format!(
            "SELECT count(*), min({c}), max({c}) FROM {t}",
            c = t.time_column,
            t = t.name
        );
        let guarded = guard.check(&sql)?;
        let r = rt.block_on(engine.execute(&guarded, QueryTime::from_clock(&app.clock())))?;
        let (count, first, last) = r
            .batches
            .first()
            .filter(|b| b.num_rows() > 0)
            .map(|b| {
                (
                    to_text(b.column(0).as_ref(), 0),
                    to_text(b.column(1).as_ref(), 0),
                    to_text(b.column(2).as_ref(), 0),
                )
            })
            .unwrap_or_default();
        json_rows.push(json!({
            "table": t.name, "rows": count.parse::<u64>().unwrap_or(0),
            "first_event": (!first.is_empty()).then_some(&first), "last_event": (!last.is_empty()).then_some(&last),
            "description": t.description,
        }));
        // Whole seconds are enough for a time span.
        let secs = |s: &str| s.split('.').next().unwrap_or("").to_string();
        rows.push(vec![
            t.name.clone(),
            count,
            secs(&first),
            secs(&last),
            t.description.clone(),
        ]);
    }
    match args.format {
        SummaryFormat::Json => println!("{}", json!({ "tables": json_rows })),
        SummaryFormat::Text => {
            let headers = [
                "table",
                "rows",
                "first event (UTC)",
                "last event (UTC)",
                "description",
            ]
            .map(String::from);
            print!(
                "{}",
                output::table(
                    &headers,
                    &rows,
                    output::terminal_width(),
                    &[false, true, false, false, false]
                )
            );
            if rows.iter().all(|r| r[1] == "0") && !app.quiet {
                eprintln!("no data yet: run `mantissa demo` or `mantissa ingest <path>`");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(feature = "aws")]
fn apply_glue(
    app: &App,
    tables: &[std::sync::Arc<mantissa_core::catalog::TableDef>],
    location: &str,
) -> anyhow::Result<ExitCode> {
    use mantissa_core::catalog::glue_catalog::GlueCatalog;
    let database = &app.config().engine.athena.database;
    let rt = app.runtime()?;
    let applied = rt.block_on(async {
        GlueCatalog::from_env(database)
            .await
            .apply(tables, location)
            .await
    })?;
    if !app.quiet {
        if applied.database_created {
            println!("created Glue database {database}");
        }
        for t in &applied.created {
            println!(
                "created table {database}.{t} ({}/{t}/)",
                location.trim_end_matches('/')
            );
        }
        for t in &applied.updated {
            println!(
                "updated table {database}.{t} ({}/{t}/)",
                location.trim_end_matches('/')
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "aws"))]
fn apply_glue(
    _: &App,
    _: &[std::sync::Arc<mantissa_core::catalog::TableDef>],
    _: &str,
) -> anyhow::Result<ExitCode> {
    anyhow::bail!(
        "--apply talks to AWS Glue, which this build leaves out: rebuild with `cargo build --release --features aws`, or drop --apply to print the definitions"
    )
}
