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

use super::actions::CATALOGUE;
use super::entities;
use super::gazetteer::GAZETTEER;
use super::plan::{Cond, Parsed, build};
use super::reading::{self, Item, vote};
use super::spec::{Field, Filter, Op, Table, Value};
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
        // (the question read without what is left aside, which the answer says)
        let without = |rest: &str, aside: &str| match self.run(rest, ctx) {
            Outcome::Answer(mut t) => {
                t.interpretation
                    .push_str(&format!(" (left aside: \"{}\")", aside.trim()));
                Some(Outcome::Answer(t))
            }
            Outcome::Declined { .. } => None,
        };
        // Another product's logs are declined however the question is dressed.
        if safety::screen(question).is_some() {
            return Ok(self.run(question, ctx));
        }
        // "urgent: did someone delete a guardrail?": chatter first, read
        // without it (not as a user named "urgent")
        if let Some((rest, aside)) = chatter_lead(question)
            && let Some(answer) = without(&rest, &aside)
        {
            return Ok(answer);
        }
        let whole = self.run(question, ctx);
        if !matches!(whole, Outcome::Declined { .. }) {
            return Ok(whole);
        }
        // "incident bridge: list failed console logins", "anyone read the
        // user data off an instance? attackers love digging secrets out of
        // there": the question without chatter it does not understand.
        Ok(asides(question)
            .and_then(|(rest, aside)| without(&rest, &aside))
            .unwrap_or(whole))
    }
}

/// Words of a Slack lead-in that say how urgent or for whom a question is,
/// not what it asks ("urgent:", "for the audit —", "incident bridge:").
const CHATTER: &[&str] = &[
    "urgent",
    "fyi",
    "hey",
    "hi",
    "hello",
    "quick",
    "question",
    "incident",
    "audit",
    "auditor",
    "auditors",
    "ticket",
    "postmortem",
    "post-mortem",
    "bridge",
    "sanity",
    "asap",
    "heads",
    "escalation",
    "compliance",
    "evidence",
    "soc",
    "ok",
    "so",
    "okay",
    "btw",
    "context",
    "help",
    "manager",
    "boss",
    "review",
    "channel",
    "sev1",
    "sev2",
    "p1",
    "p2",
    "oncall",
    "on-call",
];

/// A lead-in ending with a colon or a dash whose words include chatter
/// ([`CHATTER`]): (the rest, the lead-in).
fn chatter_lead(question: &str) -> Option<(String, String)> {
    let end = lead_end(question, &LEAD_ENDS[..4])?;
    let lead = super::tokens::words(&question[..end]);
    (lead.len() <= 8 && lead.iter().any(|w| CHATTER.contains(&w.as_str())))
        .then(|| (question[end..].to_string(), question[..end].to_string()))
}

/// What ends a lead-in: a colon or a dash (a spaced hyphen only when the
/// question is otherwise declined).
const LEAD_ENDS: [&str; 5] = [": ", " — ", " – ", " -- ", " - "];

/// Where the first lead-in of `question` ending with one of `ends` stops,
/// when a question follows it.
fn lead_end(question: &str, ends: &[&str]) -> Option<usize> {
    ends.iter()
        .filter_map(|sep| question.find(sep).map(|i| i + sep.len()))
        .min()
        .filter(|end| !question[*end..].trim().is_empty())
}

