//! Execution accuracy of the built-in translator on `core/tests/nl_eval/questions.txt`.
//!
//! The demo generator writes a fixed dataset (seed 7, 20 000 events, 40 days
//! ending at `NOW`); every question is translated, compiled, guarded and run
//! on the real DataFusion engine, and so is its hand-written gold SQL. An
//! answer is right when it contains the gold's columns (matched by name,
//! else by values) with the same multiset of rows, in the same order of the
//! gold's ORDER BY keys when it has one. Out-of-scope questions must be
//! declined. The test prints accuracy per category and fails below 90% or
//! on any answered out-of-scope question.

use std::collections::BTreeMap;
use std::path::Path;

use mantissa_core::catalog::Catalog;
use mantissa_core::clock::parse_instant;
use mantissa_core::demo::{DemoOptions, generate};
use mantissa_core::engine::datafusion::DataFusionEngine;
use mantissa_core::engine::{QueryEngine, QueryResult, QueryTime};
use mantissa_core::guard::{Dialect, SqlGuard};
use mantissa_core::ingest::DataDir;
use mantissa_core::nl::{BuiltinTranslator, Context, Outcome, Translator, Turn};
use serde_json::Value;

use crate::common::Lake;

const NOW: &str = "2026-11-26T15:30:00Z";

/// One turn: a question and its gold SQL (`None` = must decline).
struct Case {
    question: String,
    gold: Option<String>,
}

struct Block {
    category: String,
    turns: Vec<Case>,
}

/// An evaluation set: its blocks and the data it is asked of.
struct Set {
    blocks: Vec<Block>,
    /// `# dataset:` — `demo` (default) or `third-party` (the shared datasets).
    dataset: String,
    /// `# now:` — the query clock (default [`NOW`]).
    now: String,
}

fn load(path: &Path) -> Set {
    let text = std::fs::read_to_string(path).unwrap();
    let header = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("# {name}: ")))
            .map(|v| v.trim().to_string())
    };
    let dataset = header("dataset").unwrap_or_else(|| "demo".into());
    let now = header("now").unwrap_or_else(|| NOW.into());
    let mut blocks = Vec::new();
    for chunk in text.split("\n\n") {
        let mut category = None;
        let mut turns: Vec<Case> = Vec::new();
        for line in chunk.lines() {
            let line = line.trim();
            if let Some(c) = line.strip_prefix("# ") {
                if !c.contains(' ') && !c.contains(':') {
                    category = Some(c.to_string());
                }
            } else if let Some(q) = line.strip_prefix("Q: ") {
                turns.push(Case {
                    question: q.to_string(),
                    gold: None,
                });
            } else if let Some(sql) = line.strip_prefix("SQL: ") {
                turns.last_mut().expect("SQL: after Q:").gold = Some(sql.to_string());
            } else if line == "DECLINE" {
                assert!(turns.last().is_some_and(|t| t.gold.is_none()));
            } else {
                assert!(
                    line.is_empty() || line.starts_with('#'),
                    "stray line in questions.txt: {line}"
                );
            }
        }
        if let Some(category) = category.filter(|_| !turns.is_empty()) {
            blocks.push(Block { category, turns });
        }
    }
    Set {
        blocks,
        dataset,
        now,
    }
}

fn set_path(default: &str) -> std::path::PathBuf {
    // Another set in the same format (a held-out set) can be run instead.
    match std::env::var_os("MANTISSA_NL_EVAL") {
        Some(p) => std::path::PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/nl_eval")
            .join(default),
    }
}

/// A value as comparable text (numbers normalised, timestamps without zone).
fn norm(v: &Value) -> String {
    match v {
        Value::Number(n) => {
            let f = n.as_f64().unwrap_or(0.0);
            if f.fract() == 0.0 {
                format!("{}", f as i64)
            } else {
                format!("{f:.6}")
            }
        }
        Value::String(s) => s.trim_end_matches('Z').replace('T', " "),
        other => other.to_string(),
    }
}

