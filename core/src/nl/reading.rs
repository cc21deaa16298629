//! Reading a tagged question: from the items the tokenizer made (concepts,
//! entities, numbers, names, unknown words) to a [`Parsed`] plan.
//!
//! [`interpret`] runs the steps in order, each a method of [`Reading`]:
//!
//! 1. [`Reading::resources`]: resources with their verbs ("access keys
//!    created", "deleted buckets") become `eventname` conditions.
//! 2. [`Reading::left_to_right`]: every other item, in order: numbers
//!    (limits, more ports), entities and names (conditions), unknown words
//!    (an API action in lower case, else not understood), and concepts
//!    (tables, filters, nouns, verbs, intents, grouping, negation, …).
//! 3. [`Reading::conditions`] and [`Reading::followup_marks`]: the
//!    conditions in order of mention, and whether the question edits the
//!    previous answer.
//! 4. [`Reading::shape`]: seen / timeline / top-N / group / count /
//!    distinct / list, from what was asked.
//! 5. [`Reading::implied_tables`]: the fields of a grouping vote for their
//!    tables.

use super::entities::{Entity, Kind};
use super::gazetteer::{Concept, Intent, Verb, resource_events};
use super::plan::{Alts, Cond, PShape, Parsed};
use super::spec::{Bucket, Field, Filter, Measure, Op, Order, Table, Value};

/// One unit of a question after tagging.
#[derive(Debug, Clone)]
pub(super) enum Item<'a> {
    /// Known words (the longest phrase) and what they can mean.
    Concepts(Vec<&'a Concept>, String),
    /// A literal value, by index into the extracted entities.
    Entity(usize),
    /// A bare number.
    Number(u64),
    /// A user or bucket name (`bucket:` prefix) the question names.
    Name(String),
    /// A word that means nothing here.
    Unknown(String),
}

/// Gives table `t` `n` votes.
pub(super) fn vote(p: &mut Parsed, t: Table, n: i32) {
    let i = Table::ALL.iter().position(|x| *x == t).unwrap_or(0);
    p.votes[i] += n;
}

/// Reads `items` (from `question`, with its extracted `ents`) into `p`.
pub(super) fn interpret(p: &mut Parsed, items: &[Item<'_>], ents: &[Entity], question: &str) {
    let mut r = Reading::new(p, items, ents, question);
    r.resources();
    r.left_to_right();
    r.conditions();
    r.followup_marks();
    r.shape();
    r.implied_tables();
}

/// What is known about the question so far, while its items are read.
struct Reading<'r, 'a> {
    p: &'r mut Parsed,
    items: &'r [Item<'a>],
    ents: &'r [Entity],
    /// The question in lower case.
    lower: String,
    /// The question as asked (resource names keep their case).
    asked: String,
    /// Items already read as part of another (a resource's verb).
    used: Vec<bool>,
    /// Verbs a resource took.
    consumed_verbs: Vec<bool>,
    /// Conditions in order of mention, with the item that made each.
    pending: Vec<(usize, Cond)>,
    /// Resources after "which"/"top"/"by": also what is listed.
    resource_subjects: Vec<(usize, Alts<Field>)>,
    /// A resource made a condition: lone verbs add nothing.
    had_resource: bool,
    group_by: Vec<Alts<Field>>,
    last_grouped: Option<usize>,
    bucket: Option<Bucket>,
    measure: Option<Measure>,
    /// "top" (item index) and its number, if any.
    top: Option<(usize, Option<u64>)>,
    /// The first noun mentioned, and every noun with its item index.
    subject: Option<(usize, Alts<Field>)>,
    nouns: Vec<(usize, Alts<Field>)>,
    sort_field: Option<Alts<Field>>,
    count: bool,
    /// "which"/"distinct" (item index).
    distinct: Option<usize>,
    who: bool,
    first_last: Option<Intent>,
    timeline: bool,
    /// Direction of the next value: `Some(true)` from/source, `Some(false)` to/destination.
    side: Option<bool>,
    /// A "not" waiting for its condition.
    negate_next: bool,
}