/// `question` without a lead-in or a closing remark that holds a word the
/// vocabulary does not know: (the rest, what was left aside). A lead-in
/// ends with a colon or a dash ("for the audit —"), or a comma after
/// chatter ("hey, quick one,"); a remark follows the question's "?".
fn asides(question: &str) -> Option<(String, String)> {
    let unknown = |part: &str| {
        super::tokens::words(part)
            .iter()
            .any(|w| !known(w) && !w.chars().any(|c| c.is_ascii_digit()))
    };
    let lead = lead_end(question, &LEAD_ENDS).or_else(|| {
        let first = super::tokens::words(question).into_iter().next()?;
        let chatter =
            CHATTER.contains(&first.as_str()) || question.to_lowercase().starts_with("for the ");
        let end = question.find(", ").map(|i| i + 2)?;
        (chatter && !question[end..].trim().is_empty()).then_some(end)
    });
    let lead = lead.filter(|l| {
        let prefix = &question[..*l];
        super::tokens::words(prefix).len() <= 8 && unknown(prefix)
    });
    let body_start = lead.unwrap_or(0);
    // ("…? worried someone is guessing secret names")
    let remark = question.find("? ").map(|i| i + 1).filter(|i| {
        *i > body_start && !question[body_start..*i].trim().is_empty() && unknown(&question[*i..])
    });
    if lead.is_none() && remark.is_none() {
        return None;
    }
    let body_end = remark.unwrap_or(question.len());
    let aside = [&question[..body_start], &question[body_end..]]
        .iter()
        .map(|x| x.trim())
        .filter(|x| !x.is_empty())
        .collect::<Vec<_>>()
        .join(" … ");
    Some((question[body_start..body_end].to_string(), aside))
}

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
    let lengths = n.saturating_sub(budget).max(4)..=(n + budget);
    for v in lengths.flat_map(|l| GAZETTEER.by_len.get(l).into_iter().flatten()) {
        let vn = v.chars().count();
        // (nor to a three-letter word: "note" is not a misspelt "not")
        if is_stop(v) || vn < 4 {
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
        let previous = ctx.previous.and_then(|t| t.plan.as_ref());
        let parsed = parse_in(
            question,
            ctx.now,
            &services_of(previous),
            &verbs_of(previous),
        );
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
    // "who deleted aurora-cluster-prod?": a name needs its kind said.
    if let Some(w) = p.unknown.iter().find(|w| {
        looks_like_name(w)
            && w.contains(['-', '_', '.'])
            && w.chars().any(|c| c.is_ascii_alphabetic())
    }) {
        suggestions.push(format!(
            "If \"{w}\" is a name, say what it names: \"the {w} cluster\", \"the bucket {w}\", \"the user {w}\""
        ));
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

/// "secrets read with GetSecretValue": an API action named outright narrows
/// a reading in words that holds it and more (`BatchGetSecretValue`).
fn named_actions_narrow(p: &mut Parsed, entities: &[entities::Entity]) {
    let named: Vec<&str> = entities
        .iter()
        .filter(|e| e.kind == entities::Kind::EventName)
        .map(|e| e.value.as_str())
        .collect();
    if named.is_empty() {
        return;
    }
    for c in p.conds.iter_mut().filter(|c| !c.negate) {
        for (_, f) in c.rules.iter_mut() {
            if f.field != Field::EventName || f.negate {
                continue;
            }
            let Some(values) = texts(&f.op) else {
                continue;
            };
            let holds = named.iter().all(|n| values.contains(n));
            if holds && values.len() > named.len() {
                f.op = match named.as_slice() {
                    [one] => Op::Eq(Value::text(*one)),
                    many => Op::In(many.iter().map(|n| Value::text(*n)).collect()),
                };
            }
        }
    }
}

/// The text values an equality or `IN` condition names.
fn texts(op: &Op) -> Option<Vec<&str>> {
    match op {
        Op::Eq(Value::Text(v)) => Some(vec![v.as_str()]),
        Op::In(vs) => Some(
            vs.iter()
                .filter_map(|v| match v {
                    Value::Text(t) => Some(t.as_str()),
                    _ => None,
                })
                .collect(),
        ),
        _ => None,
    }
}

/// The services a plan's API actions or event sources belong to.
fn services_of(plan: Option<&super::spec::QuerySpec>) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for f in plan
        .iter()
        .flat_map(|p| p.filters.iter())
        .filter(|f| !f.negate)
    {
        let values: Vec<String> = match &f.op {
            Op::LikeAny(ps) => ps
                .iter()
                .map(|p| p.trim_end_matches("20%").to_string())
                .collect(),
            op => texts(op)
                .unwrap_or_default()
                .into_iter()
                .map(str::to_string)
                .collect(),
        };
        for v in values {
            let sources = match f.field {
                Field::EventName => CATALOGUE
                    .operation(&v)
                    .map(|e| e.sources)
                    .unwrap_or_default(),
                Field::EventSource => CATALOGUE.source(&v).into_iter().collect(),
                _ => Vec::new(),
            };
            for s in sources {
                if !out.contains(&s) {
                    out.push(s);
                }
            }
        }
    }
    // An action common to many services says nothing about the conversation's.
    if out.len() > 2 { Vec::new() } else { out }
}

/// The verbs of the previous answer's actions ("modify" of
/// `ModifyDBInstance`), as the catalogue splits names.
fn verbs_of(plan: Option<&super::spec::QuerySpec>) -> Vec<String> {
    let mut verbs: Vec<String> = Vec::new();
    for f in plan
        .iter()
        .flat_map(|p| p.filters.iter())
        .filter(|f| !f.negate && f.field == Field::EventName)
    {
        let Some(names) = texts(&f.op) else {
            return Vec::new();
        };
        for n in names {
            let Some(v) = super::actions::split_name(n).into_iter().next() else {
                continue;
            };
            if !verbs.contains(&v) {
                verbs.push(v);
            }
        }
    }
    verbs
}

/// Understands one question; `context` is the services the conversation is
/// about, `verb` its previous action's verb ("now for clusters" is read
/// with it when the question says no verb of its own).
pub(crate) fn parse_in(
    question: &str,
    now: chrono::DateTime<chrono::Utc>,
    context: &[&'static str],
    verbs: &[String],
) -> Parsed {
    let mut p = Parsed::default();
    // (before the values are taken: "an AMI", "RDS" are not names here)
    let mut asked = rewrite(question);
    made_public(&mut p, &mut asked);
    let ex = entities::extract(&asked);
    let mut text = ex.text.clone();
    if let Some(found) = time::find(&text, now) {
        p.time = Some(found.range);
        p.month_only = found.month_only;
        text.replace_range(found.span.0..found.span.1, " ");
        p.understood += 1;
    }
    comparisons(&mut p, &mut text);
    sizes(&mut p, &mut text);
    // "what about all time?", "over the whole history".
    if let Some(m) = ALL_TIME.find(&text) {
        p.all_time = true;
        p.understood += 1;
        let span = m.range();
        text.replace_range(span, " ");
    }
    // "what about across all accounts?": that condition dropped.
    if let Some(c) = WIDEN.captures(&text) {
        p.widen.push(if c[1].starts_with("account") {
            Field::Account
        } else {
            Field::Region
        });
        p.understood += 1;
        let span = c.get(0).expect("match").range();
        text.replace_range(span, " ");
    }
    if ALSO.is_match(&text) {
        p.also = true;
    }
    // "and the year before?", "what about the previous month?"
    if let Some(c) = SHIFT_BACK.captures(&text) {
        p.shift_back = Some(
            match c.get(1).or(c.get(2)).map(|m| m.as_str().to_lowercase()) {
                Some(u) if u == "year" => "year",
                Some(u) if u == "month" => "month",
                Some(u) if u == "week" => "week",
                Some(u) if u == "day" => "day",
                _ => "period",
            },
        );
        p.followup = true;
        p.understood += 1;
        let span = c.get(0).expect("match").range();
        text.replace_range(span, " ");
    }
    // "which accounts had failed calls, and how many?": each with its count.
    if let Some(m) = WITH_COUNTS.find(&text) {
        text.replace_range(m.range(), " ");
        p.with_counts = true;
        p.understood += 1;
    }
    // "instance starts versus stops - count each": a count per value listed.
    if let Some(m) = COUNT_EACH.find(&text) {
        text.replace_range(m.range(), " ");
        p.count_each = true;
        p.understood += 1;
    }
    p.count_each |= VERSUS.is_match(question);
    p.counted = COUNTED.is_match(question);
    p.lone_number = LONE_NUMBER
        .captures(question)
        .and_then(|c| c[1].parse().ok());
    // "who downloaded log files? show the events": the rows, not the principals.
    if let Some(m) = LIST_EVENTS.find(&text) {
        text.replace_range(m.range(), " ");
        p.list_rows = true;
        p.understood += 1;
    }
    // "how many were failures?", "which of those …", "and SSM": about the previous answer.
    if REFERS_BACK.is_match(&question.to_lowercase()) || AND_ALSO.is_match(question) {
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
    listed_actions(&mut p, &mut text, context);
    variant_actions(&mut p, &mut text, context);
    // Refuse "the users table": there are no tables but the logs.
    let raw_words = words(&text);
    // "stop database activity streams" is an RDS action, not a database to
    // query (the catalogue is asked only when the word is there).
    // ("any database reboots in RDS": a service's databases.)
    let names_action = || {
        let service = raw_words.iter().any(|w| {
            !matches!(w.as_str(), "database" | "databases" | "table" | "tables")
                && CATALOGUE.is_service_name(w)
        });
        // (or an API action named outright: "ModifyDBInstance calls")
        ex.entities
            .iter()
            .any(|e| e.kind == entities::Kind::EventName)
            || CATALOGUE
                .find(&raw_words)
                .is_some_and(|m| m.action || (m.named_service && service))
    };
    for (i, w) in raw_words.iter().enumerate() {
        // "route tables", "Glue tables" are resources of an action too.
        let database = matches!(w.as_str(), "database" | "databases" | "table" | "tables");
        if (database && !names_action()) || matches!(w.as_str(), "schema" | "column" | "columns") {
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
    // Resources named by their own names ("production-backup-bucket", "the
    // production-api Lambda function"), kept whole as placeholders.
    let mut resource_names: Vec<String> = Vec::new();
    // (a bucket's name said without "bucket": the word is added for the
    // catalogue's actions, and taken out again if no action read it)
    let mut synthetic: Vec<usize> = Vec::new();
    // Split hyphenated words whose parts are all known ("sign-in").
    let mut ws: Vec<String> = Vec::new();
    for (i, w) in raw_words.iter().enumerate() {
        if let Some(name) = resource_name(&raw_words, i) {
            // ("the bucket called secrets": read as "the secrets bucket")
            let called = i > 1
                && name.starts_with("bucket:")
                && matches!(raw_words[i - 1].as_str(), "named" | "called")
                && matches!(raw_words[i - 2].as_str(), "bucket" | "buckets")
                && ws.len() >= 2;
            if called {
                ws.truncate(ws.len() - 2);
            }
            ws.push(format!("{NAME_MARK}{}", resource_names.len()));
            if called {
                ws.push(raw_words[i - 2].clone());
            }
            // ("on production-backup-bucket": a bucket's action, as said)
            let bucket_said = called
                || raw_words
                    .get(i + 1)
                    .is_some_and(|n| matches!(n.as_str(), "bucket" | "buckets"));
            if name.starts_with("bucket:") && !bucket_said {
                ws.push("bucket".into());
                synthetic.push(resource_names.len());
            }
            resource_names.push(name);
            continue;
        }
        let w = w.clone();
        if w.contains('-') && !GAZETTEER.knows(&stem(&w)) {
            let parts: Vec<&str> = w.split('-').filter(|x| !x.is_empty()).collect();
            // (or a verb written with a dash: "bulk-fetch")
            let verb = parts.last().is_some_and(|x| CATALOGUE.is_verb_word(x))
                && !w.contains(|c: char| c.is_ascii_digit());
            if verb
                || parts
                    .iter()
                    .all(|x| GAZETTEER.knows(&stem(x)) || is_stop(x))
            {
                ws.extend(parts.into_iter().map(str::to_string));
                continue;
            }
        }
        ws.push(w);
    }
    // API actions described in words, from the AWS catalogue ("KMS key
    // deletions scheduled"), when the vocabulary does not know them.
    // (Word pairs as said: a name is followed by its verb in the question,
    // not only once the catalogue has taken the words between.)
    let said_pairs: std::collections::HashSet<(String, String)> = ws
        .windows(2)
        .map(|w| (w[0].clone(), w[1].clone()))
        .collect();
    catalogued_actions(&mut p, &mut ws, context, verbs);
    for k in synthetic {
        let mark = format!("{NAME_MARK}{k}");
        if let Some(at) = ws.iter().position(|w| *w == mark)
            && ws.get(at + 1).is_some_and(|w| w == "bucket")
        {
            ws.remove(at + 1);
        }
    }
    // Typo correction (not for names after "user", nor numbers, nor markers).
    let mut stems: Vec<String> = Vec::with_capacity(ws.len());
    let mut alternatives: Vec<(usize, Vec<String>)> = Vec::new();
    for (i, w) in ws.iter().enumerate() {
        let s = stem(w);
        let prev = if i > 0 { ws[i - 1].as_str() } else { "" };
        if w.starts_with('@')
            || w.starts_with(NAME_MARK)
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
        if super::gazetteer::event_name(w).is_some() || CATALOGUE.operation(w).is_some() {
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
    // (names said with no kind next to them: see `bare_name`)
    let mut bare: Vec<String> = Vec::new();
    let mut i = 0;
    while i < stems.len() {
        let w = &stems[i];
        if let Some(n) = w.strip_prefix('@').and_then(|n| n.parse::<usize>().ok()) {
            items.push(Item::Entity(n));
            i += 1;
            continue;
        }
        if let Some(name) = w
            .strip_prefix(NAME_MARK)
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|k| resource_names.get(k))
        {
            items.push(Item::Name(name.clone()));
            i += 1;
            continue;
        }
        if let Ok(n) = w.parse::<u64>() {
            items.push(Item::Number(n));
            i += 1;
            continue;
        }
        // "which two users", "top three regions"
        let lead = i > 0 && matches!(ws[i - 1].as_str(), "which" | "top" | "the" | "what");
        if lead && let Some(n) = number_word(w) {
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
        // ("who may have deleted": a modal verb)
        if is_stop(w)
            || (w == "may"
                && matches!(
                    ws.get(i + 1).map(String::as_str),
                    Some("have" | "be" | "been")
                ))
        {
            i += 1;
            continue;
        }
        let prev = if i > 0 { ws[i - 1].as_str() } else { "" };
        let next = ws.get(i + 1).map(String::as_str).unwrap_or("");
        let said_next = said_pairs.contains(&(ws[i].clone(), next.to_string()));
        // ("who may have deleted": a modal verb, not a user named May)
        let modal = matches!(
            ws[i].as_str(),
            "may" | "might" | "could" | "would" | "should" | "must" | "can" | "will"
        );
        let acts = !modal && said_next && matches!(
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
            && ws[i].contains(['-', '_', '.', '@']))
            // "the developer user", "what the tester role did": a name before its kind.
            || (said_next
                && matches!(next, "user" | "role" | "principal")
                && matches!(prev, "the" | "a" | "an" | "by" | "for" | "of")
                && !GAZETTEER.knows(&stem(&ws[i]))
                && !is_stop(&ws[i]));
        // "each user make", "per user": "user" is a field there, not a name lead.
        let before_lead = if i > 1 { ws[i - 2].as_str() } else { "" };
        let field_use = matches!(
            before_lead,
            "each" | "every" | "per" | "which" | "what" | "top" | "distinct" | "unique"
        ) && !matches!(prev, "did" | "has" | "does" | "was");
        // ("same for bucket ACLs", "now for clusters": what an action is
        // done to, plural, not a name)
        let thing = ws[i].len() > 3 && ws[i].ends_with('s') && CATALOGUE.is_noun_word(&ws[i]);
        if prev == "bucket" && looks_like_name(&ws[i]) && !thing {
            // "bucket acme-prod-exports": a bucket name.
            items.push(Item::Name(format!("bucket:{}", ws[i])));
        } else if ((NAME_LEADS.contains(&prev) && !field_use) || acts)
            && looks_like_name(&ws[i])
            && !thing
            // "what was uploaded", "has been deleted": a participle, not a name.
            && !(matches!(prev, "was" | "has" | "were" | "been")
                && (CATALOGUE.is_verb_word(&ws[i])
                    || ws[i].ends_with("ed")
                    || ws[i].ends_with("ing")))
            // "the developer user run into": a verb after "user", not a name
            // ("anything the root user attempted": a participle).
            && !(prev == "user" && CATALOGUE.is_verb_word(&ws[i]))
            && !(matches!(prev, "user" | "role")
                && ws[i].len() > 5
                && ws[i].ends_with("ed")
                && !ws[i].contains(['-', '_', '.', '@']))
            // ("a session named after the instance"): a preposition.
            && !matches!(ws[i].as_str(), "after" | "before" | "like" | "according")
        {
            items.push(Item::Name(ws[i].clone()));
        } else if let Some(name) = bare_name(&ws[i], next) {
            // (with what it did: "what the dr.evil session did")
            if !ACTIVITY.is_match(question) {
                bare.push(ws[i].clone());
            }
            items.push(Item::Name(name));
            // ("what did the dr.evil session do": the session is who, not
            // what is asked for)
            if matches!(next, "session" | "sessions") {
                i += 1;
            }
        } else {
            items.push(Item::Unknown(ws[i].clone()));
        }
        i += 1;
    }
    tracing::trace!(?items, "tagged");
    reading::interpret(&mut p, &items, &ex.entities, question);
    named_actions_narrow(&mut p, &ex.entities);
    // A principal's name said bare is read only with an action done to or
    // by it ("was the malicious-iam-user given a managed policy?"), or with
    // what it did; alone it is a word not understood.
    let acted = p
        .conds
        .iter()
        .any(|c| !c.negate && c.rules.iter().any(|(_, f)| f.field == Field::EventName));
    // (and only when the rest of the question reads completely)
    if !acted || !p.unknown.is_empty() {
        p.unknown.extend(bare);
    }
    principal_kind_acted_on(&mut p, question);
    p
}

/// "a policy attached to a role", "an inline policy put on an IAM user":
/// of an IAM action's user, role and group forms (`AttachUserPolicy`,
/// `AttachRolePolicy`, `AttachGroupPolicy`) only the one said, and "IAM
/// user" there names what was acted on, not who acted.
fn principal_kind_acted_on(p: &mut Parsed, question: &str) {
    static OBJECT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)\b(?:to|on|onto|from|for)\s+(?:an?\s+|the\s+|any\s+|some\s+|our\s+)?(iam\s+)?((?:users?|roles?|groups?)(?:\s*(?:,|or|and|and/or)\s+(?:an?\s+|the\s+)?(?:iam\s+)?(?:users?|roles?|groups?))*)\b",
        )
        .expect("object kind")
    });
    let mut wanted: Vec<&str> = Vec::new();
    let mut iam_user = false;
    for c in OBJECT.captures_iter(question) {
        for k in c[2].to_lowercase().split(|ch: char| !ch.is_alphabetic()) {
            let form = match k.trim_end_matches('s') {
                "user" => {
                    iam_user |= c.get(1).is_some();
                    "User"
                }
                "role" => "Role",
                "group" => "Group",
                _ => continue,
            };
            if !wanted.contains(&form) {
                wanted.push(form);
            }
        }
    }
    if wanted.is_empty() {
        return;
    }
    const FORMS: [&str; 3] = ["User", "Role", "Group"];
    // `AttachUserPolicy` → `Attach*Policy`, when the name has a form.
    let template = |n: &str| {
        FORMS.iter().find_map(|f| {
            n.find(f)
                .map(|at| format!("{}*{}", &n[..at], &n[at + f.len()..]))
        })
    };
    let mut narrowed = false;
    for c in p.conds.iter_mut().filter(|c| !c.negate) {
        for (_, f) in c.rules.iter_mut() {
            let (Field::EventName, Op::In(vs)) = (f.field, &f.op) else {
                continue;
            };
            let names: Vec<&str> = vs
                .iter()
                .filter_map(|v| match v {
                    Value::Text(t) => Some(t.as_str()),
                    _ => None,
                })
                .collect();
            let kept: Vec<Value> = names
                .iter()
                .filter(|n| {
                    let Some(t) = template(n) else { return true };
                    // (only where the other forms are there too)
                    let forms = names
                        .iter()
                        .filter(|m| template(m).as_ref() == Some(&t))
                        .count();
                    forms < 2 || wanted.iter().any(|w| n.contains(w))
                })
                .map(|n| Value::text(*n))
                .collect();
            if !kept.is_empty() && kept.len() < vs.len() {
                f.op = if kept.len() == 1 {
                    Op::Eq(kept[0].clone())
                } else {
                    Op::In(kept)
                };
                narrowed = true;
            }
        }
    }
    if narrowed && iam_user {
        p.conds.retain(|c| {
            !c.rules.iter().all(|(_, f)| {
                f.field == Field::IdentityType
                    && matches!(&f.op, Op::Eq(Value::Text(t)) if t == "IAMUser")
            })
        });
    }
}

/// The flow logs' name (`pkt_dst_aws_service`) of the service with event
/// source `source`, for the services flow logs name.
fn flow_service(source: &str) -> Option<&'static str> {
    Some(match source.strip_suffix(".amazonaws.com")? {
        "s3" => "S3",
        "dynamodb" => "DYNAMODB",
        "ec2" => "EC2",
        "route53" => "ROUTE53",
        "cloudfront" => "CLOUDFRONT",
        "apigateway" => "API_GATEWAY",
        "ebs" => "EBS",
        "codebuild" => "CODEBUILD",
        "cloud9" => "CLOUD9",
        "globalaccelerator" => "GLOBALACCELERATOR",
        "ec2-instance-connect" => "EC2_INSTANCE_CONNECT",
        "kinesisvideo" => "KINESIS_VIDEO_STREAMS",
        _ => return None,
    })
}

/// Whether the vocabulary knows a word (as written, stemmed or lemmatised).
fn known(w: &str) -> bool {
    is_stop(w) || GAZETTEER.knows(w) || GAZETTEER.knows(&stem(w)) || lemma(w).is_some()
}

/// Finds API actions the question describes in words ("who rebooted RDS
/// instances", "Route 53 record changes") in the AWS catalogue, when one of
/// the words is not in the hand-written vocabulary: the words become one
/// `eventname` condition and are removed from `ws`.
fn catalogued_actions(
    p: &mut Parsed,
    ws: &mut Vec<String>,
    context: &[&'static str],
    verbs: &[String],
) {
    let m = match CATALOGUE.find_in(ws, context) {
        Some(m) => m,
        None => match switched_object(ws, context, verbs) {
            Some(m) => m,
            None => return,
        },
    };
    tracing::trace!(?ws, ?m, "catalogue match");
    // (where the object went is read with the action)
    let mut m = m;
    m.used.extend(m.place.iter().copied());
    m.used.sort();
    m.used.dedup();
    // "which findings have been archived", "findings updated in 2025": the
    // findings themselves (GuardDuty), unless someone is said to act on them
    // ("who archived findings", "ArchiveFindings calls").
    let on_findings = m.action
        && !m.events.names.is_empty()
        && m.events.names.iter().all(|n| n.ends_with("Findings"));
    let actor = ws.iter().any(|w| {
        matches!(
            w.as_str(),
            "who"
                | "whom"
                | "someone"
                | "anyone"
                | "somebody"
                | "anybody"
                | "by"
                | "user"
                | "users"
                | "principal"
                | "calls"
                | "call"
                | "api"
                | "events"
                | "requests"
        )
    });
    if on_findings && !actor {
        return;
    }
    // The vocabulary reads what it fully knows, except a named service's
    // one specific action ("KMS key policy changes" is `PutKeyPolicy`, not
    // IAM's policy events).
    // (a word the vocabulary has only inside a longer phrase it does not
    // find here is not known: "profile" of "instance profile")
    let stems: Vec<String> = ws.iter().map(|w| stem(w)).collect();
    let mut covered = vec![false; stems.len()];
    let mut j = 0;
    while j < stems.len() {
        match GAZETTEER.longest(&stems, j) {
            Some((n, _)) => {
                covered[j..j + n].iter_mut().for_each(|c| *c = true);
                j += n;
            }
            None => j += 1,
        }
    }
    let all_known = m.used.iter().all(|i| {
        let w = &ws[*i];
        known(w) && (covered[*i] || is_stop(w) || lemma(w).is_some())
    });
    // A partial reading of an unnamed service's action leaves a resource
    // the vocabulary knows to it ("read secrets, counting both single and
    // batch retrievals" is not Omics' `GetReadSet`).
    let resource_left = (0..stems.len()).any(|j| {
        !m.used.contains(&j)
            && GAZETTEER.longest(&stems, j).is_some_and(|(_, cs)| {
                cs.iter()
                    .any(|c| matches!(c, super::gazetteer::Concept::Resource(_)))
            })
    });
    if !m.complete && !m.named_service && resource_left {
        return;
    }
    // One action, or its singular and plural forms (GetParameter, GetParameters).
    let one = match m.events.names.as_slice() {
        [_] => true,
        // (or one with a prefix: AddUserToGroup, AdminAddUserToGroup)
        [a, b] => {
            a.starts_with(b.as_str())
                || b.starts_with(a.as_str())
                || a.ends_with(b.as_str())
                || b.ends_with(a.as_str())
        }
        _ => false,
    };
    // A complete match overrides known words only for a specific name of
    // several words ("delete flow logs", "put event selectors").
    let specific = m.action
        && (one || m.one_per_verb)
        && (m.named_service || (m.complete && m.used.len() >= 3));
    // The hand-written resources ("access key", "security group", "public
    // access block") keep their analyst meaning.
    // ("volumes attached to instances": not where the object went)
    let resource = m.used.iter().filter(|i| !m.place.contains(i)).any(|i| {
        GAZETTEER.longest(&stems, *i).is_some_and(|(n, cs)| {
            n >= 2
                || cs
                    .iter()
                    .any(|c| matches!(c, super::gazetteer::Concept::Resource(_)))
        })
    });
    // A named service's action described in several words ("resource policy
    // changes on Secrets Manager secrets") outranks a resource's default reading.
    let detailed = specific && m.named_service && (m.used.len() >= 5 || m.one_per_verb);
    // "stop or delete trails": a second verb the match left out is the
    // vocabulary's to read with the first.
    let other_verb = ws.iter().enumerate().any(|(i, w)| {
        // ("list all requests to add …": the command, not a second action.)
        let command = i == 0 && matches!(w.as_str(), "list" | "view" | "get" | "fetch" | "pull");
        !m.used.contains(&i) && !command && CATALOGUE.is_verb_word(w)
    });
    // "created access keys or console passwords": a resource listed after
    // the action's is the vocabulary's to read with it.
    let listed_resource = m.used.iter().any(|&hi| {
        let mut j = hi + 1;
        if !matches!(ws.get(j).map(String::as_str), Some("or" | "and")) {
            return false;
        }
        j += 1;
        while matches!(
            ws.get(j).map(String::as_str),
            Some("the" | "their" | "a" | "an" | "its")
        ) {
            j += 1;
        }
        j < ws.len()
            && !m.used.contains(&j)
            && GAZETTEER.longest(&stems, j).is_some_and(|(_, cs)| {
                cs.iter()
                    .any(|c| matches!(c, super::gazetteer::Concept::Resource(_)))
            })
    });
    if all_known && (other_verb || listed_resource) {
        return;
    }
    // A complete action that says more than a hand-written resource and its
    // verb could ("KMS key policy changes", "access keys created for IAM
    // users", "RDS database instances that were deleted").
    let resource_span = m
        .used
        .iter()
        .filter_map(|i| {
            GAZETTEER.longest(&stems, *i).and_then(|(n, cs)| {
                cs.iter()
                    .any(|c| matches!(c, super::gazetteer::Concept::Resource(_)))
                    .then_some(n)
            })
        })
        .max()
        .unwrap_or(0);
    let fuller = m.action
        && m.complete
        && m.events.names.len() <= 3
        && m.used.len() >= resource_span + 2
        && (m.named_service || m.used.len() >= 4)
        // "S3 object downloads per bucket": the grouping key is not the action's.
        && !m
            .used
            .iter()
            .any(|i| *i > 0 && matches!(ws[*i - 1].as_str(), "per" | "by"));
    // An action on something the vocabulary reads as another table's
    // ("VPC creation events", "who created VPCs"): a table is not created.
    let foreign = m.action
        && m.complete
        && m.used.iter().any(|i| {
            GAZETTEER.longest(&stems, *i).is_some_and(|(_, cs)| {
                cs.iter().any(|c| match c {
                    super::gazetteer::Concept::Table(t) => *t != Table::Cloudtrail,
                    super::gazetteer::Concept::Filter(rules) => {
                        rules.iter().all(|(t, _)| *t != Table::Cloudtrail)
                    }
                    _ => false,
                })
            })
        });
    // The conversation's service has this action ("now the same for snapshot
    // deletions" after RDS snapshot creations): it outranks the general reading.
    let contextual = m.in_context && m.complete;
    // A verb the vocabulary has no reading for ("who listed buckets",
    // "rebooted"): the catalogue's action, not all of the resource's events.
    let unread_verb = m.action
        && m.complete
        && m.used.iter().any(|i| {
            // (not a command: "list his events", "show", "get")
            !matches!(
                ws[*i].as_str(),
                "list" | "show" | "get" | "view" | "find" | "fetch" | "pull" | "describe"
            ) && CATALOGUE.is_verb_word(&ws[*i])
                // ("assumed roles" is an identity type: read, if not as a verb)
                && !GAZETTEER.longest(&stems, *i).is_some_and(|(n, cs)| {
                    n >= 2
                        || cs
                            .iter()
                            .any(|c| matches!(c, super::gazetteer::Concept::Verb(_)))
                })
        });
    // The vocabulary has a verb but no resource for these words ("was a
    // database activity stream shut off"): the catalogue's action.
    let bare_verb =
        m.action && m.complete && (one || m.one_per_verb) && !resource && m.used.len() >= 3;
    // The action is one of a resource's own events, named more precisely
    // than the resource's verb reading ("event selectors on a trail
    // modified" is PutEventSelectors, not every change to trails).
    let narrower = m.action && m.complete && !m.events.names.is_empty() && {
        let mut evs: Vec<&str> = Vec::new();
        for j in 0..stems.len() {
            if m.used.contains(&j) {
                continue;
            }
            if let Some((_, cs)) = GAZETTEER.longest(&stems, j) {
                for c in cs {
                    if let super::gazetteer::Concept::Resource(r) = c {
                        evs.extend(r.events.iter().flat_map(|(_, e)| e.iter().copied()));
                    }
                }
            }
        }
        evs.sort();
        evs.dedup();
        m.used.len() >= 3
            && m.events.names.iter().all(|n| evs.contains(&n.as_str()))
            && m.events.names.len() * 2 <= evs.len()
    };
    let overrides = narrower
        || bare_verb
        || (specific && !resource)
        || (m.literal && one)
        || detailed
        || fuller
        || foreign
        || contextual
        || unread_verb
        || m.listed
        || m.excluded;
    if all_known && !overrides {
        return;
    }
    // A resource of several words the match left aside ("new member accounts
    // created in the organization" is not `CreateOrganization`): the
    // vocabulary's to read with the verb.
    // ("security group rule added" is not a WAF `CreateRuleGroup`: the
    // match splits the resource's phrase.)
    let skipped_resource = (0..stems.len()).any(|j| {
        GAZETTEER.longest(&stems, j).is_some_and(|(n, cs)| {
            let inside = (j..j + n).filter(|k| m.used.contains(k)).count();
            // (or right after the match's words: "IAM users' console
            // passwords" are the passwords)
            let head = m.used.iter().max().is_some_and(|last| j == last + 1);
            n >= 2
                && ((inside == 0 && (m.used.len() <= 3 || head))
                    || (inside > 0 && inside < n && !m.used.contains(&j)))
                && cs
                    .iter()
                    .any(|c| matches!(c, super::gazetteer::Concept::Resource(_)))
        })
    });
    if skipped_resource {
        return;
    }
    // "same for DB snapshots": no verb said; a follow-up keeps the previous one.
    p.verbless_resource |= m.action
        && !ws.iter().any(|w| {
            !matches!(
                w.as_str(),
                "snapshot" | "snapshots" | "backup" | "backups" | "list" | "show" | "same"
            ) && (CATALOGUE.is_verb_word(w)
                || GAZETTEER
                    .longest(std::slice::from_ref(&stem(w)), 0)
                    .is_some_and(|(_, cs)| {
                        cs.iter()
                            .any(|c| matches!(c, super::gazetteer::Concept::Verb(_)))
                    }))
        });
    let words: Vec<&str> = m.used.iter().map(|i| ws[*i].as_str()).collect();
    let (field, op) = if m.action {
        (Field::EventName, m.events.op())
    } else {
        // "all DynamoDB activity": the service's events.
        let sources: Vec<Value> = m.events.sources.iter().map(|s| Value::text(*s)).collect();
        let op = if sources.len() == 1 {
            Op::Eq(sources[0].clone())
        } else {
            Op::In(sources)
        };
        (Field::EventSource, op)
    };
    let mut rules = vec![(Table::Cloudtrail, Filter::new(field, op))];
    // "traffic headed to S3": in flow logs, the AWS service the packets
    // went to (or came from).
    if !m.action
        && let [source] = m.events.sources.as_slice()
        && let Some(service) = flow_service(source)
    {
        let from = m.used.iter().any(|i| *i > 0 && ws[*i - 1] == "from");
        let f = if from {
            Field::SrcService
        } else {
            Field::DstService
        };
        rules.push((Table::VpcFlow, Filter::eq(f, Value::text(service))));
    }
    // "findings involving S3": GuardDuty names the service in the finding
    // type (`Policy:S3/BucketPublicAccessGranted`).
    if !m.action
        && let [source] = m.events.sources.as_slice()
        && let Some(kind) = super::gazetteer::finding_service(source)
    {
        rules.push((
            Table::Guardduty,
            Filter::new(Field::FindingType, Op::Like(format!("%:{kind}/%"))),
        ));
    }
    p.conds.push(Cond {
        rules,
        negate: false,
        words: words.join(" "),
        optional: false,
    });
    // An API action is CloudTrail's, whatever else the words say ("VPC
    // creation events", "inbound rules added to security groups").
    vote(p, Table::Cloudtrail, if m.action { 8 } else { 3 });
    if m.action {
        p.table = Some(Table::Cloudtrail);
    }
    p.anchor = true;
    // A catalogued action outweighs a stray word or two around it.
    p.understood += if m.action && m.complete { 3 } else { 2 } * m.used.len();
    // A word that begins a phrase of the vocabulary reaching past the action
    // ("IAM users" in "which IAM users created access keys") stays for it.
    let keep: Vec<usize> =
        m.used
            .iter()
            .copied()
            .filter(|i| {
                // "… created for IAM users": the action's object, not its actor.
                let object = *i > 0 && matches!(ws[*i - 1].as_str(), "for" | "to" | "on" | "of");
                // "which buckets had their public access block removed": the
                // subject asked for stays a field noun too.
                let subject = *i > 0
                    && matches!(ws[*i - 1].as_str(), "which" | "what")
                    && GAZETTEER.longest(&stems, *i).is_some_and(|(n, cs)| {
                        n == 1 && cs.iter().any(|c| {
                            matches!(c, super::gazetteer::Concept::Resource(r) if r.field.is_some())
                                || matches!(c, super::gazetteer::Concept::Noun { .. })
                        })
                    });
                subject
                    || !object
                        && GAZETTEER.longest(&stems, *i).is_some_and(|(n, _)| {
                            n >= 2 && (*i + 1..*i + n).any(|j| !m.used.contains(&j))
                        })
            })
            .collect();
    // A noun said twice inside the action ("bucket encryption or bucket
    // replication") is the action's too.
    let (lo, hi) = (
        m.used.iter().min().copied().unwrap_or(0),
        m.used.iter().max().copied().unwrap_or(0),
    );
    let used_keys: Vec<String> = m
        .used
        .iter()
        .map(|i| super::actions::key(&ws[*i]))
        .collect();
    // "pushed to get on an instance's serial console": the thing that owns
    // the action's object, said just before it, is part of the phrase.
    let owner = |i: usize| {
        i > 0
            && !m.used.contains(&i)
            && m.used.contains(&(i + 1))
            && matches!(
                ws[i - 1].as_str(),
                "a" | "an" | "the" | "our" | "its" | "their" | "your"
            )
            && matches!(
                ws[i].as_str(),
                "instance"
                    | "instances"
                    | "bucket"
                    | "buckets"
                    | "function"
                    | "functions"
                    | "cluster"
                    | "clusters"
                    | "database"
                    | "trail"
                    | "vpc"
            )
    };
    let consumed: Vec<bool> = (0..ws.len())
        .map(|i| {
            (m.used.contains(&i) && !keep.contains(&i))
                || (lo < i && i < hi && used_keys.contains(&super::actions::key(&ws[i])))
                || owner(i)
        })
        .collect();
    let mut i = 0;
    ws.retain(|_| {
        i += 1;
        !consumed[i - 1]
    });
}

static WIDEN: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"\b(?:(?:across|in|for|from|over|of) )?(?:all|every|any|each of our|all of our|all our) (accounts?|regions?)\b")
        .expect("widen")
});

static ALL_TIME: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"\b(?:(?:over|for|in|across|of|to) )?(?:all[- ]time|all of time|any time|the (?:whole|entire|full) (?:history|period|dataset|time range)|no time (?:limit|range))\b")
        .expect("all time")
});

