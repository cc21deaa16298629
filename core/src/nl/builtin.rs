//! The built-in translator: no network, deterministic, sub-millisecond.
//!
//! 1. [`safety::screen`] refuses changes, smuggled SQL and prompt injection.
//! 2. [`entities::extract`] cuts out literal values; [`time::find`] the time range.
//! 3. The rest is split into words, typos are corrected against the
//!    gazetteer vocabulary (edit distance), and the longest known phrases
//!    are tagged with their [`Concept`]s.
//! 4. The tags decide the table, filters and shape of the answer; words
//!    that mean nothing here lower the confidence. Below the threshold (or
//!    with nothing about the logs at all) the question is declined with
//!    suggestions instead of guessed.
//! 5. With a previous turn, a follow-up ("only errors", "by user") edits the
//!    previous plan ([`followup`]).

use super::entities::{self, Entity, Kind};
use super::gazetteer::{Concept, GAZETTEER, Intent, Verb, resource_events};
use super::plan::{Alts, Cond, PShape, Parsed, build};
use super::spec::{Bucket, Field, Filter, Measure, Op, Order, Table, Value};
use super::tokens::{stem, words};
use super::{
    Context, NlError, Outcome, Query, Translation, Translator, followup, interpret, safety, time,
};

/// Confidence below which a question is declined.
pub const DEFAULT_THRESHOLD: f32 = 0.7;

/// The built-in translator.
#[derive(Debug, Clone)]
pub struct BuiltinTranslator {
    threshold: f32,
}

impl Default for BuiltinTranslator {
    fn default() -> Self {
        Self {
            threshold: DEFAULT_THRESHOLD,
        }
    }
}

impl BuiltinTranslator {
    /// A translator declining below `threshold` (0-1).
    pub fn with_threshold(threshold: f32) -> Self {
        Self { threshold }
    }
}

impl Translator for BuiltinTranslator {
    fn name(&self) -> &str {
        "builtin"
    }

    fn translate(&self, question: &str, ctx: &Context<'_>) -> Result<Outcome, NlError> {
        Ok(self.run(question, ctx))
    }
}

#[derive(Debug, Clone)]
enum Item<'a> {
    Concepts(Vec<&'a Concept>, String),
    Entity(usize),
    Number(u64),
    Name(String),
    Unknown(String),
}

/// A known base form of an inflected word ("assuming" → "assume", "talked" → "talk").
fn lemma(w: &str) -> Option<String> {
    let mut candidates = Vec::new();
    for suf in ["ing", "ed", "es", "s", "er", "ers"] {
        if let Some(b) = w.strip_suffix(suf)
            && b.len() >= 3
        {
            candidates.push(b.to_string());
            candidates.push(format!("{b}e"));
            // "stopped" → "stop"
            let bytes = b.as_bytes();
            if bytes.len() >= 2 && bytes[bytes.len() - 1] == bytes[bytes.len() - 2] {
                candidates.push(b[..b.len() - 1].to_string());
            }
        }
    }
    candidates
        .into_iter()
        .find(|c| GAZETTEER.knows(c) && !is_stop(c))
}

/// The closest known word within the typo budget.
/// Known words within the typo budget, best first (fewest edits, same first
/// letter, same length, longest shared prefix).
fn corrections(word: &str) -> Vec<String> {
    let n = word.chars().count();
    if n < 4 || word.chars().any(|c| c.is_ascii_digit()) {
        return Vec::new();
    }
    let budget = if n >= 8 { 2 } else { 1 };
    // (edits, first letter differs, length difference, -shared prefix), word
    type Scored<'a> = ((usize, usize, usize, usize), &'a String);
    let mut found: Vec<Scored<'_>> = Vec::new();
    let lengths = n.saturating_sub(budget).max(3)..=(n + budget);
    for v in lengths.flat_map(|l| GAZETTEER.by_len.get(l).into_iter().flatten()) {
        let vn = v.chars().count();
        if is_stop(v) {
            continue;
        }
        let d = typo_distance(word, v);
        if d > budget {
            continue;
        }
        let prefix = word
            .chars()
            .zip(v.chars())
            .take_while(|(a, b)| a == b)
            .count();
        let first_differs = usize::from(word.chars().next() != v.chars().next());
        found.push(((d, first_differs, vn.abs_diff(n), usize::MAX - prefix), v));
    }
    found.sort();
    found.into_iter().map(|(_, v)| v.clone()).collect()
}

/// Edit distance counting a swap of neighbours as one edit ("hihg" → "high").
pub fn typo_distance(a: &str, b: &str) -> usize {
    if a.is_ascii() && b.is_ascii() && a.len() <= 32 && b.len() <= 32 {
        return osa_small(a.as_bytes(), b.as_bytes());
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m]
}

/// [`typo_distance`] for short ASCII words, on the stack.
fn osa_small(a: &[u8], b: &[u8]) -> usize {
    let (n, m) = (a.len(), b.len());
    let mut d = [[0u8; 33]; 33];
    for (i, row) in d.iter_mut().enumerate().take(n + 1) {
        row[0] = i as u8;
    }
    for (j, cell) in d[0].iter_mut().enumerate().take(m + 1) {
        *cell = j as u8;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = u8::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    usize::from(d[n][m])
}

fn is_stop(w: &str) -> bool {
    super::gazetteer::STOPWORDS.contains(&w)
}

/// Words after which an unknown word is a principal's name.
const NAME_LEADS: &[&str] = &[
    "user",
    "username",
    "named",
    "principal",
    "by",
    "for",
    "iam-user",
    "called",
    "did",
    "has",
    "does",
    "was",
];

impl BuiltinTranslator {
    fn run(&self, question: &str, ctx: &Context<'_>) -> Outcome {
        let question = question.trim();
        if question.is_empty() {
            return declined("the question is empty", &[]);
        }
        if question.chars().count() > 500 {
            return declined(
                "the question is too long (over 500 characters); ask one thing at a time",
                &[],
            );
        }
        if let Some(reason) = safety::screen(question) {
            return declined(&reason, &[]);
        }
        let parsed = parse(question, ctx.now);
        if let Some(r) = &parsed.refusal {
            return declined(r, &[]);
        }
        let mut parsed = parsed;
        parsed.now = ctx.now;
        let previous = ctx.previous.and_then(|t| t.plan.as_ref());
        let spec = match previous {
            Some(prev) if parsed.is_followup() => followup::apply(prev, &parsed),
            _ => build(&parsed),
        };
        let spec = match spec {
            Ok(s) => s,
            Err(words) => {
                parsed.inapplicable = words;
                return decline_with(&parsed, previous.is_some());
            }
        };
        let confidence = parsed.confidence(previous.is_some());
        if confidence < self.threshold {
            return decline_with(&parsed, previous.is_some());
        }
        let mut interpretation = interpret::interpret(&spec, ctx.now);
        if !parsed.corrections.is_empty() {
            let c: Vec<String> = parsed
                .corrections
                .iter()
                .map(|(a, b)| format!("\"{a}\" as \"{b}\""))
                .collect();
            interpretation.push_str(&format!(" (read {})", c.join(", ")));
        }
        Outcome::Answer(Translation {
            query: Query::Plan(spec),
            interpretation,
            translator: "builtin".into(),
            confidence,
        })
    }
}

fn declined(reason: &str, suggestions: &[String]) -> Outcome {
    Outcome::Declined {
        reason: reason.to_string(),
        suggestions: suggestions.to_vec(),
    }
}

/// Example questions, per table, offered when a question is declined.
fn examples(table: Option<Table>) -> Vec<String> {
    let all = [
        (
            Table::Cloudtrail,
            "Show me failed console logins in the last 24 hours",
        ),
        (Table::Cloudtrail, "Top 10 users by API errors this week"),
        (
            Table::VpcFlow,
            "Rejected SSH traffic by source address today",
        ),
        (
            Table::Guardduty,
            "High severity GuardDuty findings this week",
        ),
        (Table::Cloudtrail, "Who created access keys recently?"),
    ];
    all.iter()
        .filter(|(t, _)| table.is_none_or(|x| x == *t))
        .map(|(_, q)| q.to_string())
        .take(3)
        .collect()
}

fn decline_with(p: &Parsed, in_conversation: bool) -> Outcome {
    let mut suggestions = Vec::new();
    // Near misses: "Did you mean 'failed'?" for unknown words.
    for w in p.unknown.iter().filter(|_| p.anchor) {
        let mut best: Option<(usize, &String)> = None;
        let n = w.chars().count();
        let lengths = n.saturating_sub(2).max(4)..=(n + 2);
        for v in lengths.flat_map(|l| GAZETTEER.by_len.get(l).into_iter().flatten()) {
            if is_stop(v) {
                continue;
            }
            let d = typo_distance(w, v);
            if d > 0 && d <= 3.max(w.len() / 3) && best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, v));
            }
        }
        if let Some((_, v)) = best {
            suggestions.push(format!("Did you mean \"{v}\" instead of \"{w}\"?"));
        }
    }
    let reason = if !p.inapplicable.is_empty() {
        format!(
            "{} does not apply to the table the question is about",
            p.inapplicable.join(", ")
        )
    } else if !p.anchor && !in_conversation {
        "this does not look like a question about the logs (CloudTrail, VPC flow, GuardDuty)"
            .to_string()
    } else if !p.unknown.is_empty() {
        format!("not sure what {} means here", quote_list(&p.unknown))
    } else {
        "not sure what to show".to_string()
    };
    let table = p.table.or_else(|| p.best_table());
    suggestions.extend(examples(if p.anchor { table } else { None }));
    declined(&reason, &suggestions)
}

