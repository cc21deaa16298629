//! [`QuerySpec`] → Athena (Trino) SQL. The one place plans become SQL; the
//! result still goes through the SQL guard like any other statement.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::fields::default_projection;
use super::spec::{
    Field, Filter, Measure, Op, Order, QuerySpec, Shape, Table, TimeRange, TimeUnit, Value,
};

/// Renders a plan as one Athena-dialect SELECT statement.
///
/// Fields the table lacks are skipped (the translators never produce them;
/// follow-ups drop them when switching tables).
pub fn compile(spec: &QuerySpec) -> String {
    let t = spec.table;
    let time = Field::Time.column(t).map(|c| c.expr).unwrap_or("eventtime");
    let mut wheres = Vec::new();
    if let Some(range) = &spec.time {
        wheres.extend(time_conditions(time, range));
    }
    for f in &spec.filters {
        if let Some(c) = condition(t, f) {
            wheres.push(c);
        }
    }
    let mut sql = String::from("SELECT ");
    let mut group_by = String::new();
    let mut order_by = String::new();
    match &spec.shape {
        Shape::List => {
            let fields: &[Field] = if spec.projection.is_empty() {
                default_projection(t)
            } else {
                &spec.projection
            };
            sql.push_str(&select_list(t, fields));
            order_by = match spec.sort_by.and_then(|f| f.column(t)) {
                // (Rows without a value last, as Athena sorts them.)
                Some(c) => format!("{} {} NULLS LAST, {time} DESC", c.expr, dir(spec.order)),
                None => format!("{time} {}", dir(spec.order)),
            };
        }
        Shape::Count => sql.push_str("count(*) AS n"),
        Shape::CountDistinct { field } => match field.column(t) {
            Some(c) => {
                let _ = write!(sql, "count(DISTINCT {}) AS n", c.expr);
            }
            None => sql.push_str("count(*) AS n"),
        },
        Shape::Group { by, measure } => {
            // Each key once ("errors by error code" names it twice).
            let mut keys: Vec<Field> = Vec::new();
            for f in by.iter().copied().filter(|f| f.in_table(t)) {
                if !keys.contains(&f) {
                    keys.push(f);
                }
            }
            let distinct_expr;
            let m = match measure {
                Measure::Distinct(f) => {
                    distinct_expr = format!(
                        "count(DISTINCT {})",
                        f.column(t).map(|c| c.expr).unwrap_or("*")
                    );
                    (distinct_expr.as_str(), "n")
                }
                other => measure_sql(*other),
            };
            if keys.is_empty() {
                let _ = write!(sql, "{} AS {}", m.0, m.1);
            } else {
                // "top 3 access keys": ranked values, not the calls without one.
                if spec.limit.is_some() {
                    wheres.extend(
                        keys.iter()
                            .filter_map(|f| f.column(t))
                            .map(|c| format!("{} IS NOT NULL", c.expr)),
                    );
                }
                let _ = write!(sql, "{}, {} AS {}", select_list(t, &keys), m.0, m.1);
                group_by = ordinals(keys.len());
                // A sum of a nullable column is NULL for a group without
                // values: NULLS LAST everywhere (Trino's default, not DataFusion's).
                let nulls = if matches!(
                    measure,
                    Measure::Count | Measure::Distinct(_) | Measure::DistinctPorts
                ) {
                    ""
                } else {
                    " NULLS LAST"
                };
                order_by = format!(
                    "{} {}{nulls}, {}",
                    m.1,
                    dir(spec.order),
                    ordinals(keys.len())
                );
            }
        }
        Shape::Distinct { field } => {
            sql.push_str("DISTINCT ");
            sql.push_str(&select_list(t, &[*field]));
            order_by = "1".into();
        }
        Shape::Timeline { bucket, by } => {
            let _ = write!(
                sql,
                "date_trunc('{}', {time}) AS {}",
                bucket.unit(),
                bucket.unit()
            );
            let mut n = 1;
            if let Some(by) = by.filter(|f| f.in_table(t)) {
                let _ = write!(sql, ", {}", select_list(t, &[by]));
                n = 2;
            }
            sql.push_str(", count(*) AS n");
            group_by = ordinals(n);
            order_by = ordinals(n);
        }
        Shape::Seen { by } => {
            let mut n = 0;
            if let Some(by) = by.filter(|f| f.in_table(t)) {
                sql.push_str(&select_list(t, &[by]));
                sql.push_str(", ");
                n = 1;
            }
            let _ = write!(
                sql,
                "min({time}) AS first_seen, max({time}) AS last_seen, count(*) AS n"
            );
            if n == 1 {
                group_by = "1".into();
                order_by = format!("first_seen {}", dir(spec.order.flip_default()));
            }
        }
    }
    let _ = write!(sql, " FROM {}", t.name());
    if !wheres.is_empty() {
        let _ = write!(sql, " WHERE {}", wheres.join(" AND "));
    }
    if !group_by.is_empty() {
        let _ = write!(sql, " GROUP BY {group_by}");
        if let (Some(n), Shape::Group { .. }) = (spec.more_than, &spec.shape) {
            let _ = write!(sql, " HAVING count(*) > {n}");
        }
    }
    if !order_by.is_empty() {
        let _ = write!(sql, " ORDER BY {order_by}");
    }
    if let Some(n) = spec.limit {
        let _ = write!(sql, " LIMIT {n}");
    }
    sql
}

