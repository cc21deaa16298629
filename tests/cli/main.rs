//! End-to-end tests of the `mantissa` binary: the commands a user types,
//! their output formats, exit codes and error messages.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

struct Run {
    dir: tempfile::TempDir,
}

impl Run {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn cmd(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_mantissa"))
            .current_dir(self.dir.path())
            .env_remove("MANTISSA_NOW")
            .env("COLUMNS", "80")
            .args(args)
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn demo_generates_ingests_and_finds_the_brute_force() {
    let r = Run::new();
    let out = r.ok(&["--now", "2026-11-30T00:00:00Z", "demo", "--events", "5000"]);
    assert!(out.contains("Planted attack stories"), "{out}");
    assert!(out.contains("Suspicious Login Pattern"), "{out}");
    // The example rule finds the planted brute force, and only it.
    let rule_block = out.split("Suspicious Login Pattern").nth(1).unwrap();
    assert!(rule_block.contains("203.0.113.45"), "{rule_block}");
    assert!(rule_block.contains("(1 row"), "{rule_block}");
    // The detection pack, replayed over the week, catches every planted story.
    let stories = out
        .split("Planted stories and the rules that caught them:")
        .nth(1)
        .unwrap();
    assert_eq!(stories.matches('✓').count(), 9, "{stories}");
    assert!(!stories.contains('✗'), "{stories}");
    // Tables are queryable afterwards, with counts that add up.
    let tables: Value = serde_json::from_str(&r.ok(&["tables", "--format", "json"])).unwrap();
    let total: u64 = tables["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["rows"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 5000);
    // Running the demo again with the same seed adds nothing.
    let again = r.ok(&["--now", "2026-11-30T00:00:00Z", "demo", "--events", "5000"]);
    assert!(again.contains("already ingested"), "{again}");
    let tables: Value = serde_json::from_str(&r.ok(&["tables", "--format", "json"])).unwrap();
    let total2: u64 = tables["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["rows"].as_u64().unwrap())
        .sum();
    assert_eq!(total2, 5000);
}

#[test]
fn sql_json_output_is_one_object_with_native_values() {
    let r = Run::new();
    r.ok(&["ingest", fixtures().join("handmade").to_str().unwrap()]);
    let out = r.ok(&[
        "--now",
        "2024-03-10T10:30:00Z",
        "sql",
        "--format",
        "json",
        "SELECT eventtime, eventname, useridentity, resources, CAST(1 AS BIGINT) AS n, NULL AS nothing FROM cloudtrail WHERE eventname = 'GetObject'",
    ]);
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["row_count"], 1);
    assert_eq!(v["truncated"], false);
    assert!(v["elapsed_ms"].is_u64());
    assert!(v["sql"].as_str().unwrap().ends_with("LIMIT 10000"));
    assert_eq!(
        v["columns"][0],
        serde_json::json!({"name": "eventtime", "type": "timestamp"})
    );
    let row = &v["rows"][0];
    assert_eq!(row[0], "2024-03-10T10:25:00Z");
    assert_eq!(row[2]["principalid"], "AIDAVICTIM");
    assert_eq!(row[3][0]["arn"], "arn:aws:s3:::payroll/2024/q1.csv");
    assert_eq!(row[4], 1);
    assert!(row[5].is_null());
}

#[test]
fn sql_table_and_csv_formats() {
    let r = Run::new();
    r.ok(&["ingest", fixtures().join("handmade").to_str().unwrap()]);
    let table = r.ok(&["sql", "SELECT eventname, requestparameters FROM cloudtrail WHERE requestparameters IS NOT NULL ORDER BY eventname"]);
    for line in table.lines() {
        assert!(line.chars().count() <= 80, "too wide: {line}");
    }
    assert!(table.contains("CreateAccessKey"));
    assert!(table.contains("(3 rows"));
    let csv = r.ok(&[
        "sql",
        "--format",
        "csv",
        "SELECT eventname, requestparameters FROM cloudtrail WHERE eventname = 'CreateAccessKey'",
    ]);
    assert_eq!(
        csv,
        "eventname,requestparameters\nCreateAccessKey,\"{\"\"userName\"\":\"\"backdoor\"\"}\"\n"
    );
}

#[test]
fn refused_and_failing_queries_exit_non_zero_with_the_reason() {
    let r = Run::new();
    let out = r.cmd(&["sql", "SELECT * FROM users"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(
            "table `users` is not a log table; known tables: cloudtrail, vpc_flow, guardduty"
        ),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());
    let out = r.cmd(&["sql", "SELECT 1; DROP TABLE cloudtrail"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("only one statement"));
    let out = r.cmd(&["sql", "SELECT nosuchcolumn FROM cloudtrail"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("nosuchcolumn"), "{}", stderr(&out));
}

#[test]
fn ingest_summary_json_and_exit_codes() {
    let r = Run::new();
    let out = r.ok(&[
        "ingest",
        "--format",
        "json",
        fixtures().join("datasets/malformed").to_str().unwrap(),
        "does-not-exist.json",
    ]);
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["records"]["cloudtrail"], 14);
    assert_eq!(v["quarantined"]["bad json"], 1);
    assert_eq!(v["quarantined"]["unknown source"], 4);
    assert_eq!(v["files_failed"], 1);
    assert!(
        Path::new(v["quarantine_file"].as_str().unwrap()).exists()
            || r.dir
                .path()
                .join(v["quarantine_file"].as_str().unwrap())
                .exists()
    );
    // Nothing readable at all: non-zero.
    let out = r.cmd(&["ingest", "nothing-here.json"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("does not exist"), "{text}");
}

#[test]
fn schema_and_tables() {
    let r = Run::new();
    let out = r.ok(&["schema", "cloudtrail"]);
    assert!(out.contains("useridentity.principalid"));
    assert!(out.contains("timestamp"));
    let out = r.cmd(&["schema", "cloudtrial"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("did you mean `cloudtrail`"),
        "{}",
        stderr(&out)
    );
    let out = r.ok(&["tables"]);
    assert!(out.contains("vpc_flow"));
}

#[test]
fn configuration_errors_name_the_key_and_file() {
    let r = Run::new();
    std::fs::write(
        r.dir.path().join("mantissa.toml"),
        "[engine]\nmax_rowz = 5\n",
    )
    .unwrap();
    let out = r.cmd(&["tables"]);
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    assert!(e.contains("max_rowz") && e.contains("mantissa.toml"), "{e}");
    std::fs::write(
        r.dir.path().join("mantissa.toml"),
        "[engine]\nmax_rows = 2\n",
    )
    .unwrap();
    r.ok(&["ingest", fixtures().join("handmade").to_str().unwrap()]);
    let v: Value = serde_json::from_str(
        r.ok(&["sql", "--format", "json", "SELECT eventid FROM cloudtrail"])
            .trim(),
    )
    .unwrap();
    assert_eq!(v["row_count"], 2);
    assert_eq!(v["truncated"], true);
    let out = r.cmd(&["--now", "yesterday", "tables"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("RFC 3339"));
}

fn example_rule_dir(r: &Run) -> PathBuf {
    let dir = r.dir.path().join("my-rules");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/suspicious-logins.yaml"),
        dir.join("suspicious-logins.yaml"),
    )
    .unwrap();
    dir
}

#[test]
fn detect_raises_once_per_incident_across_cycles_and_prints_json() {
    let r = Run::new();
    let fixture = fixtures().join("handmade/brute_force_then_success.jsonl");
    r.ok(&[
        "ingest",
        "--source",
        "cloudtrail",
        fixture.to_str().unwrap(),
    ]);
    let rules = example_rule_dir(&r);
    let detect = |now: &str| -> Value {
        let out = r.ok(&[
            "--now",
            now,
            "detect",
            "--no-builtin",
            "--rules",
            rules.to_str().unwrap(),
            "--format",
            "json",
        ]);
        serde_json::from_str(&out).unwrap()
    };
    let first = detect("2024-03-10T10:30:00Z");
    let alerts = first["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1, "{first:#}");
    let a = &alerts[0];
    for key in [
        "id",
        "rule_id",
        "rule_name",
        "severity",
        "category",
        "title",
        "description",
        "first_seen",
        "last_seen",
        "count",
        "group",
        "evidence",
        "mitre_attack",
        "tags",
    ] {
        assert!(a.get(key).is_some(), "alert lacks `{key}`: {a:#}");
    }
    assert_eq!(a["rule_id"], "suspicious-logins");
    assert_eq!(a["group"]["ip"], "203.0.113.66");
    assert_eq!(a["evidence"][0]["failures"], 4);
    assert_eq!(a["change"], "new");
    // The next cycles see the same incident in their overlapping windows:
    // folded into the open alert, nothing new to print.
    for now in ["2024-03-10T10:35:00Z", "2024-03-10T10:40:00Z"] {
        let again = detect(now);
        assert_eq!(
            again["alerts"].as_array().unwrap().len(),
            0,
            "{now}: {again:#}"
        );
    }
}

#[test]
fn rules_validate_reports_every_broken_file_with_its_location() {
    let r = Run::new();
    let dir = fixtures().join("rules");
    let out = r.cmd(&[
        "rules",
        "--no-builtin",
        "--rules",
        dir.to_str().unwrap(),
        "validate",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("typo-key.yaml:7:1: unknown key `treshold`; did you mean `threshold`?"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 10, "{text}");
    assert!(
        stderr(&out).contains("10 rule files invalid, 1 valid"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_built_in_pack_loads_and_every_inline_test_passes() {
    let r = Run::new();
    // The pack embedded in the binary is the one in rules/.
    let out = r.cmd(&["rules", "list", "--format", "json"]);
    assert!(!stderr(&out).contains("not loaded"), "{}", stderr(&out));
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = list["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(ids.len() >= 40, "{} rules", ids.len());
    assert!(ids.contains(&"suspicious-logins"), "{ids:?}");
    let out = r.cmd(&["rules", "test"]);
    let err = stderr(&out);
    assert!(
        out.status.success(),
        "{}\n{err}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(err.contains(" 0 failed"), "{err}");
}

#[test]
fn rules_can_be_disabled_and_enabled_without_touching_files() {
    let r = Run::new();
    let rules = example_rule_dir(&r);
    let args = |verb: &str| {
        vec![
            "rules".to_string(),
            "--no-builtin".into(),
            "--rules".into(),
            rules.display().to_string(),
            verb.into(),
            "suspicious-logins".into(),
        ]
    };
    let run = |a: Vec<String>| r.cmd(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(run(args("disable")).status.success());
    let out = r.cmd(&["detect", "--no-builtin", "--rules", rules.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no enabled rules"),
        "{}",
        stderr(&out)
    );
    assert!(run(args("enable")).status.success());
    let typo = r.cmd(&[
        "rules",
        "--no-builtin",
        "--rules",
        rules.to_str().unwrap(),
        "show",
        "suspicious-login",
    ]);
    assert!(
        stderr(&typo).contains("did you mean `suspicious-logins`?"),
        "{}",
        stderr(&typo)
    );
}
