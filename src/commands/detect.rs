//! `mantissa detect`: one cycle at `--now`, a replay (`--from/--to`), or the
//! live schedule (`--watch`).

use std::process::ExitCode;

use anyhow::{Context, bail};
use mantissa_core::clock::{format_instant, parse_instant};
use mantissa_detector::detector::{Change, Raised, RunReport};
use mantissa_detector::{LoadReport, Rule};
use serde_json::json;

use crate::app::App;
use crate::cli::{DetectArgs, SummaryFormat};
use crate::output;
use crate::progress::Bar;

pub(crate) fn run(app: &App, args: &DetectArgs) -> anyhow::Result<ExitCode> {
    let loaded = app.rules(&args.sources);
    report_load_errors(app, &loaded);
    let tables = app.compose.tables()?;
    let empty = tables.local_dir().is_some_and(|dir| !dir.is_dir());
    if empty && !app.quiet {
        eprintln!(
            "warning: no log tables in {}; ingest logs first (`mantissa ingest PATH` or `mantissa demo`), or pass --data-dir",
            app.data().root().display()
        );
    }
    let rules = select(&loaded, &args.only)?;
    let detector = app.detector()?;
    // Built before any rule runs: a broken [router] stops the run before
    // alerts are stored that it could then not send.
    let router = match (&args.from, args.watch) {
        (None, false) => app.router(detector.alerts().clone())?,
        _ => None,
    };
    let rt = app.runtime()?;
    let enabled = rt.block_on(detector.enabled(rules))?;
    if enabled.is_empty() {
        eprintln!("no enabled rules; see `mantissa rules list`");
        return Ok(ExitCode::from(1));
    }
    if args.watch {
        if app.clock().is_frozen() {
            bail!("--watch runs on the real clock; to replay the past use --from and --to");
        }
        return watch(app, args, &detector, &rt);
    }
    let report = match (&args.from, &args.to) {
        (Some(from), Some(to)) => {
            let from = time_arg(app, from).context("--from")?;
            let to = time_arg(app, to).context("--to")?;
            if to < from {
                bail!(
                    "--to ({}) is before --from ({})",
                    format_instant(to),
                    format_instant(from)
                );
            }
            let bar = Bar::items(app.quiet, "replaying");
            let progress = |done: usize, total: usize| {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            };
            let r = rt.block_on(detector.replay(&enabled, from, to, &progress))?;
            bar.finish();
            r
        }
        _ => rt.block_on(detector.cycle(&enabled, app.clock().now()))?,
    };
    print_report(app, &report, args.format, enabled.len());
    if let Some(router) = &router {
        route(app, &rt, router, detector.alerts(), &report.alerts())?;
    } else if args.from.is_some() && !report.alerts().is_empty() && !app.quiet {
        eprintln!(
            "alerts from a replay are stored (`mantissa alerts list`), not sent to destinations"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// How long a one-shot command waits for deliveries before leaving the
/// rest in the outbox (`mantissa alerts deliver` or the next run sends them).
const DRAIN: std::time::Duration = std::time::Duration::from_secs(30);

/// Sends new and updated alerts to their destinations and waits up to
/// [`DRAIN`] for the deliveries.
pub(crate) fn route(
    app: &App,
    rt: &tokio::runtime::Runtime,
    router: &mantissa_router::Router,
    store: &std::sync::Arc<dyn mantissa_core::alert::AlertStore>,
    alerts: &[Raised],
) -> anyhow::Result<()> {
    let now = app.clock().now();
    rt.block_on(async {
        // One alert that cannot be queued never keeps the others from
        // their destinations; every failure is named, then the run fails.
        let failed = mantissa::service::hand_off(router, alerts, now).await;
        for (id, e) in &failed {
            eprintln!("error: cannot queue alert {id} for delivery: {e}");
        }
        if !failed.is_empty() {
            anyhow::bail!(
                "{} of {} alerts could not be queued for delivery; they are stored (`mantissa alerts list`)",
                failed.len(),
                alerts.len()
            );
        }
        let report = router.drain(tokio::time::Instant::now() + DRAIN).await?;
        report_deliveries(app, &report, store.pending().await.unwrap_or(0));
        anyhow::Ok(())
    })
}

/// One line on what the router did.
pub(crate) fn report_deliveries(app: &App, r: &mantissa_router::DeliveryReport, pending: u64) {
    if app.quiet || r.claimed == 0 && pending == 0 {
        return;
    }
    eprintln!(
        "deliveries: {} delivered, {} failed{}{}",
        r.delivered,
        r.failed,
        if r.fallbacks > 0 {
            format!(" ({} sent down the fallback chain)", r.fallbacks)
        } else {
            String::new()
        },
        if pending > 0 {
            format!(
                "; {pending} still pending (retried by `mantissa alerts deliver` or the next run)"
            )
        } else {
            String::new()
        }
    );
}

/// A time on the command line: RFC 3339, a date, `now`, or a duration back
/// from now (`7d`, `36h`), all relative to `--now` when given.
pub(crate) fn time_arg(app: &App, text: &str) -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
    let now = app.clock().now();
    if text.trim().eq_ignore_ascii_case("now") {
        return Ok(now);
    }
    if let Ok(d) = mantissa_detector::duration::RuleDuration::parse(text) {
        return Ok(now - d.chrono());
    }
    parse_instant(text)
        .map_err(|e| anyhow::anyhow!("{e}; or use `now` or a duration back from now such as `7d`"))
}

/// Prints each rule file that failed to load; the others still run.
pub(crate) fn report_load_errors(app: &App, loaded: &LoadReport) {
    if app.quiet {
        return;
    }
    for e in &loaded.errors {
        eprintln!("warning: rule not loaded: {e}");
    }
    for (id, old, new) in &loaded.replaced {
        tracing::info!("rule `{id}` from {new} replaces {old}");
    }
}

/// The rules named by `only` (all when empty); unknown ids are an error.
pub(crate) fn select<'r>(loaded: &'r LoadReport, only: &[String]) -> anyhow::Result<Vec<&'r Rule>> {
    if only.is_empty() {
        return Ok(loaded.rules.iter().collect());
    }
    only.iter().map(|id| find(loaded, id)).collect()
}

