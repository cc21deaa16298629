//! `mantissa ingest`: files → tables, with a summary of what went where.

use std::process::ExitCode;

use mantissa_core::ingest::{IngestOptions, IngestReport};

use crate::app::App;
use crate::cli::{IngestArgs, SummaryFormat};
use crate::progress::Bar;

pub(crate) fn run(app: &App, args: &IngestArgs) -> anyhow::Result<ExitCode> {
    let bar = Bar::bytes(app.quiet || args.format == SummaryFormat::Json, "ingesting");
    let opts = IngestOptions {
        source: args.source.clone(),
    };
    let report = app.compose.ingestor()?.run(&args.paths, &opts, &bar);
    bar.finish();
    let report = report?;
    match args.format {
        SummaryFormat::Json => println!("{}", serde_json::to_string(&report)?),
        SummaryFormat::Text => {
            if !app.quiet {
                print!("{}", summary(&report));
            }
        }
    }
    Ok(exit_code(&report))
}

/// Non-zero only when nothing could be read.
pub(crate) fn exit_code(report: &IngestReport) -> ExitCode {
    if report.files_read == 0 && report.files_skipped == 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// The human-readable summary.
pub(crate) fn summary(r: &IngestReport) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let secs = r.elapsed_ms as f64 / 1000.0;
    let _ = writeln!(
        out,
        "Read {} file{} ({}) in {secs:.1} s: {} row{} written to {} Parquet file{}.",
        r.files_read,
        if r.files_read == 1 { "" } else { "s" },
        human_bytes(r.bytes_read),
        r.records_total(),
        if r.records_total() == 1 { "" } else { "s" },
        r.parquet_files,
        if r.parquet_files == 1 { "" } else { "s" },
    );
    for (table, n) in &r.records {
        let rows = if *n == 1 { "row" } else { "rows" };
        let _ = writeln!(out, "  {table:<14} {n:>10} {rows}");
    }
    if r.files.is_empty() {
        let _ = writeln!(
            out,
            "No log files found. In directories, files ending in .json, .jsonl, .ndjson, .log, .txt or .gz are read."
        );
    }
    if r.files_skipped > 0 {
        let _ = writeln!(
            out,
            "Skipped {} file(s) already ingested (same content).",
            r.files_skipped
        );
    }
    if r.files_ignored > 0 {
        let _ = writeln!(
            out,
            "Ignored {} file(s) without a log file extension (.json, .jsonl, .log, .gz, ...).",
            r.files_ignored
        );
    }
    if r.quarantined_total() > 0 {
        let _ = writeln!(out, "Quarantined {} record(s):", r.quarantined_total());
        for (reason, n) in &r.quarantined {
            let _ = writeln!(out, "  {reason:<24} {n:>8}");
        }
        if let Some(p) = &r.quarantine_file {
            let _ = writeln!(
                out,
                "  details (file, line, reason, record): {}",
                p.display()
            );
        }
    }
    for f in r.files.iter().filter(|f| f.error.is_some()) {
        let _ = writeln!(
            out,
            "Failed: {}: {}",
            f.path,
            f.error.as_deref().unwrap_or("")
        );
    }
    out
}
