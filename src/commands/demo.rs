//! `mantissa demo`: a realistic week of AWS logs with planted attacks,
//! ingested, with a detection-style query run on it and queries to try.

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
    if args.no_ingest {
        return Ok(ExitCode::SUCCESS);
    }

    let bar = Bar::bytes(app.quiet, "ingesting");
    let report = app.compose.ingestor()?.run(
        std::slice::from_ref(&raw_dir),
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

    detections(
        app,
        &summary.stories,
        end - TimeDelta::days(i64::from(args.days)),
        end,
    )?;

    // The way the user started us (target/release/mantissa after `cargo run`).
    let exe = std::env::args().next().unwrap_or_else(|| "mantissa".into());
    let dd = if app.config().data_dir == mantissa_core::config::Config::default().data_dir {
        String::new()
    } else {
        format!(" --data-dir {}", app.config().data_dir.display())
    };
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
    Ok(super::ingest::exit_code(&report))
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
            "\nDetection: the built-in pack ({} rules) as of the end of the window, and each planted\nstory's rules on their 5-minute schedule for the two hours after it starts (the full week: `mantissa detect --from {} --to {}`):",
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
