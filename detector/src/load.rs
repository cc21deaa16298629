//! Loading rules: sources of rule files, strict parsing, located errors.
//!
//! Loading never stops at a bad file: every file is parsed on its own and
//! the report carries the good rules and one [`RuleError`] per bad file.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use mantissa_core::guard::{SqlGuard, edit_distance};
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::duration::RuleDuration;
use crate::rule::{Category, DedupSpec, Metadata, Origin, Rule, RuleTest, Severity, Threshold};

/// One rule file's text.
#[derive(Debug, Clone)]
pub struct RuleFile {
    /// Path shown in messages.
    pub path: String,
    /// File contents.
    pub text: String,
}

/// Somewhere rule files come from: a folder, the built-in pack, later S3.
pub trait RuleSource: Send + Sync {
    /// Name shown in listings (`builtin`, a folder path, `s3://…`).
    fn name(&self) -> String;
    /// Every rule file of the source; an unreadable source is one error.
    fn files(&self) -> Result<Vec<RuleFile>, RuleError>;
}

/// Rule files under a folder (`*.yaml`, `*.yml`, recursively).
#[derive(Debug, Clone)]
pub struct DirSource {
    root: PathBuf,
}

impl DirSource {
    /// A source reading `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }
}

impl RuleSource for DirSource {
    fn name(&self) -> String {
        self.root.display().to_string()
    }

    fn files(&self) -> Result<Vec<RuleFile>, RuleError> {
        let mut paths = Vec::new();
        collect_yaml(&self.root, &mut paths).map_err(|e| RuleError {
            path: self.root.display().to_string(),
            line: None,
            column: None,
            message: format!("cannot read rules folder: {e}"),
        })?;
        paths.sort();
        let mut out = Vec::with_capacity(paths.len());
        for p in paths {
            match std::fs::read_to_string(&p) {
                Ok(text) => out.push(RuleFile {
                    path: p.display().to_string(),
                    text,
                }),
                Err(e) => out.push(RuleFile {
                    path: p.display().to_string(),
                    // An unreadable file becomes a parse error of that file only.
                    text: format!("\u{0}unreadable: {e}"),
                }),
            }
        }
        Ok(out)
    }
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if dir.is_file() {
        out.push(dir.to_path_buf());
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_yaml(&path, out)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            out.push(path);
        }
    }
    Ok(())
}

/// Rule files in a storage location (`s3://rules-bucket/rules/`, or any
/// URL the storage seam reads): every `*.yaml`/`*.yml` object below it,
/// read afresh on each load, so an upload is picked up by the next cycle.
#[derive(Debug, Clone)]
pub struct StorageSource {
    storage: mantissa_core::storage::Storage,
}

impl StorageSource {
    /// A source reading below `storage`'s location.
    pub fn new(storage: mantissa_core::storage::Storage) -> Self {
        Self { storage }
    }

    async fn read(&self) -> Result<Vec<RuleFile>, RuleError> {
        let listed = self.storage.list("").await.map_err(|e| RuleError {
            path: self.storage.url(),
            line: None,
            column: None,
            message: format!("cannot list the rules location: {}", error_chain(&e)),
        })?;
        let mut keys: Vec<String> = listed
            .into_iter()
            .map(|o| o.key)
            .filter(|k| k.ends_with(".yaml") || k.ends_with(".yml"))
            .collect();
        keys.sort();
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let path = self.storage.url_of(&key);
            let text = match self.storage.get(&key).await {
                Ok(bytes) => String::from_utf8(bytes)
                    .unwrap_or_else(|_| "\u{0}unreadable: not UTF-8 text".into()),
                Err(e) => format!("\u{0}unreadable: {}", error_chain(&e)),
            };
            out.push(RuleFile { path, text });
        }
        Ok(out)
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

impl RuleSource for StorageSource {
    fn name(&self) -> String {
        self.storage.url()
    }

    fn files(&self) -> Result<Vec<RuleFile>, RuleError> {
        // Loading is synchronous (a cycle loads before it runs).
        mantissa_core::blocking::block_on_isolated(self.read()).map_err(|e| RuleError {
            path: self.storage.url(),
            line: None,
            column: None,
            message: format!("cannot start a runtime: {e}"),
        })?
    }
}

/// Rule files compiled into the binary (the built-in pack).
#[derive(Debug, Clone)]
pub struct EmbeddedSource {
    files: Vec<RuleFile>,
}

impl EmbeddedSource {
    /// A source over `(path, text)` pairs.
    pub fn new(files: &[(&str, &str)]) -> Self {
        Self {
            files: files
                .iter()
                .map(|(p, t)| RuleFile {
                    path: format!("builtin:{p}"),
                    text: (*t).to_string(),
                })
                .collect(),
        }
    }
}

impl RuleSource for EmbeddedSource {
    fn name(&self) -> String {
        "builtin".into()
    }

