//! Translation time of the built-in translator: every question of the
//! evaluation sets (`core/tests/nl_eval/*.txt`: the tuning sets and the
//! blind set), follow-ups with their previous turn, many rounds; prints
//! p50/p95/p99/max per question, and the one-off cost of indexing the
//! compiled-in AWS API catalogue on first use.
//!
//! `cargo run --release -p mantissa-core --example nl_bench [ROUNDS]` (or `bench/nl.sh`)

use std::time::{Duration, Instant};

use mantissa_core::catalog::Catalog;
use mantissa_core::clock::parse_instant;
use mantissa_core::nl::{BuiltinTranslator, Context, Outcome, Translator, Turn};

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/nl_eval");
    let mut text = String::new();
    for set in [
        "questions.txt",
        "datasets.txt",
        "datasets2.txt",
        "blind.txt",
    ] {
        text.push_str(&std::fs::read_to_string(format!("{dir}/{set}")).expect("eval set"));
        text.push_str("\n\n");
    }
    // The catalogue is indexed once, on first use.
    let started = Instant::now();
    let (services, operations) = mantissa_core::nl::actions::CATALOGUE.size();
    println!(
        "AWS API catalogue: {services} service models, {operations} operations, {} bytes compiled in, indexed in {:?}",
        include_str!("../src/nl/aws_catalogue.tsv").len(),
        started.elapsed()
    );
    // Conversations: blocks separated by blank lines, one "Q:" per turn.
    let blocks: Vec<Vec<String>> = text
        .split("\n\n")
        .map(|b| {
            b.lines()
                .filter_map(|l| l.strip_prefix("Q: "))
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|b| !b.is_empty())
        .collect();
    let catalog = Catalog::builtin();
    let now = parse_instant("2026-11-26T15:30:00Z").expect("now");
    let translator = BuiltinTranslator::default();
    let mut times: Vec<Duration> = Vec::new();
    let mut slowest: Vec<(Duration, String)> = Vec::new();
    // Warm up the lazily built gazetteer and patterns.
    let _ = translator.translate(
        "warm up",
        &Context {
            catalog: &catalog,
            now,
            previous: None,
        },
    );
    for _ in 0..rounds {
        for block in &blocks {
            let mut previous: Option<Turn> = None;
            for q in block {
                let ctx = Context {
                    catalog: &catalog,
                    now,
                    previous: previous.as_ref(),
                };
                let started = Instant::now();
                let out = translator.translate(q, &ctx).expect("translate");
                let sql = match &out {
                    Outcome::Answer(t) => Some(t.sql()),
                    Outcome::Declined { .. } => None,
                };
                let took = started.elapsed();
                times.push(took);
                slowest.push((took, q.clone()));
                if let (Outcome::Answer(t), Some(sql)) = (out, sql) {
                    previous = Some(Turn {
                        question: q.clone(),
                        plan: t.plan().cloned(),
                        sql,
                    });
                }
            }
        }
    }
    // The catalogue's share: action matching alone on every question's words.
    let mut find_times: Vec<Duration> = Vec::new();
    for q in blocks.iter().flatten() {
        let words = mantissa_core::nl::tokens::words(q);
        let started = Instant::now();
        let _ = mantissa_core::nl::actions::CATALOGUE.find(&words);
        find_times.push(started.elapsed());
    }
    find_times.sort();
    println!(
        "catalogue action matching alone: p50 {:?}  p95 {:?}  max {:?}",
        find_times[find_times.len() / 2],
        find_times[find_times.len() * 95 / 100],
        find_times[find_times.len() - 1]
    );
    times.sort();
    slowest.sort_by_key(|x| std::cmp::Reverse(x.0));
    slowest.dedup_by(|a, b| a.1 == b.1);
    let pct = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "built-in translation (question → plan → SQL), {} translations of {} questions: p50 {:?}  p95 {:?}  p99 {:?}  max {:?}",
        times.len(),
        times.len() / rounds,
        pct(0.50),
        pct(0.95),
        pct(0.99),
        times[times.len() - 1]
    );
    for (t, q) in slowest.iter().take(5) {
        println!("  slowest: {t:?}  {q:?}");
    }
}
