//! `mantissa alerts`: list, show, acknowledge, resolve and re-open alerts.
//! State changes are conditional in the store (a repeated or concurrent
//! change is a no-op, never a lost update) and propagate to the
//! destinations that were notified.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use mantissa_core::alert::{Alert, AlertFilter, AlertStatus, AlertStore, StatusChange, Transition};
use mantissa_core::clock::format_instant;

use crate::app::App;
use crate::cli::{AlertsArgs, AlertsCommand, StatusArgs, SummaryFormat};
use crate::commands::detect::time_arg;
use crate::output;

pub(crate) fn run(app: &App, args: &AlertsArgs) -> anyhow::Result<ExitCode> {
    let rt = app.runtime()?;
    let store = app.alert_store()?;
    match &args.command {
        AlertsCommand::List {
            status,
            severity,
            rule,
            since,
            limit,
            meta,
            format,
        } => {
            let filter = AlertFilter {
                status: *status,
                min_severity: *severity,
                rule_id: rule.clone(),
                since: since
                    .as_deref()
                    .map(|s| time_arg(app, s))
                    .transpose()
                    .context("--since")?,
                include_meta: *meta,
                limit: *limit,
            };
            let alerts = rt.block_on(store.list(&filter))?;
            match format {
                SummaryFormat::Json => {
                    println!("{}", serde_json::json!({ "alerts": alerts }));
                }
                SummaryFormat::Text if alerts.is_empty() => {
                    if !app.quiet {
                        eprintln!(
                            "No alerts match. `mantissa detect` raises alerts; `mantissa alerts list` without filters shows them all."
                        );
                    }
                }
                SummaryFormat::Text => print!("{}", list_table(&alerts)),
            }
            Ok(ExitCode::SUCCESS)
        }
        AlertsCommand::Show { id, format } => {
            let alert = rt.block_on(resolve_id(store.as_ref(), id))?;
            let details = rt.block_on(details(store.as_ref(), &alert))?;
            match format {
                SummaryFormat::Json => println!("{details}"),
                SummaryFormat::Text => print!("{}", show_text(&alert, &details)),
            }
            Ok(ExitCode::SUCCESS)
        }
        AlertsCommand::Ack(a) => change(app, &rt, &store, a, AlertStatus::Acknowledged),
        AlertsCommand::Resolve(a) => change(app, &rt, &store, a, AlertStatus::Resolved),
        AlertsCommand::Reopen(a) => change(app, &rt, &store, a, AlertStatus::Open),
        AlertsCommand::Deliver { watch } => deliver(app, &rt, &store, *watch),
    }
}