/// Phrasings said more simply before reading: (pattern, replacement).
static REWRITES: std::sync::LazyLock<Vec<(regex::Regex, &'static str)>> = std::sync::LazyLock::new(
    || {
        [
            // "1,000,000 bytes"
            (r"\b(\d{1,3}),(\d{3}),(\d{3})\b", "$1$2$3"),
            (r"\b(\d{1,3}),(\d{3})\b", "$1$2"),
            // "nicholas.hakmiller's SSO session": that person's session
            (r"(?i)\b([a-z][\w.-]*)(?:'s|’s)\s+(?:aws\s+)?(?:sso|identity\s+center)\s+(?:role\s+)?sessions?\b", "the $1 session"),
            // Sessions of IAM Identity Center's permission-set roles ("SSO
            // permission-set role (AWSReservedSSO)", "Identity Center
            // permission sets (the AWSReservedSSO roles)"): no SSO action.
            (r"(?i)\b(?:aws\s+)?(?:(?:iam\s+)?identity\s+center|sso)\s+(?:\(\s*(?:the\s+)?(?:awsreservedsso|aws\s+sso|sso)\s*\)\s*)?users?\b(?:\s*\(\s*(?:the\s+)?awsreservedsso(?:\s+roles?)?\s*\))?(?:\s+(?:role\s+)?(?:roles|sessions))?", " awsreservedsso role users "),
            (r"(?i)\b(?:aws\s+)?(?:(?:iam\s+)?identity\s+center|sso)\s+(?:\(\s*(?:the\s+)?(?:awsreservedsso|aws\s+sso|sso)\s*\)\s*)?(?:permission[- ]sets?(?:\s+roles?)?|(?:role|user)\s+sessions?|roles?|sessions?|users?)\b(?:\s*\(\s*(?:the\s+)?awsreservedsso(?:\s+roles?)?\s*\))?(?:\s+(?:role\s+)?(?:roles|sessions))?", " awsreservedsso role "),
            (r"(?i)\bpermission[- ]sets?\s+roles?\b|\(\s*(?:the\s+)?awsreservedsso(?:\s+roles?)?\s*\)(?:\s+(?:role\s+)?(?:roles?|sessions?))?", " awsreservedsso role "),
            // "logging turned on or off": enabled or disabled
            (r"(?i)\b(?:turned|switched|toggled|flipped)\s+(?:on|off)\s+(?:or|and|and/or)\s+(?:back\s+)?(?:on|off)\b", "enabled or disabled"),
            // "replication configured or torn down": set up, as a verb
            (r"(?i)\bconfigured(\s+or\s+)", "set up$1"),
            (r"(?i)\s+as\s+well\s+as\s+", " and "),
            // "SSH keys pushed to instances": EC2 Instance Connect's (IAM's
            // SSH keys are uploaded for users)
            (r"(?i)\b(?:ssh|public)\s+keys?\s+(?:(?:were|was|got|being)\s+)?(?:pushed|sent|uploaded|delivered)\s+(?:to|onto|into)\s+(?:an?\s+|the\s+|our\s+|any\s+)?(?:ec2\s+)?instances?\b", "ssh public keys sent via ec2 instance connect"),
            (r"(?i)\b(push|pushed|pushing|send|sent|sending)\s+(?:an?\s+|the\s+|their\s+)?(?:ssh\s+)?(?:public\s+)?keys?\s+(?:to|onto|into)\s+(?:an?\s+|the\s+|our\s+|any\s+)?(?:ec2\s+)?instances?\b", "$1 ssh public keys via ec2 instance connect"),
            // "started back up": started
            (r"(?i)\b(?:started|powered|brought|turned|spun)\s+(?:it\s+|them\s+)?back\s+(?:up|on|online)\b", "started"),
            // "the 5 source IPs making the most calls": which five
            (r"(?i)^\s*(?:(?:show|list|give)(?:\s+me)?\s+)?(?:the\s+)?(\d+|two|three|four|five|six|seven|eight|nine|ten|twenty)\s+((?:[\w-]+\s+){0,3}?[\w-]+?)\s+(?:that\s+|who\s+|which\s+)?(?:made|make|making|had|have|having|generated|generating|sent|sending|produced|producing|doing|did)\s+the\s+(most|fewest|least)\b", "which $1 $2 made the $3"),
            // "how are failures split across identity types": grouped by them
            (r"(?i)\b(?:split|spread|distributed|broken\s+out|broken\s+down)\s+(?:across|between|among|over)\b", "by"),
            // "outside us-west-2": another region
            (r"(?i)\boutside(?:\s+of)?(\s+(?:the\s+)?(?:region\s+)?(?:us|eu|ap|sa|ca|me|af|il|mx|cn)(?:-gov)?-[a-z]+-\d[a-z]?\b)", "not in$1"),
            // "whoami" calls, quoted or not: GetCallerIdentity
            (r#"(?i)["“']?\bwho ?am ?i\b["”']?(?:-style)?"#, "whoami"),
            // "per day for that month": the conversation's time, unchanged
            (r"(?i)\b(?:for|in|during|over|within|across) (?:that|the same) (?:month|day|week|year|period|time|range|window|timeframe)\b", ""),
            // "accepted vs rejected flows": the two values of the action
            // (compared: every value of the action, each counted)
            (r"(?i)\b(?:accepted|allowed|rejected|denied|blocked) (?:vs\.?|versus|compared to|against) (?:accepted|allowed|rejected|denied|blocked)( flows| traffic| records| flow records| connections)?", "accepted or rejected flows by action"),
            (r"(?i)\b(?:accepted|allowed) (?:or|and) (?:rejected|denied|blocked)\b", "accepted or rejected by action"),
            (r"(?i)\b(?:rejected|denied|blocked) (?:or|and) (?:accepted|allowed)\b", "rejected or accepted by action"),
            // "failed over the Aurora cluster": a failover, not a failure
            (r"(?i)\bfail(?:ed|ing|s)? over\b", "failover"),
            // "EC2 dry-run permission checks": the dry runs' error code
            (r"(?i)\bdry[- ]?run\s+(?:permission\s+)?(?:checks?|calls?|requests?|attempts?)\b", "dry runs"),
            // "over the past fortnight": two weeks
            (r"(?i)\b(past|last|previous) fortnight\b", "$1 2 weeks"),
            (r"(?i)\ba fortnight\b", "2 weeks"),
            // "destroyed a virtual machine", "VMs": EC2 instances
            (r"(?i)\b(?:virtual machines|vms)\b", "EC2 instances"),
            (r"(?i)\b(?:a |an )?(?:virtual machine|vm)\b", "an EC2 instance"),
            // "how busy was August 1st": how many events then
            // (a time's, not a resource's: "how busy is the database" asks for metrics)
            (r"(?i)\bhow (?:busy|active|noisy) (?:was|were|is|has been|have been) ((?:on |in |during )?(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|yesterday|today|last (?:night|week|month|year)|this (?:week|month|year)|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|\d{4}-\d{2}-\d{2}))", "how many events $1"),
            // "starts versus stops": both, each counted (see `COUNT_EACH`)
            (r"(?i)\s+(?:versus|vs\.?)\s+", " or "),
            // "highest severity in each region": per region
            (r"(?i)\b(?:in|for|across|within|of) (?:each|every) (region|account|service|user|type|ip|day|hour|week|month)\b", "per $1"),
            // "which service gets called the most": called, not a Get action
            (r"(?i)\b(?:gets|get|got|getting) (called|used|invoked|hit)\b", "$1"),
            // "breakdown of error codes", "break the flows down by action"
            (r"(?i)\b(?:a |the )?break-?down of\b", "count by"),
            (r"(?i)\bbreak (.{1,40}?) down by\b", "$1 by"),
            (r"(?i)\b(?:broken|split) (?:down|out|up) by\b", "by"),
            // "denied or failed": any error
            (r"(?i)\b(?:denied or failed|failed or (?:were )?denied|denied or (?:otherwise )?unsuccessful)\b", "failed"),
            // "per AWS service", "which AWS services": the service, not the AWSService identity
            // (but "calls made by AWS services" are the services' own calls)
            (r"(?i)\b(made|done|performed|invoked|called|initiated|taken|issued) by aws (services?)\b", "$1 by awsservice"),
            (r"(?i)\b(per|by|each|which|what|across|every|busiest|top|noisiest|most active|most used|most called|most common|(?:top )?\d+) aws (services?)\b", "$1 $2"),
            // "severity 7 or above"
            (r"(?i)\b(severity|sev|bytes|packets)((?: score| level)?(?: is| of)?) (\d+(?:\.\d+)?) (?:or|and) (?:above|higher|more|greater|over|up)\b", "$1$2 at least $3"),
            (r"(?i)\b(severity|sev)((?: score| level)?(?: is| of)?) (\d+(?:\.\d+)?)\+", "$1$2 at least $3"),
            (r"(?i)\b(severity|sev|bytes|packets)((?: score| level)?(?: is| of)?) (\d+(?:\.\d+)?) or (?:below|lower|less|under)\b", "$1$2 at most $3"),
            // "handed AdministratorAccess straight to an IAM user", "gave a
            // role ReadOnlyAccess": a managed policy attached to that kind
            (r"(?i)\b(?:gave|give|given|giving|hand(?:ed|ing)?|grant(?:ed|ing)?|assign(?:ed|ing)?)\s+(?:the\s+)?((?-i:[A-Z][A-Za-z0-9]*Access))(?:\s+policy)?\s+(?:(?:straight|directly|right)\s+)?to\s+(?:an?\s+|the\s+|some\s+|any\s+)?(?:IAM\s+)?users?\b", "AttachUserPolicy with $1"),
            (r"(?i)\b(?:gave|give|given|giving|hand(?:ed|ing)?|grant(?:ed|ing)?|assign(?:ed|ing)?)\s+(?:the\s+)?((?-i:[A-Z][A-Za-z0-9]*Access))(?:\s+policy)?\s+(?:(?:straight|directly|right)\s+)?to\s+(?:an?\s+|the\s+|some\s+|any\s+)?(?:IAM\s+)?roles?\b", "AttachRolePolicy with $1"),
            (r"(?i)\b(?:gave|give|given|giving|hand(?:ed|ing)?|grant(?:ed|ing)?|assign(?:ed|ing)?)\s+(?:an?\s+|the\s+|some\s+|any\s+)?(?:IAM\s+)?users?\s+(?:the\s+)?((?-i:[A-Z][A-Za-z0-9]*Access))\b", "AttachUserPolicy with $1"),
            (r"(?i)\b(?:gave|give|given|giving|hand(?:ed|ing)?|grant(?:ed|ing)?|assign(?:ed|ing)?)\s+(?:an?\s+|the\s+|some\s+|any\s+)?(?:IAM\s+)?roles?\s+(?:the\s+)?((?-i:[A-Z][A-Za-z0-9]*Access))\b", "AttachRolePolicy with $1"),
            // "was bob given a managed policy": one attached to bob
            (r"(?i)\b(?:was|were|got|has|have|had)\s+(?:been\s+)?(?:the\s+)?(user|role|group)\s+([\w.@+-]+)\s+(?:been\s+)?given\s+(?:an?\s+|any\s+|the\s+|some\s+)?((?:managed|inline|new)\s+)?(polic(?:y|ies))\b", "was a $3$4 attached to the $1 $2"),
            (r"(?i)\b(?:was|were|got|has|have|had)\s+(?:been\s+)?(?:the\s+)?([\w.@+-]+)\s+(?:been\s+)?given\s+(?:an?\s+|any\s+|the\s+|some\s+)?((?:managed|inline|new)\s+)?(polic(?:y|ies))\b", "was a $2$3 attached to the user $1"),
            // "which roles were behind the sessions": the sessions' roles
            (r"(?i)\broles? (?:were|was|are|is|are actually|sit) behind\b", "roles behind"),
            // "flows where 1.2.3.4 was the source": from it
            (r"(?i)\b(?:where|with|in which|when)\s+(\S+)\s+(?:was|is|as|were)\s+(?:the\s+)?(?:source|sender|src)\b", "from $1"),
            (r"(?i)\b(?:where|with|in which|when)\s+(\S+)\s+(?:was|is|as|were)\s+(?:the\s+)?(?:destination|target|receiver|dst)\b", "to $1"),
            // "did an admin reset …": someone (not a user named "admin")
            (r"(?i)\b(?:an|some) (?:admin|administrator)\b", "someone"),
            // "console passwords reset by an admin": an administrator sets
            // another user's password (a user's own change is ChangePassword)
            (r"(?i)\breset(?:s|ting)?\s+(?:[\w']+\s+){0,3}?console\s+passwords?\b", "UpdateLoginProfile calls"),
            (r"(?i)\b(?:console\s+)?passwords?\s+(?:\w+\s+){0,2}?resets?\b", "UpdateLoginProfile calls"),
            // "deletion protection switched off on a database"
            (r"(?i)\b(?:deletion protection\s+(?:(?:was|were|got|been|being)\s+)*(?:switched off|turned off|disabled|removed|taken off)|(?:disabl(?:e|ed|es|ing)|remov(?:e|ed|es|ing)|turn(?:s|ed|ing)? off|switch(?:es|ed|ing)? off)\s+(?:the\s+)?deletion protection)\b", r#"ModifyDBInstance or ModifyDBCluster calls with `"deletionProtection":false`"#),
            // "only the ones that actually went through": succeeded (not
            // "went through a VPC endpoint")
            (r"(?i)\b(?:actually\s+|really\s+)?(?:went|go|got|gone|goes|get)\s+through\s*(?:[?.!,;]|$)", " succeeded "),
            // "turned the trail back on": turned on
            (r"(?i)\b(turn|turned|turning|turns|switch|switched|switching|switches)\s+((?:[\w-]+\s+){1,3}?)back\s+(on|off)\b", "$1 $3 $2"),
            // "changed their own password": the user's own change
            (r"(?i)\b(?:their|his|her|my|your|its) own (?:console )?passwords?\b", "ChangePassword calls"),
            // "Parameter Store values read with decryption turned on"
            (r"(?i)\bwith (?:the )?decryption(?: (?:flag )?(?:turned on|switched on|enabled|on|set(?: to true)?))?", "withdecryption"),
            // "logins through IAM Identity Center (SSO)": its own sign-in event
            (r"(?i)\b(?:logins?|log-?ins?|sign-?ins?|signins?|authentications?|logged in|signed in)\s+(?:through|via|with|using|to|into)\s+(?:the\s+)?(?:aws\s+)?(?:iam\s+)?(?:identity center|sso)(?:\s*\((?:aws\s+)?(?:sso|identity center)\))?", "identitycenterlogin"),
            (r"(?i)\b(?:iam\s+)?(?:identity center|sso)(?:\s*\((?:sso|identity center)\))?\s+(?:logins?|log-?ins?|sign-?ins?|signins?|authentications?)\b", "identitycenterlogin"),
            // "versioning suspended on a bucket"
            (r"(?i)\b(?:suspend(?:ed|ing|s)?\s+(?:the\s+)?(?:bucket\s+)?versioning|(?:bucket\s+)?versioning\s+(?:(?:was|were|got|been|being)\s+)*suspended)\b", "PutBucketVersioning with \"Suspended\""),
            // "to or from 1.2.3.4": either side
            (r"(?i)\b(?:to or from|from or to|to/from|from/to)\b", "involving"),
            // "most frequent first", "most first"
            (r"(?i)\b(?:most(?: (?:frequent|common|active|calls|events|errors))?|largest|biggest|highest|busiest) first\b", "most common"),
            // "(root, IAM user, assumed role...)": examples, not conditions
            (r"\((?:e\.g\.,? |eg |such as |like |i\.e\.,? )?[^()]*,[^()]*(?:\.\.\.|…|etc\.?)\)", " "),
            // "highest severity per account": the measure, not a severity filter
            // "what's the highest severity among the findings": one number
            (r"(?i)\bwhat(?:'s| is| was) the (?:highest|maximum|max|worst|peak) (?:finding |guardduty )?severity(?: (?:score|level|seen|observed|reported|recorded))?(?: (?:among|of|across|in|for) (?:the |our |all |any )?(?:guardduty )?findings?)?\s*\??\s*$", "max_severity"),
            // "who assumed roles": the AssumeRole calls, not role sessions
            (r"(?i)\bwho (?:has |have |had )?assumed (?:a |any |the |which )?roles?\b", "who called AssumeRole"),
            (r"(?i)\b(?:the )?(?:highest|maximum|max|worst|peak|top) (?:finding |guardduty )?severity(?: (?:score|level|seen|observed|reported|recorded|guardduty|has|have|had|we|we've|ever|been))* (per|by|for each|for every|of each|in each|across each)\b", "max_severity $1"),
            // "signed in through the web console", "web console logins": the
            // console sign-in event (its user agent is the browser's)
            (r"(?i)\b(sign(?:ed|ing|s)?|log(?:ged|ging|s)?)[- ]?(in|on)\s+(?:through|via|from|using|on|in|to|into)\s+(?:the\s+)?(?:aws\s+)?(?:web\s+|management\s+)?console\b", "$1 $2 to the console"),
            (r"(?i)\b(?:web|management|aws)\s+console\s+(log|sign)", "console $1"),
            // "did anyone give a user a console password for the first time":
            // the event itself, not when it was first seen
            (r"(?i)^(\s*(?:did|has|have|was|were|any|anyone|anybody|someone|somebody|list|show)\b.*?)\s+for the (?:very )?first time\b", "$1"),
            // "who was added to a group", "users added to IAM groups": group
            // membership (the vocabulary's "group" is a grouping word)
            (r"(?i)\b(?:(?:iam\s+)?users?\s+|members?\s+)?(?:(?:was|were|got|been|being|get|gets)\s+)?added\s+to\s+(?:(?:a|an|the|any|some|our|their|iam)\s+)*groups?\b", "AddUserToGroup calls"),
            // "minted temporary credentials for a federated user"
            (r"(?i)\b(?:temporary|temp|short-lived)\s+(?:security\s+)?(?:credentials|creds|tokens?)\s+for\s+(?:an?\s+|the\s+)?federated\s+users?\b", "federation token"),
            // "the calls AWS services made on our behalf": the services' own calls
            (r"(?i)\b(calls|actions|events|requests|api calls)\s+(?:that\s+)?aws\s+services?\s+(?:have\s+)?(?:made|did|performed|issued)\b", "$1 made by awsservice"),
            // "stuck an inline policy on a user": put
            (r"(?i)\b(?:stuck|stick|sticks|sticking|slapped|slap)\b", "put"),
            // "changed who is allowed to launch our AMIs", "who can restore an
            // RDS snapshot": the sharing attributes
            (r"(?i)\b(?:chang\w*|edit\w*|modif\w*|updat\w*)\s+(?:(?:made\s+)?to\s+)?who\s+(?:is\s+|are\s+)?(?:allowed\s+to|can|may|gets\s+to|has\s+permission\s+to)\s+(?:launch|use|restore|copy|access)\s+(?:one\s+of\s+)?(?:our\s+|the\s+|an?\s+|their\s+|its\s+|any\s+)?(?:ec2\s+)?(?:amis?|images?|machine\s+images?)\b", "ModifyImageAttribute calls"),
            (r"(?i)\b(?:chang\w*|edit\w*|modif\w*|updat\w*)\s+(?:(?:made\s+)?to\s+)?who\s+(?:is\s+|are\s+)?(?:allowed\s+to|can|may|gets\s+to|has\s+permission\s+to)\s+(?:restore|use|copy|access)\s+(?:one\s+of\s+)?(?:our\s+|the\s+|an?\s+|their\s+|its\s+|any\s+)?(?:rds|database|db)\s+snapshots?\b", "ModifyDBSnapshotAttribute or ModifyDBClusterSnapshotAttribute calls"),
            // "granted another principal the right to invoke our Lambdas"
            (r"(?i)\b(?:gave|give|given|giving|grant\w*|allow\w*)\s+(?:[\w-]+\s+){0,4}?(?:the\s+)?(?:right|permission|permissions|access)\s+to\s+invoke\s+(?:one\s+of\s+)?(?:our\s+|the\s+|an?\s+|their\s+|its\s+|any\s+)?(?:lambda\s+functions?|lambdas?|functions?)\b", "AddPermission calls on Lambda"),
            // "changed which events a trail records": its event selectors
            (r"(?i)\b(?:chang\w*|edit\w*|modif\w*|updat\w*|tweak\w*)\s+(?:(?:made\s+)?to\s+)?(?:which|what)\s+(?:\w+\s+)?events\s+(?:a|the|our|its|their|any)?\s*(?:cloudtrail\s+)?trails?\s+(?:records?|captures?|logs?|collects?|delivers?)\b", "PutEventSelectors calls"),
            // "changed who is allowed to assume a role": its trust policy
            (r"(?i)\b(?:chang\w*|edit\w*|modif\w*|updat\w*)\s+(?:(?:made\s+)?to\s+)?who\s+(?:is\s+|are\s+)?(?:allowed\s+to|can|may|gets\s+to|has\s+permission\s+to)\s+assume\s+(?:a|the|any|our|their|an\s+iam)?\s*roles?\b", "UpdateAssumeRolePolicy calls"),
            // "made an image of a server": created one
            // (not "make an AMI public")
            (r"(?i)\b(?:made|make|makes|making)\s+(an?\s+(?:new\s+)?(?:image|snapshot|backup|ami)s?\s+(?:of|from))\b", "created $1"),
            // "set up a trust anchor": created
            (r"(?i)\b(?:set|setting|sets) up\b", "created"),
            // "successfully or not": no condition
            (r"(?i),?\s*\b(?:(?:successfully|successful|succeeded) or not|whether (?:or not )?(?:it |they )?(?:succeeded|worked)(?: or not)?|(?:successful|succeeded) or (?:failed|unsuccessful)|(?:failed|unsuccessful) or (?:successful|succeeded))\b", " "),
            // "(4 up to but not including 7)": a restatement of a range said in words
            (r"\((?:severity )?\d+(?:\.\d+)?\s*(?:-|–|to|up to|through|until)[^()]*\)", " "),
            // "user agent mentions trufflehog": a user agent value
            (r#"(?i)\buser[- ]?agents? (?:that |which )?(?:mentions?|mentioning|contains?|containing|includes?|including|like|matching|matches|has|having|with)\s+['"]?([\w.\-/]+)['"]?"#, "user agent '$1'"),
            (r"(?i)\s*\((?:any case|case[- ]insensitive(?:ly)?|ignoring case|in any case)\)", " "),
            // "console passwords created for IAM users": the users are the object's owners
            (r"(?i)\b(created|added|issued|attached|generated|made|granted|given|enabled|reset|changed|updated|deleted|removed) for (iam users?|users?|roles?|groups?)\b", "$1 to $2"),
            // "in either direction"
            (r"(?i),? in (?:either|both|any) directions?\b", " "),
            // "the recipient account"
            (r"(?i)\brecipient (account|accounts)(?: ids?)?\b", "$1"),
            (r"(?i)\b(?:read-only|readonly|read only) (?:flag|field|attribute|value)\b", "readonly_flag"),
            // "event volume": how many events (a flow's volume is its bytes)
            (r"(?i)\b(?:event|call|api call|request|activity) volume\b", "number of events"),
        ]
        .into_iter()
        .map(|(re, to)| (regex::Regex::new(re).expect("rewrite"), to))
        .collect()
    },
);

/// The question with [`REWRITES`] applied, and a failure's cause said in
/// words ("because the token had expired") as its error code's token.
fn rewrite(text: &str) -> String {
    let mut out = text.to_string();
    // "IAM users created or deleted — list them all": the request first.
    static TRAILING_ASK: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?i)\s*(?:[,;:—–]|\s-{1,2})\s*(?:(?:please|just)\s+)?(list|show|count)\s+(?:them|those|these|it|me)(?:\s+all)?(?:\s+(?:please|pls))?\s*[?.!]*\s*$")
            .expect("trailing ask")
    });
    if let Some(c) = TRAILING_ASK.captures(&out) {
        let verb = c[1].to_lowercase();
        let at = c.get(0).expect("match").start();
        out = format!("{verb} {}", &out[..at]);
    }
    for (re, to) in REWRITES.iter() {
        if re.is_match(&out) {
            out = re.replace_all(&out, *to).into_owned();
        }
    }
    // "pedro's describe calls": an unknown word owning something is a user.
    static POSSESSIVE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\b([A-Za-z][\w.-]*)(?:'s|’s)\s+([A-Za-z0-9][\w-]*)")
            .expect("possessive")
    });
    out = POSSESSIVE
        .replace_all(&out, |c: &regex::Captures<'_>| {
            let w = c[1].to_lowercase();
            let known = GAZETTEER.knows(&stem(&w))
                || GAZETTEER.knows(&w)
                || is_stop(&w)
                || CATALOGUE.is_service_name(&w)
                || CATALOGUE.is_verb_word(&w)
                || lemma(&w).is_some();
            // (owning something the logs know: "bob's laptop" is not about the logs)
            let next = c[2].to_lowercase();
            // (not what an IAM action is done to: "bob's password was reset"
            // is about bob as the object, which this cannot say)
            let acted_on = matches!(
                next.as_str(),
                "password"
                    | "passwords"
                    | "access"
                    | "keys"
                    | "key"
                    | "login"
                    | "mfa"
                    | "credentials"
                    | "console"
                    | "policy"
                    | "policies"
                    | "permissions"
            );
            let owned = (GAZETTEER.knows(&stem(&next))
                || CATALOGUE.is_service_name(&next)
                || CATALOGUE.is_verb_word(&next))
                && !acted_on;
            if known || w.len() < 2 || !owned {
                c[0].to_string()
            } else {
                format!("iam-user {} {}", &c[1], &c[2])
            }
        })
        .into_owned();
    if FAILURE.is_match(&out) {
        for (re, to) in ERROR_CAUSES.iter() {
            if re.is_match(&out) {
                out = re.replace_all(&out, *to).into_owned();
            }
        }
        // "because the snapshot was errwrongstate": the cause alone (the
        // thing it names is the action's object, said already)
        out = CAUSE_SUBJECT.replace_all(&out, " $1 ").into_owned();
    }
    out
}

