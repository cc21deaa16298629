//! What the translator understood of a question ([`Parsed`]: table votes,
//! conditions and the answer's shape, each with per-table alternatives until
//! the table is chosen), and how it becomes a [`QuerySpec`] ([`build`]). The
//! follow-up editor uses the same pieces to change a previous plan.

use super::spec::{
    Bucket, Field, Filter, Measure, Order, QuerySpec, Shape, Table, TimeRange, TimeUnit,
};

/// Per-table alternatives of one thing (a filter, a field).
pub(crate) type Alts<T> = Vec<(Table, T)>;

/// One condition before the table is known.
#[derive(Debug, Clone)]
pub(crate) struct Cond {
    pub(crate) rules: Alts<Filter>,
    pub(crate) negate: bool,
    /// Words it came from (for messages).
    pub(crate) words: String,
    /// Dropped (not an error) when the table has no such condition.
    pub(crate) optional: bool,
}

/// The answer shape before the table is known.
#[derive(Debug, Clone)]
pub(crate) enum PShape {
    List,
    Count,
    CountDistinct(Alts<Field>),
    Group {
        by: Vec<Alts<Field>>,
        measure: Measure,
    },
    Distinct(Alts<Field>),
    Timeline {
        bucket: Option<Bucket>,
        by: Option<Alts<Field>>,
    },
    Seen {
        by: Option<Alts<Field>>,
    },
}

/// Everything understood from one question.
#[derive(Debug, Clone, Default)]
pub(crate) struct Parsed {
    pub(crate) table: Option<Table>,
    pub(crate) votes: [i32; 3],
    pub(crate) time: Option<TimeRange>,
    pub(crate) conds: Vec<Cond>,
    pub(crate) shape: Option<PShape>,
    pub(crate) limit: Option<u64>,
    pub(crate) order: Option<Order>,
    /// Marks of a follow-up ("only", "instead", "same", leading "by").
    pub(crate) followup: bool,
    /// Refers to the previous answer ("that IP").
    pub(crate) that: bool,
    /// Asks for the rows behind an aggregate.
    pub(crate) raw: bool,
    /// Words understood / not understood.
    pub(crate) understood: usize,
    pub(crate) unknown: Vec<String>,
    /// Whether anything names log data (table, filter, value, field).
    pub(crate) anchor: bool,
    pub(crate) corrections: Vec<(String, String)>,
    /// Concepts that do not apply to the chosen table.
    pub(crate) inapplicable: Vec<String>,
    /// A hard reason to decline (unsupported value).
    pub(crate) refusal: Option<String>,
    /// The query clock.
    pub(crate) now: chrono::DateTime<chrono::Utc>,
    /// Sort rows by this field ("highest severity").
    pub(crate) sort_by: Option<Field>,
    /// HAVING count(*) > n.
    pub(crate) more_than: Option<u64>,
    /// "what about all time?": no time range.
    pub(crate) all_time: bool,
    /// "by error code as well": add to the previous grouping, not replace it.
    pub(crate) also: bool,
    /// A resource said without a verb ("same for DB snapshots"): a follow-up
    /// keeps the previous question's action on it.
    pub(crate) verbless_resource: bool,
    /// "…, and how many?", "with counts": each value of the subject with its count.
    pub(crate) with_counts: bool,
    /// "what about 5432?": a number said alone (a port after port questions).
    pub(crate) lone_number: Option<u64>,
    /// "starts versus stops, how many of each?": one count per value listed.
    pub(crate) count_each: bool,
    /// The question asks for a count in words ("how many", "count").
    pub(crate) counted: bool,
    /// "who …? show the events": the rows, whatever else shaped the answer.
    pub(crate) list_rows: bool,
    /// "and the year before?": the previous range moved back by this unit.
    pub(crate) shift_back: Option<&'static str>,
    /// The time is a month said without its year ("and in August?").
    pub(crate) month_only: bool,
    /// Conditions to drop from the previous question ("what about across
    /// all accounts?").
    pub(crate) widen: Vec<Field>,
}

impl Parsed {
    /// Whether the question edits the previous answer rather than asking anew.
    pub(crate) fn is_followup(&self) -> bool {
        let content = self.table.is_some() || !self.conds.is_empty() || self.time.is_some();
        if self.all_time {
            return true;
        }
        self.followup || self.that || !self.anchor || !content
    }

    pub(crate) fn best_table(&self) -> Option<Table> {
        if self.votes.iter().all(|v| *v == 0) {
            return None;
        }
        let max = *self.votes.iter().max().unwrap_or(&0);
        // Ties go to CloudTrail, then VPC flow.
        Table::ALL
            .into_iter()
            .enumerate()
            .find(|(i, _)| self.votes[*i] == max)
            .map(|(_, t)| t)
    }

    pub(crate) fn confidence(&self, in_conversation: bool) -> f32 {
        if !self.anchor && !in_conversation {
            return 0.0;
        }
        if !self.inapplicable.is_empty() {
            return 0.0;
        }
        let unknown = self.unknown.len() as f32;
        let known = self.understood as f32;
        if known == 0.0 {
            return 0.0;
        }
        let penalty = self.corrections.len() as f32 * 0.05;
        // A value-like word we do not know (an id, a code) cannot be ignored.
        if self.unknown.iter().any(|w| {
            w.chars()
                .any(|c| c.is_ascii_digit() || "._:/-@".contains(c))
        }) {
            return 0.0;
        }
        (known / (known + 2.0 * unknown) - penalty).clamp(0.0, 1.0)
    }
}

