//! `mantissa sql`: guard → engine → table/JSON/CSV.

use std::process::ExitCode;

use mantissa_core::engine::{QueryEngine, QueryResult, QueryTime};

use crate::app::App;
use crate::cli::{ResultFormat, SqlArgs};
use crate::output;

pub(crate) fn run(app: &App, args: &SqlArgs) -> anyhow::Result<ExitCode> {
    let (guard, engine) = app.engine()?;
    let guarded = match guard.check(&args.sql) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("error: query refused by the SQL guard: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let rt = app.runtime()?;
    let result: QueryResult =
        match rt.block_on(engine.execute(&guarded, QueryTime::from_clock(&app.clock))) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                eprintln!("  sql: {}", guarded.sql());
                return Ok(ExitCode::from(1));
            }
        };
    match args.format {
        ResultFormat::Table => {
            if !app.quiet {
                eprintln!("{}", guarded.sql());
            }
            print!(
                "{}",
                output::result_table(&result, output::terminal_width())
            );
            if result.schema.fields().len() > 10 && !app.quiet {
                eprintln!(
                    "wide result: name the columns you need, or use --format json for every field"
                );
            }
            if result.row_count == 0 && !app.quiet {
                eprintln!("no rows; check the time range (is --now right?) or widen the filters");
            }
        }
        ResultFormat::Json => println!("{}", output::result_json(&result)),
        ResultFormat::Csv => print!("{}", output::result_csv(&result)),
    }
    Ok(ExitCode::SUCCESS)
}