/// A question about calls that failed.
static FAILURE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?i)\b(?:fail\w*|errors?|erred|because|rejected|refused|denied|blocked|throttled|couldn't|could not|wasn't allowed|weren't allowed|bounced|tried|try|trying|attempt\w*|(?:hit|reached|exceeded) (?:the |a |their )?(?:limit|cap|quota|maximum))\b")
        .expect("failure")
});

/// "because the snapshot was" before a failure cause's token.
static CAUSE_SUBJECT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?i)\b(?:because|since|as|when)\s+(?:the|its|their|it|they|that|this|our)\s+(?:[\w-]+\s+){0,3}?(?:(?:was|were|is|are|had been|has been)\s+)?(err[a-z]+)\b")
        .expect("cause subject")
});

/// Causes of a failure in an analyst's words, and the vocabulary's token
/// for their error codes (`gazetteer`'s "err…" phrases).
static ERROR_CAUSES: std::sync::LazyLock<Vec<(regex::Regex, &'static str)>> =
    std::sync::LazyLock::new(|| {
        [
            (r"(?i)\b(?:the\s+)?(?:session\s+|security\s+)?(?:tokens?|credentials?)\s+(?:had\s+|has\s+|have\s+|was\s+|were\s+)?(?:already\s+)?expired\b|\bexpired\s+(?:session\s+|security\s+)?(?:tokens?|credentials?)\b", " errexpiredtoken "),
            (r"(?i)\b(?:the\s+)?(?:signed\s+)?(?:requests?|signatures?)\s+(?:had\s+|has\s+|was\s+|were\s+)?(?:already\s+)?(?:expired|too\s+old|stale)\b|\bpast\s+(?:its|their|the)\s+expir(?:y|ation)(?:\s+(?:time|date))?\b|\bexpired\s+(?:signed\s+)?(?:requests?|signatures?)\b|\b(?:the\s+)?(?:request(?:'s)?\s+)?(?:timestamps?|clocks?|times?)\s+(?:was\s+|were\s+|is\s+)?(?:too\s+(?:old|skewed|far\s+off)|out\s+of\s+sync)\b|\bclock\s+skew\b", " errexpiredrequest "),
            // "hit the limit on how many access keys a user can have": the
            // quota error of creating them
            (r"(?i)\b(?:hit|hitting|reached|ran\s+into|run\s+into|exceeded)\s+(?:the\s+|a\s+|their\s+)?(?:limit|cap|quota|maximum)\s+(?:on|of|for)\s+(?:how\s+many|the\s+number\s+of)\s+((?:[\w-]+\s+){0,2}?[\w-]+?s)\s+(?:an?\s+|each\s+|one\s+|per\s+)?[\w-]+\s+(?:can|may|is\s+allowed\s+to)\s+(?:have|hold|own|create|get)\b", " errquota creating $1 "),
            (r"(?i)\b(?:(?:ran|run|running|hit|hitting|reached|exceeded|exceeding|over)\s+(?:into\s+)?(?:an?\s+|the\s+|their\s+|its\s+|our\s+)?)?(?:service\s+)?quotas?(?:\s+limits?)?(?:\s+(?:was\s+|were\s+)?exceeded)?\b|\b(?:(?:ran|run|running|hit|hitting|reached)\s+(?:into\s+)?(?:an?\s+|the\s+|their\s+|its\s+|our\s+)?)?limits?\s+(?:was\s+|were\s+)?exceeded\b|\b(?:ran|run|running|hit|hitting|reached|exceeded|exceeding)\s+(?:into\s+)?(?:an?\s+|the\s+|their\s+|its\s+|our\s+)?limits?\b", " errquota "),
            (r"(?i)\b(?:(?:something|it|they|that|which|the \w+)\s+)?(?:that\s+)?(?:already\s+)(?:existed|exists?|there)\b|\bduplicates?\b", " erralreadyexists "),
            (r"(?i)\b(?:(?:did not|didn't|does not|doesn't|do not|don't|no longer|not)\s+exist(?:s|ed)?|non-?existent|not found|no such \w+|(?:couldn't|could not|can't|cannot|wasn't|was not|weren't|were not)\s+be\s+found|(?:couldn't|could not)\s+find\s+(?:it|them|the \w+))\b", " errnotfound "),
            (r"(?i)\b(?:(?:input\s+)?validation(?:\s+errors?|\s+checks?)?|invalid\s+(?:input|parameters?|arguments?|values?)|bad\s+(?:input|parameters?)|malformed(?:\s+(?:input|requests?))?)\b", " errvalidation "),
            (r"(?i)\b(?:in\s+)?(?:the\s+|a\s+)?(?:wrong|invalid|incorrect|bad)\s+state\b", " errwrongstate "),
            // ("was anyone's new password rejected for not meeting the
            // password policy": the cause alone, no password action)
            (r"(?i)\b(?:(?:new|chosen)\s+)?passwords?\s+(?:(?:was|were|got|get|being|been)\s+)?(?:rejected|refused|denied|blocked|turned\s+down)\s+(?:by|for|because|as|since)\s+(?:it\s+)?(?:(?:was|did)\s+)?(?:not\s+)?(?:meeting|meet|satisfying|satisfy|matching|match|violating|violate|breaking|break|against)?\s*(?:the\s+|our\s+|a\s+)?(?:iam\s+|account\s+)?password\s+polic(?:y|ies)\b", " calls rejected errpasswordpolicy "),
            // ("calls refused for lack of permissions": denied)
            (r"(?i)\b(?:for|due\s+to|because\s+of|through)\s+(?:a\s+)?lack(?:ing)?\s+(?:of\s+)?(?:the\s+)?(?:permissions?|access|privileges?|rights)\b|\b(?:because\s+of\s+|due\s+to\s+)?(?:missing|insufficient|not\s+enough)\s+(?:iam\s+)?(?:permissions?|privileges?|rights)\b", " denied "),
            // ("because a trail name was invalid")
            (r"(?i)\b(?:an?\s+|the\s+|its\s+)?(?:[\w-]+\s+)?names?\s+(?:was\s+|is\s+|were\s+|being\s+)?(?:invalid|not\s+valid|malformed|bad)\b|\b(?:invalid|malformed|bad)\s+(?:[\w-]+\s+)?names?\b", " errinvalidname "),
            (r"(?i)\b(?:(?:didn't|did not|doesn't|does not|failed to|fail to|not)\s+(?:meet|meeting|match|satisfy|comply with)|violat\w*|(?:got\s+|get\s+|was\s+|were\s+)?(?:rejected|refused|blocked|denied)\s+by)\s+(?:the\s+|our\s+|a\s+)?(?:iam\s+|account\s+)?password\s+polic(?:y|ies)\b", " errpasswordpolicy "),
            // ("blocked by a VPC endpoint policy", "came in through a VPC
            // endpoint whose policy didn't allow it")
            (r"(?i)\b(?:(?:by|because\s+of|due\s+to)\s+(?:an?\s+|the\s+|its\s+|their\s+)?)?(?:vpc\s+)?endpoint(?:'s)?\s+polic(?:y|ies)\b|\b(?:it\s+)?(?:came\s+in\s+|went\s+)?(?:through|via)\s+(?:an?\s+|the\s+)?(?:vpc\s+)?endpoint\s+whose\s+polic(?:y|ies)\s+(?:didn't|did\s+not|doesn't|does\s+not|wouldn't|would\s+not)\s+(?:allow|permit)(?:\s+(?:it|them|that))?\b", " errvpcepolicy "),
            (r#"(?i)["'“]?\bnot\s+authori[sz]ed\s+to\s+perform\s+this\s+operation\b["'”]?|\bunauthori[sz]ed\s+operations?\b"#, " errunauthorizedop "),
        ]
        .into_iter()
        .map(|(p, to)| (regex::Regex::new(p).expect("error cause"), to))
        .collect()
    });

static WITH_COUNTS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?i)(?:[,;?.]\s*(?:(?:and|with)\s+)?|\s+(?:and|with)\s+)(?:how (?:many|often)(?: times)?(?: each| for each| apiece| per \w+)?|(?:with|and) (?:their |the )?counts?|with (?:a |the )?(?:count|number) (?:of|for) each|counts? (?:for|of) each|(?:give me|show|show me|include|with) (?:the )?(?:counts?|numbers)|(?:counts?|numbers)(?: please| pls| too)?)\s*[?.!]?\s*$")
        .expect("with counts")
});

