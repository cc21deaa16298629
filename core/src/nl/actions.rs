//! Every AWS API action CloudTrail can record, found from the words an
//! analyst uses for it: "KMS key deletions scheduled" → `ScheduleKeyDeletion`,
//! "who rebooted RDS instances" → `RebootDBInstance`.
//!
//! The catalogue (`aws_catalogue.tsv`, 455 service models and ~20,700
//! operations) is generated from the AWS SDK models that botocore ships
//! (`scripts/gen-aws-catalogue.py`, Apache-2.0, notice in
//! `AWS-CATALOGUE-NOTICE`) and compiled in; it is indexed once, on first use.
//!
//! Matching is a bag of words over the question: an operation's name splits
//! into a verb and nouns (`Reboot` `DB` `Instance`); a question matches it
//! when one of its verbs means the operation's verb (synonyms: "launched" is
//! `Run`/`Start`, "shared" is `Modify…Attribute`) and its nouns cover the
//! operation's nouns. A named service ("RDS", "Route 53") narrows the
//! candidates to that service and lets a partial match count; without one,
//! an operation must be covered completely.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::spec::{Op, Value};

static TABLE: &str = include_str!("aws_catalogue.tsv");

/// One service model of the catalogue.
#[derive(Debug)]
pub struct Service {
    /// CloudTrail `eventsource`.
    pub source: &'static str,
    /// Names for the service, as word keys.
    aliases: Vec<Vec<String>>,
}

/// One API operation.
#[derive(Debug)]
struct Operation {
    name: &'static str,
    /// CloudTrail appends the URL's API version (`…20150331v2`).
    versioned: bool,
    service: usize,
    /// Word keys of the name: verb first.
    words: Vec<String>,
}

/// The indexed catalogue.
pub struct Catalogue {
    services: Vec<Service>,
    ops: Vec<Operation>,
    /// Operations by the key of their verb.
    by_verb: HashMap<String, Vec<usize>>,
    /// Operations by lower-case name.
    by_name: HashMap<String, Vec<usize>>,
    /// Services by the first key of an alias.
    alias_first: HashMap<String, Vec<usize>>,
    /// The first words of operation names, lower case ("archive", "reboot").
    first_words: std::collections::HashSet<String>,
    /// The keys of the words after an operation's first ("volum", "instanc").
    nouns: std::collections::HashSet<String>,
}

/// The catalogue, indexed on first use.
pub static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(Catalogue::build);

