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
            // A file's test module comes last (clippy's
            // `items_after_test_module`): it is not product code.
            if code.starts_with("#[cfg(test)]") {
                break;
            }
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

/// The crate graph of one workspace member, normal dependencies only, with
/// the features each crate is built with (`cargo tree -e normal,features`).
fn dependency_tree(package: &str) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .current_dir(root())
        .args(["tree", "--locked", "-p", package, "-e", "normal,features"])
        .args(["--prefix", "none"])
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree -p {package}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// **Architecture Invariant:** the chat bot and the alert router compile
/// without the query engine, the embedded stores, the LLM SDKs and the demo
/// generator: they see the product through the core's shared model only.
#[test]
fn bot_and_router_are_free_of_the_engine_the_llm_sdks_and_the_demo() {
    for package in ["mantissa-bot", "mantissa-router"] {
        let tree = dependency_tree(package);
        assert!(tree.contains("mantissa-core"), "{package}: {tree}");
        for crate_name in ["datafusion", "rusqlite", "aws-sdk-bedrockruntime", "arrow"] {
            let found: Vec<&str> = tree
                .lines()
                .filter(|l| l.starts_with(&format!("{crate_name} v")))
                .collect();
            assert!(found.is_empty(), "{package} depends on {found:?}");
        }
        for feature in ["query", "llm", "demo", "sqlite"] {
            let needle = format!("mantissa-core feature \"{feature}\"");
            assert!(
                !tree.contains(&needle),
                "{package} builds {needle}: turn it off in {package}'s Cargo.toml"
            );
        }
    }
}

/// **Architecture Invariant:** `Clock` is the only source of "now": no
/// product code reads the wall clock itself (monotonic `Instant`s for
/// timeouts and elapsed times are fine).
#[test]
fn the_clock_module_is_the_only_source_of_now() {
    let mut found = Vec::new();
    for needle in ["Utc::now", "SystemTime::now", "Local::now"] {
        found.extend(offenders(needle, |f| f == "core/src/clock.rs"));
    }
    assert!(
        found.is_empty(),
        "read the time from a `Clock` (mantissa_core::clock) instead:\n{}",
        found.join("\n")
    );
}