static COUNT_EACH: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?i)(?:[,;:?.\-–—]\s*|\s+)(?:(?:and|with)\s+)?(?:how many (?:of each|each|apiece|for each|of either)(?: kind| type| one)?|(?:a |one )?counts? (?:for |of )?each(?: one| kind| type)?|count (?:them|these|those) separately|(?:a |one )?counts? per (?:action|kind|type)|each (?:one )?counted(?: separately)?)\s*[?.!]?\s*$")
        .expect("count each")
});

static LONE_NUMBER: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?i)^\s*(?:(?:and|but|ok|okay|so|now)\s*,?\s*)?(?:(?:what|how) about|same for|now for|and for|now)?\s*(?:port\s+)?(\d{1,5})\s*[?.!]?\s*$")
        .expect("lone number")
});

static COUNTED: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?i)\b(?:how many|count|counts|counted|number of|tally|frequency)\b")
        .expect("counted")
});

static VERSUS: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| regex::Regex::new(r"(?i)\s(?:versus|vs\.?)\s").expect("versus"));

static SHIFT_BACK: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?i)\bthe (?:(year|month|week|day) before|(?:previous|prior|preceding) (year|month|week|day|period)|period before|one before)\b")
        .expect("shift back")
});

static AND_ALSO: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| regex::Regex::new(r"(?i)^\s*(?:and|but|or)\s").expect("and also"));

