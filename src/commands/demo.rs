//! `mantissa demo`: a realistic week of AWS logs with planted attacks,
//! ingested, with a detection-style query run on it and queries to try.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::{DurationRound, TimeDelta};
use mantissa_core::clock::format_instant;
use mantissa_core::demo::{DemoOptions, SUSPICIOUS_LOGIN_PATTERN, generate};
use mantissa_core::engine::QueryTime;
use mantissa_core::ingest::IngestOptions;

use crate::app::App;
use crate::cli::{DemoArgs, RuleSources, SummaryFormat};
use crate::output;
use crate::progress::Bar;

pub(crate) fn run(app: &App, args: &DemoArgs) -> anyhow::Result<ExitCode> {
    let end = match app.clock().is_frozen() {
        true => app.clock().now(),
        false => app
            .clock()
            .now()
            .duration_trunc(TimeDelta::hours(1))
            .unwrap_or_else(|_| app.clock().now()),
    };
    let raw_dir = args
        .raw_dir
        .clone()
        .unwrap_or_else(|| app.data().root().join("raw").join("demo"));
    let opts = DemoOptions {
        seed: args.seed,
        events: args.events,
        end,
        days: args.days,
    };
    let bar = Bar::items(app.quiet, "generating");
    bar.set_length(args.events);
    let started = std::time::Instant::now();
    let summary = generate(&opts, &raw_dir, &mut |n| bar.set_position(n))?;
    bar.finish();
    let say = |s: String| {
        if !app.quiet {
            println!("{s}");
        }
    };
    say(format!(
        "Generated {} CloudTrail events, {} VPC flow records and {} GuardDuty findings for {} accounts \
         ({} files, {:.1} MB) in {:.1} s\n  window: {} → {}\n  raw logs (AWS S3 key layout): {}",
        summary.cloudtrail_events,
        summary.flow_records,
        summary.guardduty_findings,
        summary.accounts.len(),
        summary.files,
        summary.bytes as f64 / 1_048_576.0,
        started.elapsed().as_secs_f64(),
        format_instant(end - TimeDelta::days(i64::from(args.days))),
        format_instant(end),
        raw_dir.display(),
    ));
    let source = match &args.raw_url {
        Some(url) => {
            let uploaded = upload(app, &raw_dir, url)?;
            say(format!(
                "  uploaded {} files ({:.1} MB) to {url}",
                uploaded.0,
                uploaded.1 as f64 / 1_048_576.0
            ));
            PathBuf::from(url)
        }
        None => raw_dir.clone(),
    };
    if args.no_ingest {
        return Ok(ExitCode::SUCCESS);
    }

    let bar = Bar::bytes(app.quiet, "ingesting");
    let report = app.compose.ingestor()?.run(
        std::slice::from_ref(&source),
        &IngestOptions::default(),
        &bar,
    );
    bar.finish();
    let report = report?;
    say(String::new());
    say(super::ingest::summary(&report).trim_end().to_string());

    say("\nPlanted attack stories (each findable with the query shown):".into());
    for s in &summary.stories {
        say(format!(
            "  • {} [{}] at {} — {}",
            s.title,
            s.id,
            format_instant(s.at),
            s.details
        ));
    }

    if let Some(brute) = summary
        .stories
        .iter()
        .find(|s| s.id == "console-brute-force")
    {
        let at = brute.at + TimeDelta::minutes(30);
        say(format!(
            "\nRunning the product's example rule \"Suspicious Login Pattern\" as of {} (--now):",
            format_instant(at)
        ));
        let (guard, engine) = app.engine()?;
        let guarded = guard.check(SUSPICIOUS_LOGIN_PATTERN)?;
        let rt = app.runtime()?;
        let result = rt.block_on(engine.execute(&guarded, QueryTime::as_of(at)))?;
        say(output::result_table(&result, output::terminal_width())
            .trim_end()
            .to_string());
    }

    questions(app, end)?;

    detections(
        app,
        &summary.stories,
        end - TimeDelta::days(i64::from(args.days)),
        end,
    )?;

    // The way the user started us (target/release/mantissa after `cargo run`).
    let exe = std::env::args().next().unwrap_or_else(|| "mantissa".into());
    let mut dd = match &app.config_file {
        Some(f) => format!(" --config {}", f.display()),
        None => String::new(),
    };
    if app.config().data_dir != mantissa_core::config::Config::default().data_dir {
        dd.push_str(&format!(" --data-dir {}", app.config().data_dir.display()));
    }
    say("\nTry:".into());
    say(format!("  {exe}{dd} tables"));
    say(format!(
        "  {exe}{dd} sql \"SELECT eventname, count(*) AS n FROM cloudtrail WHERE errorcode IS NOT NULL GROUP BY 1 ORDER BY n DESC LIMIT 10\""
    ));
    if let Some(root) = summary.stories.iter().find(|s| s.id == "root-usage") {
        say(format!(
            "  {exe}{dd} sql --now {} \"SELECT eventtime, eventname, sourceipaddress FROM cloudtrail WHERE useridentity.type = 'Root' AND eventtime > now() - INTERVAL '1' DAY ORDER BY eventtime\"",
            format_instant(root.at + TimeDelta::hours(1))
        ));
    }
    say(format!(
        "  {exe}{dd} sql \"SELECT srcaddr, count(DISTINCT dstport) AS ports, count(*) AS flows FROM vpc_flow WHERE action = 'REJECT' GROUP BY srcaddr ORDER BY ports DESC LIMIT 5\""
    ));
    say(format!("  {exe}{dd} schema cloudtrail"));
    say(format!(
        "  {exe}{dd} --now {} ask --session {DEMO_SESSION} \"only the successful ones\"   # goes on with the demo's conversation",
        format_instant(end)
    ));
    Ok(super::ingest::exit_code(&report))
}

