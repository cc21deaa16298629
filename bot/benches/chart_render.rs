//! Chart rendering time: a 1,000-point time series (two lines) and a
//! 20-bar chart, each rendered to a 1000×500 PNG. Prints the median and
//! the slowest of the runs, and the PNG sizes.
//!
//! `cargo bench -p mantissa-bot --bench chart_render` (optimized; builds
//! the bot's dependencies, DataFusion included, in release mode) or, for a
//! quick unoptimized figure, add `--profile dev`. Pass a directory after
//! `--` to also write the PNGs there.

use std::time::{Duration, Instant};

use mantissa_bot::backend::{Answer, Column};
use mantissa_bot::chart::{Chart, chart_for};
use serde_json::{Value, json};

fn answer(interpretation: &str, columns: &[(&str, &str)], rows: Vec<Vec<Value>>) -> Answer {
    Answer {
        question: interpretation.into(),
        interpretation: interpretation.into(),
        sql: String::new(),
        translator: "builtin".into(),
        columns: columns
            .iter()
            .map(|(n, t)| Column {
                name: (*n).into(),
                data_type: (*t).into(),
            })
            .collect(),
        row_count: rows.len(),
        rows,
        truncated: false,
        elapsed_ms: 0,
        scan: None,
    }
}

fn time_series(points: i64) -> Chart {
    let start = 1_795_435_200; // 2026-11-23 12:00 UTC
    let rows = (0..points)
        .map(|i| {
            let t = chrono::DateTime::from_timestamp(start + i * 600, 0).unwrap_or_default();
            let wave = ((i as f64) / 24.0).sin() * 40.0 + 60.0;
            vec![json!(t.to_rfc3339()), json!(wave.round()), json!(i % 17)]
        })
        .collect();
    chart_for(&answer(
        "Number of CloudTrail events and errors per 10 minutes",
        &[
            ("bucket", "timestamp"),
            ("events", "bigint"),
            ("errors", "bigint"),
        ],
        rows,
    ))
    .expect("a time series")
}

fn bars(n: usize) -> Chart {
    let rows = (0..n)
        .map(|i| {
            vec![
                json!(format!(
                    "arn:aws:iam::204672741388:user/service-account-{i}"
                )),
                json!(5000 / (i + 1)),
            ]
        })
        .collect();
    chart_for(&answer(
        "Number of CloudTrail events per user, all time, largest first",
        &[("user_arn", "varchar"), ("n", "bigint")],
        rows,
    ))
    .expect("a bar chart")
}

fn measure(name: &str, chart: &Chart, runs: usize, out: Option<&str>) {
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut png = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        png = chart.render_png().expect("renders");
        times.push(started.elapsed());
    }
    times.sort();
    println!(
        "{name:<28} median {:>8.2?}  max {:>8.2?}  ({runs} runs, {} KiB PNG)",
        times[runs / 2],
        times[runs - 1],
        png.len() / 1024
    );
    if let Some(dir) = out {
        let path = format!("{dir}/{}.png", name.replace([' ', ','], "_"));
        std::fs::write(&path, &png).expect("PNG written");
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a further argument is an output directory.
    let out = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    measure(
        "time series 1000 points",
        &time_series(1000),
        30,
        out.as_deref(),
    );
    measure("bar chart 20 bars", &bars(20), 30, out.as_deref());
    measure(
        "time series 10000 points",
        &time_series(10_000),
        10,
        out.as_deref(),
    );
}