/// Splits a CamelCase operation name into lower-case words
/// (`RebootDBInstance` → reboot, db, instance).
pub fn split_name(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, c) in chars.iter().enumerate() {
        let boundary = i > 0
            && ((c.is_uppercase()
                && (chars[i - 1].is_lowercase()
                    || chars[i - 1].is_ascii_digit()
                    || chars.get(i + 1).is_some_and(|n| n.is_lowercase())))
                || (c.is_ascii_digit()
                    && chars[i - 1].is_alphabetic()
                    && cur.len() >= 3
                    && !cur.starts_with(|d: char| d.is_ascii_digit())));
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The matching key of a word: plural and verb endings removed, so that
/// "deletions", "deleted" and "Delete" meet (`delet`).
pub fn key(word: &str) -> String {
    let w = word.to_lowercase();
    if let Some(k) = IRREGULAR.iter().find(|(w2, _)| *w2 == w).map(|(_, k)| k) {
        return k.to_string();
    }
    if w.len() <= 3 {
        return w;
    }
    let mut s = w.clone();
    if let Some(b) = s.strip_suffix("ies") {
        s = format!("{b}y");
    } else {
        for suf in [
            "ations", "ation", "ions", "ion", "ings", "ing", "ed", "es", "s",
        ] {
            if let Some(b) = s.strip_suffix(suf)
                && b.len() >= 3
                && !(suf == "s" && (b.ends_with('s') || b.ends_with('u')))
            {
                s = b.to_string();
                break;
            }
        }
    }
    if let Some(b) = s.strip_suffix('e')
        && b.len() >= 3
    {
        s = b.to_string();
    }
    // "stopped" → "stopp" → "stop"
    let bytes = s.as_bytes();
    if bytes.len() >= 4
        && bytes[bytes.len() - 1] == bytes[bytes.len() - 2]
        && !b"aeiouls".contains(&bytes[bytes.len() - 1])
    {
        s.pop();
    }
    s
}

/// Words whose key the suffix rules get wrong.
const IRREGULAR: &[(&str, &str)] = &[
    ("ran", "run"),
    ("written", "writ"),
    ("rewritten", "rewrit"),
    ("rewrote", "rewrit"),
    ("rewrites", "rewrit"),
    ("rewrite", "rewrit"),
    ("wrote", "writ"),
    ("writes", "writ"),
    ("write", "writ"),
    // "block public access settings": a noun, not the verb "set"
    ("settings", "setting"),
    ("setting", "setting"),
    ("lost", "los"),
    ("took", "tak"),
    ("taken", "tak"),
    ("removal", "remov"),
    ("removals", "remov"),
    ("overwrote", "overwrit"),
    ("spun", "spin"),
    ("rewrote", "writ"),
    ("rewrite", "writ"),
    ("rewritten", "writ"),
    ("overwritten", "overwrit"),
    ("tore", "tear"),
    ("torn", "tear"),
    ("running", "run"),
    ("began", "start"),
    ("sent", "send"),
    ("left", "leav"),
    ("leaving", "leav"),
    ("rds", "rds"),
    ("invocation", "invok"),
    ("overwritten", "overwrit"),
    ("rewritten", "overwrit"),
    ("written", "writ"),
    ("invocations", "invok"),
    ("retrieval", "retriev"),
    ("retrievals", "retriev"),
    ("removal", "remov"),
    // "tokens requested from STS": obtained.
    ("requested", "obtain"),
    // "who checked our sending quota": looked at.
    ("checked", "inspect"),
    ("creation", "creat"),
    ("creations", "creat"),
    ("removals", "remov"),
    ("addition", "add"),
    ("additions", "add"),
    // "role trust policy" is the assume-role policy (both sides are keyed alike).
    ("trust", "assum"),
    ("kms", "kms"),
    ("ssm", "ssm"),
    ("aws", "aws"),
    ("dns", "dns"),
    ("sns", "sns"),
    ("sqs", "sqs"),
    ("ses", "ses"),
    ("access", "access"),
    ("address", "address"),
    ("addresses", "address"),
    ("status", "status"),
    ("alias", "alias"),
    ("aliases", "alias"),
    ("policies", "policy"),
    ("policy", "policy"),
    ("keys", "key"),
    ("buckets", "bucket"),
    ("logging", "log"),
    ("logs", "log"),
    ("data", "data"),
    ("sign-in", "login"),
    ("signin", "login"),
    ("login", "login"),
    ("logins", "login"),
];

/// Question nouns (keys) that operations spell otherwise.
const NOUN_SYNONYMS: &[(&str, &str)] = &[
    ("ami", "imag"),
    ("vpc", "vpc"),
    ("inbound", "ingress"),
    ("bulk", "batch"),
    ("outbound", "egress"),
    // "calling the LLMs in Bedrock": its foundation models
    ("llm", "model"),
    // "made an image of one of our servers": EC2 instances
    ("server", "instanc"),
];

/// Operation nouns (keys) a question may say in other words (keys): network
/// ACL "rules" are entries, snapshot "permissions" its attribute.
const NOUN_ALTS: &[(&str, &str)] = &[
    ("entry", "rul"),
    ("attribut", "permiss"),
    // CloudTrail "recording" is its logging
    ("logg", "record"),
    ("log", "record"),
];

/// Question verbs (keys) and the operation verbs (keys) they stand for, with
/// nouns the question implies ("shared" snapshots are a `ModifySnapshotAttribute`).
const VERB_SYNONYMS: &[(&str, &[&str], &[&str])] = &[
    ("delet", &["delet", "remov", "batchdelet"], &[]),
    ("remov", &["remov", "delet"], &[]),
    ("destroy", &["delet"], &[]),
    ("drop", &["delet"], &[]),
    ("wip", &["delet"], &[]),
    ("purg", &["purg", "delet"], &[]),
    ("creat", &["creat", "add", "regist", "put"], &[]),
    ("new", &["creat"], &[]),
    ("add", &["add", "creat", "attach", "put", "authoriz"], &[]),
    ("spin", &["run", "creat"], &[]),
    ("modify", &["modify", "updat", "put", "chang", "set"], &[]),
    ("modific", &["modify", "updat", "put", "chang", "set"], &[]),
    ("modifi", &["modify", "updat", "put", "chang", "set"], &[]),
    ("chang", &["chang", "modify", "updat", "put", "set"], &[]),
    ("updat", &["updat", "modify", "put", "set", "chang"], &[]),
    ("edit", &["updat", "modify", "put", "chang"], &[]),
    ("mess", &["modify", "updat", "put", "chang"], &[]),
    ("fiddl", &["modify", "updat", "put", "chang"], &[]),
    ("reconfigur", &["updat", "modify", "put"], &[]),
    ("flip", &["updat", "modify", "put", "set"], &[]),
    ("swap", &["updat", "replac", "modify", "put"], &[]),
    ("suspend", &["suspend", "put", "disabl"], &[]),
    ("nuk", &["delet"], &[]),
    ("unhook", &["disassociat", "detach"], &[]),
    ("ask", &["get"], &[]),
    // "who called a Bedrock model" (the noun "calls" is filler)
    ("call", &["invok"], &[]),
    ("tamper", &["modify", "updat", "put", "chang", "delet"], &[]),
    ("alter", &["modify", "updat", "put", "chang"], &[]),
    ("overwrit", &["updat", "put"], &[]),
    ("replac", &["replac", "updat"], &[]),
    ("set", &["set", "put", "updat"], &[]),
    ("put", &["put"], &[]),
    ("shar", &["modify"], &["attribut", "permission"]),
    ("expos", &["modify", "put"], &["attribut", "permission"]),
    ("stop", &["stop"], &[]),
    ("halt", &["stop"], &[]),
    ("shut", &["stop"], &[]),
    ("paus", &["stop", "paus"], &[]),
    ("disabl", &["disabl", "stop"], &[]),
    ("turn", &["disabl", "enabl", "stop", "start"], &[]),
    ("deactivat", &["deactivat", "disabl"], &[]),
    ("start", &["start", "run"], &[]),
    // "turned off" / "switched on" (phrasal verbs, keyed in `find_in`)
    ("turnoff", &["stop", "disabl"], &[]),
    // (when nothing stops or disables it: "model invocation logging turned off")
    ("turnoffdelet", &["delet"], &[]),
    ("turnon", &["start", "enabl"], &[]),
    ("launch", &["run", "start"], &[]),
    ("kick", &["start"], &[]),
    ("open", &["start", "open", "authoriz"], &[]),
    ("run", &["run", "start", "send", "execut", "invok"], &[]),
    ("execut", &["execut", "send", "run", "invok", "start"], &[]),
    ("enabl", &["enabl", "start"], &[]),
    ("activat", &["activat", "enabl"], &[]),
    ("reboot", &["reboot", "restart"], &[]),
    ("restart", &["reboot", "restart"], &[]),
    ("terminat", &["terminat"], &[]),
    ("kill", &["terminat", "stop"], &[]),
    ("schedul", &["schedul"], &[]),
    ("cancel", &["cancel"], &[]),
    ("read", &["get"], &[]),
    ("get", &["get", "batchget"], &[]),
    ("retriev", &["get", "batchget"], &[]),
    ("fetch", &["get"], &[]),
    ("grab", &["get"], &[]),
    ("hand", &["get", "creat", "issu"], &[]),
    ("build", &["creat"], &[]),
    ("writ", &["put", "writ"], &[]),
    ("rewrit", &["updat", "put", "modify"], &[]),
    ("deploy", &["updat", "deploy", "creat", "publish"], &[]),
    ("deployment", &["updat", "deploy", "creat", "publish"], &[]),
    ("hook", &["attach", "associat"], &[]),
    ("strip", &["delet", "remov"], &[]),
    ("los", &["delet", "remov"], &[]),
    ("obtain", &["get", "creat"], &[]),
    ("mint", &["get", "creat"], &[]),
    ("download", &["get", "download"], &[]),
    ("pull", &["get", "batchget", "download"], &[]),
    ("view", &["get", "describ", "list"], &[]),
    ("list", &["list", "describ"], &[]),
    ("enumerat", &["list", "describ"], &[]),
    ("describ", &["describ"], &[]),
    ("invok", &["invok"], &[]),
    ("attach", &["attach", "associat", "put"], &[]),
    ("detach", &["detach", "disassociat"], &[]),
    ("inspect", &["get", "describ", "list"], &[]),
    ("assum", &["assum"], &[]),
    ("send", &["send"], &[]),
    ("authoriz", &["authoriz"], &[]),
    ("allow", &["authoriz"], &[]),
    ("revok", &["revok"], &[]),
    ("leav", &["leav"], &[]),
    ("rotat", &["rotat"], &[]),
    ("restor", &["restor"], &[]),
    ("copy", &["copy"], &[]),
    ("copi", &["copy"], &[]),
    ("export", &["export", "start"], &["export"]),
    ("import", &["import"], &[]),
    ("upload", &["put", "upload"], &[]),
    ("push", &["put", "upload", "send", "updat"], &[]),
    ("lookup", &["describ", "get", "list", "lookup"], &[]),
    // "looked at our alarms", "looked up account details"
    ("look", &["describ", "get", "list"], &[]),
    ("bak", &["creat"], &[]),
    // "snapshots people took" (not "actions taken": see `find_in`)
    ("tak", &["creat"], &[]),
    ("end", &["terminat", "stop"], &[]),
    ("grant", &["add", "attach", "put", "authoriz"], &[]),
    ("writ", &["put", "creat", "updat"], &[]),
    ("encrypt", &["encrypt"], &[]),
    ("decrypt", &["decrypt"], &[]),
    ("publish", &["publish"], &[]),
    ("tag", &["tag"], &[]),
    ("untag", &["untag"], &[]),
    ("associat", &["associat"], &[]),
    ("disassociat", &["disassociat"], &[]),
    ("regist", &["regist", "creat", "enabl"], &[]),
    ("deregist", &["deregist"], &[]),
    ("generat", &["generat"], &[]),
    ("issu", &["get", "creat", "issu"], &[]),
    ("subscrib", &["subscrib"], &[]),
    ("unsubscrib", &["unsubscrib"], &[]),
    ("accept", &["accept"], &[]),
    ("reject", &["reject"], &[]),
    ("approv", &["approv"], &[]),
    ("reset", &["reset", "updat"], &[]),
    ("resiz", &["modify"], &[]),
    ("connect", &["connect"], &[]),
    ("sign", &["sign"], &[]),
    ("verify", &["verify"], &[]),
    ("lock", &["lock"], &[]),
    ("unlock", &["unlock"], &[]),
    ("snapshot", &["creat"], &["snapshot"]),
    ("backup", &["creat", "start"], &["backup"]),
];

/// Service names that are everyday words in a question ("events", "logs"):
/// not taken as naming the service (EventBridge, CloudWatch Logs).
const COMMON_WORDS: &[&str] = &[
    "events",
    "logs",
    "log",
    "email",
    "compute",
    "support",
    "health",
    "account",
    "identity",
    "storage",
    "network",
    "pricing",
    "data",
    "connect",
    "directory",
    "discovery",
    "batch",
    "transfer",
    "signer",
    "budgets",
    "tag",
    "resource groups",
    "savings",
    "notifications",
    "outposts",
    "inspector",
    "detective",
    "finspace",
    "chime",
    "snowball",
    "textract",
    "billing",
    "invoicing",
    "account management",
    "location",
    "scheduler",
    "pipes",
    "keyspaces",
    "search",
    "connect cases",
    "evidently",
    "artifact",
    "mq",
    "importexport",
    "iot",
];

/// Words that begin operation names but, in a question, ask for the shape
/// of the answer ("count", "top") or are nouns ("access", "tag").
const NOT_VERBS: &[&str] = &[
    "count", "show", "top", "group", "filter", "search", "test", "check", "select", "query",
    "access", "tag", "batch", "admin", "user", "role", "key", "data", "event", "log", "ip",
    "network", "instanc", "bucket", "secret", "polic", "policy", "error", "failur", "fail",
];

/// Operation verbs (keys) that read, or that a question starts with to ask
/// ("show", "list", "count", "search", "top").
const READ_VERBS: &[&str] = &[
    "show",
    "list",
    "get",
    "describe",
    "search",
    "count",
    "lookup",
    "view",
    "check",
    "query",
    "select",
    "filter",
    "group",
    "preview",
    "estimate",
    "evaluate",
    "compare",
    "analyze",
    "detect",
    "test",
    "validate",
    "verify",
    "simulate",
    "scan",
    "batch",
    "admin",
    "is",
    "contains",
    "head",
    "sample",
    "split",
    "predict",
    "forecast",
    "calculate",
    "classify",
    "discover",
    "infer",
    "recognize",
    "transcribe",
    "translate",
    "converse",
    "chat",
    "poll",
    "probe",
    "introspect",
    "autocomplete",
    "suggest",
    "global",
    "external",
    "domain",
    "console",
    "password",
    "user",
    "credential",
    "insight",
    "phone",
    "carrier",
    "channel",
    "label",
    "index",
    "record",
    "report",
    "request",
    "meter",
    "monitor",
    "download",
    "retrieve",
    "find",
    "explain",
    "sign",
    "failed",
    "end",
    "begin",
    "open",
    "close",
    "snap",
    "take",
    "build",
];

/// Words before an operation's verb (`BatchGetSecretValue`, `AdminCreateUser`).
const PREFIXES: &[&str] = &["batch", "admin"];

/// Operation words that need no mention ("Reboot DB Instance" in RDS, "… Sets").
const OPTIONAL: &[&str] = &[
    "db", "set", "with", "for", "from", "to", "by", "in", "of", "on", "and", "v2", "batch", "all",
    "my",
];

/// Filler words that are also operation nouns (`StartActivityStream`):
/// they count as said, without being taken from the question.
const ACTIVITY: &[&str] = &["activity", "action", "request"];

/// Operation nouns a question may leave out (`DeleteModelInvocationLoggingConfiguration`,
/// `DownloadDBLogFilePortion`), but that count in full when said.
const UNSAID: &[&str] = &["configur", "port"];

/// Whether `word` (keyed) of operation `name` may go unsaid (`port` only as
/// in `…Portion`).
fn unsaid(word: &str, name: &str) -> bool {
    UNSAID.contains(&word) && (word != "port" || name.contains("Portion"))
}

/// Question words that are not about the action ("who", "show", "any").
const IGNORED: &[&str] = &[
    "who", "what", "which", "when", "where", "show", "me", "any", "all", "the", "a", "an", "were",
    "was", "is", "are", "did", "do", "does", "has", "have", "been", "by", "of", "in", "on", "for",
    "to", "from", "and", "or", "someone", "anyone", "somebody", "anybody", "events", "call",
    "calls", "api", "activity", "action", "actions", "request",
];

impl Catalogue {
    fn build() -> Self {
        let mut services = Vec::new();
        let mut first_words = std::collections::HashSet::new();
        let mut ops = Vec::new();
        for line in TABLE
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let mut cols = line.split('\t');
            let (Some(source), Some(aliases), Some(names)) =
                (cols.next(), cols.next(), cols.next())
            else {
                continue;
            };
            let service = services.len();
            services.push(Service {
                source,
                aliases: aliases
                    .split('|')
                    .filter(|a| !COMMON_WORDS.contains(a))
                    .map(|a| super::tokens::words(a).iter().map(|w| key(w)).collect())
                    .collect(),
            });
            for n in names.split(' ') {
                let (name, versioned) = match n.strip_suffix('@') {
                    Some(b) => (b, true),
                    None => (n, false),
                };
                let split = split_name(name);
                if let Some(first) = split.first()
                    && !first_words.contains(first)
                {
                    first_words.insert(first.clone());
                }
                let words = split.iter().map(|w| key(w)).collect();
                ops.push(Operation {
                    name,
                    versioned,
                    service,
                    words,
                });
            }
        }
        let nouns = ops
            .iter()
            .flat_map(|o| o.words.iter().skip(1).cloned())
            .collect();
        let mut by_verb: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, o) in ops.iter().enumerate() {
            if let Some(v) = o.words.first() {
                by_verb.entry(v.clone()).or_default().push(i);
            }
            // "BatchGetSecretValue", "AdminCreateUser": also found by their second word.
            if o.words
                .first()
                .is_some_and(|v| PREFIXES.contains(&v.as_str()))
                && let Some(v) = o.words.get(1)
            {
                by_verb.entry(v.clone()).or_default().push(i);
            }
            by_name.entry(o.name.to_lowercase()).or_default().push(i);
        }
        let mut alias_first: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, s) in services.iter().enumerate() {
            for a in &s.aliases {
                if let Some(f) = a.first() {
                    let list = alias_first.entry(f.clone()).or_default();
                    if !list.contains(&i) {
                        list.push(i);
                    }
                }
            }
        }
        Self {
            first_words,
            nouns,
            services,
            ops,
            by_verb,
            by_name,
            alias_first,
        }
    }

    /// Whether `word` begins the names of operations that change something
    /// ("archive", "failover", "reboot"): a question that starts with one is
    /// a request to act, not a question ("archive all the findings").
    pub fn is_change_verb(&self, word: &str) -> bool {
        let w = word.to_lowercase();
        self.first_words.contains(&w) && !READ_VERBS.contains(&w.as_str())
    }

    /// Whether `word` (lower case) is a one-word name of a service ("dynamodb").
    pub fn is_service_name(&self, word: &str) -> bool {
        let k = key(word);
        self.alias_first.get(&k).is_some_and(|ss| {
            ss.iter().any(|s| {
                self.services[*s]
                    .aliases
                    .iter()
                    .any(|a| a.len() == 1 && a[0] == k)
            })
        })
    }

    /// The catalogue's spelling of an event source, if it knows it.
    pub fn source(&self, source: &str) -> Option<&'static str> {
        self.services
            .iter()
            .map(|s| s.source)
            .find(|s| *s == source)
    }

    /// Whether `word` is a verb the catalogue reads as an action ("deleted").
    pub fn is_verb_word(&self, word: &str) -> bool {
        let k = key(word);
        VERB_SYNONYMS.iter().any(|(q, _, _)| *q == k)
    }

    /// Whether `word` is a noun of some operation's name ("clusters",
    /// "acls"): a thing acted on, not a principal's or resource's name.
    pub fn is_noun_word(&self, word: &str) -> bool {
        word.chars().all(|c| c.is_ascii_alphabetic()) && self.nouns.contains(&key(word))
    }

    /// Number of (service models, operations).
    pub fn size(&self) -> (usize, usize) {
        (self.services.len(), self.ops.len())
    }

    /// The canonical name of an operation written in any case
    /// (`"schedulekeydeletion"` → `ScheduleKeyDeletion`), also in CloudTrail's
    /// versioned form (`updatefunctioncode20150331v2`).
    pub fn operation(&self, word: &str) -> Option<EventNames> {
        let lower = word.to_lowercase();
        if let Some(ids) = self.by_name.get(&lower) {
            return Some(self.names(ids));
        }
        // `…20150331v2`: the version is part of the recorded name; keep it as written.
        let base = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c == 'v' || c == '_');
        let ids = self.by_name.get(base)?;
        let op = &self.ops[*ids.iter().find(|i| self.ops[**i].versioned)?];
        let suffix = &word[base.len()..];
        Some(EventNames {
            names: vec![format!("{}{suffix}", op.name)],
            versioned: false,
            sources: vec![self.services[op.service].source],
        })
    }

    fn names(&self, ids: &[usize]) -> EventNames {
        let mut names: Vec<String> = Vec::new();
        let mut sources: Vec<&'static str> = Vec::new();
        let mut versioned = false;
        for i in ids {
            let o = &self.ops[*i];
            if !names.iter().any(|n| n == o.name) {
                names.push(o.name.to_string());
            }
            let s = self.services[o.service].source;
            if !sources.contains(&s) {
                sources.push(s);
            }
            versioned |= o.versioned;
        }
        EventNames {
            names,
            versioned,
            sources,
        }
    }

    /// Services named in `keys` (word keys): (service ids, word positions used).
    fn services_named(&self, keys: &[String], filler: &[bool]) -> (Vec<usize>, Vec<usize>) {
        let mut found = Vec::new();
        let mut used = Vec::new();
        let mut i = 0;
        while i < keys.len() {
            let mut best: Option<(usize, Vec<usize>)> = None;
            if filler[i] {
                i += 1;
                continue;
            }
            for s in self.alias_first.get(&keys[i]).into_iter().flatten() {
                for a in &self.services[*s].aliases {
                    let n = a.len();
                    if i + n <= keys.len() && keys[i..i + n] == a[..] {
                        match &mut best {
                            Some((bn, ss)) if *bn == n => {
                                if !ss.contains(s) {
                                    ss.push(*s)
                                }
                            }
                            Some((bn, _)) if *bn > n => {}
                            _ => best = Some((n, vec![*s])),
                        }
                    }
                }
            }
            match best {
                Some((n, ss)) => {
                    found.extend(ss);
                    used.extend(i..i + n);
                    i += n;
                }
                None => i += 1,
            }
        }
        (found, used)
    }

    /// The API actions `words` (a question's words, lower case) describe.
    pub fn find(&self, words: &[String]) -> Option<ActionMatch> {
        self.find_in(words, &[])
    }

    /// As [`Catalogue::find`], in a conversation about the services with
    /// event sources `context` ("Lambda function code updates" … "now
    /// configuration updates"): a question that names no service is first
    /// read as about them.
    pub fn find_in(&self, words: &[String], context: &[&str]) -> Option<ActionMatch> {
        let whole = self.find_single(words, context);
        match self.coordinated(words, context, whole.as_ref()) {
            Some(both) => Some(both),
            None => whole,
        }
    }

    /// Objects said as a list around "or"/"and" ("buckets that lost their
    /// default encryption or their public access block", "instance
    /// snapshots or cluster snapshots that were deleted"): each object read
    /// with the rest of the question, and both actions kept when each reads
    /// completely on its own and the whole question did not read both.
    fn coordinated(
        &self,
        words: &[String],
        context: &[&str],
        whole: Option<&ActionMatch>,
    ) -> Option<ActionMatch> {
        // Words that end an object's phrase: function words and verbs.
        const BOUNDARY: &[&str] = &[
            "that", "which", "who", "were", "was", "is", "are", "been", "being", "be", "in", "on",
            "at", "by", "from", "to", "for", "of", "with", "did", "does", "do", "has", "have",
            "had", "anyone", "someone", "anybody", "somebody", "show", "list", "me", "all", "ever",
            "get", "got", "or", "and", "nor", "either", "both", "outright", "how", "many", "times",
            "any", "every", "each", "our", "the", "their", "its", "a", "an", "some", "one", "ones",
            "them", "it", "they", "via", "through", "using", "into", "onto", "out", "off", "up",
            "down", "about", "as", "than", "other", "not", "without", "except", "outside",
            "inside", "within", "across", "over", "under", "after", "before", "since", "during",
            "between", "if", "when", "where", "what", "there",
        ];
        const DETERMINERS: &[&str] = &["the", "their", "its", "a", "an", "our", "some", "any"];
        let function = |w: &str| BOUNDARY.contains(&w) || (w.len() > 4 && w.ends_with("ed"));
        // A verb of the analyst's ends a phrase; not its noun ("encryption",
        // "deletions", "snapshots" name objects), nor a verb's form inside a
        // name ("Instance Connect").
        let ends = |i: usize| {
            let w = words[i].as_str();
            function(w)
                || (VERB_SYNONYMS.iter().any(|(q, _, _)| *q == key(w))
                    && !["ion", "ions", "al", "als"].iter().any(|x| w.ends_with(x))
                    && (!w.ends_with('s') || w.ends_with("ss"))
                    && (i == 0 || function(&words[i - 1])))
        };
        let n = words.len();
        for c in 1..n.saturating_sub(1) {
            if !matches!(words[c].as_str(), "or" | "and" | "nor") {
                continue;
            }
            let mut lo = c;
            while lo > 0 && !ends(lo - 1) {
                lo -= 1;
            }
            // A service named first qualifies both ("RDS instance snapshots
            // or cluster snapshots").
            while lo < c && self.is_service_name(&words[lo]) {
                lo += 1;
            }
            let mut r0 = c + 1;
            while r0 < n && DETERMINERS.contains(&words[r0].as_str()) {
                r0 += 1;
            }
            let mut hi = r0;
            while hi < n && !ends(hi) {
                hi += 1;
            }
            if lo == c || hi == r0 {
                continue;
            }
            let left: Vec<String> = words[..c].iter().chain(&words[hi..]).cloned().collect();
            let right: Vec<String> = words[..lo].iter().chain(&words[r0..]).cloned().collect();
            let (Some(a), Some(b)) = (self.find_in(&left, context), self.find_in(&right, context))
            else {
                continue;
            };
            // (a reading of every word of the action, or of a named
            // service's action: "SSH keys via Instance Connect")
            let named = a.named_service || b.named_service;
            let reads_well = |m: &ActionMatch| m.action && (m.complete || named);
            if !(reads_well(&a) && reads_well(&b)) || a.events.names == b.events.names {
                continue;
            }
            // Positions in the question of each reading's words.
            let a_used: Vec<usize> = a
                .used
                .iter()
                .map(|&i| if i < c { i } else { hi + (i - c) })
                .collect();
            let b_used: Vec<usize> = b
                .used
                .iter()
                .map(|&i| if i < lo { i } else { r0 + (i - lo) })
                .collect();
            let reads = |used: &[usize], from: usize, to: usize| {
                used.iter().any(|i| (from..to).contains(i))
            };
            if !reads(&a_used, lo, c) || !reads(&b_used, r0, hi) {
                continue;
            }
            // (the whole question read both already)
            let has_all = |w: &ActionMatch| {
                a.events
                    .names
                    .iter()
                    .chain(&b.events.names)
                    .all(|x| w.events.names.contains(x))
            };
            if whole.is_some_and(has_all) {
                return None;
            }
            let mut names = a.events.names.clone();
            for x in &b.events.names {
                if !names.contains(x) {
                    names.push(x.clone());
                }
            }
            let mut sources = a.events.sources.clone();
            for x in &b.events.sources {
                if !sources.contains(x) {
                    sources.push(x);
                }
            }
            let mut used: Vec<usize> = a_used.into_iter().chain(b_used).chain(lo..hi).collect();
            used.sort();
            used.dedup();
            return Some(ActionMatch {
                events: EventNames {
                    names,
                    versioned: a.events.versioned || b.events.versioned,
                    sources,
                },
                used,
                named_service: a.named_service || b.named_service,
                action: true,
                complete: true,
                literal: false,
                one_per_verb: false,
                listed: true,
                excluded: a.excluded || b.excluded,
                in_context: a.in_context && b.in_context,
                place: Vec::new(),
            });
        }
        None
    }

    /// The actions of a question read as one phrase.
    fn find_single(&self, words: &[String], context: &[&str]) -> Option<ActionMatch> {
        let mut keys: Vec<String> = words.iter().map(|w| key(w)).collect();
        let mut filler: Vec<bool> = words
            .iter()
            .map(|w| IGNORED.contains(&w.as_str()))
            .collect();
        // "uploaded a file to S3": a bucket's files are its objects.
        if words
            .iter()
            .any(|w| matches!(w.as_str(), "s3" | "bucket" | "buckets"))
        {
            let (file, object) = (key("file"), key("object"));
            for k in keys.iter_mut().filter(|k| **k == file) {
                k.clone_from(&object);
            }
        }
        // "user agents getting errors": the caller's software, not a Bedrock
        // agent ("dry runs": a permission check, not a launch).
        for i in 0..keys.len().saturating_sub(1) {
            if (words[i] == "user" && matches!(words[i + 1].as_str(), "agent" | "agents"))
                || (words[i] == "dry" && matches!(words[i + 1].as_str(), "run" | "runs"))
            {
                filler[i] = true;
                filler[i + 1] = true;
            }
        }
        // "took a snapshot" creates it; "actions taken" are just done.
        let taken_object = keys
            .iter()
            .any(|k| matches!(k.as_str(), "snapshot" | "backup" | "imag" | "ami"));
        for i in 0..keys.len() {
            if keys[i] == "tak" && !taken_object {
                filler[i] = true;
            }
        }
        // "an image from a running instance": an adjective after an article.
        for i in 1..keys.len() {
            if words[i].ends_with("ing")
                && matches!(
                    words[i - 1].as_str(),
                    "a" | "an" | "the" | "our" | "their" | "its" | "any" | "some"
                )
                && VERB_SYNONYMS.iter().any(|(q, _, _)| *q == keys[i])
                && i + 1 < keys.len()
            {
                filler[i] = true;
            }
        }
        // "pushed new code", "created new keys": an adjective after a verb.
        for i in 1..keys.len() {
            if words[i] == "new" && VERB_SYNONYMS.iter().any(|(q, _, _)| *q == keys[i - 1]) {
                filler[i] = true;
            }
        }
        // "did anybody call a Bedrock model": the verb, not the filler noun.
        for i in 0..keys.len().saturating_sub(1) {
            if matches!(words[i].as_str(), "call" | "called" | "calling")
                && matches!(words[i + 1].as_str(), "a" | "an" | "the" | "any" | "our")
            {
                keys[i] = "call".into();
                filler[i] = false;
            }
        }
        // "did someone request session tokens": the verb, not the filler noun.
        for i in 1..keys.len() {
            if words[i] == "request"
                && matches!(
                    words[i - 1].as_str(),
                    "someone" | "anyone" | "somebody" | "anybody" | "who" | "to" | "we"
                )
            {
                keys[i] = "obtain".into();
                filler[i] = false;
            }
        }
        // Phrasal verbs: "turned off", "switch on", "shut off", "tear down".
        let mut particles = Vec::new();
        for i in 0..keys.len().saturating_sub(1) {
            if matches!(keys[i].as_str(), "turn" | "switch" | "shut")
                && matches!(words[i + 1].as_str(), "off" | "on")
            {
                keys[i] = format!("turn{}", words[i + 1]);
                filler[i + 1] = true;
                particles.push(i);
            } else if matches!(keys[i].as_str(), "tear" | "take")
                && matches!(words[i + 1].as_str(), "down")
            {
                keys[i] = "delet".into();
                filler[i + 1] = true;
                particles.push(i);
            } else if matches!(keys[i].as_str(), "stand" | "set")
                && matches!(words[i + 1].as_str(), "up")
            {
                // "stood up a domain", "set up a mirror session"
                keys[i] = "creat".into();
                filler[i + 1] = true;
                particles.push(i);
            } else if matches!(keys[i].as_str(), "walk" | "walked" | "break" | "broke")
                && matches!(words[i + 1].as_str(), "out" | "away")
            {
                keys[i] = "leav".into();
                filler[i + 1] = true;
                particles.push(i);
            }
        }
        // "could get on an instance", "get into the console": not a read.
        for i in 0..keys.len().saturating_sub(1) {
            if keys[i] == "get"
                && matches!(
                    words[i + 1].as_str(),
                    "on" | "onto" | "into" | "in" | "at" | "through" | "back" | "around"
                )
            {
                filler[i] = true;
            }
        }
        // The particle goes with its verb.
        let with_particles = |mut m: ActionMatch| {
            for i in &particles {
                if m.used.contains(i) {
                    m.used.push(i + 1);
                }
            }
            m
        };
        let (markers, negated) = negated_words(words);
        let mut found = self
            .find_keyed(words, keys.clone(), filler.clone(), context)
            .map(with_particles);
        // Nothing to stop or disable: what is turned off is deleted (also
        // when deleting reads more of the question: "replication turned off
        // on a bucket" is DeleteBucketReplication, not DMS's StopReplication).
        let off = keys.iter().position(|k| k == "turnoff");
        if off.is_some() {
            let deleting: Vec<String> = keys
                .iter()
                .map(|k| {
                    if k == "turnoff" {
                        "turnoffdelet".into()
                    } else {
                        k.clone()
                    }
                })
                .collect();
            if let Some(m) = self
                .find_keyed(words, deleting, filler.clone(), context)
                .map(with_particles)
                && m.action
                && m.complete
                && found.as_ref().is_none_or(|f| m.used.len() > f.used.len())
            {
                found = Some(m);
            }
        }
        if negated.is_empty() {
            return found;
        }
        // "SSH key pushes, not counting the serial console ones": the
        // actions the negated words name are left out.
        let neg_keys: Vec<String> = negated.iter().map(|i| keys[*i].clone()).collect();
        let names_negated = |n: &str| split_name(n).iter().any(|w| neg_keys.contains(&key(w)));
        let exclude = |mut m: ActionMatch| {
            m.events.names.retain(|n| !names_negated(n));
            m.excluded = true;
            m.used.extend(markers.iter().chain(negated.iter()).copied());
            m.used.sort();
            m.used.dedup();
            m
        };
        match found {
            Some(m)
                if m.events.names.iter().any(|n| names_negated(n))
                    && m.events.names.iter().any(|n| !names_negated(n)) =>
            {
                Some(exclude(m))
            }
            Some(m) if m.events.names.iter().any(|n| names_negated(n)) => {
                // Only negated actions: read the question without them.
                let mut without = filler;
                for i in &negated {
                    without[*i] = true;
                }
                match self
                    .find_keyed(words, keys, without, context)
                    .map(with_particles)
                {
                    Some(w) if w.action && w.events.names.iter().any(|n| !names_negated(n)) => {
                        Some(exclude(w))
                    }
                    _ => Some(m),
                }
            }
            other => other,
        }
    }

    fn find_keyed(
        &self,
        words: &[String],
        keys: Vec<String>,
        filler: Vec<bool>,
        context: &[&str],
    ) -> Option<ActionMatch> {
        let (named, mut service_words) = self.services_named(&keys, &filler);
        // Service words that are also an operation's noun: an AMI names EC2
        // and is an image (`CreateImage`, `ModifyImageAttribute`).
        let keys: Vec<String> = keys
            .into_iter()
            .enumerate()
            .map(|(i, k)| match NOUN_SYNONYMS.iter().find(|(w, _)| *w == k) {
                Some((_, noun)) => {
                    service_words.retain(|j| *j != i);
                    noun.to_string()
                }
                None => k,
            })
            .collect();
        if named.is_empty() && !context.is_empty() {
            let implied: Vec<usize> = (0..self.services.len())
                .filter(|s| context.contains(&self.services[*s].source))
                .collect();
            if let Some(m) = self.matching(words, &keys, &filler, implied, Vec::new())
                && m.action
            {
                return Some(ActionMatch {
                    named_service: false,
                    in_context: true,
                    ..m
                });
            }
        }
        let with_service = self.matching(words, &keys, &filler, named.clone(), service_words);
        // A service's name that is also the action's noun ("delete DB instance
        // automated backup" names AWS Backup): the whole action, if it is one.
        if !named.is_empty() && with_service.as_ref().is_none_or(|m| !m.complete) {
            let unnamed = self.matching(words, &keys, &filler, Vec::new(), Vec::new());
            if let Some(u) = unnamed
                && u.action
                && u.complete
                && u.used.len() > with_service.as_ref().map_or(0, |m| m.used.len())
            {
                return Some(u);
            }
        }
        with_service
    }

    fn matching(
        &self,
        words: &[String],
        keys: &[String],
        filler: &[bool],
        named: Vec<usize>,
        service_words: Vec<usize>,
    ) -> Option<ActionMatch> {
        let present: std::collections::HashSet<&str> = keys
            .iter()
            .zip(filler.iter())
            .filter(|(_, f)| !**f)
            .map(|(k, _)| k.as_str())
            .collect();
        let named_sources: Vec<&str> = named.iter().map(|s| self.services[*s].source).collect();
        // Verbs of the question, each with the operation verbs it stands for.
        // (coverage of the operation's words, operation, question words used, same verb)
        let mut best: Vec<(f32, usize, Vec<usize>, bool, usize)> = Vec::new();
        for (vi, k) in keys.iter().enumerate() {
            if service_words.contains(&vi) || filler[vi] {
                continue;
            }
            // "RDS snapshot sharing", "backups deleted": the noun, not the verb.
            if matches!(
                words[vi].to_lowercase().as_str(),
                "snapshot" | "snapshots" | "backup" | "backups"
            ) && keys
                .iter()
                .enumerate()
                .any(|(j, w)| j != vi && VERB_SYNONYMS.iter().any(|(q, _, _)| q == w))
            {
                continue;
            }
            // A verb with synonyms, else an operation verb as written ("failover", "lookup").
            let own: [&str; 1] = [k.as_str()];
            let (op_verbs, implied): (&[&str], &[&str]) =
                match VERB_SYNONYMS.iter().find(|(q, _, _)| q == k) {
                    Some((_, v, i)) => (v, i),
                    None if self.by_verb.contains_key(k.as_str())
                        && !NOT_VERBS.contains(&k.as_str()) =>
                    {
                        (&own, &[])
                    }
                    None => continue,
                };
            // "list all IAM users", "get me …": the request, not the action asked about.
            let lead = keys[..vi]
                .iter()
                .all(|w| matches!(w.as_str(), "please" | "can" | "could" | "you" | "just"));
            if lead
                && matches!(
                    k.as_str(),
                    "list" | "view" | "get" | "fetch" | "pull" | "describ"
                )
            {
                continue;
            }
            // Nouns after the next verb are that verb's ("create routes or
            // attach internet gateways").
            // (Only when this verb has a word of its own before the next:
            // "start and stop requests", "created new access keys" share theirs.)
            let is_verb = |j: usize| {
                !filler[j]
                    && !service_words.contains(&j)
                    && VERB_SYNONYMS.iter().any(|(q, _, _)| *q == keys[j])
            };
            let scope_end = (vi + 1..keys.len())
                .find(|j| {
                    is_verb(*j)
                        && matches!(words[*j - 1].as_str(), "or" | "and" | "then" | "plus")
                        && (vi + 1..*j).any(|b| !filler[b] && !is_verb(b))
                })
                .unwrap_or(keys.len());
            let mut scored: Vec<(f32, usize, Vec<usize>, bool)> = Vec::new();
            for v in op_verbs {
                for oi in self.by_verb.get(*v).into_iter().flatten() {
                    let o = &self.ops[*oi];
                    let in_named = named_sources.contains(&self.services[o.service].source);
                    if !named.is_empty() && !in_named {
                        continue;
                    }
                    let prefixed = PREFIXES.contains(&o.words[0].as_str()) && o.words.len() > 1;
                    if !implied.is_empty() && !o.words.iter().any(|w| implied.contains(&w.as_str()))
                    {
                        // "shared" is only a change of who may use it.
                        continue;
                    }
                    // Most candidates share no word with the question: skip them cheaply.
                    let skip = 1 + usize::from(prefixed);
                    if implied.is_empty()
                        && o.words.len() > skip
                        && !o.words[skip..].iter().any(|w| present.contains(w.as_str()))
                    {
                        continue;
                    }
                    let nouns = o.words.iter().skip(skip);
                    let mut total = 0.0f32;
                    let mut covered = 0.0f32;
                    let mut used: Vec<usize> = vec![vi];
                    // "batch get secret value": the prefix said too.
                    if prefixed
                        && let Some(j) =
                            (0..keys.len()).position(|j| !filler[j] && keys[j] == o.words[0])
                    {
                        used.push(j);
                    }
                    let mut essential_missing = false;
                    let mut essential_covered = false;
                    // Where the operation's last essential noun (its head) was said.
                    let mut head_at: Option<usize> = None;
                    for nw in nouns {
                        let at = keys.iter().enumerate().position(|(j, k)| {
                            j != vi
                                && j < scope_end
                                // (not the request: "list every secret read …")
                                && !(j == 0 && matches!(words[0].as_str(), "list" | "show"))
                                && !filler[j]
                                && (k == nw || NOUN_ALTS.contains(&(nw.as_str(), k.as_str())))
                        });
                        // "Configuration", "Portion": needless when unsaid, a
                        // content word when said ("configuration updates").
                        // ("SSH key" is an SSH public key.)
                        let optional = OPTIONAL.contains(&nw.as_str())
                            || (unsaid(nw, o.name) && at.is_none())
                            || (nw == "public"
                                && at.is_none()
                                && o.words.iter().any(|w| w == "ssh"));
                        let weight = if optional { 0.25 } else { 1.0 };
                        total += weight;
                        // "DB" goes without saying in RDS.
                        let db_in_rds = nw == "db" && named_sources.contains(&"rds.amazonaws.com");
                        // ("Portion" unsaid is needless: the action is complete without it.)
                        let needless = at.is_none() && unsaid(nw, o.name);
                        if (at.is_none() && db_in_rds) || needless {
                            covered += weight;
                        } else if let Some(j) = at {
                            covered += weight;
                            essential_covered |= !optional;
                            if !optional {
                                head_at = Some(j);
                            }
                            if !used.contains(&j) {
                                used.push(j);
                            }
                        } else if (optional || ACTIVITY.contains(&nw.as_str()))
                            && keys[..scope_end]
                                .iter()
                                .enumerate()
                                .any(|(j, k)| j != vi && k == nw)
                        {
                            // "add user to group": a little word said, if not counted.
                            covered += weight;
                        } else if implied.contains(&nw.as_str()) {
                            covered += weight;
                        } else if !optional {
                            essential_missing = true;
                        }
                    }
                    // "routes added to route tables": what follows the verb's
                    // "to" is where the object went, not the object
                    // (unless the operation says so: `AddUserToGroup`).
                    let preposition = head_at.and_then(|h| {
                        (vi + 1..h).find(|p| {
                            matches!(words[*p].as_str(), "to" | "into" | "onto")
                                && moved_to(words, vi, *p)
                        })
                    });
                    if preposition.is_some()
                        && !o.words.iter().any(|w| {
                            matches!(w.as_str(), "to" | "from" | "with" | "into" | "for" | "on")
                        })
                    {
                        continue;
                    }
                    let has_essential = o
                        .words
                        .iter()
                        .skip(1 + usize::from(prefixed))
                        .any(|w| !OPTIONAL.contains(&w.as_str()) && !unsaid(w, o.name));
                    if has_essential && !essential_covered && implied.is_empty() {
                        continue;
                    }
                    // Without a named service the operation must be fully described,
                    // and a bare verb ("Invoke", "Sign") needs its service named.
                    if named.is_empty() && (essential_missing || !has_essential) {
                        continue;
                    }
                    let verb = if prefixed { &o.words[1] } else { &o.words[0] };
                    let exact = if verb == k { 0.05 } else { 0.0 };
                    let score = if total == 0.0 { 1.0 } else { covered / total };
                    scored.push((score, *oi, used, exact > 0.0));
                }
            }
            best.extend(scored.into_iter().map(|(a, b, c, d)| (a, b, c, d, vi)));
        }
        // The best reading over all verbs ("instances started or stopped"
        // keeps both; "key deletions scheduled" keeps the schedule).
        let top = best.iter().map(|s| s.0).reduce(f32::max).unwrap_or(0.0);
        if top < 0.3 {
            // No action, but a service the vocabulary may not know: its events.
            if named.is_empty() {
                return None;
            }
            let mut sources: Vec<&'static str> = Vec::new();
            for s in &named {
                if !sources.contains(&self.services[*s].source) {
                    sources.push(self.services[*s].source);
                }
            }
            return Some(ActionMatch {
                events: EventNames {
                    names: Vec::new(),
                    versioned: false,
                    sources,
                },
                used: service_words,
                named_service: true,
                action: false,
                complete: false,
                literal: false,
                one_per_verb: false,
                listed: false,
                in_context: false,
                excluded: false,
                place: Vec::new(),
            });
        }
        // Near-complete readings, then those that use most of the question
        // ("delete flow logs" is DeleteFlowLogs, not AppFlow's DeleteFlow;
        // "add role to db cluster" is AddRoleToDBCluster, not CreateRole),
        // then the most complete, then the question's own verb over a synonym.
        // Each verb of the question on its own ("create routes or attach
        // internet gateways" is two actions), then the verbs whose reading
        // is about as good as the best one.
        best.retain(|s| s.0 >= top - 0.15);
        let verbs: Vec<usize> = {
            let mut v: Vec<usize> = best.iter().map(|s| s.4).collect();
            v.sort();
            v.dedup();
            v
        };
        let mut kept = Vec::new();
        for vi in verbs {
            let mut group: Vec<_> = best.iter().filter(|s| s.4 == vi).cloned().collect();
            let most = group.iter().map(|s| s.2.len()).max().unwrap_or(0);
            // "deleted trails or security groups": complete readings of
            // nouns said as a list stay with the fullest one.
            let nouns_of = |s: &(f32, usize, Vec<usize>, bool, usize)| -> Vec<usize> {
                s.2.iter().copied().filter(|j| *j != vi).collect()
            };
            let fullest: Vec<Vec<usize>> = group
                .iter()
                .filter(|s| s.2.len() == most)
                .map(nouns_of)
                .collect();
            let listed_with = |s: &(f32, usize, Vec<usize>, bool, usize)| {
                let mine = nouns_of(s);
                s.0 >= 0.999
                    && !mine.is_empty()
                    && fullest.iter().any(|f| {
                        let (Some(a_lo), Some(a_hi), Some(b_lo), Some(b_hi)) = (
                            mine.iter().min(),
                            mine.iter().max(),
                            f.iter().min(),
                            f.iter().max(),
                        ) else {
                            return false;
                        };
                        let (gap_lo, gap_hi) = if a_hi < b_lo {
                            (*a_hi + 1, *b_lo)
                        } else if b_hi < a_lo {
                            (*b_hi + 1, *a_lo)
                        } else {
                            return false;
                        };
                        let gap = &words[gap_lo..gap_hi];
                        gap.iter()
                            .any(|w| matches!(w.as_str(), "or" | "and" | "nor"))
                            && gap.iter().all(|w| {
                                matches!(
                                    w.as_str(),
                                    "or" | "and" | "nor" | "the" | "their" | "its" | "a" | "an"
                                )
                            })
                    })
            };
            group.retain(|s| s.2.len() == most || listed_with(s));
            let top = group.iter().map(|s| s.0).reduce(f32::max).unwrap_or(0.0);
            group.retain(|s| s.0 >= top - 1e-6);
            if group.iter().any(|s| s.3) {
                group.retain(|s| s.3);
            }
            // "RDS DB instance snapshots created": the phrase's last noun is
            // its head (CreateDBSnapshot, not also CreateDBInstance), unless
            // the nouns are a list ("bucket policy or ACL changes").
            let last = |s: &(f32, usize, Vec<usize>, bool, usize)| {
                s.2.iter().filter(|j| **j != vi).max().copied()
            };
            // ("an image of a running server", "an image from an instance":
            // the noun before "of")
            let of = words.iter().position(|w| w == "of" || w == "from");
            let before_of = of.and_then(|q| group.iter().filter_map(last).filter(|l| *l < q).max());
            let head = before_of.or_else(|| group.iter().filter_map(last).max());
            let span = group
                .iter()
                .flat_map(|s| s.2.iter().copied())
                .filter(|j| *j != vi);
            let (lo, hi) = (span.clone().min(), span.max());
            let listed = matches!((lo, hi), (Some(lo), Some(hi))
                if words[lo..hi].iter().any(|w| matches!(w.as_str(), "or" | "and" | "," | "nor")));
            if !listed {
                group.retain(|s| last(s) == head);
            }
            kept.push(group);
        }
        // A verb inside a longer reading is part of it ("update assume role
        // policy" is one action, not also AssumeRole).
        let inside =
            |a: &[usize], b: &[usize]| a.len() < b.len() && a.iter().all(|x| b.contains(x));
        let readings: Vec<Vec<usize>> = kept.iter().map(|g| g[0].2.clone()).collect();
        kept.retain(|g| !readings.iter().any(|r| inside(&g[0].2, r)));
        let verb_groups = kept.len().max(1);
        let one_per_verb = kept.len() > 1
            && kept.iter().all(|g| {
                let first = self.ops[g[0].1].name;
                g.iter().all(|s| self.ops[s.1].name == first)
            });
        best = kept.into_iter().flatten().collect();
        // An action spelled out word for word ("send command", "get role").
        let spelled = |o: &Operation| {
            let n = o.words.len();
            // The verb as written too: "assumed roles" are principals, "assume role" the action.
            let verb = split_name(o.name).into_iter().next().unwrap_or_default();
            n >= 2
                && keys
                    .windows(n)
                    .enumerate()
                    .any(|(i, w)| w == &o.words[..] && words[i] == verb)
        };
        let literal = best.iter().any(|s| spelled(&self.ops[s.1]));
        if literal {
            best.retain(|s| spelled(&self.ops[s.1]));
        }
        // Several services with the same best name: fine (the name is the
        // filter). Different names across services with no service named:
        // keep the most common services' reading.
        let ids: Vec<usize> = best.iter().map(|b| b.1).collect();
        let mut used: Vec<usize> = best.iter().flat_map(|b| b.2.iter().copied()).collect();
        // "new IAM users created": both verbs are the action's.
        for (vj, k) in keys.iter().enumerate() {
            if filler[vj] {
                continue;
            }
            let Some((_, op_verbs, _)) = VERB_SYNONYMS.iter().find(|(q, _, _)| q == k) else {
                continue;
            };
            if ids.iter().any(|i| {
                let o = &self.ops[*i];
                let verb = if PREFIXES.contains(&o.words[0].as_str()) && o.words.len() > 1 {
                    &o.words[1]
                } else {
                    &o.words[0]
                };
                op_verbs.contains(&verb.as_str())
            }) {
                used.push(vj);
            }
        }
        used.extend(service_words.iter().copied());
        let mut place_words: Vec<usize> = Vec::new();
        // "volumes attached to instances": the nouns after the verb's "to",
        // once the whole object was said before it, are where it went.
        let says_place = ids.iter().any(|i| {
            self.ops[*i]
                .words
                .iter()
                .any(|w| matches!(w.as_str(), "to" | "into" | "onto" | "from"))
        });
        let place = best
            .iter()
            .filter_map(|b| {
                (b.4 + 1..words.len()).find(|p| {
                    matches!(words[*p].as_str(), "to" | "into" | "onto") && moved_to(words, b.4, *p)
                })
            })
            .min();
        if let Some(p) = place
            && !says_place
            && top >= 0.999
            && used.iter().all(|j| *j < p || service_words.contains(j))
        {
            // (after its articles and a service's name: "to Lambda functions'
            // resource policies")
            let mut j = p + 1;
            while j < words.len()
                && (service_words.contains(&j)
                    || matches!(
                        words[j].as_str(),
                        "a" | "an" | "the" | "any" | "some" | "our" | "their" | "its" | "another"
                    ))
            {
                j += 1;
            }
            let noun = |j: usize| {
                let k = &keys[j];
                !filler[j]
                    && words[j].chars().all(|c| c.is_ascii_alphabetic())
                    && !VERB_SYNONYMS.iter().any(|(q, _, _)| q == k)
                    && self.nouns.contains(k)
            };
            let end = (j..words.len().min(j + 4))
                .find(|x| !noun(*x))
                .unwrap_or(words.len().min(j + 4));
            place_words.extend(j..end);
        }
        // "… on Secrets Manager secrets": the service's own noun again.
        for (j, k) in keys.iter().enumerate() {
            if !filler[j]
                && named.iter().any(|s| {
                    self.services[*s]
                        .aliases
                        .iter()
                        .any(|a| a.len() > 1 && a.contains(k))
                })
            {
                used.push(j);
            }
        }
        used.sort();
        used.dedup();
        let mut names = self.names(&ids);
        if named.is_empty() && names.names.len() > 1 {
            let core: Vec<usize> = ids
                .iter()
                .copied()
                .filter(|i| COMMON.contains(&self.services[self.ops[*i].service].source))
                .collect();
            if !core.is_empty() {
                names = self.names(&core);
            }
            // (a few readings per verb said: "providers added, updated or removed")
            if names.names.len() > 4 * verb_groups.min(2) {
                return None;
            }
        }
        Some(ActionMatch {
            events: names,
            used,
            named_service: !named.is_empty(),
            action: true,
            complete: top >= 0.999,
            literal,
            one_per_verb,
            listed: false,
            in_context: false,
            excluded: false,
            place: place_words,
        })
    }
}