static LIST_EVENTS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?i)[?.;,]\s*(?:and\s+)?(?:please\s+)?(?:show|list|give|display)(?:\s+me)?\s+(?:the\s+|all\s+(?:the\s+)?|those\s+|these\s+|(?:his|her|their|its)\s+|them\s*$)?(?:(?:api\s+)?(?:events|calls|attempts|requests|records|entries|rows)\b|$)")
        .expect("list events")
});

static ALSO: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"\b(?:as well|also|too|in addition|additionally)\b").expect("also")
});

static REFERS_BACK: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"^\s*(?:(?:and|but|so)\s+)?(?:(?:how many|which|what|who|were|are|any)\s+(?:of\s+)?(?:them|those|these|were|are|was)\b|of (?:them|those|these)\b|(?:list|show|give)(?: me)? (?:them|those|these|the (?:individual |actual |underlying |single )?ones)\b)").expect("refers back")
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
            read_condition(p, table, Filter::new(f, op), &c[0], 2);
            let span = c.get(0).expect("match").range();
            text.replace_range(span, " ");
        }
    }
}

static SIZE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"\b(bigger|larger|greater|more|over|above|exceeding|at least|smaller|less|under|below|at most)(?: than)? (\d+(?:\.\d+)?) ?(kb|mb|gb|tb|kilobytes?|megabytes?|gigabytes?|terabytes?)\b").expect("size")
});

