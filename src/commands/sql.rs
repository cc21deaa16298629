//! `mantissa sql`: guard → engine → table/JSON/CSV.

use std::process::ExitCode;
use std::time::Duration;

use mantissa_core::engine::{QueryResult, QueryTime};

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
    let mut runs: Vec<Duration> = Vec::new();
    let mut result: Option<QueryResult> = None;
    for _ in 0..args.repeat.max(1) {
        match rt.block_on(engine.execute(&guarded, QueryTime::from_clock(&app.clock()))) {
            Ok(r) => {
                runs.push(r.elapsed);
                result = Some(r);
            }
            Err(e) => {
                eprintln!("error: {e}");
                eprintln!("  sql: {}", guarded.sql());
                return Ok(ExitCode::from(1));
            }
        }
    }
    let Some(mut result) = result else {
        return Ok(ExitCode::from(1));
    };
    if runs.len() > 1 {
        let mut sorted = runs.clone();
        sorted.sort();
        result.elapsed = sorted[sorted.len() / 2];
        if !app.quiet && args.format != ResultFormat::Json {
            eprintln!(
                "{} runs: median {:.2} ms, fastest {:.2} ms, slowest {:.2} ms (first {:.2} ms)",
                runs.len(),
                ms(result.elapsed),
                ms(sorted[0]),
                ms(sorted[sorted.len() - 1]),
                ms(runs[0]),
            );
        }
    }
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
        ResultFormat::Json => {
            let mut json = output::result_json(&result);
            if runs.len() > 1 {
                let times: Vec<f64> = runs
                    .iter()
                    .map(|d| (ms(*d) * 100.0).round() / 100.0)
                    .collect();
                json["runs_ms"] = times.into();
            }
            println!("{json}");
        }
        ResultFormat::Csv => print!("{}", output::result_csv(&result)),
    }
    Ok(ExitCode::SUCCESS)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
