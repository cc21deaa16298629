//! One sentence saying what a plan shows, printed with every answer so the
//! analyst can check the translator understood ("CloudTrail events where
//! the identity type is Root, this week (Mon 23 Nov 00:00 – now, UTC),
//! newest first").

use chrono::{DateTime, Utc};

use super::spec::{Field, Filter, Measure, Op, Order, QuerySpec, Shape, TimeRange, Value};

/// Renders the interpretation of `spec` as of `now`.
pub fn interpret(spec: &QuerySpec, now: DateTime<Utc>) -> String {
    let rows = spec.table.rows_label();
    let mut s = match &spec.shape {
        Shape::List => rows.to_string(),
        Shape::Count => format!("Number of {rows}"),
        Shape::CountDistinct { field } => {
            format!("Number of distinct {} in {rows}", plural(field.label()))
        }
        Shape::Group { by, measure } => {
            let what = match measure {
                Measure::Count => format!("Number of {rows}"),
                Measure::Bytes => format!("Total bytes of {rows}"),
                Measure::Packets => format!("Total packets of {rows}"),
                Measure::MaxSeverity => format!("Highest severity of {rows}"),
                Measure::DistinctPorts => format!("Distinct destination ports in {rows}"),
                Measure::Distinct(f) => {
                    format!("Number of distinct {} in {rows}", plural(f.label()))
                }
            };
            if by.is_empty() {
                what
            } else {
                format!("{what} per {}", labels(by))
            }
        }
        Shape::Distinct { field } => format!("Distinct {} in {rows}", plural(field.label())),
        Shape::Timeline { bucket, by } => {
            let mut s = format!("Number of {rows} per {}", bucket.unit());
            if let Some(b) = by {
                s.push_str(&format!(" and {}", b.label()));
            }
            s
        }
        Shape::Seen { by } => {
            let mut s = format!("First and last time of {rows}");
            if let Some(b) = by {
                s.push_str(&format!(" per {}", b.label()));
            }
            s
        }
    };
    if !spec.filters.is_empty() {
        let conds: Vec<String> = spec.filters.iter().map(condition).collect();
        s.push_str(" where ");
        s.push_str(&conds.join(" and "));
    }
    match &spec.time {
        Some(t) => {
            s.push_str(", ");
            s.push_str(&time(t, now));
        }
        None => s.push_str(", all time"),
    }
    match &spec.shape {
        Shape::List => match spec.sort_by {
            Some(f) => s.push_str(&format!(
                ", {} {} first",
                match spec.order {
                    Order::Desc => "highest",
                    Order::Asc => "lowest",
                },
                f.label()
            )),
            None => s.push_str(match spec.order {
                Order::Desc => ", newest first",
                Order::Asc => ", oldest first",
            }),
        },
        Shape::Group { by, .. } if !by.is_empty() => s.push_str(match spec.order {
            Order::Desc => ", largest first",
            Order::Asc => ", smallest first",
        }),
        _ => {}
    }
    if let Some(n) = spec.more_than {
        s.push_str(&format!(", only groups with more than {n}"));
    }
    if let Some(n) = spec.limit {
        match &spec.shape {
            Shape::Group { .. } => s.push_str(&format!(", top {n}")),
            _ => s.push_str(&format!(", at most {n} rows")),
        }
    }
    s
}

fn plural(w: &str) -> String {
    if w.ends_with('s') {
        format!("{w}es")
    } else {
        format!("{w}s")
    }
}

fn labels(fs: &[Field]) -> String {
    fs.iter()
        .map(|f| f.label())
        .collect::<Vec<_>>()
        .join(" and ")
}

fn value(v: &Value) -> String {
    match v {
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Text(t) => t.clone(),
    }
}

fn condition(f: &Filter) -> String {
    let label = f.field.label();
    let not = if f.negate { "not " } else { "" };
    match &f.op {
        Op::Eq(v) if f.field == Field::User => format!("the user is {not}{}", value(v)),
        Op::Eq(v) => format!("the {label} is {not}{}", value(v)),
        Op::In(vs) => format!(
            "the {label} is {not}one of {}",
            vs.iter().map(value).collect::<Vec<_>>().join(", ")
        ),
        Op::Like(p) => format!(
            "the {label} {}matches {p}",
            if f.negate { "does not " } else { "" }
        )
        .replace("does not matches", "does not match"),
        Op::LikeAny(ps) => format!(
            "the {label} {} {}",
            if f.negate {
                "matches none of"
            } else {
                "matches"
            },
            ps.join(" or ")
        ),
        Op::NotNull if f.field == Field::ErrorCode => {
            if f.negate {
                "the call succeeded".into()
            } else {
                "the call failed".into()
            }
        }
        Op::IsNull if f.field == Field::ErrorCode => {
            if f.negate {
                "the call failed".into()
            } else {
                "the call succeeded".into()
            }
        }
        Op::NotNull => format!("the {label} is {}set", if f.negate { "not " } else { "" }),
        Op::IsNull => format!("the {label} is {}set", if f.negate { "" } else { "not " }),
        Op::Ge(v) => format!("the {label} is {}at least {}", not, value(v)),
        Op::Lt(v) => format!("the {label} is {}below {}", not, value(v)),
        Op::Gt(v) => format!("the {label} is {}above {}", not, value(v)),
        Op::Le(v) => format!("the {label} is {}at most {}", not, value(v)),
        Op::OtherThan(o) => format!(
            "the {label} {} the {}",
            if f.negate { "is" } else { "differs from" },
            o.label()
        ),
    }
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%a %d %b %Y %H:%M").to_string()
}

/// A time range in words.
pub fn time(t: &TimeRange, now: DateTime<Utc>) -> String {
    match t {
        TimeRange::Rolling { amount, unit } => {
            if *amount == 1 {
                format!("in the last {}", unit.word())
            } else {
                format!("in the last {amount} {}s", unit.word())
            }
        }
        TimeRange::Absolute { start, end, label } => {
            let end = match end {
                Some(e) if *e <= now => stamp(*e),
                _ => "now".into(),
            };
            format!("{label} ({} – {end}, UTC)", stamp(*start))
        }
    }
}