fn quote_list(ws: &[String]) -> String {
    ws.iter()
        .map(|w| format!("\"{w}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn vote(p: &mut Parsed, t: Table, n: i32) {
    let i = Table::ALL.iter().position(|x| *x == t).unwrap_or(0);
    p.votes[i] += n;
}

/// Understands one question (no previous context).
pub(crate) fn parse(question: &str, now: chrono::DateTime<chrono::Utc>) -> Parsed {
    let mut p = Parsed::default();
    let ex = entities::extract(question);
    let mut text = ex.text.clone();
    if let Some(found) = time::find(&text, now) {
        p.time = Some(found.range);
        text.replace_range(found.span.0..found.span.1, " ");
        p.understood += 1;
    }
    comparisons(&mut p, &mut text);
    // "how many were failures?", "which of those …": about the previous answer.
    if REFERS_BACK.is_match(&question.to_lowercase()) {
        p.followup = true;
    }
    if let Some(c) = MORE_THAN.captures(&text) {
        let n: u64 = match &c[2] {
            "once" | "one" => 1,
            "twice" | "two" => 2,
            "three" | "thrice" => 3,
            "four" => 4,
            "five" => 5,
            "ten" => 10,
            d => d.parse().unwrap_or(1),
        };
        let n = if &c[1] == "at least" {
            n.saturating_sub(1)
        } else {
            n
        };
        let after = c.get(3).map(|m| m.as_str()).unwrap_or("");
        if after.is_empty()
            || matches!(
                after,
                "times"
                    | "time"
                    | "attempts"
                    | "failures"
                    | "events"
                    | "calls"
                    | "logins"
                    | "tries"
                    | "requests"
                    | "errors"
            )
            || matches!(&c[2], "once" | "twice" | "thrice")
        {
            p.more_than = Some(n);
            p.understood += 1;
            let span = c.get(0).expect("match").range();
            text.replace_range(span, " ");
        } else {
            p.refusal = Some(format!(
                "\"{}\": counting distinct {after} per group is not supported by the built-in translator",
                &c[0]
            ));
            return p;
        }
    }
    // Refuse "the users table": there are no tables but the logs.
    let raw_words = words(&text);
    for (i, w) in raw_words.iter().enumerate() {
        if matches!(
            w.as_str(),
            "table" | "tables" | "database" | "databases" | "schema" | "column" | "columns"
        ) {
            let prev = if i > 0 { raw_words[i - 1].as_str() } else { "" };
            if !matches!(
                prev,
                "cloudtrail" | "vpc_flow" | "flow" | "guardduty" | "log" | "logs"
            ) {
                p.refusal = Some(format!(
                    "\"{}\" is not something the logs can answer; only the log tables cloudtrail, vpc_flow and guardduty can be queried",
                    if prev.is_empty() {
                        w.clone()
                    } else {
                        format!("{prev} {w}")
                    }
                ));
                return p;
            }
        }
    }
    // Split hyphenated words whose parts are all known ("sign-in").
    let mut ws: Vec<String> = Vec::new();
    for w in raw_words {
        if w.contains('-') && !GAZETTEER.knows(&stem(&w)) {
            let parts: Vec<&str> = w.split('-').filter(|x| !x.is_empty()).collect();
            if parts
                .iter()
                .all(|x| GAZETTEER.knows(&stem(x)) || is_stop(x))
            {
                ws.extend(parts.into_iter().map(str::to_string));
                continue;
            }
        }
        ws.push(w);
    }
    // Typo correction (not for names after "user", nor numbers, nor markers).
    let mut stems: Vec<String> = Vec::with_capacity(ws.len());
    let mut alternatives: Vec<(usize, Vec<String>)> = Vec::new();
    for (i, w) in ws.iter().enumerate() {
        let s = stem(w);
        let prev = if i > 0 { ws[i - 1].as_str() } else { "" };
        if w.starts_with('@')
            || is_stop(w)
            || GAZETTEER.knows(&s)
            || GAZETTEER.knows(w)
            || w.parse::<u64>().is_ok()
        {
            stems.push(if GAZETTEER.knows(w) { w.clone() } else { s });
            continue;
        }
        if NAME_LEADS.contains(&prev) && !matches!(prev, "by" | "for") {
            stems.push(w.clone());
            continue;
        }
        if super::gazetteer::event_name(w).is_some() {
            // An API action in lower case: not a typo.
            stems.push(w.clone());
            continue;
        }
        if let Some(l) = lemma(w) {
            stems.push(l);
            continue;
        }
        let mut options = corrections(&s);
        if options.is_empty() && s != *w {
            options = corrections(w);
        }
        match options.first() {
            Some(c) => {
                p.corrections.push((w.clone(), c.clone()));
                stems.push(c.clone());
                alternatives.push((i, options));
            }
            None => stems.push(w.clone()),
        }
    }
    // Among equally close corrections prefer one that completes a phrase
    // with its neighbours ("root acount" → "root account", not "amount").
    for (i, options) in alternatives {
        let covered = |stems: &[String]| {
            (i.saturating_sub(3)..=i)
                .any(|j| GAZETTEER.longest(stems, j).is_some_and(|(n, _)| j + n > i))
        };
        if covered(&stems) {
            continue;
        }
        for o in options.iter().skip(1) {
            let mut trial = stems.clone();
            trial[i] = o.clone();
            if covered(&trial) {
                stems[i] = o.clone();
                if let Some(c) = p.corrections.iter_mut().find(|(w, _)| *w == ws[i]) {
                    c.1 = o.clone();
                }
                break;
            }
        }
    }
    // Tag phrases, longest first.
    let mut items: Vec<Item<'_>> = Vec::new();
    let mut i = 0;
    while i < stems.len() {
        let w = &stems[i];
        if let Some(n) = w.strip_prefix('@').and_then(|n| n.parse::<usize>().ok()) {
            items.push(Item::Entity(n));
            i += 1;
            continue;
        }
        if let Ok(n) = w.parse::<u64>() {
            items.push(Item::Number(n));
            i += 1;
            continue;
        }
        if let Some((n, cs)) = GAZETTEER.longest(&stems, i) {
            let surface = ws[i..i + n].join(" ");
            items.push(Item::Concepts(cs, surface));
            i += n;
            continue;
        }
        if is_stop(w) {
            i += 1;
            continue;
        }
        let prev = if i > 0 { ws[i - 1].as_str() } else { "" };
        let next = ws.get(i + 1).map(String::as_str).unwrap_or("");
        let acts = matches!(
            next,
            "did"
                | "has"
                | "does"
                | "was"
                | "is"
                | "have"
                | "had"
                | "made"
                | "ran"
                | "performed"
                | "used"
                | "called"
        ) || (matches!(next, "user" | "principal" | "identity")
            && ws[i].contains(['-', '_', '.', '@']));
        // "each user make", "per user": "user" is a field there, not a name lead.
        let before_lead = if i > 1 { ws[i - 2].as_str() } else { "" };
        let field_use = matches!(
            before_lead,
            "each" | "every" | "per" | "which" | "what" | "top" | "distinct" | "unique"
        );
        if prev == "bucket" && looks_like_name(&ws[i]) {
            // "bucket acme-prod-exports": a bucket name.
            items.push(Item::Name(format!("bucket:{}", ws[i])));
        } else if ((NAME_LEADS.contains(&prev) && !field_use) || acts) && looks_like_name(&ws[i]) {
            items.push(Item::Name(ws[i].clone()));
        } else {
            items.push(Item::Unknown(ws[i].clone()));
        }
        i += 1;
    }
    interpret_items(&mut p, &items, &ex.entities, question);
    p
}

static REFERS_BACK: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"^\s*(?:(?:and|but|so)\s+)?(?:(?:how many|which|what|who|were|are|any)\s+(?:of\s+)?(?:them|those|these|were|are|was)\b|of (?:them|those|these)\b)").expect("refers back")
});