impl Order {
    /// First-seen lists read oldest first unless reversed.
    fn flip_default(self) -> Order {
        match self {
            Order::Desc => Order::Asc,
            Order::Asc => Order::Desc,
        }
    }
}

fn dir(o: Order) -> &'static str {
    match o {
        Order::Desc => "DESC",
        Order::Asc => "ASC",
    }
}

fn ordinals(n: usize) -> String {
    (1..=n)
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn select_list(t: Table, fields: &[Field]) -> String {
    fields
        .iter()
        .filter_map(|f| f.column(t))
        .map(|c| {
            if c.expr == c.alias {
                c.expr.to_string()
            } else {
                format!("{} AS {}", c.expr, c.alias)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// SQL of a measure and its column name.
fn measure_sql(m: Measure) -> (&'static str, &'static str) {
    match m {
        Measure::Count => ("count(*)", "n"),
        Measure::Bytes => ("sum(bytes)", "total_bytes"),
        Measure::Packets => ("sum(packets)", "total_packets"),
        Measure::MaxSeverity => ("max(severity)", "max_severity"),
        Measure::DistinctPorts => ("count(DISTINCT dstport)", "ports"),
        Measure::Distinct(_) => ("count(*)", "n"),
    }
}

fn time_conditions(time: &str, range: &TimeRange) -> Vec<String> {
    match range {
        TimeRange::Rolling { amount, unit } => {
            let n = if *unit == TimeUnit::Week {
                amount * 7
            } else {
                *amount
            };
            vec![format!(
                "{time} >= current_timestamp - INTERVAL '{n}' {}",
                unit.sql()
            )]
        }
        TimeRange::Absolute { start, end, .. } => {
            let mut v = vec![format!("{time} >= {}", ts(*start))];
            if let Some(end) = end {
                v.push(format!("{time} < {}", ts(*end)));
            }
            v
        }
    }
}

fn ts(t: DateTime<Utc>) -> String {
    format!("TIMESTAMP '{}'", t.format("%Y-%m-%d %H:%M:%S"))
}

/// An SQL string literal.
pub(crate) fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn value(v: &Value) -> String {
    match v {
        Value::Int(i) => i.to_string(),
        Value::Float(f) => {
            if f.fract() == 0.0 {
                format!("{f:.1}")
            } else {
                f.to_string()
            }
        }
        Value::Text(s) => quote(s),
    }
}

/// One WHERE condition, or `None` when the table lacks the field.
///
/// A negated comparison on a CloudTrail field that many records lack (the
/// error code of a successful call, the ARN of an AWS service) keeps those
/// records: "leaving out the dry runs" keeps the calls without an error.
fn condition(t: Table, f: &Filter) -> Option<String> {
    let c = condition_of_present(t, f)?;
    let compares = matches!(f.op, Op::Eq(_) | Op::In(_) | Op::Like(_) | Op::LikeAny(_));
    if f.negate && compares && t == Table::Cloudtrail && f.field.often_absent() {
        let col = f.field.column(t)?;
        return Some(format!("({} IS NULL OR {c})", col.expr));
    }
    Some(c)
}

/// [`condition`] on the records where the field is present.
fn condition_of_present(t: Table, f: &Filter) -> Option<String> {
    // Fields that read several columns.
    if f.field == Field::Ip && t == Table::VpcFlow {
        let src = condition_of_present(t, &Filter::new(Field::SrcAddr, f.op.clone()))?;
        let dst = condition_of_present(t, &Filter::new(Field::DstAddr, f.op.clone()))?;
        let both = format!("({src} OR {dst})");
        return Some(if f.negate {
            format!("NOT {both}")
        } else {
            both
        });
    }
    if f.field == Field::Ip
        && t == Table::Guardduty
        && let Op::Eq(Value::Text(ip)) = &f.op
    {
        let c = format!("service LIKE {}", quote(&format!("%\"{ip}\"%")));
        return Some(if f.negate { format!("NOT ({c})") } else { c });
    }
    if f.field == Field::Text && t == Table::Guardduty {
        let inner = |col: &str| simple(col, &f.op, false);
        let c = format!("({} OR {})", inner("title"), inner("description"));
        return Some(if f.negate { format!("NOT {c}") } else { c });
    }
    // User agents are written in any case ("TruffleHog", "trufflehog").
    if f.field == Field::UserAgent
        && t == Table::Cloudtrail
        && let Op::Like(p) = &f.op
    {
        return Some(simple(
            "lower(useragent)",
            &Op::Like(p.to_lowercase()),
            f.negate,
        ));
    }
    if f.field == Field::User
        && t == Table::Cloudtrail
        && let Op::Eq(Value::Text(name)) = &f.op
        && !name.starts_with("arn:")
    {
        // IAM users (`…:user/alice`) and role sessions (`…/alice`) alike.
        let pattern = format!("%/{name}");
        return Some(simple("useridentity.arn", &Op::Like(pattern), f.negate));
    }
    let c = f.field.column(t)?;
    if let Op::OtherThan(other) = &f.op {
        let o = other.column(t)?;
        let cmp = if f.negate { "=" } else { "<>" };
        return Some(format!("{} {cmp} {}", c.expr, o.expr));
    }
    Some(simple(c.expr, &f.op, f.negate))
}

fn simple(expr: &str, op: &Op, negate: bool) -> String {
    match (op, negate) {
        (Op::Eq(v), false) => format!("{expr} = {}", value(v)),
        (Op::Eq(v), true) => format!("{expr} <> {}", value(v)),
        (Op::In(vs), n) => format!(
            "{expr} {}IN ({})",
            if n { "NOT " } else { "" },
            vs.iter().map(value).collect::<Vec<_>>().join(", ")
        ),
        (Op::Like(p), n) => format!("{expr} {}LIKE {}", if n { "NOT " } else { "" }, quote(p)),
        (Op::LikeAny(ps), n) => {
            let parts: Vec<String> = ps
                .iter()
                .map(|p| format!("{expr} LIKE {}", quote(p)))
                .collect();
            let any = if parts.len() == 1 {
                parts[0].clone()
            } else {
                format!("({})", parts.join(" OR "))
            };
            if n { format!("NOT {any}") } else { any }
        }
        (Op::NotNull, false) | (Op::IsNull, true) => format!("{expr} IS NOT NULL"),
        (Op::IsNull, false) | (Op::NotNull, true) => format!("{expr} IS NULL"),
        (Op::Ge(v), false) => format!("{expr} >= {}", value(v)),
        (Op::Ge(v), true) => format!("{expr} < {}", value(v)),
        (Op::Lt(v), false) => format!("{expr} < {}", value(v)),
        (Op::Lt(v), true) => format!("{expr} >= {}", value(v)),
        (Op::Gt(v), false) => format!("{expr} > {}", value(v)),
        (Op::Gt(v), true) => format!("{expr} <= {}", value(v)),
        (Op::Le(v), false) => format!("{expr} <= {}", value(v)),
        (Op::Le(v), true) => format!("{expr} > {}", value(v)),
        // Compared with the other column in `condition` (it needs the table).
        (Op::OtherThan(_), n) => format!("{expr} IS {}NULL", if n { "" } else { "NOT " }),
    }
}