impl<'r, 'a> Reading<'r, 'a> {
    fn new(p: &'r mut Parsed, items: &'r [Item<'a>], ents: &'r [Entity], question: &str) -> Self {
        let n = items.len();
        Self {
            p,
            items,
            ents,
            lower: question.to_lowercase(),
            asked: question.to_string(),
            used: vec![false; n],
            consumed_verbs: vec![false; n],
            pending: Vec::new(),
            resource_subjects: Vec::new(),
            had_resource: false,
            group_by: Vec::new(),
            last_grouped: None,
            bucket: None,
            measure: None,
            top: None,
            subject: None,
            nouns: Vec::new(),
            sort_field: None,
            count: false,
            distinct: None,
            who: false,
            first_last: None,
            timeline: false,
            side: None,
            negate_next: false,
        }
    }

    fn n(&self) -> usize {
        self.items.len()
    }

    /// Whether item `j` exists and has a concept matching `f`.
    fn at(&self, j: usize, f: impl Fn(&Concept) -> bool) -> bool {
        j < self.n() && has(&self.items[j], f).is_some()
    }

    /// Whether the item before `i` has a concept matching `f`.
    fn before(&self, i: usize, f: impl Fn(&Concept) -> bool) -> bool {
        i > 0 && self.at(i - 1, f)
    }

    fn verb_at(&self, j: usize) -> Option<Verb> {
        has(&self.items[j], |c| matches!(c, Concept::Verb(_))).map(|c| match c {
            Concept::Verb(v) => *v,
            _ => Verb::Modify,
        })
    }

    /// `c`, negated when a "not" was waiting for it.
    fn negated(&mut self, mut c: Cond) -> Cond {
        if self.negate_next {
            c.negate = true;
            self.negate_next = false;
        }
        c
    }

    fn note(&mut self, i: usize, f: Alts<Field>) {
        note(&mut self.subject, &mut self.nouns, i, f);
    }

    /// Whether the noun said as `surface` is where an action went ("commands
    /// run on instances", "passwords pulled from instances"), in a question
    /// about an API action: a place, not what is asked for.
    fn placed(&self, surface: &str) -> bool {
        if !self.catalogued_action() {
            return false;
        }
        // (the question's words, not a pattern built per question)
        const PLACES: &[&str] = &["on", "from", "to", "into", "onto", "against", "across"];
        const LEADS: &[&str] = &[
            "the", "our", "a", "an", "their", "all", "any", "some", "those", "these", "its", "ec2",
            "windows", "linux",
        ];
        let ws = super::tokens::words(&self.lower);
        let said = super::tokens::words(surface);
        (0..ws.len()).any(|at| {
            ws[at..].starts_with(&said) && {
                let mut k = at;
                while k > 0 && LEADS.contains(&ws[k - 1].as_str()) {
                    k -= 1;
                }
                k > 0 && PLACES.contains(&ws[k - 1].as_str())
            }
        })
    }

    /// Whether the AWS catalogue already read an API action from the question
    /// (its condition is in place before the items are read).
    fn catalogued_action(&self) -> bool {
        self.p
            .conds
            .iter()
            .any(|c| !c.negate && c.rules.iter().any(|(_, f)| f.field == Field::EventName))
    }

    /// Whether entity item `i` names a role that acted ("who has been using
    /// the MakeStuffPublic role", "actions taken through AWSReservedSSO
    /// roles"): a name before "role", in a question with no verb about roles.
    fn acting_role(&self, i: usize) -> bool {
        let is_name = match &self.items[i] {
            Item::Entity(k) => self.ents.get(*k).is_some_and(|e| e.kind == Kind::Word),
            Item::Name(n) => !n.contains(':'),
            _ => false,
        };
        is_name
            && self.at(
                i + 1,
                |c| matches!(c, Concept::Resource(r) if r.name == "roles"),
            )
            && !(0..self.n()).any(|j| j != i + 1 && self.verb_at(j).is_some())
    }

    /// Sessions of the role `name` ("the DBARole role"): their ARNs.
    fn role_sessions(&self, name: &str) -> Filter {
        // (a session's ARN ends in its name; some records leave it out)
        let role = self.as_asked(name);
        Filter::new(
            Field::User,
            Op::LikeAny(vec![
                format!("%:assumed-role/{role}/%"),
                format!("%:assumed-role/{role}"),
            ]),
        )
    }

    // Step 1: resources with their verbs.

    fn resources(&mut self) {
        // The verb of a resource listed with the next ("access keys or
        // console passwords created"): the next one's too.
        let mut listed_verb: Option<(usize, (usize, Verb), Option<Verb>)> = None;
        let mut listed_extra: Option<Verb> = None;
        for i in 0..self.n() {
            let Some(Concept::Resource(r)) =
                has(&self.items[i], |c| matches!(c, Concept::Resource(_)))
            else {
                continue;
            };
            if i > 0 && self.acting_role(i - 1) {
                continue;
            }
            let prev_field_ctx = (0..i).rev().take(2).any(|j| {
                self.at(j, |c| {
                    matches!(
                        c,
                        Concept::GroupBy
                            | Concept::Intent(
                                Intent::Top | Intent::Distinct | Intent::Which | Intent::Count
                            )
                    )
                })
            });
            // "give an IAM user a console password", "delete IAM user access
            // keys": the first resource owns the second, which is acted on
            // (unless they are a list: "access keys or console passwords").
            let next_is_resource =
                i + 1 < self.n() && self.at(i + 1, |c| matches!(c, Concept::Resource(_)));
            let listed_next = next_is_resource && self.listed(i, i + 1);
            if next_is_resource && !listed_next && self.adjacent(i, i + 1) {
                self.used[i] = true;
                continue;
            }
            let mut joins_previous = false;
            let verb = match (self.resource_verb(i), listed_verb.take()) {
                (None, Some((k, v, extra))) if k + 1 == i => {
                    listed_extra = extra;
                    joins_previous = true;
                    Some(v)
                }
                (v, _) => v,
            };
            if verb.is_none() && !self.resource_acts(i, prev_field_ctx) {
                continue;
            }
            // "event selectors of a trail changed": the catalogued action's
            // object, not all of the resource's events.
            if verb.is_none() && self.catalogued_action() {
                self.used[i] = true;
                continue;
            }
            if let Some((j, _)) = verb {
                self.consumed_verbs[j] = true;
                self.used[j] = true;
            }
            // "creations and deletions": a second verb right after joins the first.
            let mut extra_verb: Option<Verb> = None;
            let mut more_verbs: Vec<Verb> = Vec::new();
            if let Some((j, _)) = verb
                && j + 1 < self.n()
                && j + 1 != i
                && !self.consumed_verbs[j + 1]
                && let Some(v) = self.verb_at(j + 1)
            {
                self.consumed_verbs[j + 1] = true;
                self.used[j + 1] = true;
                extra_verb = Some(v);
                // "created, updated or deleted": every verb of the list.
                let mut k = j + 2;
                while k < self.n() && k != i && !self.consumed_verbs[k] {
                    let Some(v) = self.verb_at(k) else { break };
                    self.consumed_verbs[k] = true;
                    self.used[k] = true;
                    more_verbs.push(v);
                    k += 1;
                }
            } else if let Some((j, _)) = verb
                && j >= 1
                && j < i
                && !self.consumed_verbs[j - 1]
                && let Some(v) = self.verb_at(j - 1)
            {
                // "stop or delete trails": the verb before the verb joins too
                // ("create, reset or remove passwords": each one of the list).
                self.consumed_verbs[j - 1] = true;
                self.used[j - 1] = true;
                extra_verb = Some(v);
                let mut k = j - 1;
                while k >= 1 && !self.consumed_verbs[k - 1] {
                    let Some(v) = self.verb_at(k - 1) else { break };
                    self.consumed_verbs[k - 1] = true;
                    self.used[k - 1] = true;
                    more_verbs.push(v);
                    k -= 1;
                }
            }
            if let Some(v) = listed_extra.take() {
                extra_verb = extra_verb
                    .or(Some(v))
                    .filter(|e| Some(*e) != verb.map(|x| x.1));
            }
            if listed_next && let Some(v) = verb {
                listed_verb = Some((i, v, extra_verb));
            }
            // "which buckets were read": the buckets are also what is listed.
            // (Not a field of whoever acted: "how many access keys were
            // created" counts the creations, not the creators' keys.)
            let actor_field = matches!(
                r.field,
                Some(Field::AccessKey | Field::User | Field::UserName)
            );
            if prev_field_ctx
                && !(actor_field && verb.is_some())
                && let Some(f) = r.field
            {
                self.resource_subjects
                    .push((i, vec![(Table::Cloudtrail, f)]));
            }
            let mut evs = resource_events(r, verb.map(|v| v.1));
            for v in extra_verb.iter().chain(more_verbs.iter()) {
                for e in resource_events(r, Some(*v)) {
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
            self.used[i] = true;
            // The second of a list: one IN with the first's events.
            if joins_previous
                && let Some((_, last)) = self.pending.last_mut()
                && let [(Table::Cloudtrail, f)] = last.rules.as_mut_slice()
                && f.field == Field::EventName
            {
                let mut vs = match &f.op {
                    Op::Eq(v) => vec![v.clone()],
                    Op::In(vs) => vs.clone(),
                    _ => Vec::new(),
                };
                if !vs.is_empty() {
                    for e in &evs {
                        let v = Value::text(*e);
                        if !vs.contains(&v) {
                            vs.push(v);
                        }
                    }
                    f.op = Op::In(vs);
                    last.words = format!("{} or {}", last.words, r.name);
                    continue;
                }
            }
            self.p.verbless_resource |= verb.is_none();
            let mut rules = vec![(Table::Cloudtrail, Filter::new(Field::EventName, op))];
            // "findings involving an S3 bucket": the finding's resource.
            if verb.is_none()
                && let Some(kind) = finding_resource(r.name)
            {
                rules.push((
                    Table::Guardduty,
                    Filter::eq(Field::ResourceType, Value::text(kind)),
                ));
            }
            self.pending.push((
                i,
                Cond {
                    rules,
                    negate: false,
                    words: r.name.to_string(),
                    optional: false,
                },
            ));
        }
        self.had_resource = !self.pending.is_empty();
    }

    /// The words said between items `i` and `j` (`None` when the items are
    /// not both phrases found in the question in that order).
    fn between(&self, i: usize, j: usize) -> Option<Vec<&str>> {
        let (Item::Concepts(_, a), Item::Concepts(_, b)) = (&self.items[i], &self.items[j]) else {
            return None;
        };
        let start = self.lower.find(a.as_str())?;
        let rest = &self.lower[start + a.len()..];
        let end = rest.find(b.as_str())?;
        let text = &rest[..end];
        let mut words: Vec<&str> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        if text.trim() == "," {
            words.push(",");
        }
        Some(words)
    }

    /// Whether items `i` and `j` are said next to each other, but for
    /// articles ("IAM user access keys", "give an IAM user a console password").
    fn adjacent(&self, i: usize, j: usize) -> bool {
        self.between(i, j).is_none_or(|ws| {
            ws.iter()
                .all(|w| matches!(*w, "a" | "an" | "the" | "s" | "their" | "its"))
        })
    }

    /// Whether the resources at items `i` and `j` are said as a list ("access
    /// keys or console passwords", "trails and their event selectors").
    fn listed(&self, i: usize, j: usize) -> bool {
        self.between(i, j).is_some_and(|ws| {
            ws == [","]
                || ws.iter().any(|w| matches!(*w, "or" | "and" | "nor"))
                    && ws.iter().all(|w| {
                        matches!(
                            *w,
                            "or" | "and"
                                | "nor"
                                | "the"
                                | "their"
                                | "its"
                                | "a"
                                | "an"
                                | "new"
                                | "any"
                        )
                    })
        })
    }

    /// The verb of the resource at `i`: up to two before ("created new
    /// access keys"), else right after ("access keys created").
    fn resource_verb(&self, i: usize) -> Option<(usize, Verb)> {
        for j in (i.saturating_sub(2)..i).rev() {
            if let Some(v) = self.verb_at(j)
                && !self.consumed_verbs[j]
            {
                return Some((j, v));
            }
        }
        let is_res = |k: usize| self.at(k, |c| matches!(c, Concept::Resource(_)));
        let is_verb = |k: usize| self.at(k, |c| matches!(c, Concept::Verb(_)));
        for j in i + 1..(i + 3).min(self.n()) {
            if is_res(j) {
                break;
            }
            // "users created new access keys": the verb belongs to the next resource
            // (not past a preposition: "lifecycle rules put on a bucket").
            let located = |a: usize, b: usize| {
                self.between(a, b).is_some_and(|ws| {
                    ws.iter()
                        .any(|w| matches!(*w, "on" | "to" | "onto" | "in" | "into" | "for" | "at"))
                })
            };
            let next_resource =
                (is_res(j + 1) && !located(j, j + 1)) || (is_verb(j + 1) && is_res(j + 2));
            if let Some(v) = self.verb_at(j)
                && !self.consumed_verbs[j]
                && !next_resource
            {
                return Some((j, v));
            }
        }
        None
    }

    /// Whether a resource without a verb still stands for its actions (it
    /// does not when it labels a value, is an object, or is a field noun).
    fn resource_acts(&self, i: usize, prev_field_ctx: bool) -> bool {
        let items = self.items;
        // "instance i-0abc": the resource word labels the value that follows.
        if i + 1 < self.n() && matches!(items[i + 1], Item::Entity(_) | Item::Name(_)) {
            return false;
        }
        // "attached to users or roles": a resource after another one or after "to" is an object
        // (also past its name: "objects downloaded from the acme-data bucket").
        let k = if i > 0 && matches!(items[i - 1], Item::Name(_)) {
            i - 1
        } else {
            i
        };
        if self.before(k, |c| {
            matches!(c, Concept::Resource(_) | Concept::To | Concept::From)
        }) {
            return false;
        }
        // "lifecycle rules configured on buckets": where it was done, once
        // something else was acted on.
        if self.had_resource_before(i)
            && self.between(i - 1, i).is_some_and(|ws| {
                ws.iter()
                    .any(|w| matches!(*w, "on" | "onto" | "in" | "into" | "to" | "for" | "at"))
            })
        {
            return false;
        }
        let is_user_word = concepts(&items[i])
            .iter()
            .any(|c| matches!(c, Concept::Noun { .. }));
        // A field noun here ("by access key", "users").
        !(prev_field_ctx || is_user_word)
    }

    /// Whether a resource was read before item `i` (`i` > 0).
    fn had_resource_before(&self, i: usize) -> bool {
        i > 0
            && self
                .pending
                .iter()
                .any(|(j, c)| *j < i && c.rules.iter().any(|(_, f)| f.field == Field::EventName))
    }

    // Step 2: everything else, left to right.

    fn left_to_right(&mut self) {
        let items = self.items;
        for (i, item) in items.iter().enumerate() {
            match item {
                Item::Number(num) => self.number(i, *num),
                Item::Entity(k) => self.entity(i, *k),
                Item::Name(name) => self.name(i, name),
                Item::Unknown(w) => self.unknown(i, w),
                Item::Concepts(_, _) if self.used[i] => {
                    self.p.understood += 1;
                    self.p.anchor = true;
                    if let Some((_, f)) = self.resource_subjects.iter().find(|(k, _)| *k == i) {
                        let f = f.clone();
                        self.note(i, f);
                    }
                }
                Item::Concepts(cs, surface) => {
                    self.p.understood += 1;
                    if let Some(first) = cs.first() {
                        self.concept(i, first, cs, surface);
                    }
                }
            }
        }
    }

    /// A number: another port, a top-N, or a limit.
    fn number(&mut self, i: usize, num: u64) {
        self.p.understood += 1;
        // "port 4444 or 22": another port.
        if i > 0
            && let Item::Entity(k) = self.items[i - 1]
            && self.ents.get(k).is_some_and(|e| e.kind == Kind::Port)
            && let Some((_, last)) = self.pending.last_mut()
        {
            let extra = Cond {
                rules: last
                    .rules
                    .iter()
                    .map(|(t, f)| (*t, Filter::new(f.field, Op::Eq(Value::Int(num as i64)))))
                    .collect(),
                negate: last.negate,
                words: num.to_string(),
                optional: false,
            };
            if merge_in(last, &extra) {
                return;
            }
        }
        let is_top = |c: &Concept| matches!(c, Concept::Intent(Intent::Top));
        if self.top.is_none() && self.at(i + 1, is_top) {
            // "10 most active users": the number belongs to the next "most".
            return;
        }
        if let Some((_, lim @ None)) = &mut self.top {
            *lim = Some(num);
        } else if self.before(i, |c| {
            matches!(
                c,
                Concept::Intent(Intent::Last | Intent::First | Intent::List)
            )
        }) {
            self.p.limit = Some(num);
        } else if self.before(i, is_top) {
            // handled via top
        } else {
            self.p.limit.get_or_insert(num);
        }
    }

    /// A literal value: a condition, merged into the previous one as an
    /// `IN` list when it continues it.
    fn entity(&mut self, i: usize, k: usize) {
        self.p.understood += 1;
        self.p.anchor = true;
        if let Some(e) = self.ents.get(k) {
            let prev_concepts: Vec<&Concept> = if i > 0 {
                concepts(&self.items[i - 1]).to_vec()
            } else {
                vec![]
            };
            // "contacted by 10.0.0.5": the address acts, so it is the source.
            if self.before(i, |c| matches!(c, Concept::GroupBy)) && self.side.is_none() {
                self.side = Some(true);
            }
            // "did 10.0.0.5 send", "has 1.2.3.4 connected": the address acts, so it is the source.
            if i > 0
                && matches!(&self.items[i - 1], Item::Concepts(_, w) if matches!(w.as_str(), "did" | "has" | "does" | "was"))
                && self.side.is_none()
            {
                self.side = Some(true);
            }
            // "who has been using the MakeStuffPublic role", "actions taken
            // through AWSReservedSSO roles": with no verb about roles, the
            // role is who acted.
            // ("sessions of SampleRole": a role's name said alone)
            let role_named = e.kind == Kind::Word
                && e.value.ends_with("Role")
                && super::gazetteer::event_name(&e.value.to_lowercase()).is_none()
                && !(0..self.n()).any(|j| self.verb_at(j).is_some());
            let cond = if self.acting_role(i) || role_named {
                if !role_named || self.acting_role(i) {
                    self.used[i + 1] = true;
                }
                vote(self.p, Table::Cloudtrail, 2);
                Some(Cond {
                    rules: vec![(Table::Cloudtrail, self.role_sessions(&e.value))],
                    negate: false,
                    words: format!("{} role", e.value),
                    optional: false,
                })
            } else if e.kind == Kind::Account
                && let Some(outside) = caller_account(&self.lower, &e.value)
            {
                // "made from account 1234…", "callers outside account 1234…":
                // the account the caller belongs to.
                Some(Cond {
                    rules: vec![
                        (
                            Table::Cloudtrail,
                            Filter::eq(Field::CallerAccount, Value::text(e.value.clone())),
                        ),
                        (
                            Table::VpcFlow,
                            Filter::eq(Field::Account, Value::text(e.value.clone())),
                        ),
                        (
                            Table::Guardduty,
                            Filter::eq(Field::Account, Value::text(e.value.clone())),
                        ),
                    ],
                    negate: outside,
                    words: format!("caller account {}", e.value),
                    optional: false,
                })
            } else if e.kind == Kind::Arn && e.value.contains(":role/") {
                // A role's ARN: the role asked for in AssumeRole calls, else
                // (no other action said) the role whose sessions acted.
                let assumed = self.p.conds.iter().any(|c| {
                    c.rules.iter().any(|(_, f)| {
                        f.field == Field::EventName
                            && matches!(&f.op, Op::Eq(Value::Text(n)) if n.starts_with("AssumeRole"))
                    })
                });
                let field = if assumed {
                    Some(Field::RoleArn)
                } else if !self.catalogued_action()
                    && !(0..self.n()).any(|j| self.verb_at(j).is_some())
                {
                    Some(Field::SessionIssuer)
                } else {
                    None
                };
                match field {
                    Some(f) => {
                        vote(self.p, Table::Cloudtrail, 2);
                        Some(Cond {
                            rules: vec![(
                                Table::Cloudtrail,
                                Filter::eq(f, Value::text(e.value.clone())),
                            )],
                            negate: false,
                            words: format!("{} {}", f.label(), e.value),
                            optional: false,
                        })
                    }
                    None => entity_cond(self.p, e, self.side, &prev_concepts),
                }
            } else {
                entity_cond(self.p, e, self.side, &prev_concepts)
            };
            // "port 22 opened on a security group": the rule's port, in CloudTrail.
            let cond = cond.map(|mut c| {
                if e.kind == super::entities::Kind::Port
                    && self.side != Some(true)
                    && self.lower.contains("security group")
                {
                    c.rules.push((
                        Table::Cloudtrail,
                        Filter::new(Field::Text, Op::Like(format!("%\"fromPort\":{}%", e.value))),
                    ));
                    vote(self.p, Table::Cloudtrail, 4);
                }
                c
            });
            if let Some(c) = cond {
                let c = self.negated(c);
                // "PutBucketPolicy and DeleteBucketPolicy", "from 1.2.3.4 or 5.6.7.8": one IN.
                let merged = match self.pending.last_mut() {
                    Some((_, last)) if last.negate == c.negate => merge_in(last, &c),
                    _ => false,
                };
                if !merged {
                    self.pending.push((i, c));
                }
            }
        }
        self.side = None;
    }

    /// A user or bucket name: a CloudTrail condition.
    fn name(&mut self, i: usize, name: &str) {
        self.p.understood += 1;
        self.p.anchor = true;
        // (a resource's name is in the request: "the production-api function")
        let (field, name, op) = if let Some(b) = name.strip_prefix("bucket:") {
            (Field::Bucket, b.to_string(), Op::Eq(Value::text(b)))
        } else if let Some(r) = name.strip_prefix("resource:") {
            // (as written: object keys and function names are case-sensitive)
            let r = self.as_asked(r);
            let op = Op::Like(format!("%{r}%"));
            (Field::Text, r, op)
        } else if self.acting_role(i) {
            // "everything done under the DBARole role": its sessions.
            self.used[i + 1] = true;
            let f = self.role_sessions(name);
            (Field::User, format!("{name} role"), f.op)
        } else if self.at(
            i + 1,
            |c| matches!(c, Concept::Resource(r) if r.name == "roles"),
        ) && !name.contains(':')
        {
            // "who created the DBARole role": the role acted on, named in
            // the request.
            let r = self.as_asked(name);
            let op = Op::Like(format!("%{r}%"));
            (Field::Text, r, op)
        } else if self.user_is_object(name) {
            // "access keys minted for tracy_stone": the user acted on.
            (
                Field::TargetUser,
                name.to_string(),
                Op::Eq(Value::text(name)),
            )
        } else {
            (Field::User, name.to_string(), Op::Eq(Value::text(name)))
        };
        let c = self.negated(Cond {
            rules: vec![(Table::Cloudtrail, Filter::new(field, op))],
            negate: false,
            words: format!("{} {name}", field.label()),
            optional: false,
        });
        vote(self.p, Table::Cloudtrail, 1);
        self.pending.push((i, c));
    }

    /// `word` (lower case) as the question wrote it.
    fn as_asked(&self, word: &str) -> String {
        self.lower
            .find(word)
            .and_then(|at| self.asked.get(at..at + word.len()))
            .filter(|w| w.eq_ignore_ascii_case(word))
            .unwrap_or(word)
            .to_string()
    }

    /// Whether the user `name` is what an IAM action acted on ("access keys
    /// created for bob", "password changes made to the IAM user bob's login
    /// profile"), not who acted.
    fn user_is_object(&self, name: &str) -> bool {
        static OBJECT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(r"\b(?:for|to|of|on)\s+(?:the\s+)?(?:iam\s+)?(?:user\s+)?$")
                .expect("object user")
        });
        // ("bob's console password": what the user owns was acted on)
        static OWNED: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(
                r"^(?:'s|’s)?\s+(?:(?:console|iam|aws)\s+)?(?:passwords?|access\s+keys?|keys|login\s+profiles?|mfa|credentials|permissions|policies|policy|group\s+membership)\b",
            )
            .expect("owned")
        });
        static GIVEN: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(r"^\s+(?:was\s+|been\s+)?given\b").expect("given")
        });
        let Some(at) = self.lower.find(&name.to_lowercase()) else {
            return false;
        };
        // ("was bob given a managed policy": bob received it)
        let given = GIVEN.is_match(&self.lower[at + name.len()..]);
        let owned = OWNED.is_match(&self.lower[at + name.len()..]) || given;
        if !OBJECT.is_match(&self.lower[..at]) && !owned {
            return false;
        }
        let on_users = |c: &Cond| {
            c.rules.iter().any(|(_, f)| {
                f.field == Field::EventName
                    && !c.negate
                    && match &f.op {
                        Op::Eq(Value::Text(n)) => acts_on_user(n),
                        Op::In(vs) => vs
                            .iter()
                            .any(|v| matches!(v, Value::Text(n) if acts_on_user(n))),
                        _ => false,
                    }
            })
        };
        self.p.conds.iter().any(on_users) || self.pending.iter().any(|(_, c)| on_users(c))
    }

    /// An unknown word: an API action written in lower case ("decrypt",
    /// "getobject"), else a word not understood.
    fn unknown(&mut self, i: usize, w: &str) {
        let op = match super::gazetteer::event_name(w) {
            Some(name) => Op::Eq(Value::text(name)),
            None => match super::actions::CATALOGUE.operation(w) {
                Some(names) => names.op(),
                None => {
                    self.p.unknown.push(w.to_string());
                    return;
                }
            },
        };
        self.p.understood += 1;
        self.p.anchor = true;
        vote(self.p, Table::Cloudtrail, 2);
        let c = self.negated(Cond {
            rules: vec![(Table::Cloudtrail, Filter::new(Field::EventName, op))],
            negate: false,
            words: w.to_string(),
            optional: false,
        });
        self.pending.push((i, c));
    }

    /// Known words, read by their first concept.
    fn concept(&mut self, i: usize, first: &'a Concept, cs: &[&'a Concept], surface: &str) {
        match first {
            // "top ports by packets", "the port with the most packets": the
            // measure, not the table's name.
            Concept::Table(_)
                if self.before(i, |c| {
                    matches!(c, Concept::GroupBy | Concept::Intent(Intent::Top))
                }) && let Some(m) = cs.iter().find(|c| matches!(c, Concept::Measure(_))) =>
            {
                let m: &'a Concept = m;
                self.concept(i, m, cs, surface);
            }
            Concept::Table(t) => {
                if self.p.table.is_none() {
                    self.p.table = Some(*t);
                }
                vote(self.p, *t, 5);
                self.p.anchor = true;
            }
            Concept::Filter(rules) => {
                self.p.anchor = true;
                vote(self.p, rules[0].0, 1);
                let c = self.negated(Cond {
                    rules: rules.clone(),
                    negate: false,
                    words: surface.to_string(),
                    optional: false,
                });
                // "no data or skipped", "accepted and rejected": two values
                // of one field side by side can only mean either (an IN).
                let merged = match self.pending.last_mut() {
                    Some((j, last)) if *j + 1 == i && last.negate == c.negate => merge_in(last, &c),
                    _ => false,
                };
                if !merged {
                    self.pending.push((i, c));
                }
            }
            Concept::Noun { fields, filters } => self.noun(i, fields, filters, surface),
            Concept::Resource(r) => {
                // A resource used as a field ("by access key").
                self.p.anchor = true;
                let fields = match r.field {
                    Some(f) => Some(vec![(Table::Cloudtrail, f)]),
                    None if cs.iter().any(|c| matches!(c, Concept::Noun { .. })) => {
                        Some(cs.iter().find_map(|c| noun_fields(c)).unwrap_or_default())
                    }
                    None => None,
                };
                // "access key AKIA…": the kind labels the value that follows.
                let labels_value = i + 1 < self.n()
                    && matches!(self.items[i + 1], Item::Entity(k)
                    if self.ents.get(k).is_some_and(|e| {
                        e.kind == super::entities::Kind::AccessKey && r.field == Some(Field::AccessKey)
                    }));
                if let Some(fields) = fields.filter(|_| !labels_value) {
                    if self.before(i, |c| matches!(c, Concept::GroupBy)) {
                        self.group_by.push(fields);
                    } else {
                        self.note(i, fields);
                    }
                }
            }
            Concept::Verb(v) => self.lone_verb(i, *v, surface),
            Concept::Intent(intent) => self.intent(i, *intent),
            Concept::GroupBy => self.group_by_word(i),
            Concept::Negate => self.negate_next = true,
            Concept::Only => {
                if i <= 1 {
                    self.p.followup = true;
                }
            }
            Concept::Measure(m) => {
                self.measure = Some(*m);
                let home = if *m == Measure::MaxSeverity {
                    Table::Guardduty
                } else {
                    Table::VpcFlow
                };
                vote(self.p, home, 3);
                self.p.anchor = true;
                if *m == Measure::DistinctPorts && self.top.is_none() {
                    self.top = Some((i, None));
                }
            }
            Concept::Bucket(b) => self.bucket_word(i, *b, surface),
            Concept::Order(o) => self.p.order = Some(*o),
            Concept::SortBy => {
                if i + 1 < self.n()
                    && let Some(c) = has(&self.items[i + 1], is_noun)
                {
                    self.sort_field = noun_fields(c);
                }
            }
            Concept::Generic => {
                // "events", "activity", "logs": rows of some log (CloudTrail unless said).
                if matches!(
                    surface,
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
                ) || (matches!(surface, "anything" | "everything" | "logged")
                    && self.p.time.is_some())
                {
                    // ("anything at all this week?": with a time range only.)
                    self.p.anchor = true;
                }
            }
            Concept::FollowUp => self.p.followup = true,
            Concept::That => {
                // "that ip", "those", "them": the previous answer's values
                // (a relative "that" — "logins that failed" — is not).
                if self.at(i + 1, is_noun) || matches!(surface, "them" | "those" | "these" | "it") {
                    self.p.that = true;
                }
            }
            Concept::From => self.side = Some(true),
            Concept::To => self.side = Some(false),
        }
    }

    /// A field noun: a grouping (after "by"), a label of the value that
    /// follows, a sort key, or a subject (with the filters it implies).
    fn noun(&mut self, i: usize, fields: &Alts<Field>, filters: &Alts<Filter>, surface: &str) {
        self.p.anchor = true;
        // "access keys created for IAM users": the users own what was acted
        // on; who acted is not said.
        let object = self.had_resource
            && filters.iter().any(|(_, f)| f.field == Field::IdentityType)
            && ["for", "to"]
                .iter()
                .any(|p| self.lower.contains(&format!("{p} {surface}")));
        if object {
            return;
        }
        // "what did the contractor user do": the kind of the name just said.
        if i > 0
            && matches!(&self.items[i - 1], Item::Name(n) if !n.contains(':'))
            && fields.iter().any(|(_, f)| *f == Field::User)
            && matches!(surface, "user" | "role" | "principal")
        {
            self.p.understood += 1;
            return;
        }
        // "which accounts did the callers come from": the callers' account.
        // ("which account made the most API calls": the account that called)
        static ACTING: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(
                r"\baccounts?\s+(?:has\s+|have\s+)?(?:made|make|makes|making|did|does|do|called|calls|call|performed|issued|sent|ran)\b",
            )
            .expect("acting account")
        });
        let callers = ["caller", "callers", "come from", "came from", "coming from"]
            .iter()
            .any(|w| self.lower.contains(w))
            || ACTING.is_match(&self.lower);
        let caller_fields;
        let fields = if callers
            && fields
                .iter()
                .any(|(t, f)| *t == Table::Cloudtrail && *f == Field::Account)
        {
            caller_fields = fields
                .iter()
                .map(|&(t, f)| match (t, f) {
                    (Table::Cloudtrail, Field::Account) => (t, Field::CallerAccount),
                    x => x,
                })
                .collect::<Alts<Field>>();
            &caller_fields
        } else {
            fields
        };
        if fields.len() == 1 {
            vote(self.p, fields[0].0, 1);
        }
        let sorted = self.before(i, |c| matches!(c, Concept::SortBy));
        let mut after_group = !sorted
            && i > 0
            && (self.before(i, |c| matches!(c, Concept::GroupBy))
                || self.last_grouped == Some(i - 1));
        // "top 5 users by errors": errors are what is counted, users the group.
        // "top 10 users by API calls": the ranking criterion, not a grouping.
        let ranked_subject = self
            .top
            .is_some_and(|(ti, _)| self.nouns.iter().any(|(ni, _)| *ni > ti));
        if after_group && ranked_subject {
            after_group = false;
        }
        // "user alice", "account 1234…", "ip 1.2.3.4": the noun labels the value.
        // ("the error messages for AccessDenied errors": a message is not a code.)
        // ("which users got AccessDenied": a code does not label users.)
        let fits = |k: usize| {
            use super::entities::Kind;
            self.ents.get(k).is_none_or(|e| match e.kind {
                // ("calls failed in us-west-2": a region labels only a region noun.)
                Kind::Region => fields.iter().any(|(_, f)| *f == Field::Region),
                Kind::Account => fields
                    .iter()
                    .any(|(_, f)| matches!(f, Field::Account | Field::CallerAccount)),
                Kind::Word => fields.iter().any(|(_, f)| {
                    matches!(
                        f,
                        Field::ErrorCode
                            | Field::EventName
                            | Field::UserAgent
                            | Field::IdentityType
                            | Field::EventSource
                            | Field::FindingType
                            | Field::Text
                    )
                }),
                _ => true,
            })
        };
        let label = i + 1 < self.n()
            && !fields.iter().all(|(_, f)| *f == Field::ErrorMessage)
            && (matches!(self.items[i + 1], Item::Entity(k) if fits(k))
                || (matches!(self.items[i + 1], Item::Name(_))
                    && fields
                        .iter()
                        .any(|(_, f)| matches!(f, Field::User | Field::UserName))));
        // "by sessions of the role arn:…": the ARN after its kind names who.
        let arn_after_kind = i + 2 < self.n()
            && self.at(
                i + 1,
                |c| matches!(c, Concept::Resource(r) if matches!(r.name, "roles" | "users")),
            )
            && matches!(self.items[i + 2], Item::Entity(k)
                if self.ents.get(k).is_some_and(|e| e.kind == super::entities::Kind::Arn));
        // "by user admin": a filter on the named user, not a grouping.
        if label || arn_after_kind {
            after_group = false;
        }
        // "list calls made by IAM users": a list asks for whose calls, not
        // for a count per user.
        let listed = self.at(0, |c| matches!(c, Concept::Intent(Intent::List)));
        if after_group
            && listed
            && !self.count
            && self.top.is_none()
            && filters.iter().any(|(_, f)| f.field == Field::IdentityType)
        {
            let c = self.negated(Cond {
                rules: filters.clone(),
                negate: false,
                words: surface.to_string(),
                optional: false,
            });
            self.pending.push((i, c));
            return;
        }
        if after_group {
            if !self.group_by.iter().any(|g| g.first() == fields.first()) {
                self.group_by.push(fields.clone());
            }
            self.last_grouped = Some(i);
            // "breakdown of error codes": the calls that have one.
            let errors: Vec<(Table, Filter)> = filters
                .iter()
                .filter(|(t, f)| {
                    *t == Table::Cloudtrail && f.field == Field::ErrorCode && f.op == Op::NotNull
                })
                .cloned()
                .collect();
            if !errors.is_empty() && fields.iter().any(|(_, f)| *f == Field::ErrorCode) {
                let c = Cond {
                    rules: errors,
                    negate: false,
                    words: surface.to_string(),
                    optional: false,
                };
                self.pending.push((i, c));
            }
        } else if label || sorted {
            // nothing: the value that follows makes the condition, or a sort key
        } else {
            self.note(i, fields.clone());
            if !filters.is_empty() {
                let c = self.negated(Cond {
                    rules: filters.clone(),
                    negate: false,
                    words: surface.to_string(),
                    optional: false,
                });
                if filters.len() == 1 {
                    vote(self.p, filters[0].0, 1);
                }
                self.pending.push((i, c));
            }
        }
        if fields.iter().any(|(_, f)| *f == Field::SrcAddr)
            && matches!(
                surface,
                "talker" | "talkers" | "top talker" | "top talkers" | "bandwidth hog"
            )
        {
            vote(self.p, Table::VpcFlow, 3);
            self.measure.get_or_insert(Measure::Bytes);
            self.top.get_or_insert((i, None));
        }
    }

    /// A verb no resource took: "what was deleted" → `Delete*` actions.
    fn lone_verb(&mut self, i: usize, v: Verb, surface: &str) {
        if self.consumed_verbs[i] || self.had_resource {
            return;
        }
        // "who opened the console": opening is an attachment only of a
        // security group's rules.
        if surface.starts_with("open") {
            return;
        }
        // A catalogued action was found ("who messed with AMI launch
        // permissions"): a leftover verb adds nothing.
        if self.catalogued_action() {
            return;
        }
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
        self.p.anchor = true;
        let op = if pats.len() == 1 {
            Op::Like(pats[0].to_string())
        } else {
            Op::LikeAny(pats.iter().map(|x| x.to_string()).collect())
        };
        let c = self.negated(Cond {
            rules: vec![(Table::Cloudtrail, Filter::new(Field::EventName, op))],
            negate: false,
            words: surface.to_string(),
            optional: true,
        });
        self.pending.push((i, c));
    }

    fn intent(&mut self, i: usize, intent: Intent) {
        match intent {
            Intent::Count => self.count = true,
            Intent::Top => {
                let num = match i.checked_sub(1).map(|j| &self.items[j]) {
                    Some(Item::Number(k)) => Some(*k),
                    _ => None,
                };
                if self.top.is_none() {
                    self.top = Some((i, num));
                }
            }
            Intent::Distinct | Intent::Which => {
                if self.distinct.is_none() {
                    self.distinct = Some(i);
                }
            }
            Intent::Who => {
                self.who = true;
                self.p.anchor = true;
            }
            Intent::Timeline => self.timeline = true,
            Intent::First | Intent::Last => self.first_last = Some(intent),
            Intent::List => {}
            Intent::Raw => self.p.raw = true,
        }
    }

    /// "by": a leading "by user" re-groups the previous answer; "by hour"
    /// buckets time ("by alice" is a name, read elsewhere).
    fn group_by_word(&mut self, i: usize) {
        let items = self.items;
        let grouped = self.at(i + 1, |c| is_noun(c) || matches!(c, Concept::Bucket(_)));
        if grouped
            && (i == 0
                || (i == 1
                    && matches!(items[0], Item::Concepts(..))
                    && self.at(0, |c| {
                        matches!(
                            c,
                            Concept::Intent(Intent::List) | Concept::Generic | Concept::FollowUp
                        )
                    })))
        {
            self.p.followup = true;
        }
        if i + 1 < self.n()
            && let Some(Concept::Bucket(b)) =
                has(&items[i + 1], |c| matches!(c, Concept::Bucket(_)))
        {
            self.bucket = Some(*b);
            self.timeline = true;
        }
    }

    /// A time bucket ("hourly", "per day", "by minute"), or a word not
    /// understood when nothing asks for a timeline.
    fn bucket_word(&mut self, i: usize, b: Bucket, surface: &str) {
        let after_group_or_per = self.before(i, |c| matches!(c, Concept::GroupBy));
        // A bare unit ("hour", "month") is a bucket only after "by"/"per".
        let bare = matches!(
            surface,
            "hour" | "day" | "date" | "minute" | "week" | "month" | "year"
        );
        if after_group_or_per || !bare || self.timeline {
            self.bucket = Some(b);
            self.timeline = true;
        } else {
            self.p.understood -= 1;
            self.p.unknown.push(surface.to_string());
        }
    }

    // Step 3: conditions and follow-up marks.

    /// The conditions, in order of mention, after any the plan already
    /// had; severity levels merged.
    fn conditions(&mut self) {
        let mut conds: Vec<Cond> = std::mem::take(&mut self.p.conds);
        conds.extend(
            std::mem::take(&mut self.pending)
                .into_iter()
                .map(|(_, c)| c),
        );
        self.p.conds = merge_severity(conds);
    }

    /// A leading "from", "not", "only", "by", "same", "that", "oldest", or
    /// a bare "top N": the question edits the previous answer.
    fn followup_marks(&mut self) {
        let leading = self.at(0, |c| {
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
        });
        let bare_top = self.n() <= 2 && self.at(0, |c| matches!(c, Concept::Intent(Intent::Top)));
        if leading || bare_top {
            self.p.followup = true;
        }
    }

    // Step 4: the shape of the answer.

    fn shape(&mut self) {
        // "who's connecting to port 5432, and how many flows each": counted
        // per who.
        let each_last = self
            .lower
            .trim_end_matches(|c: char| c == '?' || c == '.' || c.is_whitespace())
            .ends_with(" each");
        if self.who && self.count && self.group_by.is_empty() && each_last {
            self.group_by.push(WHO.to_vec());
        }
        self.seen_or_order();
        if self.p.shape.is_none() && self.timeline {
            self.p.shape = Some(PShape::Timeline {
                bucket: self.bucket,
                by: self.group_by.first().cloned(),
            });
        }
        if self.p.shape.is_none()
            && let Some((ti, num)) = self.top
        {
            self.top_shape(ti, num);
        }
        self.grouped_shape();
        if self.p.shape.is_none() && self.count {
            self.count_shape();
        }
        if self.p.shape.is_none()
            && let Some(m) = self.measure
        {
            self.p.shape = Some(PShape::Group {
                by: vec![],
                measure: m,
            });
        }
        if self.p.shape.is_none() && (self.distinct.is_some() || self.who) {
            self.distinct_shape();
        }
        if self.p.shape.is_none()
            && let Some((_, Some(num))) = self.top
        {
            self.p.limit = Some(num);
        }
        if self.p.shape.is_none() {
            self.list_shape();
        }
        if let Some(f) = self.sort_field.take() {
            // Resolved per table in `build`: the first field of the noun.
            self.p.sort_by = f.first().map(|x| x.1);
            if self.p.shape.is_none() {
                self.p.shape = Some(PShape::List);
            }
        }
        if self.p.raw && self.p.shape.is_none() {
            self.p.shape = Some(PShape::List);
        }
        // ("what errors came from 10.0.2.100 and how many of each?": counts
        // of the subject's values, when no list says what "each" is)
        if self.p.with_counts || (self.p.count_each && self.listed_field().is_none()) {
            self.p.shape = match self.p.shape.take() {
                Some(PShape::Distinct(f) | PShape::CountDistinct(f)) => Some(PShape::Group {
                    by: vec![f],
                    measure: Measure::Count,
                }),
                // "error codes seen in 2024, with counts": the subject's values.
                Some(PShape::List) | None => match self.subject.clone() {
                    Some((_, f)) => Some(PShape::Group {
                        by: vec![f],
                        measure: Measure::Count,
                    }),
                    None => Some(PShape::List),
                },
                other => other,
            };
        }
        // "starts versus stops, how many of each?": the listed values, each counted.
        if self.p.count_each
            && let Some(by) = self.listed_field()
        {
            self.p.shape = Some(PShape::Group {
                by: vec![by],
                measure: Measure::Count,
            });
        }
        if self.p.list_rows {
            self.p.shape = Some(PShape::List);
        }
    }

    /// The field of a condition that lists several values (an `IN` list).
    fn listed_field(&self) -> Option<Alts<Field>> {
        self.p.conds.iter().find_map(|c| {
            let listed: Alts<Field> = c
                .rules
                .iter()
                .filter(|(_, f)| matches!(&f.op, Op::In(vs) if vs.len() >= 2))
                .map(|(t, f)| (*t, f.field))
                .collect();
            (!c.negate && !listed.is_empty()).then_some(listed)
        })
    }

    /// "first"/"last": when something was first/last seen, else the order of rows.
    fn seen_or_order(&mut self) {
        let Some(fl) = self.first_last else {
            return;
        };
        let lower = &self.lower;
        let seen_words = lower.contains("when")
            || lower.contains("seen")
            || lower.contains("first time")
            || lower.contains("last time")
            || lower.contains("appear");
        if seen_words {
            let by = self.group_by.first().cloned();
            self.p.shape = Some(PShape::Seen { by });
        } else {
            self.p.order = Some(if fl == Intent::First {
                Order::Asc
            } else {
                Order::Desc
            });
        }
    }

    fn surface(&self, i: usize) -> &str {
        match &self.items[i] {
            Item::Concepts(_, s) => s,
            _ => "",
        }
    }

    /// Whether "which"/"distinct" was said as "distinct", "unique" or "different".
    fn asked_distinct(&self) -> bool {
        self.distinct
            .is_some_and(|d| matches!(self.surface(d), "distinct" | "unique" | "different"))
    }

    /// "top N …", "which user made the most calls": a ranked grouping (or
    /// sorted rows, for "the highest severity findings").
    fn top_shape(&mut self, ti: usize, num: Option<u64>) {
        let items = self.items;
        // "which single flow moved the most bytes", "the 5 largest flows":
        // flow records sorted by size, not sums per address.
        let one_flow = [
            "single flow",
            "individual flow",
            "largest flow",
            "biggest flow",
            "heaviest flow",
        ]
        .iter()
        .any(|w| self.lower.contains(w));
        if one_flow && self.group_by.is_empty() && !self.count {
            let f = match self.measure {
                Some(Measure::Packets) => Field::Packets,
                _ => Field::Bytes,
            };
            self.measure = None;
            self.p.table.get_or_insert(Table::VpcFlow);
            self.p.shape = Some(PShape::List);
            self.p.sort_by = Some(f);
            self.p.limit = Some(num.unwrap_or(if self.lower.contains("flows") { 10 } else { 1 }));
            return;
        }
        // "which two users … the most": the number after "which".
        let num = num.or_else(|| match self.distinct.map(|d| items.get(d + 1)) {
            Some(Some(Item::Number(k))) => Some(*k),
            _ => None,
        });
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
        let before = self
            .distinct
            .and_then(|d| head_noun(&self.nouns, d, items))
            .filter(|(si, _)| *si < ti);
        // "scanned the most ports": ports are what is counted, not the group.
        let measure = self.measure;
        let after = head_noun(&self.nouns, ti, items).filter(|(_, f)| {
            !(measure == Some(Measure::DistinctPorts)
                && f.iter().any(|(_, x)| *x == Field::DstPort))
        });
        let earlier = self.nouns.iter().rev().find(|(si, _)| *si < ti).cloned();
        let subj = match (before, after) {
            (Some(b), _) => Some(b),
            (None, Some(a)) if adjective(a.0) && earlier.is_some() => earlier,
            (None, Some(a)) => Some(a),
            (None, None) if self.group_by.is_empty() => earlier.or_else(|| {
                (measure == Some(Measure::DistinctPorts))
                    .then(|| (ti, vec![(Table::VpcFlow, Field::SrcAddr)]))
            }),
            _ => None,
        };
        let singular_subject = subj
            .as_ref()
            .is_some_and(|(si, _)| !self.surface(*si).ends_with('s'));
        // "the highest severity findings": sort the rows, do not group them.
        let sortable = subj.as_ref().and_then(|(_, f)| {
            f.iter()
                .find(|(_, x)| matches!(x, Field::Severity | Field::Bytes | Field::Packets))
                .map(|(_, x)| *x)
        });
        if let Some(f) = sortable
            .filter(|_| self.group_by.is_empty() && measure.is_none() && !self.count && !self.who)
        {
            self.p.shape = Some(PShape::List);
            self.p.sort_by = Some(f);
            self.p.limit = num.or(self.p.limit);
        }
        // "who are the top talkers": the subject names who (addresses).
        let flow_subject = subj
            .as_ref()
            .filter(|(_, f)| !f.is_empty() && f.iter().all(|(t, _)| *t == Table::VpcFlow));
        let by: Vec<Alts<Field>> = if !self.group_by.is_empty() {
            self.group_by.clone()
        } else if let Some((_, f)) = flow_subject {
            vec![f.clone()]
        } else if self.who {
            vec![WHO.to_vec()]
        } else if let Some((_, f)) = subj {
            vec![f]
        } else {
            vec![]
        };
        if self.p.shape.is_none() && (!by.is_empty() || measure.is_some()) {
            let by = if by.is_empty() {
                vec![vec![
                    (Table::VpcFlow, Field::SrcAddr),
                    (Table::Cloudtrail, Field::SourceIp),
                ]]
            } else {
                by
            };
            self.p.shape = Some(PShape::Group {
                by,
                measure: measure.unwrap_or(Measure::Count),
            });
            let singular = self.who || (self.distinct.is_some() && singular_subject);
            self.p.limit = num.or(self.p.limit).or(if singular {
                Some(1)
            } else if has_word(&self.lower, "top") {
                Some(10)
            } else {
                None
            });
        }
    }

    /// "by X": a grouping, counting rows or (for "distinct event names per
    /// service") distinct values.
    fn grouped_shape(&mut self) {
        if self.p.shape.is_some() || self.group_by.is_empty() {
            return;
        }
        if self.asked_distinct()
            && let Some((_, f)) = self
                .distinct
                .and_then(|d| head_noun(&self.nouns, d, self.items))
            && let Some((t, field)) = f.first().copied()
        {
            vote(self.p, t, 1);
            self.p.shape = Some(PShape::Group {
                by: self.group_by.clone(),
                measure: Measure::Distinct(field),
            });
            return;
        }
        self.p.shape = Some(PShape::Group {
            by: self.group_by.clone(),
            measure: self.measure.unwrap_or(Measure::Count),
        });
    }

    /// "how many …": a count, a count of distinct values, or a measure.
    fn count_shape(&mut self) {
        // "how many unique error codes": any field when asked for distinct values.
        let asked_distinct = self.asked_distinct();
        let distinct_subject = self
            .subject
            .clone()
            .filter(|(_, f)| asked_distinct || f.iter().all(|(_, x)| countable_distinct(*x)))
            .filter(|(i, _)| {
                !matches!(&self.items[*i], Item::Concepts(_, surface) if self.placed(surface))
            });
        self.p.shape = Some(match (self.measure, distinct_subject) {
            (Some(m), _) if m != Measure::DistinctPorts => PShape::Group {
                by: vec![],
                measure: m,
            },
            (_, Some((_, f))) => PShape::CountDistinct(f),
            _ => PShape::Count,
        });
    }

    /// "which users …", "who …": the distinct values of the subject.
    fn distinct_shape(&mut self) {
        // "which federated users …", "which root accounts …": a kind of
        // principal asked for is the principals.
        // (said together: not "what have federated users been doing")
        let kind_asked = self.distinct.is_some_and(|d| {
            matches!(self.items.get(d + 1), Some(Item::Concepts(cs, surface))
                if cs.iter().any(|c| matches!(c, Concept::Filter(rules)
                    if rules.iter().all(|(_, f)| f.field == Field::IdentityType)))
                    && self.lower.contains(&format!("{} {}", self.surface(d), surface.to_lowercase())))
        });
        let subj = if self.who || kind_asked {
            Some(WHO.to_vec())
        } else {
            self.distinct
                .and_then(|d| head_noun(&self.nouns, d, self.items))
                .filter(|(si, _)| self.distinct.is_some_and(|d| *si <= d + 4))
                .map(|(_, f)| f)
        };
        // "which commands were run on instances through SSM": the API
        // action's events, not a flow or finding field of its object.
        let actions = self
            .p
            .conds
            .iter()
            .chain(self.pending.iter().map(|(_, c)| c))
            .any(|c| {
                !c.negate
                    && c.rules
                        .iter()
                        .all(|(t, f)| *t == Table::Cloudtrail && f.field == Field::EventName)
            });
        let subj = subj.filter(|f| !(actions && f.iter().all(|(t, _)| *t != Table::Cloudtrail)));
        if let Some(f) = subj
            && (!f
                .iter()
                .all(|(_, x)| matches!(x, Field::ErrorCode | Field::Action))
                || self.lower.contains("distinct")
                || self.lower.contains("unique")
                || self.lower.contains("error codes"))
        {
            self.p.shape = Some(PShape::Distinct(f));
        }
    }

    /// "list users", "show the regions": the values of a field.
    fn list_shape(&mut self) {
        let items = self.items;
        let Some(li) = items
            .iter()
            .position(|it| has(it, |c| matches!(c, Concept::Intent(Intent::List))).is_some())
        else {
            return;
        };
        let object = items
            .iter()
            .enumerate()
            .skip(li + 1)
            .find(|(_, it)| has(it, |c| matches!(c, Concept::Generic)).is_none());
        if let Some((oi, Item::Concepts(cs, surface))) = object
            && surface.ends_with('s')
            && !self.placed(surface)
            && let Some(Concept::Noun { fields, .. }) = cs.first().copied()
            && fields.iter().all(|(_, f)| {
                countable_distinct(*f)
                    || *f == Field::ErrorMessage
                    || (*f == Field::EventName && surface.contains("name"))
            })
            && self.nouns.iter().any(|(ni, _)| *ni == oi)
        {
            self.p.shape = Some(PShape::Distinct(fields.clone()));
        }
    }

    // Step 5.

    /// The fields of a grouping vote for their tables.
    fn implied_tables(&mut self) {
        if let Some(PShape::Group { by, .. }) = self.p.shape.clone() {
            for alts in by {
                if alts.len() == 1 {
                    vote(self.p, alts[0].0, 1);
                }
            }
        }
    }
}