/// Copies every file under `dir` to the storage at `url`, keeping the
/// relative keys (`AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/…`).
/// Returns the files and bytes uploaded.
fn upload(app: &App, dir: &Path, url: &str) -> anyhow::Result<(u64, u64)> {
    let storage = mantissa_core::storage::Storage::from_url(url)
        .map_err(|e| anyhow::anyhow!("--raw-url {url}: {e}"))?;
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            match path.is_dir() {
                true => stack.push(path),
                false => files.push(path),
            }
        }
    }
    files.sort();
    let total: u64 = files
        .iter()
        .filter_map(|f| f.metadata().ok())
        .map(|m| m.len())
        .sum();
    let bar = Bar::bytes(app.quiet, "uploading");
    bar.set_length(total);
    let rt = app.runtime()?;
    // A missing bucket is one clear error, not one per file.
    rt.block_on(storage.verify())
        .map_err(|e| anyhow::anyhow!("--raw-url: {e}"))?;
    let done = std::sync::atomic::AtomicU64::new(0);
    rt.block_on(async {
        // A few requests in flight: S3 takes many small PUTs best in parallel.
        let mut pending = tokio::task::JoinSet::new();
        for file in &files {
            if pending.len() >= 8
                && let Some(r) = pending.join_next().await
            {
                let n = r??;
                bar.set_position(done.fetch_add(n, std::sync::atomic::Ordering::Relaxed) + n);
            }
            let rel = file
                .strip_prefix(dir)
                .unwrap_or(file)
                .to_string_lossy()
                .replace('\\', "/");
            let bytes = std::fs::read(file)?;
            let storage = storage.clone();
            pending.spawn(async move {
                let n = bytes.len() as u64;
                storage.put(&rel, bytes).await.map_err(|e| {
                    anyhow::anyhow!("cannot upload {rel}: {:#}", anyhow::Error::from(e))
                })?;
                anyhow::Ok(n)
            });
        }
        while let Some(r) = pending.join_next().await {
            done.fetch_add(r??, std::sync::atomic::Ordering::Relaxed);
        }
        anyhow::Ok(())
    })?;
    bar.finish();
    Ok((files.len() as u64, total))
}

/// Questions in plain English, as a conversation (a follow-up refines the
/// first answer), through the same service as `ask` and the chat bots.
fn questions(app: &App, end: chrono::DateTime<chrono::Utc>) -> anyhow::Result<()> {
    if app.quiet {
        return Ok(());
    }
    let asker = super::ask::Asker::new(app, crate::cli::TranslatorChoice::Builtin)?;
    // A new demo starts a new conversation.
    asker.forget(DEMO_SESSION)?;
    println!(
        "\nAsking in plain English as of {} (a conversation: the follow-up refines the first answer):",
        format_instant(end)
    );
    for q in DEMO_QUESTIONS {
        println!("\n> {q}");
        let answer = asker.ask(q, Some(DEMO_SESSION))?;
        print!(
            "{}",
            super::ask::render_text(&answer, output::terminal_width())
        );
    }
    Ok(())
}

