//! `mantissa alerts`: the lifecycle from the command line on a real store.

use serde_json::Value;

use super::{Run, example_rule_dir, ingest_brute_force, stderr};

fn raised(r: &Run) -> String {
    ingest_brute_force(r);
    let rules = example_rule_dir(r);
    let out = r.ok(&[
        "--now",
        "2024-03-10T10:30:00Z",
        "detect",
        "--no-builtin",
        "--rules",
        rules.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&out).unwrap();
    v["alerts"][0]["id"].as_str().unwrap().to_string()
}

#[test]
fn alerts_list_show_ack_resolve_and_reopen() {
    let r = Run::new();
    let id = raised(&r);

    let list: Value = serde_json::from_str(&r.ok(&["alerts", "list", "--format", "json"])).unwrap();
    let alerts = list["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["status"], "open");
    let table = r.ok(&["alerts", "list", "--status", "open", "--severity", "high"]);
    assert!(table.contains(&id), "{table}");
    assert!(table.contains("suspicious-logins"), "{table}");
    // Filters that exclude it.
    let none: Value = serde_json::from_str(&r.ok(&[
        "alerts",
        "list",
        "--severity",
        "critical",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(none["alerts"].as_array().unwrap().len(), 0);

    // A unique prefix is enough; --as names the actor.
    let prefix = &id[..6];
    let ack = r.ok(&["alerts", "ack", prefix, "--as", "alice", "--note", "on it"]);
    assert!(ack.contains("open → acknowledged by alice"), "{ack}");
    // Twice is a polite no-op, not an error.
    let again = r.ok(&["alerts", "ack", &id, "--as", "bob"]);
    assert!(again.contains("already acknowledged by alice"), "{again}");
    let resolved = r.ok(&[
        "alerts",
        "resolve",
        &id,
        "--as",
        "alice",
        "--note",
        "password reset",
    ]);
    assert!(resolved.contains("acknowledged → resolved"), "{resolved}");
    // A resolved alert cannot be acknowledged; the message says what to do.
    let bad = r.cmd(&["alerts", "ack", &id]);
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("re-open it first"),
        "{}",
        stderr(&bad)
    );
    r.ok(&["alerts", "reopen", &id, "--as", "carol"]);

    let show: Value =
        serde_json::from_str(&r.ok(&["alerts", "show", &id, "--format", "json"])).unwrap();
    assert_eq!(show["alert"]["status"], "open");
    assert_eq!(show["alert"]["status_by"], "carol");
    let actions: Vec<(&str, &str)> = show["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["action"].as_str().unwrap(), h["actor"].as_str().unwrap()))
        .collect();
    assert_eq!(
        actions,
        [
            ("raised", "detector"),
            ("acknowledged", "alice"),
            ("resolved", "alice"),
            ("reopened", "carol"),
        ]
    );
    assert_eq!(show["history"][2]["detail"], "password reset");
    let text = r.ok(&["alerts", "show", &id]);
    for needle in [
        "[HIGH]",
        "Evidence",
        "203.0.113.66",
        "SQL:",
        "History:",
        "Deliveries:",
    ] {
        assert!(text.contains(needle), "`{needle}` missing:\n{text}");
    }

    let missing = r.cmd(&["alerts", "show", "ffffffffffff"]);
    assert!(!missing.status.success());
    assert!(
        stderr(&missing).contains("mantissa alerts list"),
        "{}",
        stderr(&missing)
    );
}