/// Whether the "to" at `p` after the verb at `v` says where its object went:
/// after the object ("add routes to a route table") or a participle
/// ("routes added to route tables"), not after a noun of change ("changes
/// to a key policy" names what changed).
fn moved_to(words: &[String], v: usize, p: usize) -> bool {
    // ("changes made to bob's login profile": what changed)
    let made = matches!(
        words[p - 1].as_str(),
        "made" | "done" | "applied" | "performed" | "happened" | "introduced"
    );
    !made && (p > v + 1 || words[v].ends_with("ed"))
}

/// Words a question excludes ("not counting the serial console ones",
/// "excluding batch reads", "(not the batch API)"): (marker positions,
/// negated content-word positions).
fn negated_words(words: &[String]) -> (Vec<usize>, Vec<usize>) {
    let mut markers = Vec::new();
    let mut negated = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = words[i].as_str();
        let next = words.get(i + 1).map(String::as_str);
        let len = match (w, next) {
            ("not", Some("counting" | "including" | "the")) => 2,
            ("except" | "apart" | "other", Some("for" | "from" | "than")) => 2,
            ("excluding" | "except" | "ignoring" | "besides", _) => 1,
            _ => 0,
        };
        if len == 0 {
            i += 1;
            continue;
        }
        markers.extend(i..i + len);
        let mut j = i + len;
        while j < words.len() && j < i + len + 4 {
            let x = words[j].as_str();
            if matches!(
                x,
                "or" | "and" | "but" | "that" | "which" | "who" | "in" | "from"
            ) {
                break;
            }
            if matches!(
                x,
                "the" | "a" | "an" | "ones" | "one" | "api" | "calls" | "path"
            ) {
                markers.push(j);
            } else {
                negated.push(j);
            }
            j += 1;
        }
        i = j;
    }
    (markers, negated)
}