    fn files(&self) -> Result<Vec<RuleFile>, RuleError> {
        Ok(self.files.clone())
    }
}

/// A rule file that could not be loaded: where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RuleError {
    /// The file.
    pub path: String,
    /// 1-based line, when known.
    pub line: Option<u64>,
    /// 1-based column, when known.
    pub column: Option<u64>,
    /// What is wrong and, where possible, how to fix it.
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

/// What loading produced.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// Valid rules, in load order, ids unique.
    pub rules: Vec<Rule>,
    /// One error per file that could not be loaded.
    pub errors: Vec<RuleError>,
    /// `(id, replaced path, replacing path)` for user rules replacing built-in ones.
    pub replaced: Vec<(String, String, String)>,
}

impl LoadReport {
    /// The rule with this id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

/// Loads every source in order; a later source's rule replaces an earlier
/// one with the same id, duplicates within one source are errors.
pub fn load_rules(sources: &[&dyn RuleSource], guard: &SqlGuard) -> LoadReport {
    let mut report = LoadReport::default();
    let mut index: HashMap<String, (usize, usize)> = HashMap::new(); // id -> (rule idx, source idx)
    for (si, source) in sources.iter().enumerate() {
        let files = match source.files() {
            Ok(f) => f,
            Err(e) => {
                report.errors.push(e);
                continue;
            }
        };
        for file in files {
            let rule = match parse_rule(&file, &source.name(), guard) {
                Ok(r) => r,
                Err(e) => {
                    report.errors.push(e);
                    continue;
                }
            };
            match index.get(&rule.id).copied() {
                Some((ri, rsi)) if rsi == si => report.errors.push(RuleError {
                    path: file.path.clone(),
                    line: None,
                    column: None,
                    message: format!(
                        "duplicate rule id `{}` (also in {}); give one of them a different `id`",
                        rule.id, report.rules[ri].origin.path
                    ),
                }),
                Some((ri, _)) => {
                    report.replaced.push((
                        rule.id.clone(),
                        report.rules[ri].origin.path.clone(),
                        file.path.clone(),
                    ));
                    index.insert(rule.id.clone(), (ri, si));
                    report.rules[ri] = rule;
                }
                None => {
                    index.insert(rule.id.clone(), (report.rules.len(), si));
                    report.rules.push(rule);
                }
            }
        }
    }
    report
}

/// The keys of a rule file, for "did you mean" hints.
const RULE_KEYS: &[&str] = &[
    "id",
    "name",
    "description",
    "enabled",
    "severity",
    "category",
    "schedule",
    "query",
    "threshold",
    "dedup",
    "metadata",
    "tests",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    #[serde(default)]
    id: Option<String>,
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default = "yes")]
    enabled: bool,
    severity: Severity,
    category: Category,
    #[serde(default)]
    schedule: Option<RuleDuration>,
    query: Spanned<String>,
    threshold: Spanned<Threshold>,
    #[serde(default)]
    dedup: Option<DedupSpec>,
    #[serde(default)]
    metadata: Metadata,
    #[serde(default)]
    tests: Vec<RuleTest>,
}

fn yes() -> bool {
    true
}

/// Default schedule of a rule.
pub const DEFAULT_SCHEDULE: RuleDuration = RuleDuration(std::time::Duration::from_secs(300));