/// GuardDuty's `resource.resourceType` of the findings about a resource.
fn finding_resource(name: &str) -> Option<&'static str> {
    Some(match name {
        "S3 buckets" => "S3Bucket",
        "EC2 instances" => "Instance",
        "access keys" => "AccessKey",
        _ => return None,
    })
}

/// The items, as concepts (or `None`).
pub(super) fn concepts<'a, 'b>(it: &'b Item<'a>) -> &'b [&'a Concept] {
    match it {
        Item::Concepts(cs, _) => cs,
        _ => &[],
    }
}

pub(super) fn has<'a>(it: &Item<'a>, f: impl Fn(&Concept) -> bool) -> Option<&'a Concept> {
    concepts(it).iter().copied().find(|c| f(c))
}

/// "who": the caller of an API call; in flow logs, the address that sent
/// the traffic ("who is connecting to port 5432").
const WHO: [(Table, Field); 2] = [
    (Table::Cloudtrail, Field::User),
    (Table::VpcFlow, Field::SrcAddr),
];

fn noun_fields(c: &Concept) -> Option<Alts<Field>> {
    match c {
        Concept::Noun { fields, .. } => Some(fields.clone()),
        Concept::Resource(r) => r.field.map(|f| vec![(Table::Cloudtrail, f)]),
        Concept::Intent(Intent::Who) => Some(WHO.to_vec()),
        _ => None,
    }
}

