//! The hostile/legit SQL corpus in `core/tests/guard_corpus/` through the guard.

use mantissa_core::catalog::Catalog;
use mantissa_core::guard::SqlGuard;

struct Case {
    name: String,
    expect: Option<String>,
    sql: String,
}

fn cases(file: &str) -> Vec<Case> {
    let path = format!("{}/tests/guard_corpus/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let mut out: Vec<Case> = Vec::new();
    for line in text.split_inclusive('\n') {
        if let Some(name) = line.strip_prefix("-- case:") {
            out.push(Case {
                name: name.trim().to_string(),
                expect: None,
                sql: String::new(),
            });
            continue;
        }
        let Some(cur) = out.last_mut() else { continue };
        if cur.expect.is_none()
            && cur.sql.is_empty()
            && let Some(e) = line.strip_prefix("-- expect:")
        {
            cur.expect = Some(e.trim().to_string());
            continue;
        }
        cur.sql.push_str(line);
    }
    out
}

#[test]
fn hostile_statements_are_all_rejected_for_the_right_reason() {
    let guard = SqlGuard::new(&Catalog::builtin(), 10_000);
    let cases = cases("hostile.sql");
    assert!(cases.len() >= 80, "corpus too small: {}", cases.len());
    let mut failures = Vec::new();
    for c in &cases {
        let expect = c
            .expect
            .clone()
            .unwrap_or_else(|| panic!("case {} has no expect line", c.name));
        match guard.check(&c.sql) {
            Ok(ok) => failures.push(format!("{}: ACCEPTED as `{}`", c.name, ok.sql())),
            Err(e) => {
                let msg = e.to_string().to_lowercase();
                if !msg.contains(&expect) {
                    failures.push(format!("{}: expected `{expect}`, got `{msg}`", c.name));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} hostile cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn legitimate_analyst_queries_are_all_accepted() {
    let guard = SqlGuard::new(&Catalog::builtin(), 10_000);
    let cases = cases("legit.sql");
    assert!(cases.len() >= 40, "corpus too small: {}", cases.len());
    let mut failures = Vec::new();
    for c in &cases {
        match guard.check(&c.sql) {
            Ok(g) => {
                // The re-rendered SQL must itself pass the guard unchanged.
                let again = guard.check(g.sql()).map(|x| x.sql().to_string());
                if again.as_deref() != Ok(g.sql()) {
                    failures.push(format!(
                        "{}: re-rendered SQL is not stable: {again:?}",
                        c.name
                    ));
                }
            }
            Err(e) => failures.push(format!("{}: rejected: {e}", c.name)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} legit cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