/// Parses and validates one rule file.
pub fn parse_rule(file: &RuleFile, source: &str, guard: &SqlGuard) -> Result<Rule, RuleError> {
    let err = |line: Option<u64>, column: Option<u64>, message: String| RuleError {
        path: file.path.clone(),
        line,
        column,
        message,
    };
    if let Some(why) = file.text.strip_prefix('\u{0}') {
        return Err(err(None, None, why.to_string()));
    }
    if file.text.trim().is_empty() {
        return Err(err(None, None, "empty rule file".into()));
    }
    let raw: RawRule = serde_saphyr::from_str(&file.text).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (Some(l.line()), Some(l.column())))
            .unwrap_or((None, None));
        err(line, column, yaml_message(&e))
    })?;
    let stem = file
        .path
        .rsplit(['/', '\\', ':'])
        .next()
        .unwrap_or(&file.path)
        .trim_end_matches(".yaml")
        .trim_end_matches(".yml")
        .to_string();
    let id = raw.id.unwrap_or(stem);
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(err(
            None,
            None,
            format!("invalid rule id `{id}`: use letters, digits, `-`, `_` and `.`"),
        ));
    }
    if raw.name.trim().is_empty() {
        return Err(err(None, None, "`name` is empty".into()));
    }
    let at_query = (
        Some(raw.query.referenced.line()),
        Some(raw.query.referenced.column()),
    );
    let guarded = guard.check(&raw.query.value).map_err(|e| {
        err(
            at_query.0,
            at_query.1,
            format!("query refused by the SQL guard: {e}"),
        )
    })?;
    let at_threshold = (
        Some(raw.threshold.referenced.line()),
        Some(raw.threshold.referenced.column()),
    );
    let threshold = raw.threshold.value;
    if threshold.count == 0 {
        return Err(err(
            at_threshold.0,
            at_threshold.1,
            "threshold.count must be at least 1 (the number of result rows needed to raise)".into(),
        ));
    }
    let schedule = raw.schedule.unwrap_or(DEFAULT_SCHEDULE);
    if threshold.window < schedule {
        return Err(err(
            at_threshold.0,
            at_threshold.1,
            format!(
                "threshold.window ({}) is shorter than the schedule ({schedule}): events between runs would never be seen; make the window at least the schedule",
                threshold.window
            ),
        ));
    }
    let (dedup_fields, suppress) = match raw.dedup {
        Some(d) => (d.fields, d.suppress.unwrap_or(threshold.window)),
        None => (None, threshold.window),
    };
    if let Some(fields) = &dedup_fields
        && fields.is_empty()
    {
        return Err(err(
            None,
            None,
            "dedup.fields is empty; list the result columns that identify one incident, or remove it to use every text column".into(),
        ));
    }
    for (i, t) in raw.tests.iter().enumerate() {
        if let Some(now) = &t.now
            && let Err(e) = mantissa_core::clock::parse_instant(now)
        {
            return Err(err(
                None,
                None,
                format!("tests[{i}] `{}`: now: {e}", t.name),
            ));
        }
        for table in t.events.keys() {
            if !guard_knows_table(guard, table) {
                return Err(err(
                    None,
                    None,
                    format!("tests[{i}] `{}`: unknown table `{table}` in events", t.name),
                ));
            }
        }
    }
    Ok(Rule {
        id,
        name: raw.name.trim().to_string(),
        description: raw.description.trim().to_string(),
        enabled: raw.enabled,
        severity: raw.severity,
        category: raw.category,
        schedule,
        query: raw.query.value,
        guarded,
        threshold,
        dedup_fields,
        suppress,
        metadata: raw.metadata,
        tests: raw.tests,
        origin: Origin {
            source: source.to_string(),
            path: file.path.clone(),
        },
    })
}

fn guard_knows_table(guard: &SqlGuard, table: &str) -> bool {
    guard.check(&format!("SELECT 1 FROM {table}")).is_ok()
}

/// A YAML/serde error in words, with a "did you mean" where one fits.
fn yaml_message(e: &serde_saphyr::Error) -> String {
    use serde_saphyr::Error as E;
    let mut e = e;
    while let E::WithSnippet { error, .. } | E::AliasError { error, .. } = e {
        e = error;
    }
    match e {
        E::SerdeUnknownField {
            field, expected, ..
        } => {
            let candidates: &[&str] = if expected.is_empty() {
                RULE_KEYS
            } else {
                expected
            };
            let hint = closest(field, candidates)
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_else(|| format!("; expected one of {}", candidates.join(", ")));
            format!("unknown key `{field}`{hint}")
        }
        E::SerdeUnknownVariant {
            variant, expected, ..
        } => {
            let hint = closest(variant, expected)
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_default();
            format!(
                "invalid value `{variant}`: expected one of {}{hint}",
                expected.join(", ")
            )
        }
        E::SerdeMissingField { field, .. } => format!("missing required key `{field}`"),
        E::InvalidScalar { ty, .. } => format!("invalid value: expected {}", type_words(ty)),
        other => {
            let text = other.to_string();
            // Locations are reported separately (file:line:column).
            match text.rfind(" at line ") {
                Some(i) => text[..i].to_string(),
                None => text,
            }
        }
    }
}

fn type_words(ty: &str) -> String {
    match ty {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number of 0 or more".into(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".into(),
        "f32" | "f64" => "a number".into(),
        "bool" => "true or false".into(),
        other => other.to_string(),
    }
}

fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let w = word.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (edit_distance(&w, c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}
