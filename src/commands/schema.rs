//! `mantissa schema TABLE`: columns, types and what they mean.

use std::process::ExitCode;

use crate::app::App;
use crate::cli::SchemaArgs;
use crate::output;

pub(crate) fn run(app: &App, args: &SchemaArgs) -> anyhow::Result<ExitCode> {
    let catalog = app.catalog();
    let Some(table) = catalog.get(&args.table) else {
        let close: Vec<&str> = catalog
            .tables()
            .iter()
            .map(|t| t.name.as_str())
            .filter(|n| mantissa_core::guard::edit_distance(&args.table.to_lowercase(), n) <= 3)
            .collect();
        let hint = if close.is_empty() {
            String::new()
        } else {
            format!("; did you mean `{}`?", close.join("`, `"))
        };
        eprintln!(
            "error: unknown table `{}`{hint} (known tables: {})",
            args.table,
            catalog.names()
        );
        return Ok(ExitCode::from(1));
    };
    println!(
        "{}: {} (event time: {}, partitioned by dt)\n",
        table.name, table.description, table.time_column
    );
    let rows: Vec<Vec<String>> = table
        .columns()
        .into_iter()
        .map(|c| vec![c.path, c.sql_type, c.description])
        .collect();
    let headers = ["column", "type", "description"].map(String::from);
    print!(
        "{}",
        output::table(&headers, &rows, output::terminal_width().max(100), &[])
    );
    Ok(ExitCode::SUCCESS)
}