static MORE_THAN: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"\b(more than|over|at least|greater than)\s+(once|twice|thrice|one|two|three|four|five|ten|\d+)\b(?:\s+([a-z]+))?(?:\s+address(?:es)?)?").expect("more than")
});

static COMPARISON: std::sync::LazyLock<[regex::Regex; 2]> = std::sync::LazyLock::new(|| {
    let op = r"(>=|<=|>|<|=|above|over|greater than|more than|higher than|at least|below|under|less than|lower than|fewer than|at most|of at least|of)";
    [
        regex::Regex::new(&format!(r"\b(severity|sev|bytes|packets)(?: score| level)?(?: is| of| was)? {op} (\d+(?:\.\d+)?)\b")).expect("comparison"),
        regex::Regex::new(&format!(r"\b{op} (\d+(?:\.\d+)?) (bytes|packets)\b")).expect("comparison"),
    ]
});

/// Numeric conditions: "severity above 7", "more than 1000000 bytes".
fn comparisons(p: &mut Parsed, text: &mut String) {
    for (k, re) in COMPARISON.iter().enumerate() {
        while let Some(c) = re.captures(text) {
            let (field, op, num) = if k == 0 {
                (&c[1], &c[2], &c[3])
            } else {
                (&c[3], &c[1], &c[2])
            };
            let value = match num.parse::<i64>() {
                Ok(n) if field != "severity" && field != "sev" => Value::Int(n),
                _ => Value::Float(num.parse::<f64>().unwrap_or(0.0)),
            };
            let op = match op {
                ">" | "above" | "over" | "greater than" | "more than" | "higher than" => {
                    Op::Gt(value)
                }
                ">=" | "at least" | "of at least" => Op::Ge(value),
                "<" | "below" | "under" | "less than" | "lower than" | "fewer than" => {
                    Op::Lt(value)
                }
                "<=" | "at most" => Op::Le(value),
                _ => Op::Eq(value),
            };
            let (table, f) = match field {
                "bytes" => (Table::VpcFlow, Field::Bytes),
                "packets" => (Table::VpcFlow, Field::Packets),
                _ => (Table::Guardduty, Field::Severity),
            };
            vote(p, table, 2);
            p.anchor = true;
            p.understood += 1;
            let words = c[0].to_string();
            p.conds.push(Cond {
                rules: vec![(table, Filter::new(f, op))],
                negate: false,
                words,
                optional: false,
            });
            let span = c.get(0).expect("match").range();
            text.replace_range(span, " ");
        }
    }
}

fn looks_like_name(w: &str) -> bool {
    w.len() >= 2
        && w.chars()
            .all(|c| c.is_alphanumeric() || "-_.@+".contains(c))
}

/// The items, as concepts (or `None`).
fn concepts<'a, 'b>(it: &'b Item<'a>) -> &'b [&'a Concept] {
    match it {
        Item::Concepts(cs, _) => cs,
        _ => &[],
    }
}

fn has<'a>(it: &Item<'a>, f: impl Fn(&Concept) -> bool) -> Option<&'a Concept> {
    concepts(it).iter().copied().find(|c| f(c))
}

fn noun_fields(c: &Concept) -> Option<Alts<Field>> {
    match c {
        Concept::Noun { fields, .. } => Some(fields.clone()),
        Concept::Resource(r) => r.field.map(|f| vec![(Table::Cloudtrail, f)]),
        Concept::Intent(Intent::Who) => Some(vec![(Table::Cloudtrail, Field::User)]),
        _ => None,
    }
}

fn is_noun(c: &Concept) -> bool {
    noun_fields(c).is_some() && !matches!(c, Concept::Intent(_))
}

