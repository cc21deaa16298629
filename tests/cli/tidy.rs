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
        "SqliteManifestStore",
        "DynamoAlertStore",
        "DynamoSessionStore",
        "DynamoRuleStateStore",
        "DynamoSeenStore",
        "DynamoManifestStore",
    ] {
        let found = offenders(store, |f| {
            f == "src/compose.rs"
                || f.ends_with("/sqlite.rs")
                || f.ends_with("/dynamodb.rs")
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

/// Each `.rs` file of a crate's source folder as its module path
/// (`nl::builtin`; the crate root is ``), with comments and the trailing
/// test module removed.
fn modules(src: &Path) -> std::collections::BTreeMap<String, String> {
    fn walk(dir: &Path, base: &Path, out: &mut std::collections::BTreeMap<String, String>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, base, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p.strip_prefix(base).unwrap().with_extension("");
                let mut parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if parts.last().is_some_and(|l| l == "mod") {
                    parts.pop();
                }
                if parts.len() == 1 && (parts[0] == "lib" || parts[0] == "main") {
                    parts.clear();
                }
                let text = std::fs::read_to_string(&p).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                let code: Vec<&str> = code
                    .lines()
                    .map(|l| l.split("//").next().unwrap_or_default())
                    .collect();
                out.insert(parts.join("::"), code.join("\n"));
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(src, src, &mut out);
    out
}

/// The paths a `use` tree names: `super::{a, b::{c, d}}` → `super::a`,
/// `super::b::c`, `super::b::d`.
fn expand_use(prefix: &[String], tree: &str, out: &mut Vec<Vec<String>>) {
    let tree = tree.trim();
    if let Some(inner) = tree.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        let (mut depth, mut start) = (0, 0);
        let bytes = inner.as_bytes();
        for i in 0..=bytes.len() {
            match bytes.get(i) {
                Some(b'{') => depth += 1,
                Some(b'}') => depth -= 1,
                Some(b',') | None if depth == 0 => {
                    let part = inner[start..i].trim();
                    if !part.is_empty() {
                        expand_use(prefix, part, out);
                    }
                    start = i + 1;
                }
                _ => {}
            }
        }
        return;
    }
    match tree.split_once("::") {
        Some((head, rest)) => {
            let mut p = prefix.to_vec();
            p.push(head.trim().to_string());
            expand_use(&p, rest, out);
        }
        None => {
            let mut p = prefix.to_vec();
            p.push(
                tree.split(" as ")
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            );
            out.push(p);
        }
    }
}

/// The file module a `crate::`/`super::`/`self::` path from `module` lands in.
fn resolve(
    files: &std::collections::BTreeMap<String, String>,
    module: &str,
    path: &[String],
) -> Option<String> {
    let mut base: Vec<String> = if module.is_empty() {
        Vec::new()
    } else {
        module.split("::").map(str::to_string).collect()
    };
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => base.clear(),
        Some("super") => {
            while rest.first().map(String::as_str) == Some("super") {
                base.pop();
                rest = &rest[1..];
            }
            return resolve_from(files, base, rest);
        }
        Some("self") => {}
        _ => return None,
    }
    resolve_from(files, base, &rest[1..])
}

fn resolve_from(
    files: &std::collections::BTreeMap<String, String>,
    mut base: Vec<String>,
    rest: &[String],
) -> Option<String> {
    base.extend(rest.iter().cloned());
    (1..=base.len())
        .rev()
        .map(|i| base[..i].join("::"))
        .find(|m| files.contains_key(m))
}

/// The file modules `module`'s code refers to through `use` trees and
/// inline `crate::`/`super::` paths (parents and children excluded).
fn imports(
    files: &std::collections::BTreeMap<String, String>,
    module: &str,
    code: &str,
) -> std::collections::BTreeSet<String> {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut paths: Vec<Vec<String>> = Vec::new();
    let mut at = 0;
    while let Some(i) = code[at..].find("use ") {
        let start = at + i;
        at = start + 4;
        if code[..start].chars().next_back().is_some_and(ident) {
            continue;
        }
        let Some(end) = code[at..].find(';') else {
            break;
        };
        let tree = code[at..at + end].trim();
        for root in ["crate::", "super::", "self::"] {
            if let Some(rest) = tree.strip_prefix(root) {
                let mut prefix = vec![root.trim_end_matches(':').to_string()];
                let mut rest = rest;
                while let Some(r) = rest.strip_prefix("super::") {
                    prefix.push("super".into());
                    rest = r;
                }
                expand_use(&prefix, rest, &mut paths);
            }
        }
    }
    for root in ["crate::", "super::"] {
        let mut at = 0;
        while let Some(i) = code[at..].find(root) {
            let start = at + i;
            at = start + root.len();
            if code[..start]
                .chars()
                .next_back()
                .is_some_and(|c| ident(c) || c == ':')
            {
                continue;
            }
            let tail: String = code[start..]
                .chars()
                .take_while(|c| ident(*c) || *c == ':')
                .collect();
            paths.push(
                tail.split("::")
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
            );
        }
    }
    paths
        .iter()
        .filter_map(|p| resolve(files, module, p))
        .filter(|r| {
            !r.is_empty()
                && r != module
                && !module.starts_with(&format!("{r}::"))
                && !r.starts_with(&format!("{module}::"))
        })
        .collect()
}

/// **Architecture Invariant:** no two source files of a crate import each
/// other: a file-level cycle means the split between them is wrong (move
/// what both need into a third module).
#[test]
fn no_two_source_files_import_each_other() {
    let mut cycles = Vec::new();
    for src in ["src", "core/src", "bot/src", "detector/src", "router/src"] {
        let files = modules(&root().join(src));
        let edges: std::collections::BTreeMap<&String, std::collections::BTreeSet<String>> = files
            .iter()
            .map(|(m, code)| (m, imports(&files, m, code)))
            .collect();
        for (a, to) in &edges {
            for b in to {
                if a.as_str() < b.as_str() && edges.get(b).is_some_and(|back| back.contains(*a)) {
                    cycles.push(format!("{src}: {a} <-> {b}"));
                }
            }
        }
        assert!(files.len() > 3, "{src}: no modules found");
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}
