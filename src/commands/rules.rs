//! `mantissa rules`: list, show, validate, test, enable/disable, backtest.

use std::process::ExitCode;

use anyhow::Context;
use mantissa_core::clock::format_instant;
use mantissa_detector::testing::run_tests;
use serde_json::json;

use super::detect::{find, print_report, report_load_errors, select, time_arg};
use crate::app::App;
use crate::cli::{RulesArgs, RulesCommand, SummaryFormat};
use crate::output;
use crate::progress::Bar;

pub(crate) fn run(app: &App, args: &RulesArgs) -> anyhow::Result<ExitCode> {
    if let RulesCommand::Sync { from, to, dry_run } = &args.command {
        return sync(app, from, to.as_deref(), *dry_run);
    }
    let loaded = app.rules(&args.sources);
    match &args.command {
        RulesCommand::Validate => {
            for e in &loaded.errors {
                println!("{e}");
            }
            let n = loaded.rules.len();
            if loaded.errors.is_empty() {
                if !app.quiet {
                    eprintln!("{n} rule{} valid", if n == 1 { "" } else { "s" });
                }
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!(
                    "{} rule file{} invalid, {n} valid",
                    loaded.errors.len(),
                    if loaded.errors.len() == 1 { "" } else { "s" }
                );
                Ok(ExitCode::from(1))
            }
        }
        RulesCommand::List { format } => {
            report_load_errors(app, &loaded);
            let detector = app.detector()?;
            let rt = app.runtime()?;
            let mut rows = Vec::new();
            let mut json_rows = Vec::new();
            for r in &loaded.rules {
                let state = rt.block_on(detector.store().rule_state(&r.id))?;
                let enabled = state.enabled.unwrap_or(r.enabled);
                json_rows.push(json!({
                    "id": r.id, "name": r.name, "severity": r.severity, "category": r.category,
                    "enabled": enabled, "schedule": r.schedule.to_string(),
                    "window": r.threshold.window.to_string(),
                    "mitre_attack": r.metadata.mitre_attack, "source": r.origin.source,
                    "last_success": state.last_success.map(format_instant),
                    "failures": state.failures, "last_error": state.last_error,
                }));
                rows.push(vec![
                    r.id.clone(),
                    r.severity.to_string(),
                    r.category.to_string(),
                    if enabled { "yes" } else { "no" }.into(),
                    r.schedule.to_string(),
                    r.threshold.window.to_string(),
                    r.metadata.mitre_attack.join(","),
                    if state.failures > 0 {
                        format!("{} failure(s)", state.failures)
                    } else {
                        String::new()
                    },
                ]);
            }
            match format {
                SummaryFormat::Json => {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&json!({ "rules": json_rows }))?
                    )
                }
                SummaryFormat::Text => {
                    let headers: Vec<String> = [
                        "ID", "SEVERITY", "CATEGORY", "ENABLED", "EVERY", "WINDOW", "MITRE", "",
                    ]
                    .iter()
                    .map(|s| s.to_string())
                    .collect();
                    print!(
                        "{}",
                        output::table(&headers, &rows, output::terminal_width(), &[])
                    );
                    if !app.quiet {
                        eprintln!("{} rules", rows.len());
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        RulesCommand::Show { id } => {
            let r = find(&loaded, id)?;
            println!("id:          {}", r.id);
            println!("name:        {}", r.name);
            println!("description: {}", r.description);
            println!("file:        {}", r.origin.path);
            println!(
                "severity:    {}   category: {}   enabled in file: {}",
                r.severity, r.category, r.enabled
            );
            println!(
                "schedule:    every {}   window: {}   threshold: {} row(s)",
                r.schedule, r.threshold.window, r.threshold.count
            );
            println!(
                "dedup:       {}   suppress: {}",
                r.dedup_fields
                    .as_ref()
                    .map(|f| f.join(", "))
                    .unwrap_or_else(|| "every text column".into()),
                r.suppress
            );
            println!("mitre:       {}", r.metadata.mitre_attack.join(", "));
            println!("tags:        {}", r.metadata.tags.join(", "));
            if let Some(fp) = &r.metadata.false_positives {
                println!("false positives: {}", fp.joined());
            }
            for link in &r.metadata.references {
                println!("reference:   {link}");
            }
            println!("tests:       {}", r.tests.len());
            println!("query:\n{}", r.query.trim_end());
            Ok(ExitCode::SUCCESS)
        }
        RulesCommand::Test { ids } => {
            report_load_errors(app, &loaded);
            let rules = select(&loaded, ids)?;
            let total: usize = rules.iter().map(|r| r.tests.len()).sum();
            let bar = Bar::items(app.quiet, "testing");
            bar.set_length(total as u64);
            let mut failed = 0;
            let mut passed = 0;
            let mut untested = Vec::new();
            for r in &rules {
                if r.tests.is_empty() {
                    untested.push(r.id.as_str());
                }
                for t in run_tests(r, app.config(), &app.compose) {
                    match &t.result {
                        Ok(()) => passed += 1,
                        Err(e) => {
                            failed += 1;
                            bar.finish();
                            println!("FAIL {} :: {}\n     {e}", t.rule_id, t.name);
                        }
                    }
                    bar.set_position((passed + failed) as u64);
                }
            }
            bar.finish();
            if !untested.is_empty() && !app.quiet {
                eprintln!("rules without tests: {}", untested.join(", "));
            }
            eprintln!(
                "{passed} passed, {failed} failed ({} rules){}",
                rules.len(),
                if loaded.errors.is_empty() {
                    String::new()
                } else {
                    format!(", {} rule files not loaded", loaded.errors.len())
                }
            );
            Ok(if failed == 0 && loaded.errors.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        RulesCommand::Enable { id } | RulesCommand::Disable { id } => {
            let on = matches!(args.command, RulesCommand::Enable { .. });
            let r = find(&loaded, id)?;
            let detector = app.detector()?;
            app.runtime()?
                .block_on(detector.store().set_enabled(&r.id, on))?;
            if !app.quiet {
                eprintln!(
                    "rule `{}` {}",
                    r.id,
                    if on { "enabled" } else { "disabled" }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        RulesCommand::Sync { .. } => unreachable!("handled above"),
        RulesCommand::Backtest {
            id,
            from,
            to,
            format,
        } => {
            report_load_errors(app, &loaded);
            let r = find(&loaded, id)?;
            let from = time_arg(app, from).context("--from")?;
            let to = time_arg(app, to).context("--to")?;
            // A scratch store: a backtest never touches live dedup state.
            let (state, alerts) = app.compose.scratch_stores()?;
            let detector = app.compose.detector_with(state, alerts)?;
            let bar = Bar::items(app.quiet, "backtest");
            let progress = |done: usize, total: usize| {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            };
            let report = app
                .runtime()?
                .block_on(detector.replay(&[r], from, to, &progress))?;
            bar.finish();
            print_report(app, &report, *format, 1);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `mantissa rules sync`: validate a local folder, then upload every rule
/// file under its relative path.
fn sync(
    app: &App,
    from: &std::path::Path,
    to: Option<&str>,
    dry_run: bool,
) -> anyhow::Result<ExitCode> {
    use mantissa_detector::{DirSource, RuleSource};
    let to = match to {
        Some(url) => url.to_string(),
        None => app
            .compose
            .config()
            .detector
            .rules_dirs
            .iter()
            .filter_map(|d| d.to_str())
            .find(|d| d.contains("://"))
            .map(str::to_string)
            .context(
                "no destination: pass --to s3://bucket/prefix/ or add the rules bucket URL to detector.rules_dirs",
            )?,
    };
    let source = DirSource::new(from);
    let report = mantissa_detector::load_rules(&[&source as &dyn RuleSource], &app.compose.guard());
    if !report.errors.is_empty() {
        for e in &report.errors {
            println!("{e}");
        }
        eprintln!(
            "{} rule file{} invalid: nothing uploaded; fix them (mantissa rules validate --rules {}) and sync again",
            report.errors.len(),
            if report.errors.len() == 1 { "" } else { "s" },
            from.display()
        );
        return Ok(ExitCode::from(1));
    }
    let files = source.files().map_err(|e| anyhow::anyhow!("{e}"))?;
    let storage = mantissa_core::storage::Storage::from_url(&to)?;
    let root = std::path::absolute(from)?;
    let mut uploads = Vec::new();
    for f in files {
        let abs = std::path::absolute(&f.path)?;
        let rel = abs
            .strip_prefix(&root)
            .unwrap_or(&abs)
            .to_string_lossy()
            .replace(std::path::MAIN_SEPARATOR, "/");
        let rel = if rel.is_empty() {
            abs.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        } else {
            rel
        };
        uploads.push((rel, f.text));
    }
    if dry_run {
        for (rel, _) in &uploads {
            println!("would upload {}", storage.url_of(rel));
        }
        eprintln!(
            "{} rule files valid; dry run, nothing uploaded",
            uploads.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let rt = app.runtime()?;
    rt.block_on(async {
        for (rel, text) in &uploads {
            storage
                .put(rel, text.clone().into_bytes())
                .await
                .with_context(|| format!("uploading {}", storage.url_of(rel)))?;
            if !app.quiet {
                println!("uploaded {}", storage.url_of(rel));
            }
        }
        anyhow::Ok(())
    })?;
    eprintln!(
        "{} rule files uploaded to {}; the detector loads them on its next cycle",
        uploads.len(),
        storage.url()
    );
    Ok(ExitCode::SUCCESS)
}