struct Table {
    names: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn column(t: &Table, i: usize) -> Vec<String> {
    let mut c: Vec<String> = t.rows.iter().map(|r| r[i].clone()).collect();
    c.sort();
    c
}

/// Column names of the gold's final ORDER BY keys, if it has one.
fn order_keys(gold_sql: &str, gold: &Table) -> Option<Vec<usize>> {
    let upper = gold_sql.to_uppercase();
    let at = upper.rfind("ORDER BY")?;
    let mut clause = &gold_sql[at + 8..];
    if let Some(l) = clause.to_uppercase().find(" LIMIT ") {
        clause = &clause[..l];
    }
    let mut keys = Vec::new();
    for part in clause.split(',') {
        let expr = part.split_whitespace().next().unwrap_or("");
        if let Ok(n) = expr.parse::<usize>() {
            keys.push(n - 1);
        } else if let Some(i) = gold.names.iter().position(|c| c.eq_ignore_ascii_case(expr)) {
            keys.push(i);
        }
    }
    Some(keys)
}

/// Whether `pred` answers like `gold`; on mismatch, why.
fn same(gold_sql: &str, gold: &Table, pred: &Table) -> Result<(), String> {
    if gold.rows.len() != pred.rows.len() {
        return Err(format!(
            "{} rows, gold has {}",
            pred.rows.len(),
            gold.rows.len()
        ));
    }
    // Map gold columns to answer columns: by name, else by values.
    let mut map = vec![usize::MAX; gold.names.len()];
    let mut used = vec![false; pred.names.len()];
    for (g, name) in gold.names.iter().enumerate() {
        let short = name.rsplit('.').next().unwrap_or(name);
        if let Some(p) = pred
            .names
            .iter()
            .position(|n| n.eq_ignore_ascii_case(short))
            && column(gold, g) == column(pred, p)
        {
            map[g] = p;
            used[p] = true;
        }
    }
    for (g, slot) in map.iter_mut().enumerate() {
        if *slot != usize::MAX {
            continue;
        }
        let want = column(gold, g);
        match (0..pred.names.len()).find(|p| !used[*p] && column(pred, *p) == want) {
            Some(p) => {
                *slot = p;
                used[p] = true;
            }
            None => {
                return Err(format!(
                    "no answer column matches gold column `{}`",
                    gold.names[g]
                ));
            }
        }
    }
    let project = |t: &Table, cols: &[usize]| -> Vec<Vec<String>> {
        t.rows
            .iter()
            .map(|r| cols.iter().map(|c| r[*c].clone()).collect())
            .collect()
    };
    let all: Vec<usize> = (0..gold.names.len()).collect();
    let mut g_rows = project(gold, &all);
    let mut p_rows = project(pred, &map);
    if let Some(keys) = order_keys(gold_sql, gold) {
        let keys: Vec<usize> = if keys.is_empty() { all.clone() } else { keys };
        let gk: Vec<Vec<String>> = g_rows
            .iter()
            .map(|r| keys.iter().map(|k| r[*k].clone()).collect())
            .collect();
        let pk: Vec<Vec<String>> = p_rows
            .iter()
            .map(|r| keys.iter().map(|k| r[*k].clone()).collect())
            .collect();
        if gk != pk {
            return Err("rows in a different order".into());
        }
    }
    g_rows.sort();
    p_rows.sort();
    if g_rows != p_rows {
        return Err("different rows".into());
    }
    Ok(())
}

fn table(r: &mantissa_core::engine::QueryResult) -> Table {
    Table {
        names: r.columns().into_iter().map(|c| c.name).collect(),
        rows: r
            .json_rows()
            .iter()
            .map(|row| row.iter().map(norm).collect())
            .collect(),
    }
}

/// The tuning set (`questions.txt`, on the demo data): the questions the
/// translator was built and tuned on.
#[test]
fn builtin_translator_execution_accuracy() {
    let report = evaluate(&set_path("questions.txt"));
    report.check(0.90, 0.0);
}

/// The tuning set on the shared third-party datasets (`datasets.txt`, the
/// first blind set, studied after its first run).
#[test]
fn tuning_set_on_third_party_datasets() {
    let report = evaluate(&set_path("datasets.txt"));
    // Where it stands (issue 17 is open): 90.3%, one company question answered.
    report.check_with(0.91, 0.9, 1);
}

/// The second tuning set on the shared third-party datasets (`datasets2.txt`,
/// the second blind set: 65.0% before it was studied).
#[test]
fn second_tuning_set_on_third_party_datasets() {
    let report = evaluate(&set_path("datasets2.txt"));
    // 93.2% and 43 of 46 follow-up turns, nothing out of scope answered.
    report.check_with(0.94, 0.9, 0);
}

/// The third tuning set on the shared third-party datasets (`datasets3.txt`,
/// written by someone who never saw the translator: 77.2% before it was studied).
#[test]
fn third_tuning_set_on_third_party_datasets() {
    let report = evaluate(&set_path("datasets3.txt"));
    report.check_with(0.97, 0.85, 0);
}

/// The fourth tuning set on the shared third-party datasets (`datasets4.txt`,
/// written by someone who never saw the translator: 73.5% on its first run).
#[test]
fn fourth_tuning_set_on_third_party_datasets() {
    let report = evaluate(&set_path("datasets4.txt"));
    report.check_with(0.93, 0.8, 1);
}

/// The fifth tuning set on the shared third-party datasets (`datasets5.txt`,
/// written by someone who never saw the translator: 68.9% on its first run).
#[test]
fn fifth_tuning_set_on_third_party_datasets() {
    let report = evaluate(&set_path("datasets5.txt"));
    report.check_with(0.89, 0.85, 0);
}

/// The sixth tuning set on the shared third-party datasets (`datasets6.txt`,
/// written by someone who never saw the translator: 76.2% on its first run).
#[test]
fn sixth_tuning_set_on_third_party_datasets() {
    let report = evaluate(&set_path("datasets6.txt"));
    report.check_with(0.95, 0.9, 0);
}

/// The seventh tuning set on the shared third-party datasets (`datasets7.txt`,
/// written by someone who never saw the translator: 76.3% on its first run).
#[test]
fn seventh_tuning_set_on_third_party_datasets() {
    let report = evaluate(&set_path("datasets7.txt"));
    report.check_with(0.91, 0.85, 0);
}

/// The eighth tuning set on the shared third-party datasets (`datasets8.txt`,
/// written by someone who never saw the translator: 70.4% on its first run).
#[test]
fn eighth_tuning_set_on_third_party_datasets() {
    let report = evaluate(&set_path("datasets8.txt"));
    report.check_with(0.88, 0.85, 0);
}

/// The ninth tuning set on the shared third-party datasets (`datasets9.txt`,
/// written by someone who never saw the translator, in the voice of a Slack
/// channel during an incident or an audit: 69.6% on its first run).
#[test]
fn ninth_tuning_set_on_third_party_datasets() {
    let report = evaluate(&set_path("datasets9.txt"));
    report.check_with(0.82, 0.7, 0);
}

/// The tenth tuning set (`datasets10.txt`, on the shared third-party datasets,
/// written by someone who never saw the translator; out-of-scope questions
/// weigh most: 45 of them, many in AWS words about what no log records;
/// 75.8% and 38 of 45 declined on its first run).
#[test]
fn tenth_tuning_set_on_third_party_datasets() {
    let report = evaluate(&set_path("datasets10.txt"));
    report.check_with(0.88, 0.85, 0);
}

/// The eleventh tuning set (`datasets11.txt`, 313 turns by a helper session
/// under the same rules), weighted to the blind set's weakest kinds: errors
/// by cause, several actions in one question and calendar time (75.1% and
/// 28 of 30 declined on its first run).
#[test]
fn eleventh_tuning_set_on_third_party_datasets() {
    let report = evaluate(&set_path("datasets11.txt"));
    report.check_with(0.86, 0.9, 0);
}

/// The blind set (`blind.txt`, on the shared third-party datasets): written
/// before the translator saw it, never tuned on (a question it misses that is
/// then fixed moves to the tuning set and a fresh one takes its place).
#[test]
fn blind_set_execution_accuracy() {
    let mut report = evaluate(&set_path("blind.txt"));
    if std::env::var_os("MANTISSA_NL_EVAL_SHOW_BLIND").is_none() {
        // Looking at a blind set's misses spends it: only the figures.
        report.hide_questions();
    }
    // The target is 90% with no out-of-scope question answered and 85% per
    // follow-up turn (issue 17, open). Blind set 3 measured 249/296 (84.1%)
    // when it was written and 256/296 (86.5%) on 2026-12-08, 29/33 follow-up
    // turns, 3 out-of-scope questions answered. These bounds
    // catch a regression until the target is met.
    report.check_with(0.85, 0.85, 3);
}

/// What an evaluation measured.
struct Report {
    right: usize,
    total: usize,
    /// Follow-up turns (second and later of a chain): right, total.
    followups: (usize, usize),
    answered_out_of_scope: Vec<String>,
}

impl Report {
    fn hide_questions(&mut self) {
        let n = self.answered_out_of_scope.len();
        self.answered_out_of_scope = (0..n).map(|i| format!("(blind question {i})")).collect();
    }