fn is_noun(c: &Concept) -> bool {
    noun_fields(c).is_some() && !matches!(c, Concept::Intent(_))
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
    // "API calls failed": a trailing error noun is an adjective, not the head.
    let adjective = |i: usize| matches!(&items[i], Item::Concepts(_, s) if matches!(s.as_str(), "failed" | "failing" | "fail" | "unsuccessful" | "errored" | "erroring"));
    // "which user agents call IAM", "which accounts had failed API calls":
    // the subject ends before a verb-like noun.
    let ends = |i: usize| {
        adjective(i)
            || matches!(&items[i], Item::Concepts(_, s) if matches!(s.as_str(), "call" | "calls" | "api call" | "api calls" | "called" | "calling"))
    };
    // "which users had errors": a plural noun ends its phrase (modifiers are
    // singular: "user agents", not "users agents").
    let plural = |i: usize| {
        matches!(&items[i], Item::Concepts(_, s)
            if s.ends_with('s') && !s.ends_with("ss") && !s.ends_with("us"))
    };
    while k + 1 < nouns.len()
        && nouns[k + 1].0 == nouns[k].0 + 1
        && !ends(nouns[k + 1].0)
        && !plural(nouns[k].0)
    {
        k += 1;
    }
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
    // ("accepted vs rejected": where only one of them also reads elsewhere,
    // the values they share a table in)
    if last.rules.len() != c.rules.len() {
        let tables: Vec<Table> = c.rules.iter().map(|(t, _)| *t).collect();
        let common = |rules: &Alts<Filter>| -> Alts<Filter> {
            rules
                .iter()
                .filter(|(t, f)| tables.contains(t) && matches!(f.op, Op::Eq(_) | Op::In(_)))
                .cloned()
                .collect()
        };
        let (mine, theirs) = (common(&last.rules), common(&c.rules));
        if mine.is_empty()
            || mine.len() != theirs.len()
            || mine.iter().zip(&theirs).any(|((a, _), (b, _))| a != b)
        {
            return false;
        }
        let mut narrowed = Cond {
            rules: mine,
            ..last.clone()
        };
        let theirs = Cond {
            rules: theirs,
            ..c.clone()
        };
        if !merge_in(&mut narrowed, &theirs) {
            return false;
        }
        *last = narrowed;
        return true;
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
        if !vs.contains(v2) {
            vs.push(v2.clone());
        }
        f1.op = if vs.len() == 1 {
            Op::Eq(vs.remove(0))
        } else {
            Op::In(vs)
        };
    }
    last.words = format!("{}, {}", last.words, c.words);
    true
}