/// The demo's conversation.
const DEMO_QUESTIONS: &[&str] = &[
    "failed console logins by source IP in the last 7 days",
    "by user instead",
];

/// The demo conversation's session, kept so the user can go on with it.
const DEMO_SESSION: &str = "demo";

/// Where the rules came from, for the heading.
fn rule_origin(app: &App) -> String {
    let d = &app.config().detector;
    let mut from: Vec<String> = Vec::new();
    if d.builtin_rules {
        from.push("the built-in pack".into());
    }
    from.extend(d.rules_dirs.iter().map(|p| p.display().to_string()));
    match from.is_empty() {
        true => "no rule sources".into(),
        false => from.join(" + "),
    }
}

/// Built-in rules that must raise on each planted story.
const STORY_RULES: &[(&str, &[&str])] = &[
    (
        "console-brute-force",
        &["suspicious-logins", "brute-force-then-success"],
    ),
    ("new-admin-user", &["iam-admin-policy-attached"]),
    ("s3-exfiltration", &["s3-mass-download"]),
    ("public-bucket-policy", &["s3-bucket-policy-public"]),
    ("cloudtrail-stopped", &["cloudtrail-logging-stopped"]),
    ("root-usage", &["root-account-usage"]),
    (
        "ssh-open-to-world",
        &["ec2-security-group-ingress-open-to-world"],
    ),
    ("port-scan", &["vpc-port-scan"]),
    ("guardduty-high", &["guardduty-high-severity-finding"]),
];

/// Runs the built-in pack at the end of the demo window, and replays each
/// story's rules over the two hours after the story, and shows which stories they caught.
fn detections(
    app: &App,
    stories: &[mantissa_core::demo::Story],
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    let loaded = app.rules(&RuleSources {
        dirs: Vec::new(),
        no_builtin: false,
    });
    super::detect::report_load_errors(app, &loaded);
    let detector = app.detector()?;
    let rt = app.runtime()?;
    let rules = rt.block_on(detector.enabled(&loaded.rules))?;
    if !app.quiet {
        println!(
            "\nDetection: {} ({} rules) as of the end of the window, and each planted\nstory's rules on their 5-minute schedule for the two hours after it starts (the full week: `mantissa detect --from {} --to {}`):",
            rule_origin(app),
            rules.len(),
            format_instant(from),
            format_instant(to)
        );
    }
    let started = std::time::Instant::now();
    let mut report = mantissa_detector::RunReport::default();
    for s in stories {
        let ids = STORY_RULES
            .iter()
            .find(|(id, _)| *id == s.id)
            .map(|(_, r)| *r)
            .unwrap_or(&[]);
        let story_rules: Vec<_> = rules
            .iter()
            .copied()
            .filter(|r| ids.contains(&r.id.as_str()))
            .collect();
        let until = (s.at + TimeDelta::hours(2)).min(to);
        let r = rt.block_on(detector.replay(&story_rules, s.at, until, &|_, _| {}))?;
        report.skipped += r.skipped;
        report.runs.extend(r.runs);
    }
    let now = rt.block_on(detector.cycle(&rules, to))?;
    report.runs.extend(now.runs);
    // With destinations configured, the demo's alerts go out like any others.
    if let Some(router) = app.router(detector.alerts().clone())? {
        super::detect::route(app, &rt, &router, detector.alerts(), &report.alerts())?;
    }
    if app.quiet {
        return Ok(());
    }
    super::detect::print_report(app, &report, SummaryFormat::Text, rules.len());
    eprintln!("detection took {:.1} s", started.elapsed().as_secs_f64());
    let raised: std::collections::BTreeSet<&str> = report
        .runs
        .iter()
        .flat_map(|r| &r.alerts)
        .map(|a| a.alert.rule_id.as_str())
        .collect();
    println!("\nPlanted stories and the rules that caught them:");
    for s in stories {
        let wanted = STORY_RULES
            .iter()
            .find(|(id, _)| *id == s.id)
            .map(|(_, r)| *r)
            .unwrap_or(&[]);
        let hit: Vec<&str> = wanted
            .iter()
            .copied()
            .filter(|r| raised.contains(r))
            .collect();
        let mark = if !wanted.is_empty() && hit.len() == wanted.len() {
            "✓"
        } else {
            "✗"
        };
        println!(
            "  {mark} {} [{}] → {}",
            s.title,
            s.id,
            if hit.is_empty() {
                "not detected".to_string()
            } else {
                hit.join(", ")
            }
        );
    }
    Ok(())
}