    fn check(&self, accuracy: f64, per_followup: f64) {
        self.check_with(accuracy, per_followup, 0);
    }

    /// As [`Report::check`], tolerating `out_of_scope` answered out-of-scope questions.
    fn check_with(&self, accuracy: f64, per_followup: f64, out_of_scope: usize) {
        assert!(
            self.answered_out_of_scope.len() <= out_of_scope,
            "out-of-scope questions answered: {:#?}",
            self.answered_out_of_scope
        );
        let a = self.right as f64 / self.total as f64;
        assert!(
            a >= accuracy,
            "execution accuracy {:.1}% is below {:.0}%",
            a * 100.0,
            accuracy * 100.0
        );
        if self.followups.1 > 0 {
            let f = self.followups.0 as f64 / self.followups.1 as f64;
            assert!(
                f >= per_followup,
                "follow-up accuracy {:.1}% is below {:.0}%",
                f * 100.0,
                per_followup * 100.0
            );
        }
    }
}

fn evaluate(path: &Path) -> Report {
    let set = load(path);
    let lake = Lake::new();
    let now = parse_instant(&set.now).unwrap();
    match set.dataset.as_str() {
        "demo" => {
            let raw = lake.dir.path().join("raw");
            let opts = DemoOptions {
                seed: 7,
                events: 20_000,
                end: now,
                days: 40,
            };
            generate(&opts, &raw, &mut |_| {}).unwrap();
            lake.ingest(&[raw]);
        }
        "third-party" => {
            lake.ingest(&[crate::common::fixtures().join("datasets")]);
        }
        other => panic!("{}: unknown dataset {other:?}", path.display()),
    }

    let catalog = Catalog::builtin();
    let translator = BuiltinTranslator::default();
    // One guard and engine for every query, as a long-running process would have.
    let data = DataDir::new(&lake.config.data_dir);
    // Athena's dialect: no real Athena is reachable here, so the guard's
    // Trino allowlist is the arbiter that every question's SQL (and every
    // gold query) would run there too.
    let guard = SqlGuard::new(&catalog, lake.config.engine.max_rows).with_dialect(Dialect::Athena);
    let engine =
        DataFusionEngine::new(&catalog, &data.tables_storage(), &lake.config.engine).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    // Gold and answer run side by side (two queries at a time).
    let run2 = |a: &str, b: &str| -> (Result<QueryResult, String>, Result<QueryResult, String>) {
        let time = QueryTime::as_of(now);
        let one = |sql: &str| guard.check(sql).map_err(|e| format!("guard: {e}"));
        match (one(a), one(b)) {
            (Ok(ga), Ok(gb)) => {
                let (ra, rb) = rt.block_on(futures::future::join(
                    engine.execute(&ga, time),
                    engine.execute(&gb, time),
                ));
                (
                    ra.map_err(|e| format!("engine: {e}")),
                    rb.map_err(|e| format!("engine: {e}")),
                )
            }
            (ra, rb) => (
                ra.and_then(|g| {
                    rt.block_on(engine.execute(&g, time))
                        .map_err(|e| format!("engine: {e}"))
                }),
                rb.and_then(|g| {
                    rt.block_on(engine.execute(&g, time))
                        .map_err(|e| format!("engine: {e}"))
                }),
            ),
        }
    };
    let mut per: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut answered_out_of_scope = Vec::new();
    let mut followups = (0, 0);
    for block in set.blocks {
        let mut previous: Option<Turn> = None;
        for (turn, case) in block.turns.iter().enumerate() {
            let ctx = Context {
                catalog: &catalog,
                now,
                previous: previous.as_ref(),
            };
            let outcome = translator.translate(&case.question, &ctx).unwrap();
            let verdict: Result<(), String> = match (&case.gold, &outcome) {
                (None, Outcome::Declined { .. }) => Ok(()),
                (None, Outcome::Answer(t)) => {
                    answered_out_of_scope.push(format!("{:?} → {}", case.question, t.sql()));
                    Err(format!("answered instead of declining: {}", t.sql()))
                }
                (Some(_), Outcome::Declined { reason, .. }) => Err(format!("declined: {reason}")),
                (Some(gold_sql), Outcome::Answer(t)) => {
                    let (gold, ours) = run2(gold_sql, &t.sql());
                    let gold = gold.unwrap_or_else(|e| {
                        panic!("gold SQL of {:?} fails: {e}\n{gold_sql}", case.question)
                    });
                    match ours {
                        Ok(pred) => same(gold_sql, &table(&gold), &table(&pred)).map_err(|e| {
                            format!("{e}\n      ours: {}\n      gold: {gold_sql}", t.sql())
                        }),
                        Err(e) => Err(format!("answer fails: {e}\n      ours: {}", t.sql())),
                    }
                }
            };
            if let Outcome::Answer(t) = &outcome {
                previous = Some(Turn {
                    question: case.question.clone(),
                    plan: t.plan().cloned(),
                    sql: t.sql(),
                });
            }
            let e = per.entry(block.category.clone()).or_default();
            e.1 += 1;
            if turn > 0 {
                followups.1 += 1;
                followups.0 += usize::from(verdict.is_ok());
            }
            match verdict {
                Ok(()) => e.0 += 1,
                Err(why) => {
                    failures.push(format!("[{}] {:?}: {why}", block.category, case.question))
                }
            }
        }
    }
    let (right, total) = per.values().fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let accuracy = right as f64 / total as f64;
    println!(
        "built-in translator on {}: execution accuracy {right}/{total} = {:.1}%; follow-up turns {}/{}",
        path.display(),
        accuracy * 100.0,
        followups.0,
        followups.1
    );
    for (cat, (r, t)) in &per {
        println!(
            "  {cat:<14} {r:>3}/{t:<3} {:.1}%",
            *r as f64 * 100.0 / *t as f64
        );
    }
    let blind = path.file_name().is_some_and(|n| n == "blind.txt")
        && std::env::var_os("MANTISSA_NL_EVAL_SHOW_BLIND").is_none();
    if blind {
        println!(
            "  ({} misses not shown: MANTISSA_NL_EVAL_SHOW_BLIND=1 shows them)",
            failures.len()
        );
    } else {
        for f in &failures {
            println!("  FAIL {f}");
        }
    }
    Report {
        right,
        total,
        followups,
        answered_out_of_scope,
    }
}

/// The product description's example questions on the third-party datasets
/// (Stratus Red Team detonations, Panther scenarios, OTRF, AWS samples),
/// asked "as of" one minute after their latest CloudTrail event so that
/// relative times reach the data; each answer is compared with hand-written
/// SQL by execution, as in the evaluation set.
#[test]
fn product_questions_on_third_party_datasets() {
    let lake = Lake::new();
    lake.ingest(&[crate::common::fixtures().join("datasets")]);
    let latest = lake.scalar(
        "SELECT max(eventtime) FROM cloudtrail",
        "2100-01-01T00:00:00Z",
    );
    let now = parse_instant(latest.as_str().unwrap()).unwrap() + chrono::Duration::minutes(1);
    let now_text = mantissa_core::clock::format_instant(now);
    let cases: &[&[(&str, &str)]] = &[
        &[(
            "Show me all root account activity this week",
            "SELECT eventid FROM cloudtrail WHERE useridentity.type = 'Root' AND eventtime >= date_trunc('week', current_timestamp)",
        )],
        &[(
            "What are the most common API errors in the last hour?",
            "SELECT errorcode, count(*) AS c FROM cloudtrail WHERE errorcode IS NOT NULL AND eventtime >= current_timestamp - INTERVAL '1' HOUR GROUP BY errorcode ORDER BY c DESC",
        )],
        &[(
            "List all S3 bucket deletions from the past month",
            "SELECT eventid FROM cloudtrail WHERE eventname = 'DeleteBucket' AND eventtime >= current_timestamp - INTERVAL '1' MONTH",
        )],
        &[(
            "Show me failed authentication attempts by source IP",
            "SELECT sourceipaddress, count(*) FROM cloudtrail WHERE eventname = 'ConsoleLogin' AND errorcode IS NOT NULL GROUP BY sourceipaddress",
        )],
        &[(
            "Which IAM users created new access keys recently?",
            "SELECT DISTINCT useridentity.arn FROM cloudtrail WHERE eventname = 'CreateAccessKey' AND useridentity.type = 'IAMUser' AND eventtime >= current_timestamp - INTERVAL '7' DAY",
        )],
        &[(
            "Show me failed logins",
            "SELECT eventid FROM cloudtrail WHERE eventname = 'ConsoleLogin' AND errorcode IS NOT NULL",
        )],
        &[
            (
                "Show me CloudTrail events from the last hour",
                "SELECT eventid FROM cloudtrail WHERE eventtime >= current_timestamp - INTERVAL '1' HOUR",
            ),
            (
                "Filter to just S3 events",
                "SELECT eventid FROM cloudtrail WHERE eventtime >= current_timestamp - INTERVAL '1' HOUR AND eventsource = 's3.amazonaws.com'",
            ),
            (
                "Group by user",
                "SELECT useridentity.arn, count(*) FROM cloudtrail WHERE eventtime >= current_timestamp - INTERVAL '1' HOUR AND eventsource = 's3.amazonaws.com' GROUP BY 1",
            ),
        ],
    ];
    let catalog = Catalog::builtin();
    let translator = BuiltinTranslator::default();
    let mut non_empty = 0;
    for chain in cases {
        let mut previous: Option<Turn> = None;
        for (q, gold_sql) in *chain {
            let ctx = Context {
                catalog: &catalog,
                now,
                previous: previous.as_ref(),
            };
            let Outcome::Answer(t) = translator.translate(q, &ctx).unwrap() else {
                panic!("{q:?} declined");
            };
            let gold = lake.try_query(gold_sql, &now_text).unwrap();
            let ours = lake.try_query(&t.sql(), &now_text).unwrap();
            non_empty += usize::from(gold.row_count > 0);
            if let Err(e) = same(gold_sql, &table(&gold), &table(&ours)) {
                panic!("{q:?}: {e}\n  ours: {}\n  gold: {gold_sql}", t.sql());
            }
            previous = Some(Turn {
                question: q.to_string(),
                plan: t.plan().cloned(),
                sql: t.sql(),
            });
        }
    }
    // The datasets hold failed console logins and root activity: not all answers are empty.
    assert!(non_empty >= 2, "only {non_empty} non-empty gold answers");
}
