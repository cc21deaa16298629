//! Follow-ups edit the previous plan instead of starting over: new filters
//! are added (replacing an earlier one on the same field), a new time range
//! or shape replaces the old one, "show the raw events" goes back to rows,
//! and naming another table ("now VPC flow logs for that IP") switches
//! tables, keeping the conditions that mean the same thing there (address,
//! account, region).

use super::plan::{Parsed, filters_for, resolve_shape};
use super::spec::{
    Field, Filter, Measure, Op, Order, QuerySpec, Shape, Table, TimeRange, TimeUnit, Value,
};
use chrono::{DateTime, Datelike, Duration, Months, Utc};

/// A filter moved to another table, if it means something there.
fn carry(f: &Filter, to: Table) -> Option<Filter> {
    let field = match (f.field, to) {
        (Field::SourceIp | Field::SrcAddr | Field::DstAddr | Field::Ip, Table::Cloudtrail) => {
            Field::SourceIp
        }
        (Field::SourceIp | Field::SrcAddr | Field::DstAddr | Field::Ip, _) => Field::Ip,
        (Field::Region | Field::Account, _) => f.field,
        (Field::Instance, Table::VpcFlow | Table::Guardduty) => Field::Instance,
        _ => return None,
    };
    Some(Filter {
        field,
        op: f.op.clone(),
        negate: f.negate,
    })
}

/// The range before `t`: a calendar unit earlier ("and the year before?"
/// after "in 2024" is 2023), else the same length just before it.
fn shifted_back(t: &TimeRange, unit: &str, now: DateTime<Utc>) -> TimeRange {
    let (start, end) = match t {
        TimeRange::Absolute { start, end, .. } => (*start, end.unwrap_or(now)),
        TimeRange::Rolling { amount, unit } => {
            let n = i64::from(*amount);
            let span = match unit {
                TimeUnit::Minute => Duration::minutes(n),
                TimeUnit::Hour => Duration::hours(n),
                TimeUnit::Day => Duration::days(n),
                TimeUnit::Week => Duration::days(7 * n),
                TimeUnit::Month => Duration::days(30 * n),
            };
            (now - span, now)
        }
    };
    let back = |d: DateTime<Utc>| match unit {
        "year" => d.checked_sub_months(Months::new(12)),
        "month" => d.checked_sub_months(Months::new(1)),
        "week" => d.checked_sub_signed(Duration::days(7)),
        "day" => d.checked_sub_signed(Duration::days(1)),
        _ => d.checked_sub_signed(end - start),
    };
    // "this week" runs up to now: the week before is the whole week.
    let open = matches!(t, TimeRange::Absolute { end: None, .. }) && unit != "period";
    let end = if open {
        back(end).map(|_| start)
    } else {
        back(end)
    };
    match (back(start), end) {
        (Some(s), Some(e)) => TimeRange::Absolute {
            start: s,
            end: Some(e),
            label: format!("the {unit} before"),
        },
        _ => t.clone(),
    }
}