static MADE_PUBLIC: std::sync::LazyLock<[regex::Regex; 2]> = std::sync::LazyLock::new(|| {
    let verb = r"(?:make|made|making|makes|flip|flipped|flipping|set|turn|turned|switch|switched|change|changed|open|opened|expose|exposed|share|shared)";
    let object = r"(?:(?P<name>[a-z0-9]+(?:[-_][a-z0-9]+)+)\s+)?(?P<obj>(?:(?:ebs|ec2|rds|db|database|codebuild|aurora)\s+)*(?:amis?|images?|snapshots?|instances?|projects?|clusters?|databases?))";
    let public = r"(?:to\s+)?(?:the\s+)?(?:public(?:ly)?(?:\s+accessible|\s+readable|\s+visible|\s+available|\s+read)?|world[- ]readable|everyone)(?:\s+to\s+(?:everyone|the world|all|anyone|the internet))?\b";
    [
        regex::Regex::new(&format!(
            r"(?i)\b{verb}\s+(?:(?:an?|the|any|our|some|one|of|their|its)\s+)*{object}\s+{public}"
        ))
        .expect("made public"),
        regex::Regex::new(&format!(
            r"(?i)\b{object}\s+(?:\w+\s+){{0,5}}?{verb}\s+{public}"
        ))
        .expect("made public"),
    ]
});

/// Variants of one action said after it ("secret value retrievals, both
/// single and batch", "SSH keys pushed to instances, either the normal way
/// or through the serial console", "automated backups deleted, for either
/// instances or clusters", "cluster failovers, regional or global"): the
/// action read once with each variant, and all of them when each reads as a
/// complete action of its own. A plain variant ("single", "the normal way")
/// is the action said alone. The words read are taken out of the question.
fn variant_actions(p: &mut Parsed, text: &mut String, context: &[&'static str]) {
    static VARIANTS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?i)^(?P<head>.+?)\s*(?:[,:;—–]|\s-{1,2})\s*(?:(?:for|in)\s+)?(?:(?P<lead>both|either|whether)\s+)?(?P<list>[\w\s,'-]+?)\s*[?.!]*\s*$")
            .expect("variants")
    });
    static SPLIT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?i)\s*,\s*(?:(?:or|and)\s+)?|\s+(?:or|and)\s+").expect("split")
    });
    // Words of a variant that is the action said alone.
    const PLAIN: &[&str] = &[
        "normal",
        "regular",
        "standard",
        "single",
        "singly",
        "individual",
        "individually",
        "ordinary",
        "usual",
        "plain",
        "regional",
        "direct",
        "way",
        "one",
        "at",
        "a",
        "time",
        "the",
        "usual",
        "kind",
        "ones",
        "one-off",
    ];
    // Words that lead into a variant ("through the serial console", "for clusters").
    const LEADS: &[&str] = &[
        "the", "a", "an", "for", "in", "via", "through", "using", "with", "by", "on", "from",
    ];
    let Some(c) = VARIANTS.captures(text) else {
        return;
    };
    let lead = c.name("lead").is_some();
    let mut items: Vec<Vec<String>> = SPLIT
        .split(&c["list"])
        .map(|i| {
            let mut ws = words(i);
            while ws.first().is_some_and(|w| LEADS.contains(&w.as_str())) {
                ws.remove(0);
            }
            ws
        })
        .collect();
    let most = if lead { 4 } else { 3 };
    if items.len() < 2
        || (!lead && items.len() > 2)
        || items.iter().any(|i| i.is_empty() || i.len() > most)
        || items.iter().flatten().any(|w| w.starts_with('@'))
        || (!lead
            && items
                .iter()
                .any(|i| i.iter().all(|w| CATALOGUE.is_service_name(w))))
    {
        return;
    }
    // (the last item's noun is every one-word item's: "instance and cluster
    // snapshots")
    if let Some(noun) = items
        .last()
        .filter(|l| l.len() > 1)
        .and_then(|l| l.last().cloned())
    {
        let n = items.len();
        for item in items[..n - 1].iter_mut().filter(|i| i.len() == 1) {
            if !PLAIN.contains(&item[0].as_str()) {
                item.push(noun.clone());
            }
        }
    }
    let head = words(&c["head"]);
    if head.is_empty() {
        return;
    }
    let mut events = super::actions::EventNames::none();
    let mut used_head: std::collections::HashSet<usize> = Default::default();
    let mut readings: Vec<Vec<String>> = Vec::new();
    let alone = CATALOGUE.find_in(&head, context);
    for item in &items {
        let plain = item.iter().all(|w| PLAIN.contains(&w.as_str()));
        // (the variant before the head's word it shares: "RDS snapshots" with
        // "cluster snapshots" is "RDS cluster snapshots")
        let own: Vec<String> = item
            .iter()
            .filter(|w| !head.iter().any(|h| stem(h) == stem(w)))
            .cloned()
            .collect();
        let at = item
            .iter()
            .find_map(|w| head.iter().position(|h| stem(h) == stem(w)))
            .unwrap_or(head.len());
        let mut read: Vec<String> = head[..at].to_vec();
        let own_at = read.len();
        if !plain {
            read.extend(own.iter().cloned());
        }
        let own_len = read.len() - own_at;
        read.extend(head[at..].iter().cloned());
        let Some(m) = CATALOGUE.find_in(&read, context) else {
            return;
        };
        // (its words read, or a reading of its own, or the word it shares
        // with the action: "RDS instance snapshots")
        let read_own = (own_at..own_at + own_len).any(|i| m.used.contains(&i))
            || alone
                .as_ref()
                .is_some_and(|a| a.events.names != m.events.names)
            || (at < head.len() && m.used.contains(&(own_at + own_len)));
        // (a reading of every word of the action, or of a named service's)
        if !(m.action && (m.complete || m.named_service)) || (!plain && !read_own) {
            return;
        }
        for i in &m.used {
            if *i < own_at {
                used_head.insert(*i);
            } else if *i >= own_at + own_len {
                used_head.insert(*i - own_len);
            }
        }
        if !readings.contains(&m.events.names) {
            readings.push(m.events.names.clone());
        }
        events.merge(m.events);
    }
    if readings.len() < 2 {
        return;
    }
    // (the whole question read them all already)
    let names = &events.names;
    if CATALOGUE.find_in(&words(text), context).is_some_and(|m| {
        m.events.names.len() == names.len() && names.iter().all(|n| m.events.names.contains(n))
    }) {
        return;
    }
    let said = c["list"].to_string();
    read_condition(
        p,
        Table::Cloudtrail,
        Filter::new(Field::EventName, events.op()),
        &said,
        3,
    );
    // (a word read is left as a function word, so that its neighbours do
    // not read as a phrase)
    let rest: Vec<String> = head
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if used_head.contains(&i) {
                "the".to_string()
            } else {
                w.clone()
            }
        })
        .collect();
    *text = rest.join(" ");
}

/// A list of three or more actions said with commas ("were any filters,
/// filter rules, targets or sessions created?", "changes to console login
/// profiles - creations, updates or deletions", "encryption removed, public
/// access block removed, or replication removed"): each item read by the
/// catalogue with the words around the list, and with the verb (or the
/// object) the other items share; all of the actions, when every item reads
/// as a complete action. The words read are taken out of the question.
fn listed_actions(p: &mut Parsed, text: &mut String, context: &[&'static str]) {
    // (clauses: a list sits in one, the rest is its context)
    static CLAUSE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\s*(?:[?!;:—–]|\s-{1,2}\s|\.(?:\s|$))\s*").expect("clause")
    });
    static LAST: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?i)\s+(?:or|and|and/or|as well as)\s+").expect("last item")
    });
    // (variants of one action are `variant_actions`': "RDS snapshots, both
    // instance and cluster snapshots")
    static VARIANT_LEAD: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?i),\s*(?:(?:for|in)\s+)?(?:both|either|whether)\s").expect("lead")
    });
    if VARIANT_LEAD.is_match(text) {
        return;
    }
    let clauses: Vec<(usize, usize)> = {
        let mut out = Vec::new();
        let mut at = 0;
        for m in CLAUSE.find_iter(text) {
            out.push((at, m.start()));
            at = m.end();
        }
        out.push((at, text.len()));
        out
    };
    let Some(&(lo, hi)) = clauses
        .iter()
        .find(|(a, b)| text[*a..*b].matches(',').count() >= 1)
    else {
        return;
    };
    let clause = &text[lo..hi];
    let mut items: Vec<String> = Vec::new();
    let pieces: Vec<&str> = clause.split(',').collect();
    for (k, piece) in pieces.iter().enumerate() {
        let piece = piece.trim();
        if k + 1 == pieces.len() {
            // ("…, or replication removed", "targets or sessions created")
            let piece = piece
                .strip_prefix("or ")
                .or_else(|| piece.strip_prefix("and "))
                .unwrap_or(piece);
            items.extend(LAST.split(piece).map(str::to_string));
        } else {
            items.push(piece.to_string());
        }
    }
    items.retain(|i| !i.trim().is_empty());
    if items.len() < 3 || items.iter().any(|i| i.split_whitespace().count() > 6) {
        return;
    }
    let item_words: Vec<Vec<String>> = items.iter().map(|i| words(i)).collect();
    // (a list of services qualifies one action: "was any snapshot shared
    // out, EBS or RDS?")
    let service_only = |ws: &Vec<String>| {
        ws.iter()
            .filter(|w| !is_stop(w))
            .all(|w| CATALOGUE.is_service_name(w))
    };
    if item_words.iter().any(service_only) {
        return;
    }
    // (a list the vocabulary reads whole is its own: "users created,
    // modified or deleted")
    let known = |w: &String| is_stop(w) || GAZETTEER.knows(&stem(w)) || GAZETTEER.knows(w);
    let outside: Vec<String> = words(&format!("{} {}", &text[..lo], &text[hi..]));
    if item_words.iter().flatten().chain(&outside).all(known) {
        return;
    }
    // ("new VPCs": a creation said as an adjective)
    let verb_at = |ws: &[String]| {
        ws.iter()
            .position(|w| w == "new" || CATALOGUE.is_verb_word(w))
    };
    // Items that are verbs only ("creations, updates or deletions"): the
    // object is the context's, its own verb ("changes to") is theirs.
    let verbs_only = item_words.iter().all(|ws| {
        ws.iter()
            .filter(|w| !is_stop(w))
            .all(|w| CATALOGUE.is_verb_word(w))
    });
    let context_words: Vec<String> = outside
        .iter()
        .filter(|w| !(verbs_only && CATALOGUE.is_verb_word(w)))
        .cloned()
        .collect();
    // The verb shared by items that say none: the nearest later item's (or earlier's).
    let shared_verb = |k: usize| -> Option<String> {
        let later = (k + 1..item_words.len()).chain((0..k).rev());
        later
            .filter_map(|j| verb_at(&item_words[j]).map(|v| item_words[j][v].clone()))
            .next()
    };
    let mut events = super::actions::EventNames::none();
    let mut context_used: std::collections::HashSet<usize> = Default::default();
    // The first item's qualifiers ("traffic mirror" of "how many traffic
    // mirror filters, targets or sessions"), tried first with the others.
    let mut qualifiers: Vec<String> = Vec::new();
    // Words of the items no reading took ("how many"): kept in the question.
    let mut unread: Vec<String> = Vec::new();
    for (k, ws) in item_words.iter().enumerate() {
        let verb = if verb_at(ws).is_none() && !verbs_only {
            shared_verb(k)
        } else {
            None
        };
        let reading = |extra: &[String]| {
            let mut read: Vec<String> = context_words.clone();
            read.extend(extra.iter().cloned());
            let own_at = read.len();
            read.extend(ws.iter().cloned());
            read.extend(verb.iter().cloned());
            let m = CATALOGUE.find_in(&read, context)?;
            // (most of the item's own words are read, and the reading is
            // complete: "default encryption removed" is `DeleteBucketEncryption`)
            let said: Vec<usize> = (own_at..own_at + ws.len())
                .filter(|i| !is_stop(&read[*i]))
                .collect();
            let read_own = said.iter().filter(|i| m.used.contains(i)).count();
            let own = read_own > 0 && read_own * 2 >= said.len();
            (m.action && m.complete && own).then_some((m, read, own_at))
        };
        let Some((m, read, own_at)) = (if k > 0 && !qualifiers.is_empty() {
            reading(&qualifiers)
                .filter(|(m, _, own_at)| {
                    (context_words.len()..*own_at).all(|i| m.used.contains(&i))
                })
                .or_else(|| reading(&[]))
        } else {
            reading(&[])
        }) else {
            return;
        };
        if k == 0 {
            // (read words before the item's last one that are no verb)
            let last = (own_at..own_at + ws.len())
                .rev()
                .find(|i| m.used.contains(i));
            qualifiers = (own_at..own_at + ws.len())
                .filter(|i| m.used.contains(i) && Some(*i) != last)
                .filter(|i| !CATALOGUE.is_verb_word(&read[*i]) && read[*i] != "new")
                .map(|i| read[i].clone())
                .collect();
        }
        unread.extend(
            (own_at..own_at + ws.len())
                .filter(|i| !m.used.contains(i))
                .map(|i| read[i].clone())
                .filter(|w| {
                    !CATALOGUE.is_verb_word(w)
                        && (is_stop(w) || GAZETTEER.knows(&stem(w)) || GAZETTEER.knows(w))
                }),
        );
        context_used.extend(m.used.iter().copied().filter(|i| *i < context_words.len()));
        events.merge(m.events);
    }
    if events.names.len() < 2 {
        return;
    }
    let said = items.join(", ");
    let filter = Filter::new(Field::EventName, events.op());
    read_condition(p, Table::Cloudtrail, filter, &said, 3);
    // The question without the list and the context words it read (and,
    // for verbs-only items, the context's own verb).
    // (a summary before the list that the vocabulary does not know is left
    // aside: "bucket protection weakened anywhere — …")
    let head = words(&text[..lo]).len();
    let summary = |j: usize, w: &str| {
        lo > 0
            && j < head
            && !w.starts_with('@')
            && !is_stop(w)
            && !GAZETTEER.knows(&stem(w))
            && !GAZETTEER.knows(w)
            && !CATALOGUE.is_verb_word(w)
            && !CATALOGUE.is_service_name(w)
    };
    let mut rest: Vec<String> = Vec::new();
    let mut j = 0;
    for (at, w) in outside.iter().enumerate() {
        let is_verb = verbs_only && CATALOGUE.is_verb_word(w);
        if is_verb || summary(at, w) {
            if !is_verb {
                j += 1;
            }
            continue;
        }
        // (a word read is left as a function word, so that its neighbours
        // do not read as a phrase: "was bucket protection" is no "was protection")
        rest.push(if context_used.contains(&j) {
            "the".to_string()
        } else {
            w.clone()
        });
        j += 1;
    }
    rest.extend(unread);
    *text = rest.join(" ");
}