fn interpret_items(p: &mut Parsed, items: &[Item<'_>], ents: &[Entity], question: &str) {
    let lower = question.to_lowercase();
    let n = items.len();
    let mut used = vec![false; n];
    let mut group_by: Vec<Alts<Field>> = Vec::new();
    let mut bucket: Option<Bucket> = None;
    let mut measure: Option<Measure> = None;
    let mut top: Option<(usize, Option<u64>)> = None;
    let mut subject: Option<(usize, Alts<Field>)> = None;
    let mut nouns: Vec<(usize, Alts<Field>)> = Vec::new();
    let mut last_grouped: Option<usize> = None;
    let mut sort_field: Option<Alts<Field>> = None;
    let mut count = false;
    let mut distinct: Option<usize> = None;
    let mut who = false;
    let mut first_last: Option<Intent> = None;
    let mut timeline = false;
    let mut side: Option<bool> = None; // Some(true) = from/source, Some(false) = to/destination
    let mut negate_next = false;
    let mut consumed_verbs = vec![false; n];

    // Pass 1: resources with their verbs.
    let mut resource_conds: Vec<(usize, Cond)> = Vec::new();
    let mut resource_subjects: Vec<(usize, Alts<Field>)> = Vec::new();
    for i in 0..n {
        let Some(Concept::Resource(r)) = has(&items[i], |c| matches!(c, Concept::Resource(_)))
        else {
            continue;
        };
        let prev_field_ctx = (0..i).rev().take(2).any(|j| {
            has(&items[j], |c| {
                matches!(
                    c,
                    Concept::GroupBy
                        | Concept::Intent(
                            Intent::Top | Intent::Distinct | Intent::Which | Intent::Count
                        )
                )
            })
            .is_some()
        });
        // A verb right after ("access keys created") or up to two before ("created new access keys").
        let verb_at = |j: usize| {
            has(&items[j], |c| matches!(c, Concept::Verb(_))).map(|c| match c {
                Concept::Verb(v) => *v,
                _ => Verb::Modify,
            })
        };
        let mut verb: Option<(usize, Verb)> = None;
        for j in (i.saturating_sub(2)..i).rev() {
            if let Some(v) = verb_at(j)
                && !consumed_verbs[j]
            {
                verb = Some((j, v));
                break;
            }
        }
        if verb.is_none() {
            for j in i + 1..(i + 3).min(n) {
                if has(&items[j], |c| matches!(c, Concept::Resource(_))).is_some() {
                    break;
                }
                // "users created new access keys": the verb belongs to the next resource.
                let is_res = |k: usize| {
                    k < n && has(&items[k], |c| matches!(c, Concept::Resource(_))).is_some()
                };
                let is_verb =
                    |k: usize| k < n && has(&items[k], |c| matches!(c, Concept::Verb(_))).is_some();
                let next_resource = is_res(j + 1) || (is_verb(j + 1) && is_res(j + 2));
                if let Some(v) = verb_at(j)
                    && !consumed_verbs[j]
                    && !next_resource
                {
                    verb = Some((j, v));
                    break;
                }
            }
        }
        // "instance i-0abc": the resource word labels the value that follows;
        // "attached to users or roles": a resource after another one or after "to" is an object.
        if verb.is_none() && i + 1 < n && matches!(items[i + 1], Item::Entity(_) | Item::Name(_)) {
            continue;
        }
        if verb.is_none()
            && i > 0
            && has(&items[i - 1], |c| {
                matches!(c, Concept::Resource(_) | Concept::To | Concept::From)
            })
            .is_some()
        {
            continue;
        }
        let is_user_word = concepts(&items[i])
            .iter()
            .any(|c| matches!(c, Concept::Noun { .. }));
        if verb.is_none() && (prev_field_ctx || is_user_word) {
            continue; // a field noun here ("by access key", "users")
        }
        if let Some((j, _)) = verb {
            consumed_verbs[j] = true;
            used[j] = true;
        }
        // "creations and deletions": a second verb right after joins the first.
        let mut extra_verb: Option<Verb> = None;
        if let Some((j, _)) = verb
            && j + 1 < n
            && j + 1 != i
            && !consumed_verbs[j + 1]
            && let Some(v) = verb_at(j + 1)
        {
            consumed_verbs[j + 1] = true;
            used[j + 1] = true;
            extra_verb = Some(v);
        }
        // "which buckets were read": the buckets are also what is listed.
        if prev_field_ctx && let Some(f) = r.field {
            resource_subjects.push((i, vec![(Table::Cloudtrail, f)]));
        }
        let mut evs = resource_events(r, verb.map(|v| v.1));
        if let Some(v) = extra_verb {
            for e in resource_events(r, Some(v)) {
                if !evs.contains(&e) {
                    evs.push(e);
                }
            }
        }
        let op = if evs.len() == 1 {
            Op::Eq(Value::text(evs[0]))
        } else {
            Op::In(evs.iter().map(|e| Value::text(*e)).collect())
        };
        used[i] = true;
        resource_conds.push((
            i,
            Cond {
                rules: vec![(Table::Cloudtrail, Filter::new(Field::EventName, op))],
                negate: false,
                words: r.name.to_string(),
                optional: false,
            },
        ));
    }

    // Pass 2: everything else, left to right.
    let had_resource = !resource_conds.is_empty();
    let mut pending: Vec<(usize, Cond)> = resource_conds;
    for i in 0..n {
        let item = &items[i];
        match item {
            Item::Number(num) => {
                p.understood += 1;
                // "port 4444 or 22": another port.
                if i > 0
                    && let Item::Entity(k) = items[i - 1]
                    && ents.get(k).is_some_and(|e| e.kind == Kind::Port)
                    && let Some((_, last)) = pending.last_mut()
                {
                    let extra = Cond {
                        rules: last
                            .rules
                            .iter()
                            .map(|(t, f)| {
                                (*t, Filter::new(f.field, Op::Eq(Value::Int(*num as i64))))
                            })
                            .collect(),
                        negate: last.negate,
                        words: num.to_string(),
                        optional: false,
                    };
                    if merge_in(last, &extra) {
                        continue;
                    }
                }
                if top.is_none()
                    && i + 1 < n
                    && has(&items[i + 1], |c| matches!(c, Concept::Intent(Intent::Top))).is_some()
                {
                    // "10 most active users": the number belongs to the next "most".
                    continue;
                }
                if let Some((_, lim @ None)) = &mut top {
                    *lim = Some(*num);
                } else if i > 0
                    && has(&items[i - 1], |c| {
                        matches!(
                            c,
                            Concept::Intent(Intent::Last | Intent::First | Intent::List)
                        )
                    })
                    .is_some()
                {
                    p.limit = Some(*num);
                } else if i > 0
                    && has(&items[i - 1], |c| matches!(c, Concept::Intent(Intent::Top))).is_some()
                {
                    // handled via top
                } else {
                    p.limit.get_or_insert(*num);
                }
                continue;
            }
            Item::Entity(k) => {
                p.understood += 1;
                p.anchor = true;
                if let Some(e) = ents.get(*k) {
                    let prev_concepts: Vec<&Concept> = if i > 0 {
                        concepts(&items[i - 1]).to_vec()
                    } else {
                        vec![]
                    };
                    // "contacted by 10.0.0.5": the address acts, so it is the source.
                    if i > 0
                        && has(&items[i - 1], |c| matches!(c, Concept::GroupBy)).is_some()
                        && side.is_none()
                    {
                        side = Some(true);
                    }
                    // "did 10.0.0.5 send", "has 1.2.3.4 connected": the address acts, so it is the source.
                    if i > 0
                        && matches!(&items[i - 1], Item::Concepts(_, w) if matches!(w.as_str(), "did" | "has" | "does" | "was"))
                        && side.is_none()
                    {
                        side = Some(true);
                    }
                    if let Some(c) = entity_cond(p, e, side, &prev_concepts) {
                        let mut c = c;
                        if negate_next {
                            c.negate = true;
                            negate_next = false;
                        }
                        // "PutBucketPolicy and DeleteBucketPolicy", "from 1.2.3.4 or 5.6.7.8": one IN.
                        let merged = match pending.last_mut() {
                            Some((_, last)) if last.negate == c.negate => merge_in(last, &c),
                            _ => false,
                        };
                        if !merged {
                            pending.push((i, c));
                        }
                    }
                }
                side = None;
                continue;
            }
            Item::Name(name) => {
                p.understood += 1;
                p.anchor = true;
                let (field, name) = match name.strip_prefix("bucket:") {
                    Some(b) => (Field::Bucket, b.to_string()),
                    None => (Field::User, name.clone()),
                };
                let mut c = Cond {
                    rules: vec![(
                        Table::Cloudtrail,
                        Filter::eq(field, Value::text(name.clone())),
                    )],
                    negate: false,
                    words: format!("{} {name}", field.label()),
                    optional: false,
                };
                if negate_next {
                    c.negate = true;
                    negate_next = false;
                }
                vote(p, Table::Cloudtrail, 1);
                pending.push((i, c));
                continue;
            }
            Item::Unknown(w) => {
                // An API action written in lower case ("decrypt", "getobject").
                if let Some(name) = super::gazetteer::event_name(w) {
                    p.understood += 1;
                    p.anchor = true;
                    vote(p, Table::Cloudtrail, 2);
                    let mut c = Cond {
                        rules: vec![(
                            Table::Cloudtrail,
                            Filter::eq(Field::EventName, Value::text(name)),
                        )],
                        negate: false,
                        words: w.clone(),
                        optional: false,
                    };
                    if negate_next {
                        c.negate = true;
                        negate_next = false;
                    }
                    pending.push((i, c));
                    continue;
                }
                p.unknown.push(w.clone());
                continue;
            }
            Item::Concepts(_, _) => {}
        }
        if used[i] {
            p.understood += 1;
            p.anchor = true;
            if let Some((_, f)) = resource_subjects.iter().find(|(k, _)| *k == i) {
                note(&mut subject, &mut nouns, i, f.clone());
            }
            continue;
        }
        p.understood += 1;
        let cs = concepts(item);
        let Some(first) = cs.first() else { continue };
        let surface = match item {
            Item::Concepts(_, s) => s.clone(),
            _ => String::new(),
        };
        match *first {
            Concept::Table(t) => {
                if p.table.is_none() {
                    p.table = Some(*t);
                }
                vote(p, *t, 5);
                p.anchor = true;
            }
            Concept::Filter(rules) => {
                p.anchor = true;
                vote(p, rules[0].0, 1);
                let mut c = Cond {
                    rules: rules.clone(),
                    negate: false,
                    words: surface,
                    optional: false,
                };
                if negate_next {
                    c.negate = true;
                    negate_next = false;
                }
                pending.push((i, c));
            }
            Concept::Noun { fields, filters } => {
                p.anchor = true;
                if fields.len() == 1 {
                    vote(p, fields[0].0, 1);
                }
                let sorted =
                    i > 0 && has(&items[i - 1], |c| matches!(c, Concept::SortBy)).is_some();
                let mut after_group = !sorted
                    && i > 0
                    && (has(&items[i - 1], |c| matches!(c, Concept::GroupBy)).is_some()
                        || last_grouped == Some(i - 1));
                // "top 5 users by errors": errors are what is counted, users the group.
                // "top 10 users by API calls": the ranking criterion, not a grouping.
                let ranked_subject =
                    top.is_some_and(|(ti, _)| nouns.iter().any(|(ni, _)| *ni > ti));
                if after_group && ranked_subject {
                    after_group = false;
                }
                // "user alice", "account 1234…", "ip 1.2.3.4": the noun labels the value.
                let label = i + 1 < n
                    && (matches!(items[i + 1], Item::Entity(_))
                        || (matches!(items[i + 1], Item::Name(_))
                            && fields
                                .iter()
                                .any(|(_, f)| matches!(f, Field::User | Field::UserName))));
                // "by user admin": a filter on the named user, not a grouping.
                if label {
                    after_group = false;
                }
                if after_group {
                    group_by.push(fields.clone());
                    last_grouped = Some(i);
                } else if label || sorted {
                    // nothing: the value that follows makes the condition, or a sort key
                } else {
                    note(&mut subject, &mut nouns, i, fields.clone());
                    if !filters.is_empty() {
                        let mut c = Cond {
                            rules: filters.clone(),
                            negate: false,
                            words: surface.clone(),
                            optional: false,
                        };
                        if negate_next {
                            c.negate = true;
                            negate_next = false;
                        }
                        if filters.len() == 1 {
                            vote(p, filters[0].0, 1);
                        }
                        pending.push((i, c));
                    }
                }
                if fields.iter().any(|(_, f)| *f == Field::SrcAddr)
                    && matches!(
                        surface.as_str(),
                        "talker" | "talkers" | "top talker" | "top talkers" | "bandwidth hog"
                    )
                {
                    vote(p, Table::VpcFlow, 3);
                    measure.get_or_insert(Measure::Bytes);
                    top.get_or_insert((i, None));
                }
            }
            Concept::Resource(r) => {
                // A resource used as a field ("by access key").
                p.anchor = true;
                if let Some(f) = r.field {
                    let after_group =
                        i > 0 && has(&items[i - 1], |c| matches!(c, Concept::GroupBy)).is_some();
                    if after_group {
                        group_by.push(vec![(Table::Cloudtrail, f)]);
                    } else {
                        note(&mut subject, &mut nouns, i, vec![(Table::Cloudtrail, f)]);
                    }
                } else if cs.iter().any(|c| matches!(c, Concept::Noun { .. })) {
                    let fields = cs.iter().find_map(|c| noun_fields(c)).unwrap_or_default();
                    let after_group =
                        i > 0 && has(&items[i - 1], |c| matches!(c, Concept::GroupBy)).is_some();
                    if after_group {
                        group_by.push(fields);
                    } else {
                        note(&mut subject, &mut nouns, i, fields);
                    }
                }
            }
            Concept::Verb(v) => {
                if consumed_verbs[i] || had_resource {
                    continue;
                }
                // A lone verb: "what was deleted" → Delete* actions.
                let pats: &[&str] = match v {
                    Verb::Create => &["Create%"],
                    Verb::Delete => &["Delete%"],
                    Verb::Modify => &["Update%", "Modify%", "Put%"],
                    Verb::Attach => &["Attach%"],
                    Verb::Stop => &["Stop%", "Disable%"],
                    Verb::Start => &["Start%", "Enable%"],
                    Verb::Read => &["Get%"],
                    Verb::Assume => &["AssumeRole%"],
                };
                p.anchor = true;
                let op = if pats.len() == 1 {
                    Op::Like(pats[0].to_string())
                } else {
                    Op::LikeAny(pats.iter().map(|x| x.to_string()).collect())
                };
                let mut c = Cond {
                    rules: vec![(Table::Cloudtrail, Filter::new(Field::EventName, op))],
                    negate: false,
                    words: surface,
                    optional: true,
                };
                if negate_next {
                    c.negate = true;
                    negate_next = false;
                }
                pending.push((i, c));
            }
            Concept::Intent(intent) => match intent {
                Intent::Count => count = true,
                Intent::Top => {
                    let num = if i > 0 {
                        if let Item::Number(k) = items[i - 1] {
                            Some(k)
                        } else {
                            None
                        }
                    } else {
                        None
                    };
                    if top.is_none() {
                        top = Some((i, num));
                    }
                }
                Intent::Distinct | Intent::Which => {
                    if distinct.is_none() {
                        distinct = Some(i);
                    }
                }
                Intent::Who => {
                    who = true;
                    p.anchor = true;
                }
                Intent::Timeline => timeline = true,
                Intent::First | Intent::Last => first_last = Some(*intent),
                Intent::List => {}
                Intent::Raw => p.raw = true,
            },
            Concept::GroupBy => {
                let grouped = i + 1 < n
                    && has(&items[i + 1], |c| {
                        is_noun(c) || matches!(c, Concept::Bucket(_))
                    })
                    .is_some();
                if grouped
                    && (i == 0
                        || (i == 1
                            && matches!(items[0], Item::Concepts(..))
                            && has(&items[0], |c| {
                                matches!(
                                    c,
                                    Concept::Intent(Intent::List)
                                        | Concept::Generic
                                        | Concept::FollowUp
                                )
                            })
                            .is_some()))
                {
                    p.followup = true;
                }
                // "by alice" is a name, handled above; "by hour" a bucket.
                if i + 1 < n
                    && let Some(Concept::Bucket(b)) =
                        has(&items[i + 1], |c| matches!(c, Concept::Bucket(_)))
                {
                    bucket = Some(*b);
                    timeline = true;
                }
            }
            Concept::Negate => negate_next = true,
            Concept::Only => {
                if i <= 1 {
                    p.followup = true;
                }
            }
            Concept::Measure(m) => {
                measure = Some(*m);
                vote(p, Table::VpcFlow, 2);
                p.anchor = true;
                if *m == Measure::DistinctPorts && top.is_none() {
                    top = Some((i, None));
                }
            }
            Concept::Bucket(b) => {
                let after_group_or_per =
                    i > 0 && has(&items[i - 1], |c| matches!(c, Concept::GroupBy)).is_some();
                if after_group_or_per
                    || matches!(
                        surface.as_str(),
                        "hourly"
                            | "daily"
                            | "per hour"
                            | "per day"
                            | "per minute"
                            | "each hour"
                            | "each day"
                            | "every hour"
                            | "every day"
                            | "minutely"
                            | "each minute"
                            | "every minute"
                    )
                    || timeline
                {
                    bucket = Some(*b);
                    timeline = true;
                } else {
                    p.understood -= 1;
                    p.unknown.push(surface.clone());
                }
            }
            Concept::Order(o) => p.order = Some(*o),
            Concept::SortBy => {
                if i + 1 < n
                    && let Some(c) = has(&items[i + 1], is_noun)
                {
                    sort_field = noun_fields(c);
                }
            }
            Concept::Generic => {
                // "events", "activity", "logs": rows of some log (CloudTrail unless said).
                if matches!(
                    surface.as_str(),
                    "events"
                        | "event"
                        | "activity"
                        | "activities"
                        | "logs"
                        | "log"
                        | "entries"
                        | "records"
                        | "api activity"
                        | "account activity"
                        | "all events"
                        | "happened"
                        | "happening"
                        | "going on"
                        | "occurred"
                ) {
                    p.anchor = true;
                }
            }
            Concept::FollowUp => p.followup = true,
            Concept::That => {
                // "that ip", "those", "them": the previous answer's values
                // (a relative "that" — "logins that failed" — is not).
                if (i + 1 < n && has(&items[i + 1], is_noun).is_some())
                    || matches!(surface.as_str(), "them" | "those" | "these" | "it")
                {
                    p.that = true;
                }
            }
            Concept::From => side = Some(true),
            Concept::To => side = Some(false),
        }
    }
    let mut conds: Vec<Cond> = std::mem::take(&mut p.conds);
    conds.extend(pending.into_iter().map(|(_, c)| c));
    p.conds = merge_severity(conds);
    // A leading "from", "not", "only", "by", "same", "that", "oldest", "top N": a follow-up.
    if let Some(first) = items.first()
        && has(first, |c| {
            matches!(
                c,
                Concept::From
                    | Concept::To
                    | Concept::Negate
                    | Concept::Only
                    | Concept::GroupBy
                    | Concept::FollowUp
                    | Concept::That
                    | Concept::Order(_)
            )
        })
        .is_some()
    {
        p.followup = true;
    }
    if n <= 2
        && let Some(first) = items.first()
        && has(first, |c| matches!(c, Concept::Intent(Intent::Top))).is_some()
    {
        p.followup = true;
    }
    if negate_next && !p.conds.is_empty() && p.conds.len() == 1 && p.unknown.is_empty() {
        // "failed logins, not" — a dangling negation is ignored.
    }

    // Shape.
    let seen_words = lower.contains("when")
        || lower.contains("seen")
        || lower.contains("first time")
        || lower.contains("last time")
        || lower.contains("appear");
    let group_fields = group_by.clone();
    if let Some(fl) = first_last {
        if seen_words {
            let by = group_fields.first().cloned();
            p.shape = Some(PShape::Seen { by });
        } else {
            p.order = Some(if fl == Intent::First {
                Order::Asc
            } else {
                Order::Desc
            });
        }
    }
    if p.shape.is_none() && timeline {
        p.shape = Some(PShape::Timeline {
            bucket,
            by: group_fields.first().cloned(),
        });
    }
    if p.shape.is_none()
        && let Some((ti, num)) = top
    {
        let surface = |i: usize| match &items[i] {
            Item::Concepts(_, s) => s.clone(),
            _ => String::new(),
        };
        let adjective = |i: usize| {
            has(
                &items[i],
                |c| matches!(c, Concept::Noun { filters, .. } if !filters.is_empty()),
            )
            .is_some()
        };
        // The subject: the noun of "which"/"who" before "most" ("which user made the
        // most calls"), else the head noun after "top" ("top 5 source IPs"), else a
        // noun before it ("users with the most failed logins").
        let before = distinct
            .and_then(|d| head_noun(&nouns, d, items))
            .filter(|(si, _)| *si < ti);
        // "scanned the most ports": ports are what is counted, not the group.
        let after = head_noun(&nouns, ti, items).filter(|(_, f)| {
            !(measure == Some(Measure::DistinctPorts)
                && f.iter().any(|(_, x)| *x == Field::DstPort))
        });
        let earlier = nouns.iter().rev().find(|(si, _)| *si < ti).cloned();
        let subj = match (before, after) {
            (Some(b), _) => Some(b),
            (None, Some(a)) if adjective(a.0) && earlier.is_some() => earlier,
            (None, Some(a)) => Some(a),
            (None, None) if group_fields.is_empty() => earlier.or_else(|| {
                (measure == Some(Measure::DistinctPorts))
                    .then(|| (ti, vec![(Table::VpcFlow, Field::SrcAddr)]))
            }),
            _ => None,
        };
        let singular_subject = subj
            .as_ref()
            .is_some_and(|(si, _)| !surface(*si).ends_with('s'));
        // "the highest severity findings": sort the rows, do not group them.
        let sortable = subj.as_ref().and_then(|(_, f)| {
            f.iter()
                .find(|(_, x)| matches!(x, Field::Severity | Field::Bytes | Field::Packets))
                .map(|(_, x)| *x)
        });
        if let Some(f) =
            sortable.filter(|_| group_fields.is_empty() && measure.is_none() && !count && !who)
        {
            p.shape = Some(PShape::List);
            p.sort_by = Some(f);
            p.limit = num.or(p.limit);
        }
        let by: Vec<Alts<Field>> = if !group_fields.is_empty() {
            group_fields.clone()
        } else if who {
            vec![vec![(Table::Cloudtrail, Field::User)]]
        } else if let Some((_, f)) = subj {
            vec![f]
        } else {
            vec![]
        };
        if p.shape.is_none() && (!by.is_empty() || measure.is_some()) {
            let by = if by.is_empty() {
                vec![vec![
                    (Table::VpcFlow, Field::SrcAddr),
                    (Table::Cloudtrail, Field::SourceIp),
                ]]
            } else {
                by
            };
            p.shape = Some(PShape::Group {
                by,
                measure: measure.unwrap_or(Measure::Count),
            });
            let singular = who || (distinct.is_some() && singular_subject);
            p.limit = num.or(p.limit).or(if singular {
                Some(1)
            } else if has_word(&lower, "top") {
                Some(10)
            } else {
                None
            });
        }
    }
    // "distinct event names per service": count distinct values per group.
    let asked_distinct_group = distinct.is_some_and(|d| {
        matches!(&items[d], Item::Concepts(_, s) if matches!(s.as_str(), "distinct" | "unique" | "different"))
    });
    if p.shape.is_none()
        && !group_fields.is_empty()
        && asked_distinct_group
        && let Some((_, f)) = distinct.and_then(|d| head_noun(&nouns, d, items))
        && let Some((t, field)) = f.first().copied()
    {
        vote(p, t, 1);
        p.shape = Some(PShape::Group {
            by: group_fields.clone(),
            measure: Measure::Distinct(field),
        });
    }
    if p.shape.is_none() && !group_fields.is_empty() {
        p.shape = Some(PShape::Group {
            by: group_fields.clone(),
            measure: measure.unwrap_or(Measure::Count),
        });
    }
    if p.shape.is_none() && count {
        // "how many unique error codes": any field when asked for distinct values.
        let asked_distinct = distinct.is_some_and(|d| matches!(&items[d], Item::Concepts(_, s) if matches!(s.as_str(), "distinct" | "unique" | "different")));
        let distinct_subject = subject
            .clone()
            .filter(|(_, f)| asked_distinct || f.iter().all(|(_, x)| countable_distinct(*x)));
        p.shape = Some(match (measure, distinct_subject) {
            (Some(m), _) if m != Measure::DistinctPorts => PShape::Group {
                by: vec![],
                measure: m,
            },
            (_, Some((_, f))) => PShape::CountDistinct(f),
            _ => PShape::Count,
        });
    }
    if p.shape.is_none()
        && let Some(m) = measure
    {
        p.shape = Some(PShape::Group {
            by: vec![],
            measure: m,
        });
    }
    if p.shape.is_none() && (distinct.is_some() || who) {
        let subj = if who {
            Some(vec![(Table::Cloudtrail, Field::User)])
        } else {
            distinct
                .and_then(|d| head_noun(&nouns, d, items))
                .filter(|(si, _)| distinct.is_some_and(|d| *si <= d + 4))
                .map(|(_, f)| f)
        };
        if let Some(f) = subj
            && (!f
                .iter()
                .all(|(_, x)| matches!(x, Field::ErrorCode | Field::Action))
                || lower.contains("distinct")
                || lower.contains("unique"))
        {
            p.shape = Some(PShape::Distinct(f));
        }
    }
    if p.shape.is_none()
        && let Some((_, Some(num))) = top
    {
        p.limit = Some(num);
    }
    // "list users", "show the regions": the values of a field.
    if p.shape.is_none()
        && let Some(li) = items
            .iter()
            .position(|it| has(it, |c| matches!(c, Concept::Intent(Intent::List))).is_some())
    {
        let object = items
            .iter()
            .enumerate()
            .skip(li + 1)
            .find(|(_, it)| has(it, |c| matches!(c, Concept::Generic)).is_none());
        if let Some((oi, Item::Concepts(cs, surface))) = object
            && surface.ends_with('s')
            && let Some(Concept::Noun { fields, .. }) = cs.first().copied()
            && fields.iter().all(|(_, f)| {
                countable_distinct(*f)
                    || *f == Field::ErrorMessage
                    || (*f == Field::EventName && surface.contains("name"))
            })
            && nouns.iter().any(|(ni, _)| *ni == oi)
        {
            p.shape = Some(PShape::Distinct(fields.clone()));
        }
    }
    if let Some(f) = sort_field {
        // Resolved per table in `build`: the first field of the noun.
        p.sort_by = f.first().map(|x| x.1);
        if p.shape.is_none() {
            p.shape = Some(PShape::List);
        }
    }
    if p.raw && p.shape.is_none() {
        p.shape = Some(PShape::List);
    }
    // Tables implied by shape fields.
    if let Some(PShape::Group { by, .. }) = p.shape.clone() {
        for alts in by {
            if alts.len() == 1 {
                vote(p, alts[0].0, 1);
            }
        }
    }
}

fn note(
    subject: &mut Option<(usize, Alts<Field>)>,
    nouns: &mut Vec<(usize, Alts<Field>)>,
    i: usize,
    f: Alts<Field>,
) {
    if subject.is_none() {
        *subject = Some((i, f.clone()));
    }
    nouns.push((i, f));
}

/// The head of the noun run right after item `after` ("API errors" → errors).
fn head_noun(
    nouns: &[(usize, Alts<Field>)],
    after: usize,
    items: &[Item<'_>],
) -> Option<(usize, Alts<Field>)> {
    let start = nouns.iter().position(|(i, _)| *i > after)?;
    let mut k = start;
    while k + 1 < nouns.len() && nouns[k + 1].0 == nouns[k].0 + 1 {
        k += 1;
    }
    // "API calls failed": a trailing error noun is an adjective, not the head.
    let adjective = |i: usize| matches!(&items[i], Item::Concepts(_, s) if matches!(s.as_str(), "failed" | "failing" | "fail" | "unsuccessful" | "errored" | "erroring"));
    while k > start && adjective(nouns[k].0) {
        k -= 1;
    }
    Some(nouns[k].clone())
}

/// "high and critical", "medium or high": severity levels in one question
/// widen each other (the lowest lower bound, the highest upper bound).
fn merge_severity(conds: Vec<Cond>) -> Vec<Cond> {
    let is_sev = |c: &Cond| {
        !c.negate
            && !c.rules.is_empty()
            && c.rules.iter().all(|(t, f)| {
                *t == Table::Guardduty
                    && f.field == Field::Severity
                    && matches!(f.op, Op::Ge(_) | Op::Lt(_))
            })
    };
    if conds.iter().filter(|c| is_sev(c)).count() < 2 {
        return conds;
    }
    let num = |v: &Value| match v {
        Value::Float(f) => *f,
        Value::Int(i) => *i as f64,
        Value::Text(_) => 0.0,
    };
    let mut lo: Option<f64> = None;
    let mut hi: Option<f64> = Some(f64::MIN);
    let mut words = Vec::new();
    for c in conds.iter().filter(|c| is_sev(c)) {
        let ge = c.rules.iter().find_map(|(_, f)| {
            if let Op::Ge(v) = &f.op {
                Some(num(v))
            } else {
                None
            }
        });
        let lt = c.rules.iter().find_map(|(_, f)| {
            if let Op::Lt(v) = &f.op {
                Some(num(v))
            } else {
                None
            }
        });
        lo = Some(lo.map_or(ge.unwrap_or(0.0), |x: f64| x.min(ge.unwrap_or(0.0))));
        hi = match (hi, lt) {
            (Some(h), Some(l)) => Some(h.max(l)),
            _ => None,
        };
        words.push(c.words.clone());
    }
    let mut rules = Vec::new();
    if let Some(lo) = lo.filter(|l| *l > 0.0) {
        rules.push((
            Table::Guardduty,
            Filter::new(Field::Severity, Op::Ge(Value::Float(lo))),
        ));
    }
    if let Some(hi) = hi.filter(|h| *h > f64::MIN) {
        rules.push((
            Table::Guardduty,
            Filter::new(Field::Severity, Op::Lt(Value::Float(hi))),
        ));
    }
    let mut out: Vec<Cond> = conds.into_iter().filter(|c| !is_sev(c)).collect();
    if !rules.is_empty() {
        out.push(Cond {
            rules,
            negate: false,
            words: words.join(" and "),
            optional: false,
        });
    }
    out
}

/// Merges `c` into `last` when both compare the same fields for equality.
fn merge_in(last: &mut Cond, c: &Cond) -> bool {
    if last.rules.len() != c.rules.len() {
        return false;
    }
    let same_shape = last.rules.iter().zip(&c.rules).all(|((t1, f1), (t2, f2))| {
        t1 == t2
            && f1.field == f2.field
            && matches!(f1.op, Op::Eq(_) | Op::In(_))
            && matches!(f2.op, Op::Eq(_))
    });
    if !same_shape {
        return false;
    }
    for ((_, f1), (_, f2)) in last.rules.iter_mut().zip(&c.rules) {
        let Op::Eq(v2) = &f2.op else { return false };
        let mut vs = match &f1.op {
            Op::Eq(v) => vec![v.clone()],
            Op::In(vs) => vs.clone(),
            _ => return false,
        };
        vs.push(v2.clone());
        f1.op = Op::In(vs);
    }
    last.words = format!("{}, {}", last.words, c.words);
    true
}

fn has_word(text: &str, w: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric()).any(|x| x == w)
}

fn countable_distinct(f: Field) -> bool {
    matches!(
        f,
        Field::User
            | Field::UserName
            | Field::SourceIp
            | Field::Ip
            | Field::SrcAddr
            | Field::DstAddr
            | Field::Account
            | Field::Region
            | Field::AccessKey
            | Field::Bucket
            | Field::Instance
            | Field::DstPort
            | Field::SrcPort
            | Field::Interface
            | Field::EventSource
            | Field::FindingType
    )
}

/// The condition an entity stands for.
fn entity_cond(p: &mut Parsed, e: &Entity, side: Option<bool>, prev: &[&Concept]) -> Option<Cond> {
    use Table::*;
    let v = || Value::text(e.value.clone());
    let words = e.value.clone();
    let prev_field = prev.iter().find_map(|c| noun_fields(c));
    let rules: Alts<Filter> = match e.kind {
        Kind::Ip => {
            let flow_field = match side {
                Some(true) => Field::SrcAddr,
                Some(false) => Field::DstAddr,
                None => Field::Ip,
            };
            let flow_field = match prev_field
                .as_ref()
                .and_then(|f| f.iter().find(|(t, _)| *t == VpcFlow))
            {
                Some((_, f)) if matches!(f, Field::SrcAddr | Field::DstAddr) => *f,
                _ => flow_field,
            };
            vec![
                (Cloudtrail, Filter::eq(Field::SourceIp, v())),
                (VpcFlow, Filter::eq(flow_field, v())),
                (Guardduty, Filter::eq(Field::Ip, v())),
            ]
        }
        Kind::Cidr => {
            let (ip, bits) = e.value.split_once('/')?;
            let octets: Vec<&str> = ip.split('.').collect();
            let keep = match bits {
                "8" => 1,
                "16" => 2,
                "24" => 3,
                "32" => 4,
                _ => {
                    p.refusal = Some(format!(
                        "CIDR `{}`: only /8, /16, /24 and /32 blocks are supported; use a wider or narrower block",
                        e.value
                    ));
                    return None;
                }
            };
            let pattern = if keep == 4 {
                ip.to_string()
            } else {
                format!("{}.%", octets[..keep].join("."))
            };
            let op = if keep == 4 {
                Op::Eq(Value::text(pattern))
            } else {
                Op::Like(pattern)
            };
            let flow_field = match side {
                Some(true) => Field::SrcAddr,
                Some(false) => Field::DstAddr,
                None => Field::Ip,
            };
            vec![
                (Cloudtrail, Filter::new(Field::SourceIp, op.clone())),
                (VpcFlow, Filter::new(flow_field, op)),
            ]
        }
        Kind::Arn => {
            let a = &e.value;
            if a.contains(":user/")
                || a.contains(":assumed-role/")
                || a.ends_with(":root")
                || a.contains(":federated-user/")
            {
                vec![(Cloudtrail, Filter::eq(Field::User, v()))]
            } else {
                vec![
                    (
                        Cloudtrail,
                        Filter::new(Field::Text, Op::Like(format!("%{a}%"))),
                    ),
                    (
                        Guardduty,
                        Filter::new(Field::Text, Op::Like(format!("%{a}%"))),
                    ),
                ]
            }
        }
        Kind::Account => vec![
            (Cloudtrail, Filter::eq(Field::Account, v())),
            (VpcFlow, Filter::eq(Field::Account, v())),
            (Guardduty, Filter::eq(Field::Account, v())),
        ],
        Kind::AccessKey => {
            vote(p, Cloudtrail, 2);
            vec![(Cloudtrail, Filter::eq(Field::AccessKey, v()))]
        }
        Kind::Region => vec![
            (Cloudtrail, Filter::eq(Field::Region, v())),
            (VpcFlow, Filter::eq(Field::Region, v())),
            (Guardduty, Filter::eq(Field::Region, v())),
        ],
        Kind::Port => {
            vote(p, VpcFlow, 3);
            let port: i64 = e.value.parse().ok()?;
            let f = if side == Some(true) {
                Field::SrcPort
            } else {
                Field::DstPort
            };
            vec![(VpcFlow, Filter::eq(f, Value::Int(port)))]
        }
        Kind::Instance => vec![
            (VpcFlow, Filter::eq(Field::Instance, v())),
            (Guardduty, Filter::eq(Field::Instance, v())),
            (
                Cloudtrail,
                Filter::new(Field::Text, Op::Like(format!("%{}%", e.value))),
            ),
        ],
        Kind::Interface => {
            vote(p, VpcFlow, 2);
            vec![(VpcFlow, Filter::eq(Field::Interface, v()))]
        }
        Kind::FindingType => {
            vote(p, Guardduty, 3);
            vec![(Guardduty, Filter::eq(Field::FindingType, v()))]
        }
        Kind::EventName => {
            vote(p, Cloudtrail, 2);
            vec![(Cloudtrail, Filter::eq(Field::EventName, v()))]
        }
        Kind::Email => {
            vote(p, Cloudtrail, 1);
            vec![(Cloudtrail, Filter::eq(Field::User, v()))]
        }
        Kind::Word => {
            let field = prev_field.as_ref().and_then(|f| f.first().map(|x| x.1));
            let errorish = [
                "Exception",
                "Denied",
                "NotFound",
                "Error",
                "Invalid",
                "Unauthorized",
                "Limit",
                "Failed",
                "Expired",
                "Malformed",
            ]
            .iter()
            .any(|k| e.value.contains(k))
                || e.value.starts_with("No")
                || e.value.starts_with("Client.");
            match field {
                Some(
                    f @ (Field::ErrorCode
                    | Field::EventName
                    | Field::UserAgent
                    | Field::IdentityType
                    | Field::EventSource),
                ) => {
                    vec![(Cloudtrail, Filter::eq(f, v()))]
                }
                Some(Field::FindingType) => vec![(
                    Guardduty,
                    Filter::new(Field::FindingType, Op::Like(format!("%{}%", e.value))),
                )],
                _ if errorish => vec![(Cloudtrail, Filter::eq(Field::ErrorCode, v()))],
                _ => vec![(Cloudtrail, Filter::eq(Field::EventName, v()))],
            }
        }
        Kind::Quoted => {
            let field = prev_field.and_then(|f| f.first().map(|x| x.1));
            match field {
                Some(Field::User) | Some(Field::UserName) => {
                    vec![(Cloudtrail, Filter::eq(Field::User, v()))]
                }
                Some(Field::Bucket) => vec![(Cloudtrail, Filter::eq(Field::Bucket, v()))],
                Some(Field::EventName) => vec![(Cloudtrail, Filter::eq(Field::EventName, v()))],
                Some(Field::UserAgent) => vec![(
                    Cloudtrail,
                    Filter::new(Field::UserAgent, Op::Like(format!("%{}%", e.value))),
                )],
                Some(Field::FindingType) => vec![(
                    Guardduty,
                    Filter::new(Field::FindingType, Op::Like(format!("%{}%", e.value))),
                )],
                _ if prev.iter().any(
                    |c| matches!(c, Concept::Resource(r) if r.field == Some(Field::Bucket)),
                ) =>
                {
                    vec![(Cloudtrail, Filter::eq(Field::Bucket, v()))]
                }
                _ if prev
                    .iter()
                    .any(|c| matches!(c, Concept::Resource(r) if r.name == "IAM users")) =>
                {
                    vec![(Cloudtrail, Filter::eq(Field::User, v()))]
                }
                _ => vec![
                    (
                        Cloudtrail,
                        Filter::new(Field::Text, Op::Like(format!("%{}%", e.value))),
                    ),
                    (
                        Guardduty,
                        Filter::new(Field::Text, Op::Like(format!("%{}%", e.value))),
                    ),
                ],
            }
        }
    };
    Some(Cond {
        rules,
        negate: false,
        words,
        optional: false,
    })
}

#[cfg(test)]
mod tests;
