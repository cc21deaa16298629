//! Strict loading: each broken file gets its specific, located error and
//! never stops the valid rules.

use crate::common::{Lake, fixtures};

#[test]
fn each_broken_rule_gets_its_own_located_error_and_valid_rules_still_load() {
    let lake = Lake::new();
    let report = lake.load(&fixtures().join("rules"));
    assert_eq!(
        report
            .rules
            .iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>(),
        ["failed-console-logins"]
    );
    let expected = [
        ("bad-category.yaml:4:11", "did you mean `network`?"),
        (
            "bad-duration.yaml:8:11",
            "invalid duration `60`: missing unit",
        ),
        ("bad-severity.yaml:3:11", "did you mean `high`?"),
        ("guard-rejects.yaml:6:3", "only SELECT queries are allowed"),
        ("missing-query.yaml:5:1", "missing required key `query`"),
        ("not-yaml.yaml:1:7", "unclosed quote"),
        (
            "typo-key.yaml:7:1",
            "unknown key `treshold`; did you mean `threshold`?",
        ),
        ("unknown-table.yaml:5:8", "table `users` is not a log table"),
        (
            "window-shorter-than-schedule.yaml:8:3",
            "shorter than the schedule (1h)",
        ),
        ("wrong-type.yaml:7:10", "expected a whole number"),
    ];
    let shown: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), expected.len(), "{shown:#?}");
    for (place, message) in expected {
        assert!(
            shown
                .iter()
                .any(|s| s.contains(&format!("broken/{place}: ")) && s.contains(message)),
            "no error `{place}: …{message}…` in {shown:#?}"
        );
    }
}

#[test]
fn the_product_description_example_rule_loads_unchanged() {
    let lake = Lake::new();
    let dir = crate::common::repo().join("rules");
    let report = lake.load(&dir);
    let rule = report
        .get("suspicious-logins")
        .expect("rules/suspicious-logins.yaml loads");
    assert_eq!(rule.name, "Suspicious Login Pattern");
    assert_eq!(rule.threshold.window.to_string(), "1h");
    assert_eq!(rule.metadata.mitre_attack, ["T1110"]);
    // The rule's query is the product description's (the demo keeps a
    // copy, checked against the description in core's tests).
    let lines = |q: &str| {
        q.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        lines(&rule.query),
        lines(mantissa_core::demo::SUSPICIOUS_LOGIN_PATTERN),
        "rule query and the demo's copy of the example differ"
    );
}

#[test]
fn duplicate_ids_in_one_folder_are_reported_and_the_first_kept() {
    let lake = Lake::new();
    let dir = lake.dir.path().join("dups");
    std::fs::create_dir_all(&dir).unwrap();
    let text =
        std::fs::read_to_string(fixtures().join("rules/good/failed-console-logins.yaml")).unwrap();
    std::fs::write(dir.join("a.yaml"), format!("id: same\n{text}")).unwrap();
    std::fs::write(dir.join("b.yaml"), format!("id: same\n{text}")).unwrap();
    let report = lake.load(&dir);
    assert_eq!(report.rules.len(), 1);
    assert_eq!(report.errors.len(), 1);
    assert!(
        report.errors[0]
            .message
            .contains("duplicate rule id `same`")
    );
}

#[test]
fn embedded_rules_take_their_id_from_the_file_stem() {
    use mantissa_detector::{EmbeddedSource, RuleSource, load_rules};
    let lake = Lake::new();
    let text =
        std::fs::read_to_string(fixtures().join("rules/good/failed-console-logins.yaml")).unwrap();
    let top = EmbeddedSource::new(&[("failed-console-logins.yaml", text.as_str())]);
    let nested = EmbeddedSource::new(&[("cloudtrail/nested-rule.yml", text.as_str())]);
    let sources: [&dyn RuleSource; 2] = [&top, &nested];
    let report = load_rules(&sources, &lake.guard());
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let ids: Vec<&str> = report.rules.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["failed-console-logins", "nested-rule"]);
}

/// No real Athena is reachable from the test suite, so the guard's Trino
/// dialect is the arbiter: every rule the product ships must pass it.
#[test]
fn every_built_in_rule_is_athena_sql() {
    use mantissa_core::guard::Dialect;
    use mantissa_detector::{DirSource, RuleSource, load_rules};
    let lake = Lake::new();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
    let source = DirSource::new(&root);
    let sources: [&dyn RuleSource; 1] = [&source];
    let report = load_rules(&sources, &lake.guard().with_dialect(Dialect::Athena));
    let errors: Vec<String> = report.errors.iter().map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "not Athena SQL:\n{}", errors.join("\n"));
    assert!(report.rules.len() >= 40, "{} rules", report.rules.len());
}