/// Whether the account `id` is said as the caller's ("from account …",
/// "callers in account …", "IAM users in account …"), and if so whether
/// the callers are outside it ("callers outside account …").
fn caller_account(lower: &str, id: &str) -> Option<bool> {
    static CALLER: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?:\b(?P<out>outside(?: of)?)|\bfrom|\b(?:callers?|users|roles|principals|identities) (?:(?:made|making|who|that|calls?|api|did|have|has) ){0,3}(?:in|of|from|belonging to)) (?:the |our |aws )?accounts? $",
        )
        .expect("caller account pattern")
    });
    let at = lower.find(id)?;
    let m = CALLER.captures(&lower[..at])?;
    Some(m.name("out").is_some())
}

/// Whether the IAM action `name` acts on a user named in its request
/// (`userName`): keys, passwords, MFA devices, policies of a user.
fn acts_on_user(name: &str) -> bool {
    [
        "AccessKey",
        "LoginProfile",
        "MFADevice",
        "UserPolicy",
        "SSHPublicKey",
        "UserToGroup",
        "UserFromGroup",
    ]
    .iter()
    .any(|k| name.contains(k))
        || matches!(name, "CreateUser" | "DeleteUser" | "UpdateUser" | "TagUser")
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
            if bits == "0" {
                // "opened to 0.0.0.0/0": every address, as a rule's request says it.
                vote(p, Cloudtrail, 2);
                return Some(Cond {
                    rules: vec![(
                        Cloudtrail,
                        Filter::new(Field::Text, Op::Like(format!("%{}%", e.value))),
                    )],
                    negate: false,
                    words: e.value.clone(),
                    optional: false,
                });
            }
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
        Kind::InstanceType => {
            vote(p, Cloudtrail, 2);
            vec![(
                Cloudtrail,
                Filter::new(Field::Text, Op::Like(format!("%{}%", e.value))),
            )]
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
                "Required",
                "Exceeded",
                "Throttl",
                "Conflict",
                "AlreadyExists",
                "InUse",
                "Forbidden",
                "DryRun",
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
                // Not an API action (those are event names already): a value
                // of the request ("the AdministratorAccess policy").
                _ => vec![(
                    Cloudtrail,
                    Filter::new(Field::Text, Op::Like(format!("%{}%", e.value))),
                )],
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