/// Services most CloudTrail questions are about, preferred when an action's
/// words fit operations of several services.
const COMMON: &[&str] = &[
    "ec2.amazonaws.com",
    "iam.amazonaws.com",
    "s3.amazonaws.com",
    "sts.amazonaws.com",
    "kms.amazonaws.com",
    "rds.amazonaws.com",
    "lambda.amazonaws.com",
    "cloudtrail.amazonaws.com",
    "ssm.amazonaws.com",
    "secretsmanager.amazonaws.com",
    "organizations.amazonaws.com",
    "guardduty.amazonaws.com",
    "logs.amazonaws.com",
    "monitoring.amazonaws.com",
    "config.amazonaws.com",
    "route53.amazonaws.com",
    "dynamodb.amazonaws.com",
    "sns.amazonaws.com",
    "sqs.amazonaws.com",
    "cognito-idp.amazonaws.com",
    "ecr.amazonaws.com",
    "eks.amazonaws.com",
    "ecs.amazonaws.com",
    "bedrock.amazonaws.com",
    "securityhub.amazonaws.com",
    "cloudfront.amazonaws.com",
    "elasticloadbalancing.amazonaws.com",
];

/// Event names (and where they come from) one phrase stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct EventNames {
    /// Operation names.
    pub names: Vec<String>,
    /// Whether any is recorded with an API version appended.
    pub versioned: bool,
    /// The event sources of the operations.
    pub sources: Vec<&'static str>,
}

