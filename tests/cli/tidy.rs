//! Architecture invariants a tool can check (ARCHITECTURE.md): they fail
//! here, with the offending file and line, instead of in a review.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file of the product's libraries and binary (not tests).
fn sources() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    for dir in ["src", "core/src", "bot/src", "detector/src", "router/src"] {
        walk(&root().join(dir), &mut out);
    }
    out
}

/// Lines mentioning `needle`, outside comments, in files `allowed` does not
/// accept.
fn offenders(needle: &str, allowed: impl Fn(&str) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    for path in sources() {
        let rel = path
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if allowed(&rel) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            if code.contains(needle) {
                out.push(format!("{rel}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    out
}

/// **Architecture Invariant:** the concrete engine and stores are named
/// only by the composition root and their own modules.
#[test]
fn concrete_backends_are_named_only_by_the_composition_root() {
    let engine = offenders("DataFusionEngine", |f| {
        f == "src/compose.rs" || f.starts_with("core/src/engine/")
    });
    assert!(
        engine.is_empty(),
        "DataFusionEngine outside the composition root:\n{}",
        engine.join("\n")
    );
    for store in [
        "SqliteAlertStore",
        "SqliteSessionStore",
        "SqliteRuleStateStore",
        "SqliteSeenStore",
    ] {
        let found = offenders(store, |f| {
            f == "src/compose.rs"
                || f.ends_with("/sqlite.rs")
                || f.ends_with("/mod.rs") && f.starts_with("core/src/")
        });
        assert!(
            found.is_empty(),
            "{store} outside the composition root:\n{}",
            found.join("\n")
        );
    }
}