/// Applies a follow-up to the previous plan. `Err` lists the words that do
/// not apply to the table the conversation is about.
pub(crate) fn apply(prev: &QuerySpec, p: &Parsed) -> Result<QuerySpec, Vec<String>> {
    let table = p.table.unwrap_or(prev.table);
    let mut spec = prev.clone();
    if table != prev.table {
        spec = QuerySpec::new(table);
        spec.time = prev.time.clone();
        spec.filters = prev
            .filters
            .iter()
            .filter_map(|f| carry(f, table))
            .collect();
        spec.shape = match &prev.shape {
            Shape::List => Shape::List,
            s => {
                let ok = match s {
                    Shape::Group { by, .. } => by.iter().all(|f| f.in_table(table)),
                    Shape::Distinct { field } | Shape::CountDistinct { field } => {
                        field.in_table(table)
                    }
                    Shape::Timeline { by, .. } | Shape::Seen { by } => {
                        by.is_none_or(|f| f.in_table(table))
                    }
                    _ => true,
                };
                if ok { s.clone() } else { Shape::List }
            }
        };
    }
    if let Some(t) = &p.time {
        spec.time = Some(match (p.month_only, t, &spec.time) {
            // "and in August?" after "in July 2024": August 2024.
            (
                true,
                TimeRange::Absolute { start, label, .. },
                Some(TimeRange::Absolute { start: before, .. }),
            ) => same_month_in_year(*start, label, before.year()).unwrap_or_else(|| t.clone()),
            _ => t.clone(),
        });
    } else if p.all_time {
        spec.time = None;
    } else if let (Some(unit), Some(t)) = (p.shift_back, &spec.time) {
        spec.time = Some(shifted_back(t, unit, p.now));
    }
    // "what about across all accounts?": the account conditions go.
    for w in &p.widen {
        spec.filters.retain(|f| {
            !(f.field == *w
                || (*w == crate::nl::spec::Field::Account
                    && f.field == crate::nl::spec::Field::CallerAccount))
        });
    }
    let mut bad = Vec::new();
    for c in &p.conds {
        // "who created them?", "only successful launches": a bare verb does
        // not replace the actions already asked about.
        if c.optional
            && spec
                .filters
                .iter()
                .any(|f| f.field == crate::nl::spec::Field::EventName && !f.negate)
        {
            continue;
        }
        match filters_for(c, table) {
            // "include the serial console key pushes too": more actions.
            Some(fs) if p.also => fs.into_iter().for_each(|f| {
                if !also_event(&mut spec, &f) {
                    spec.add_filter(f)
                }
            }),
            Some(fs) => fs.into_iter().for_each(|f| {
                let f = same_side(&spec, f);
                let f = if p.verbless_resource {
                    same_action(&spec, f)
                } else {
                    f
                };
                spec.add_filter(f)
            }),
            None => bad.push(format!("\"{}\"", c.words)),
        }
    }
    if !bad.is_empty() {
        return Err(bad);
    }
    if p.raw {
        spec.shape = Shape::List;
        spec.limit = None;
        spec.order = Order::Desc;
    }
    if let Some(s) = &p.shape {
        match resolve_shape(s, table) {
            // "break that down by error code as well": one more grouping key.
            Some(Shape::Group { by, measure })
                if p.also && matches!(spec.shape, Shape::Group { .. }) =>
            {
                if let Shape::Group { by: old, .. } = &spec.shape {
                    let mut all = old.clone();
                    all.extend(by.into_iter().filter(|f| !old.contains(f)));
                    spec.shape = Shape::Group { by: all, measure };
                }
            }
            // "total bytes per source" … "by destination instead": the
            // grouping changes, what is measured stays.
            Some(Shape::Group {
                by,
                measure: Measure::Count,
            }) if !p.counted
                && matches!(&spec.shape, Shape::Group { measure, .. } if *measure != Measure::Count) =>
            {
                if let Shape::Group { measure, .. } = &spec.shape {
                    spec.shape = Shape::Group {
                        by,
                        measure: *measure,
                    };
                }
            }
            Some(s) => {
                if !matches!(s, Shape::Group { .. })
                    || !matches!(spec.shape, Shape::Group { .. })
                    || p.limit.is_none()
                {
                    spec.limit = None;
                }
                spec.shape = s;
            }
            None => return Err(vec!["the grouping".into()]),
        }
    }
    // "show flows to port 443" … "what about 5432?": the port, not a limit.
    let port = p.lone_number.filter(|n| *n <= 65535).and_then(|n| {
        let f = spec.filters.iter_mut().find(|f| {
            !f.negate
                && matches!(f.field, Field::DstPort | Field::SrcPort)
                && matches!(f.op, Op::Eq(_))
        })?;
        f.op = Op::Eq(Value::Int(n as i64));
        Some(n)
    });
    if let Some(n) = p.limit.filter(|_| port.is_none()) {
        spec.limit = Some(n);
    }
    if let Some(o) = p.order {
        spec.order = o;
    }
    if p.sort_by.is_some() {
        spec.sort_by = p.sort_by;
    }
    Ok(spec)
}