impl EventNames {
    /// No event names yet.
    pub fn none() -> Self {
        EventNames {
            names: Vec::new(),
            versioned: false,
            sources: Vec::new(),
        }
    }

    /// Adds `other`'s names and sources not there yet, in order.
    pub fn merge(&mut self, other: EventNames) {
        for n in other.names {
            if !self.names.contains(&n) {
                self.names.push(n);
            }
        }
        for s in other.sources {
            if !self.sources.contains(&s) {
                self.sources.push(s);
            }
        }
        self.versioned |= other.versioned;
    }

    /// The `eventname` condition: equality, an `IN` list, or LIKE patterns
    /// for versioned names (`UpdateFunctionCode` and `UpdateFunctionCode20%`).
    pub fn op(&self) -> Op {
        if self.versioned {
            let mut pats = Vec::new();
            for n in &self.names {
                pats.push(n.clone());
                pats.push(format!("{n}20%"));
            }
            return Op::LikeAny(pats);
        }
        match self.names.as_slice() {
            [one] => Op::Eq(Value::text(one)),
            many => Op::In(many.iter().map(Value::text).collect()),
        }
    }
}

/// What [`Catalogue::find`] found.
#[derive(Debug, Clone)]
pub struct ActionMatch {
    /// The event names.
    pub events: EventNames,
    /// Positions of the words it used.
    pub used: Vec<usize>,
    /// Whether the question named the service.
    pub named_service: bool,
    /// An action was found (else only the service: `events.names` is empty).
    pub action: bool,
    /// Every word of the action's name was matched.
    pub complete: bool,
    /// The question spells the action's name word for word ("send command").
    pub literal: bool,
    /// Several verbs, one action each ("instances started or stopped").
    pub one_per_verb: bool,
    /// Objects said as a list, one action each ("default encryption or
    /// public access block removed").
    pub listed: bool,
    /// Actions the question excluded were left out ("not counting the
    /// serial console ones").
    pub excluded: bool,
    /// Found in the conversation's service ("now the same for snapshot
    /// deletions" after RDS snapshot questions).
    pub in_context: bool,
    /// Words naming where the object went ("volumes attached to
    /// instances"): taken with the action (not in `used`), not its object.
    pub place: Vec<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(q: &str) -> Vec<String> {
        let ws = super::super::tokens::words(q);
        CATALOGUE
            .find(&ws)
            .map(|m| m.events.names)
            .unwrap_or_default()
    }