/// Resources made public ("did anyone make an AMI public", "which DB
/// instances were made publicly accessible"): the sharing action and the
/// request value that opens it to everyone.
fn made_public(p: &mut Parsed, text: &mut String) {
    for re in MADE_PUBLIC.iter() {
        let Some(c) = re.captures(text) else {
            continue;
        };
        let obj = c["obj"].to_lowercase();
        let rds = ["rds", "db", "database", "aurora"].iter().any(|w| {
            obj.split_whitespace()
                .any(|x| x == *w || x.starts_with("database"))
        });
        let (events, text_like): (&[&str], &str) = if obj.contains("ami") || obj.contains("image") {
            (&["ModifyImageAttribute"], "%\"group\":\"all\"%")
        } else if obj.contains("snapshot") && rds {
            (
                &[
                    "ModifyDBSnapshotAttribute",
                    "ModifyDBClusterSnapshotAttribute",
                ],
                "%\"all\"%",
            )
        } else if obj.contains("snapshot") {
            (&["ModifySnapshotAttribute"], "%\"group\":\"all\"%")
        } else if obj.contains("project") {
            (&["UpdateProjectVisibility"], "%PUBLIC_READ%")
        } else if obj.contains("cluster") && rds {
            (&["ModifyDBCluster"], "%\"publiclyAccessible\":true%")
        } else if rds || obj.starts_with("database") {
            (&["ModifyDBInstance"], "%\"publiclyAccessible\":true%")
        } else {
            continue;
        };
        let names = super::actions::EventNames {
            names: events.iter().map(|e| e.to_string()).collect(),
            versioned: false,
            sources: Vec::new(),
        };
        let action = Filter::new(Field::EventName, names.op());
        read_condition(p, Table::Cloudtrail, action, &c[0], 3);
        let public = Filter::new(Field::Text, Op::Like(text_like.into()));
        read_condition(p, Table::Cloudtrail, public, "public", 0);
        // ("the customer-database RDS instance": that one)
        if let Some(name) = c.name("name") {
            let named = Filter::new(Field::Text, Op::Like(format!("%{}%", name.as_str())));
            read_condition(p, Table::Cloudtrail, named, name.as_str(), 0);
        }
        let span = c.get(0).expect("match").range();
        text.replace_range(span, " ");
        return;
    }
}

/// A condition read off the question's text ("severity above 7", "bigger
/// than 1 MB"), worth `votes` to its table.
fn read_condition(p: &mut Parsed, table: Table, filter: Filter, words: &str, votes: i32) {
    vote(p, table, votes);
    p.anchor = true;
    p.understood += 1;
    p.conds.push(Cond {
        rules: vec![(table, filter)],
        negate: false,
        words: words.to_string(),
        optional: false,
    });
}

/// Sizes of flows: "flows bigger than 1 MB" (decimal units, as AWS bills).
fn sizes(p: &mut Parsed, text: &mut String) {
    while let Some(c) = SIZE.captures(text) {
        let n: f64 = c[2].parse().unwrap_or(0.0);
        let unit = match &c[3][..1] {
            "k" => 1e3,
            "m" => 1e6,
            "g" => 1e9,
            _ => 1e12,
        };
        let v = Value::Int((n * unit).round() as i64);
        let op = match &c[1] {
            "at least" => Op::Ge(v),
            "smaller" | "less" | "under" | "below" => Op::Lt(v),
            "at most" => Op::Le(v),
            _ => Op::Gt(v),
        };
        read_condition(p, Table::VpcFlow, Filter::new(Field::Bytes, op), &c[0], 2);
        let span = c.get(0).expect("match").range();
        text.replace_range(span, " ");
    }
}

/// A small number written as a word ("which two users"), not "one".
fn number_word(w: &str) -> Option<u64> {
    if w.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    super::time::number(w).filter(|n| *n >= 2).map(u64::from)
}

/// The mark of a resource name's placeholder among the words.
const NAME_MARK: char = '\u{1}';

/// A resource named by its own name at word `i`: written with a dash,
/// underscore or digit, and a bucket's ("on production-backup-bucket", "the
/// acme-logs bucket") or before its kind ("the production-api Lambda
/// function"). `bucket:` or `resource:` and the name.
fn resource_name(ws: &[String], i: usize) -> Option<String> {
    let w = &ws[i];
    // ("bulk-fetch secrets": a verb written with a dash, not a name)
    let verb_compound = w.contains('-')
        && !w.contains(|c: char| c.is_ascii_digit())
        && w.rsplit('-')
            .next()
            .is_some_and(|last| CATALOGUE.is_verb_word(last));
    let named_like = looks_like_name(w)
        && !verb_compound
        && w.contains(|c: char| c == '-' || c == '_' || c.is_ascii_digit())
        && !w.contains('@')
        && !w.chars().all(|c| c.is_ascii_digit() || c == '-')
        && !GAZETTEER.knows(&stem(w));
    let next = ws.get(i + 1).map(String::as_str).unwrap_or("");
    // ("was the bucket called secrets deleted?": any word after it)
    let called_bucket = i > 1
        && matches!(ws[i - 1].as_str(), "named" | "called")
        && matches!(ws[i - 2].as_str(), "bucket" | "buckets")
        && looks_like_name(w);
    if called_bucket {
        return Some(format!("bucket:{w}"));
    }
    if !named_like {
        return None;
    }
    if w.contains("bucket") || matches!(next, "bucket" | "buckets") {
        return Some(format!("bucket:{w}"));
    }
    let kind_at = |j: usize| {
        ws.get(j).is_some_and(|x| {
            matches!(
                stem(x).as_str(),
                "function"
                    | "snapshot"
                    | "cluster"
                    | "secret"
                    | "table"
                    | "queue"
                    | "topic"
                    | "stack"
                    | "trail"
                    | "repository"
                    | "repo"
                    | "project"
                    | "parameter"
                    | "distribution"
                    | "vault"
                    | "domain"
                    | "image"
                    | "file"
                    | "object"
                    | "group"
            )
        })
    };
    // ("the production-api Lambda function", "the production-api Lambda")
    let kind_after = kind_at(i + 1)
        || (CATALOGUE.is_service_name(next) && (kind_at(i + 2) || i + 2 >= ws.len()));
    // ("the secret prod-db-password", "only for the function my-lambda-function")
    // ("a file named HOW_TO_DECRYPT_FILES")
    let kind_before = (i > 0 && kind_at(i - 1))
        || (i > 1 && matches!(ws[i - 1].as_str(), "named" | "called") && kind_at(i - 2));
    // ("Lambda functions deleted, apart from basic-node-task": one of the
    // kind said earlier, left out)
    let excepted = (i > 0 && matches!(ws[i - 1].as_str(), "except" | "excluding" | "besides"))
        || (i > 1
            && matches!(
                (ws[i - 2].as_str(), ws[i - 1].as_str()),
                (
                    "apart" | "other" | "except" | "aside",
                    "from" | "than" | "for"
                )
            ));
    let kind_earlier = excepted && (0..i).any(kind_at);
    (kind_after || kind_before || kind_earlier).then(|| format!("resource:{w}"))
}

/// "now for clusters", "same for bucket ACLs" after "who modified RDS
/// instances?": a question that names only what was acted on, read with the
/// previous action's verb (the verb word itself is not the question's, so
/// it is taken back out of the match).
fn switched_object(
    ws: &[String],
    context: &[&'static str],
    verbs: &[String],
) -> Option<super::actions::ActionMatch> {
    if verbs.is_empty()
        || verbs.len() > 3
        || ws.iter().any(|w| CATALOGUE.is_verb_word(w))
        || !ws.iter().any(|w| object_word(w))
    {
        return None;
    }
    // (what is acted on: "now" and "for" are also nouns of some operation)
    fn object_word(w: &str) -> bool {
        w.len() > 2 && !is_stop(w) && !GAZETTEER.knows(w) && CATALOGUE.is_noun_word(w)
    }
    let mut found: Option<super::actions::ActionMatch> = None;
    for verb in verbs {
        let mut with: Vec<String> = vec![verb.clone()];
        with.extend(ws.iter().cloned());
        let Some(m) = CATALOGUE.find_in(&with, context) else {
            continue;
        };
        let shift =
            |xs: &[usize]| -> Vec<usize> { xs.iter().filter(|i| **i > 0).map(|i| i - 1).collect() };
        // (every object said is read: "delete" + "bucket ACLs" is no `DeleteBucket`)
        let used = shift(&m.used);
        let objects_read = ws
            .iter()
            .enumerate()
            .filter(|(_, w)| object_word(w))
            .all(|(i, _)| used.contains(&i));
        if !(m.action && m.complete && m.used.contains(&0) && objects_read) {
            continue;
        }
        match &mut found {
            None => {
                let mut m = m;
                m.used = shift(&m.used);
                m.place = shift(&m.place);
                found = Some(m);
            }
            Some(f) => {
                for n in m.events.names {
                    if !f.events.names.contains(&n) {
                        f.events.names.push(n);
                    }
                }
                for u in shift(&m.used) {
                    if !f.used.contains(&u) {
                        f.used.push(u);
                    }
                }
                f.used.sort();
            }
        }
    }
    found
}

/// Words asking what a principal did.
static ACTIVITY: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?i)\b(?:did|done|do|does|activity|actions|calls|events)\b")
        .expect("activity")
});

/// A word no phrase took that can only be a principal's name, written as
/// principals are named (a dash, underscore, dot or digit between letters)
/// and saying so ("malicious-iam-user", "the dr.evil session"). A resource's
/// name said with no kind next to it stays a word not understood: matched
/// anywhere in the request, it let through questions no log can answer (so
/// "who deleted aurora-cluster-prod?" asks for its kind: "the
/// aurora-cluster-prod cluster").
fn bare_name(w: &str, next: &str) -> Option<String> {
    let marked = w.contains(['-', '_', '.']) || w.contains(|c: char| c.is_ascii_digit());
    let lettered = w.chars().filter(|c| c.is_ascii_alphabetic()).count() >= 2;
    let shaped = w.len() >= 4
        && looks_like_name(w)
        && !w.contains('@')
        && w.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && w.chars().last().is_some_and(|c| c.is_ascii_alphanumeric());
    let principal = ["user", "role", "admin"]
        .iter()
        .any(|k| w.ends_with(&format!("-{k}")) || w.ends_with(&format!("_{k}")))
        || matches!(next, "session" | "sessions");
    (marked && lettered && shaped && principal).then(|| w.to_string())
}

fn looks_like_name(w: &str) -> bool {
    w.len() >= 2
        && w.chars()
            .all(|c| c.is_alphanumeric() || "-_.@+".contains(c))
}

#[cfg(test)]
mod tests;