/// "who deleted RDS instances?" … "same for DB snapshots": of the new
/// resource's events, those with the previous actions' verb
/// (`DeleteDBSnapshot`), when it has any.
fn same_action(spec: &QuerySpec, mut f: Filter) -> Filter {
    use crate::nl::spec::{Field, Op, Value};
    if f.field != Field::EventName || f.negate {
        return f;
    }
    let new = match &f.op {
        Op::In(vs) => vs.clone(),
        Op::Eq(v) => vec![v.clone()],
        _ => return f,
    };
    // (the operation's first word, as the catalogue splits names)
    let verb = |n: &str| -> String {
        crate::nl::actions::split_name(n)
            .into_iter()
            .next()
            .unwrap_or_default()
    };
    let mut verbs: Vec<String> = Vec::new();
    for x in spec
        .filters
        .iter()
        .filter(|x| x.field == Field::EventName && !x.negate)
    {
        match &x.op {
            Op::Eq(Value::Text(n)) => verbs.push(verb(n)),
            Op::In(vs) => verbs.extend(vs.iter().filter_map(|v| match v {
                Value::Text(n) => Some(verb(n)),
                _ => None,
            })),
            _ => return f,
        }
    }
    verbs.sort();
    verbs.dedup();
    let [previous] = verbs.as_slice() else {
        return f;
    };
    let mut kept: Vec<Value> = new
        .iter()
        .filter(|v| matches!(v, Value::Text(n) if verb(n) == *previous))
        .cloned()
        .collect();
    // (none: the same object under the previous verb, if AWS has that action:
    // `CreateDBSnapshot` read alone becomes `DeleteDBSnapshot`)
    if kept.is_empty() {
        for v in &new {
            let Value::Text(n) = v else { continue };
            let swapped = format!("{previous}{}", &n[verb(n).len().min(n.len())..]);
            if let Some(names) = crate::nl::actions::CATALOGUE.operation(&swapped) {
                for name in names.names {
                    let v = Value::text(name);
                    if !kept.contains(&v) {
                        kept.push(v);
                    }
                }
            }
        }
    }
    f.op = match kept.len() {
        0 => return f,
        1 => Op::Eq(kept[0].clone()),
        _ => Op::In(kept),
    };
    f
}

/// An address said on no side ("same for 92.55.146.245") after flows from
/// (or to) one address: the other address on that same side.
fn same_side(spec: &QuerySpec, mut f: Filter) -> Filter {
    use crate::nl::spec::Field;
    if f.field != Field::Ip || f.negate || !matches!(f.op, crate::nl::spec::Op::Eq(_)) {
        return f;
    }
    let sides: Vec<Field> = spec
        .filters
        .iter()
        .filter(|x| {
            !x.negate
                && matches!(x.field, Field::SrcAddr | Field::DstAddr | Field::Ip)
                && matches!(x.op, crate::nl::spec::Op::Eq(_))
        })
        .map(|x| x.field)
        .collect();
    if let [side @ (Field::SrcAddr | Field::DstAddr)] = sides.as_slice() {
        f.field = *side;
    }
    f
}

/// The month starting at `start`, in `year` instead.
fn same_month_in_year(
    start: chrono::DateTime<chrono::Utc>,
    label: &str,
    year: i32,
) -> Option<TimeRange> {
    use chrono::TimeZone;
    let first = chrono::NaiveDate::from_ymd_opt(year, start.month(), 1)?;
    let at = |d: chrono::NaiveDate| {
        chrono::Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))
    };
    let name = label.split_whitespace().next().unwrap_or(label);
    Some(TimeRange::Absolute {
        start: at(first),
        end: Some(at(first.checked_add_months(Months::new(1))?)),
        label: format!("{name} {year}"),
    })
}

/// Adds the actions of `f` to the actions already asked about ("… too"),
/// if both are plain lists of event names.
fn also_event(spec: &mut QuerySpec, f: &Filter) -> bool {
    use crate::nl::spec::{Op, Value};
    if f.field != Field::EventName || f.negate {
        return false;
    }
    let names = |op: &Op| -> Option<Vec<Value>> {
        match op {
            Op::Eq(v) => Some(vec![v.clone()]),
            Op::In(vs) => Some(vs.clone()),
            _ => None,
        }
    };
    let Some(new) = names(&f.op) else {
        return false;
    };
    let Some(old) = spec
        .filters
        .iter_mut()
        .find(|o| o.field == Field::EventName && !o.negate && names(&o.op).is_some())
    else {
        return false;
    };
    let mut all = names(&old.op).unwrap_or_default();
    for v in new {
        if !all.contains(&v) {
            all.push(v);
        }
    }
    old.op = Op::In(all);
    true
}