/// The table a parse is about (explicit, else by votes, else CloudTrail).
pub(crate) fn choose_table(p: &Parsed) -> Table {
    p.table
        .or_else(|| p.best_table())
        .unwrap_or(Table::Cloudtrail)
}

/// Resolves per-table alternatives for `t`.
pub(crate) fn pick<T: Clone>(alts: &Alts<T>, t: Table) -> Option<T> {
    alts.iter().find(|(x, _)| *x == t).map(|(_, v)| v.clone())
}

/// Every filter of a condition for table `t` (a range is two), negated as asked.
pub(crate) fn filters_for(c: &Cond, t: Table) -> Option<Vec<Filter>> {
    if c.optional && !c.rules.iter().any(|(x, _)| *x == t) {
        return Some(Vec::new());
    }
    let fs: Vec<Filter> = c
        .rules
        .iter()
        .filter(|(x, _)| *x == t)
        .map(|(_, f)| {
            if c.negate {
                f.clone().negated()
            } else {
                f.clone()
            }
        })
        .collect();
    (!fs.is_empty()).then_some(fs)
}

/// Resolves the shape for table `t`; `None` when a field does not exist there.
pub(crate) fn resolve_shape(s: &PShape, t: Table) -> Option<Shape> {
    Some(match s {
        PShape::List => Shape::List,
        PShape::Count => Shape::Count,
        PShape::CountDistinct(f) => Shape::CountDistinct { field: pick(f, t)? },
        PShape::Group { by, measure } => {
            let fits = match measure {
                Measure::Count | Measure::Distinct(_) => true,
                Measure::MaxSeverity => t == Table::Guardduty,
                _ => t == Table::VpcFlow,
            };
            if !fits {
                return None;
            }
            Shape::Group {
                by: by.iter().map(|a| pick(a, t)).collect::<Option<Vec<_>>>()?,
                measure: *measure,
            }
        }
        PShape::Distinct(f) => Shape::Distinct { field: pick(f, t)? },
        PShape::Timeline { bucket, by } => Shape::Timeline {
            bucket: bucket.unwrap_or(Bucket::Hour),
            by: match by {
                Some(b) => Some(pick(b, t)?),
                None => None,
            },
        },
        PShape::Seen { by } => Shape::Seen {
            by: match by {
                Some(b) => Some(pick(b, t)?),
                None => None,
            },
        },
    })
}

/// A default timeline bucket for the time range: minutes up to 2 hours, hours up to 3 days, else days.
pub(crate) fn default_bucket(
    range: Option<&TimeRange>,
    now: chrono::DateTime<chrono::Utc>,
) -> Bucket {
    let hours = match range {
        Some(TimeRange::Rolling { amount, unit }) => match unit {
            TimeUnit::Minute => i64::from(*amount) / 60,
            TimeUnit::Hour => i64::from(*amount),
            TimeUnit::Day => i64::from(*amount) * 24,
            TimeUnit::Week => i64::from(*amount) * 24 * 7,
            TimeUnit::Month => i64::from(*amount) * 24 * 30,
        },
        Some(TimeRange::Absolute { start, end, .. }) => (end.unwrap_or(now) - *start).num_hours(),
        None => 24 * 30,
    };
    if hours <= 2 {
        Bucket::Minute
    } else if hours <= 72 {
        Bucket::Hour
    } else {
        Bucket::Day
    }
}

/// Builds a fresh plan from a parse; `Err` lists the words that do not fit the table.
pub(crate) fn build(p: &Parsed) -> Result<QuerySpec, Vec<String>> {
    let t = choose_table(p);
    let mut spec = QuerySpec::new(t);
    spec.time = p.time.clone();
    let mut bad = Vec::new();
    for c in &p.conds {
        match filters_for(c, t) {
            Some(fs) => fs.into_iter().for_each(|f| spec.add_filter(f)),
            None => bad.push(format!("\"{}\"", c.words)),
        }
    }
    if !bad.is_empty() {
        return Err(bad);
    }
    if let Some(s) = &p.shape {
        spec.shape = resolve_shape(s, t).ok_or_else(|| vec!["the grouping".to_string()])?;
    }
    if let Shape::Timeline { bucket, .. } = &mut spec.shape
        && !matches!(
            &p.shape,
            Some(PShape::Timeline {
                bucket: Some(_),
                ..
            })
        )
    {
        *bucket = default_bucket(p.time.as_ref(), p.now);
    }
    spec.order = p.order.unwrap_or(Order::Desc);
    spec.limit = p.limit;
    spec.sort_by = p.sort_by.filter(|f| f.in_table(t));
    spec.more_than = p.more_than;
    if let (Some(_), Shape::Distinct { field }) = (p.more_than, &spec.shape) {
        // "which IPs failed more than once": values seen more than n times.
        spec.shape = Shape::Group {
            by: vec![*field],
            measure: Measure::Count,
        };
    }
    if p.more_than.is_some() && !matches!(spec.shape, Shape::Group { .. }) {
        return Err(vec![
            "\"more than …\" without something to count per".to_string(),
        ]);
    }
    Ok(spec)
}