fn change(
    app: &App,
    rt: &tokio::runtime::Runtime,
    store: &std::sync::Arc<dyn AlertStore>,
    args: &StatusArgs,
    to: AlertStatus,
) -> anyhow::Result<ExitCode> {
    let alert = rt.block_on(resolve_id(store.as_ref(), &args.id))?;
    let actor = args.actor.clone().unwrap_or_else(|| {
        format!(
            "cli:{}",
            std::env::var("USER")
                .or_else(|_| std::env::var("LOGNAME"))
                .or_else(|_| std::env::var("USERNAME"))
                .unwrap_or_else(|_| "unknown".into())
        )
    });
    let change = StatusChange {
        to,
        actor,
        note: args.note.clone(),
        at: app.clock().now(),
    };
    match rt.block_on(store.transition(&alert.id, &change))? {
        Transition::Changed { alert, from } => {
            println!(
                "{}: {from} → {} by {}",
                alert.id, alert.status, change.actor
            );
            crate::commands::alerts::propagate(app, rt, store, &alert, from)?;
        }
        Transition::Unchanged { alert } => {
            let by = match (&alert.status_by, alert.status_at) {
                (Some(by), Some(at)) => format!(" by {by} at {}", format_instant(at)),
                _ => String::new(),
            };
            println!(
                "{}: already {}{by}; nothing changed",
                alert.id, alert.status
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Sends a status change to the destinations that were notified (Slack
/// message edited, PagerDuty acknowledged/resolved, …).
pub(crate) fn propagate(
    app: &App,
    rt: &tokio::runtime::Runtime,
    store: &std::sync::Arc<dyn AlertStore>,
    alert: &Alert,
    from: AlertStatus,
) -> anyhow::Result<()> {
    let Some(router) = app.router(store.clone())? else {
        return Ok(());
    };
    rt.block_on(async {
        router
            .status_changed(alert, from, app.clock().now())
            .await?;
        let report = router
            .drain(tokio::time::Instant::now() + std::time::Duration::from_secs(30))
            .await?;
        crate::commands::detect::report_deliveries(
            app,
            &report,
            store.pending().await.unwrap_or(0),
        );
        anyhow::Ok(())
    })
}

fn deliver(
    app: &App,
    rt: &tokio::runtime::Runtime,
    store: &std::sync::Arc<dyn AlertStore>,
    watch: bool,
) -> anyhow::Result<ExitCode> {
    let Some(router) = app.router(store.clone())? else {
        anyhow::bail!(
            "no destinations are configured; add [router.destinations] to mantissa.toml (see the README)"
        );
    };
    if watch {
        if !app.quiet {
            eprintln!("delivering from the outbox; Ctrl-C stops");
        }
        rt.block_on(router.run(async {
            let _ = tokio::signal::ctrl_c().await;
        }));
        return Ok(ExitCode::SUCCESS);
    }
    let report = rt
        .block_on(router.drain(tokio::time::Instant::now() + std::time::Duration::from_secs(60)))?;
    let pending = rt.block_on(store.pending())?;
    if !app.quiet {
        eprintln!(
            "deliveries: {} delivered, {} retried, {} failed, {} fallbacks; {pending} pending",
            report.delivered, report.retried, report.failed, report.fallbacks
        );
    }
    Ok(if pending == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// An alert by id, or by a unique id prefix.
async fn resolve_id(store: &dyn AlertStore, id: &str) -> anyhow::Result<Alert> {
    if let Some(a) = store.get(id).await? {
        return Ok(a);
    }
    if id.len() >= 4 {
        let all = store
            .list(&AlertFilter {
                include_meta: true,
                ..Default::default()
            })
            .await?;
        let matches: Vec<_> = all.into_iter().filter(|a| a.id.starts_with(id)).collect();
        match matches.len() {
            1 => return Ok(matches.into_iter().next().expect("one")),
            0 => {}
            n => anyhow::bail!("`{id}` matches {n} alerts; give more of the id"),
        }
    }
    anyhow::bail!("no alert with id `{id}`; `mantissa alerts list` shows the ids")
}

async fn details(store: &dyn AlertStore, alert: &Alert) -> anyhow::Result<serde_json::Value> {
    let history = store.history(&alert.id).await?;
    let mut deliveries = Vec::new();
    for d in store.deliveries(&alert.id).await? {
        let attempts = store.attempts(d.id).await?;
        let mut v = serde_json::to_value(&d)?;
        v["attempt_log"] = serde_json::to_value(attempts)?;
        deliveries.push(v);
    }
    Ok(serde_json::json!({
        "alert": alert,
        "history": history,
        "deliveries": deliveries,
    }))
}

fn list_table(alerts: &[Alert]) -> String {
    let headers: Vec<String> = [
        "ID",
        "SEVERITY",
        "STATUS",
        "LAST SEEN",
        "COUNT",
        "RULE: GROUP",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let rows: Vec<Vec<String>> = alerts
        .iter()
        .map(|a| {
            vec![
                a.id.clone(),
                a.severity.to_string(),
                match a.status {
                    AlertStatus::Acknowledged => "ack".into(),
                    s => s.to_string(),
                },
                a.last_seen.format("%m-%d %H:%M").to_string(),
                a.count.to_string(),
                if a.meta {
                    a.title.clone()
                } else {
                    format!("{}: {}", a.rule_id, a.group_text())
                },
            ]
        })
        .collect();
    output::table(
        &headers,
        &rows,
        output::terminal_width(),
        &[false, false, false, false, true, false],
    )
}

fn show_text(alert: &Alert, details: &serde_json::Value) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}  [{}] {}",
        alert.id,
        alert.severity.as_str().to_uppercase(),
        alert.title
    );
    let status = match (&alert.status_by, alert.status_at) {
        (Some(by), Some(at)) => format!("{} by {by} at {}", alert.status, format_instant(at)),
        _ => alert.status.to_string(),
    };
    let _ = writeln!(out, "  status      {status}");
    let _ = writeln!(out, "  rule        {} ({})", alert.rule_id, alert.rule_name);
    let _ = writeln!(out, "  category    {}", alert.category);
    let _ = writeln!(
        out,
        "  seen        {} → {} ({} time{})",
        format_instant(alert.first_seen),
        format_instant(alert.last_seen),
        alert.count,
        if alert.count == 1 { "" } else { "s" }
    );
    if !alert.group.is_empty() {
        let _ = writeln!(out, "  group       {}", alert.group_text());
    }
    if !alert.mitre_attack.is_empty() {
        let _ = writeln!(out, "  MITRE       {}", alert.mitre_attack.join(", "));
    }
    if !alert.tags.is_empty() {
        let _ = writeln!(out, "  tags        {}", alert.tags.join(", "));
    }
    let _ = writeln!(out, "\n{}", alert.description.trim());
    let lines = alert.enrichment.lines();
    if !lines.is_empty() || !alert.enrichment.warnings.is_empty() {
        let _ = writeln!(out, "\nContext:");
        for l in lines {
            let _ = writeln!(out, "  • {l}");
        }
        for w in &alert.enrichment.warnings {
            let _ = writeln!(out, "  ! {w}");
        }
    }
    if !alert.evidence.is_empty() {
        let _ = writeln!(
            out,
            "\nEvidence ({} row{}):",
            alert.evidence.len(),
            if alert.evidence.len() == 1 { "" } else { "s" }
        );
        let headers: Vec<String> = alert.evidence[0].keys().cloned().collect();
        let rows: Vec<Vec<String>> = alert
            .evidence
            .iter()
            .map(|r| {
                headers
                    .iter()
                    .map(|h| match r.get(h) {
                        Some(serde_json::Value::String(s)) => s.clone(),
                        Some(serde_json::Value::Null) | None => String::new(),
                        Some(v) => v.to_string(),
                    })
                    .collect()
            })
            .collect();
        let right = vec![false; headers.len()];
        out.push_str(&output::table(
            &headers,
            &rows,
            output::terminal_width(),
            &right,
        ));
    }
    let _ = writeln!(out, "\nSQL:\n  {}", alert.sql.trim().replace('\n', "\n  "));
    if let Some(history) = details["history"].as_array() {
        let _ = writeln!(out, "\nHistory:");
        for h in history {
            let _ = writeln!(
                out,
                "  {}  {:<14} {}{}",
                h["at"].as_str().unwrap_or(""),
                h["action"].as_str().unwrap_or(""),
                h["actor"].as_str().unwrap_or(""),
                h["detail"]
                    .as_str()
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            );
        }
    }
    let deliveries = details["deliveries"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let _ = writeln!(out, "\nDeliveries:");
    if deliveries.is_empty() {
        let _ = writeln!(
            out,
            "  none (no route matched, or no destinations are configured in [router])"
        );
    }
    for d in deliveries {
        let _ = writeln!(
            out,
            "  #{} {} → {}: {} after {} attempt{}{}{}",
            d["id"],
            d["action"].as_str().unwrap_or(""),
            d["destination"].as_str().unwrap_or(""),
            d["status"].as_str().unwrap_or(""),
            d["attempts"],
            if d["attempts"] == 1 { "" } else { "s" },
            d["fallback_of"]
                .as_i64()
                .map(|f| format!(" (fallback for #{f})"))
                .unwrap_or_default(),
            d["message_ref"]
                .as_object()
                .map(|m| format!(", message {}", serde_json::Value::Object(m.clone())))
                .unwrap_or_default(),
        );
        for a in d["attempt_log"].as_array().into_iter().flatten() {
            let _ = writeln!(
                out,
                "      {}  {}{}{} ({} ms)",
                a["at"].as_str().unwrap_or(""),
                a["outcome"].as_str().unwrap_or(""),
                a["status_code"]
                    .as_u64()
                    .map(|c| format!(" HTTP {c}"))
                    .unwrap_or_default(),
                a["error"]
                    .as_str()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default(),
                a["duration_ms"],
            );
        }
    }
    out
}