/// One rule by id, with a suggestion when the id is close to a known one.
pub(crate) fn find<'r>(loaded: &'r LoadReport, id: &str) -> anyhow::Result<&'r Rule> {
    loaded.get(id).ok_or_else(|| {
        let close = loaded
            .rules
            .iter()
            .map(|r| (mantissa_core::guard::edit_distance(id, &r.id), &r.id))
            .filter(|(d, _)| *d <= 3)
            .min();
        match close {
            Some((_, c)) => anyhow::anyhow!("no rule `{id}`; did you mean `{c}`?"),
            None => anyhow::anyhow!("no rule `{id}`; `mantissa rules list` shows the ids"),
        }
    })
}

/// Prints a report's alerts (table or JSON) and a summary.
pub(crate) fn print_report(app: &App, report: &RunReport, format: SummaryFormat, rules: usize) {
    let alerts = report.alerts();
    let failures = report.failures();
    match format {
        SummaryFormat::Json => {
            let v = json!({
                "alerts": alerts,
                "evaluations": report.runs.len(),
                "skipped": report.skipped,
                "failures": failures.iter().map(|(r, at, e)| json!({
                    "rule_id": r, "at": format_instant(*at), "error": e
                })).collect::<Vec<_>>(),
            });
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
        SummaryFormat::Text => {
            if !alerts.is_empty() {
                print!("{}", alerts_table(&alerts));
            }
            for (rule, at, e) in &failures {
                eprintln!(
                    "error: rule `{rule}` failed at {}: {e}",
                    format_instant(*at)
                );
            }
            if !app.quiet {
                let new = alerts.iter().filter(|a| a.change == Change::New).count();
                let updated = alerts.len() - new;
                eprintln!(
                    "{} evaluation{} of {rules} rule{}{}: {new} new alert{}, {updated} updated, {} failed",
                    report.runs.len(),
                    plural(report.runs.len()),
                    plural(rules),
                    if report.skipped > 0 {
                        format!(" ({} ticks without data skipped)", report.skipped)
                    } else {
                        String::new()
                    },
                    plural(new),
                    failures.len()
                );
                if !alerts.is_empty() {
                    eprintln!("evidence and details: --format json");
                }
            }
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Alerts as an aligned table.
pub(crate) fn alerts_table(alerts: &[Raised]) -> String {
    let headers: Vec<String> = ["SEVERITY", "RULE", "GROUP", "FIRST SEEN", "COUNT", "ID", ""]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let rows: Vec<Vec<String>> = alerts
        .iter()
        .map(|r| {
            let a = &r.alert;
            vec![
                a.severity.to_string(),
                a.rule_id.clone(),
                if a.meta {
                    a.title.clone()
                } else {
                    a.group_text()
                },
                format_instant(a.first_seen),
                a.count.to_string(),
                a.id.clone(),
                match r.change {
                    Change::New => "new".into(),
                    Change::Updated => "updated".into(),
                },
            ]
        })
        .collect();
    output::table(
        &headers,
        &rows,
        output::terminal_width(),
        &[false, false, false, false, true, false, false],
    )
}

fn watch(
    app: &App,
    args: &DetectArgs,
    detector: &mantissa_detector::Detector,
    rt: &tokio::runtime::Runtime,
) -> anyhow::Result<ExitCode> {
    if !app.quiet {
        eprintln!("running the detection schedule; Ctrl-C stops");
    }
    let router = app
        .router(detector.alerts().clone())?
        .map(std::sync::Arc::new);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = router.clone().map(|r| {
        let mut stop = stop_rx.clone();
        rt.spawn(async move {
            r.run(async move {
                let _ = stop.changed().await;
            })
            .await;
        })
    });
    let result = rt.block_on(async {
        loop {
            // Rules are reloaded every cycle: edits and enable/disable apply
            // without a restart.
            let loaded = app.rules(&args.sources);
            let enabled = detector.enabled(select(&loaded, &args.only)?).await?;
            let now = app.clock().now();
            let (report, unrouted) = mantissa::service::catch_up_and_hand_off(
                detector,
                router.as_deref(),
                &enabled,
                now,
            )
            .await?;
            for r in report.alerts() {
                println!(
                    "{} {:<8} {:<7} {} {}",
                    format_instant(r.alert.last_seen),
                    r.alert.severity,
                    match r.change {
                        Change::New => "new",
                        Change::Updated => "updated",
                    },
                    r.alert.id,
                    r.alert.title
                );
            }
            for (rule, at, e) in report.failures() {
                eprintln!("error: rule `{rule}` failed at {}: {e}", format_instant(at));
            }
            for (id, e) in unrouted {
                eprintln!("error: cannot route alert {id}: {e}");
            }
            let next = detector
                .next_due(&enabled, app.clock().now())
                .await
                .unwrap_or_else(|| app.clock().now() + chrono::Duration::minutes(5));
            let wait = (next - app.clock().now())
                .to_std()
                .unwrap_or_default()
                .max(std::time::Duration::from_secs(1));
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = tokio::signal::ctrl_c() => {
                    if !app.quiet { eprintln!("stopped"); }
                    return anyhow::Ok(ExitCode::SUCCESS);
                }
            }
        }
    });
    // Let in-flight deliveries finish; unsent ones stay in the outbox.
    let _ = stop_tx.send(true);
    if let Some(w) = worker {
        let _ = rt.block_on(w);
    }
    result
}