    #[test]
    fn names_split_into_words() {
        assert_eq!(split_name("RebootDBInstance"), ["reboot", "db", "instance"]);
        assert_eq!(
            split_name("UpdateFunctionCode20150331v2"),
            ["update", "function", "code", "20150331v2"]
        );
        assert_eq!(split_name("GetBucketACL"), ["get", "bucket", "acl"]);
    }

    #[test]
    fn keys_meet_across_word_forms() {
        for (a, b) in [
            ("deletions", "Delete"),
            ("rebooted", "Reboot"),
            ("scheduled", "Schedule"),
            ("stopped", "Stop"),
            ("policies", "Policy"),
            ("instances", "Instance"),
            ("shared", "share"),
        ] {
            assert_eq!(key(a), key(b), "{a} / {b}");
        }
    }

    #[test]
    fn listed_objects_read_one_action_each() {
        assert_eq!(
            find("show buckets that lost their default encryption or their public access block"),
            ["DeleteBucketEncryption", "DeleteBucketPublicAccessBlock"]
        );
        assert_eq!(
            find("list RDS instance snapshots or cluster snapshots that were deleted"),
            ["DeleteDBSnapshot", "DeleteDBClusterSnapshot"]
        );
        assert_eq!(
            find("who sent SSH keys via Instance Connect or the serial console?"),
            ["SendSSHPublicKey", "SendSerialConsoleSSHPublicKey"]
        );
        // One object read by both words: not split.
        assert_eq!(
            find("who rebooted or restarted RDS instances"),
            ["RebootDBInstance"]
        );
    }

    #[test]
    fn phrases_find_their_operations() {
        assert_eq!(find("KMS key deletions scheduled"), ["ScheduleKeyDeletion"]);
        assert_eq!(find("who rebooted RDS instances"), ["RebootDBInstance"]);
        assert_eq!(
            find("Route 53 record changes"),
            ["ChangeResourceRecordSets"]
        );
        assert!(find("Cognito users created").contains(&"AdminCreateUser".to_string()));
        assert!(find("what is the weather in Paris").is_empty());
    }

    #[test]
    fn versioned_names_are_matched_by_pattern() {
        let m = CATALOGUE.find(&super::super::tokens::words("lambda function code updated"));
        let m = m.expect("found");
        assert_eq!(m.events.names, ["UpdateFunctionCode"]);
        assert_eq!(
            m.events.op(),
            Op::LikeAny(vec![
                "UpdateFunctionCode".into(),
                "UpdateFunctionCode20%".into()
            ])
        );
        let exact = CATALOGUE.operation("updatefunctioncode20150331v2").unwrap();
        assert_eq!(exact.names, ["UpdateFunctionCode20150331v2"]);
    }
}
