//! Pins an approved statement to the instant and window it runs for, in its
//! own text, for engines that cannot be told them any other way (Athena).
//!
//! The embedded engine binds `now()` and hides rows outside a rule's window
//! through its session ([`crate::engine::QueryTime`]); Athena only sees SQL.
//! So for Athena the approved tree is re-rendered with:
//!
//! - `now()`, `current_timestamp`, `localtimestamp` → `TIMESTAMP '…'` and
//!   `current_date` → `DATE '…'` at the query's instant (a replay or a
//!   catch-up cycle means the time it is run *for*, not Athena's clock);
//! - every log table → `(SELECT * FROM t WHERE <window> AND dt >= '…' AND dt <= '…') AS t`,
//!   where the `dt` bounds come from the window and from the statement's own
//!   predicates on the table's event-time column (`eventtime >= now() - INTERVAL '3' DAY`),
//!   so Athena reads only those day partitions.
//!
//! Only filters are added and only the clock is replaced; the result is
//! parsed back and re-rendered like everything else the guard emits.

use std::collections::HashMap;
use std::ops::ControlFlow;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use datafusion::sql::sqlparser::ast::{
    BinaryOperator, DateTimeField, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Ident,
    ObjectNamePart, Select, TableFactor, Value, VisitMut, VisitorMut,
};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::parser::Parser;

use super::GuardedSql;
use crate::catalog::PARTITION_COLUMN;

/// The instant and the rows a pinned statement may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pin {
    /// Bound to `now()` and `current_timestamp`.
    pub now: DateTime<Utc>,
    /// Only rows with an event time strictly after this are visible.
    pub after: Option<DateTime<Utc>>,
    /// Only rows with an event time at or before this are visible.
    pub until: Option<DateTime<Utc>>,
}

impl GuardedSql {
    /// The statement as Athena runs it: clock bound to `pin.now`, every log
    /// table limited to the visible window and to the `dt` partitions its
    /// time bounds allow. Deterministic for a given statement and pin.
    pub fn pinned(&self, pin: Pin) -> String {
        let dialect = GenericDialect {};
        let Ok(mut statements) = Parser::parse_sql(&dialect, &self.sql) else {
            // Rendered by the guard from a parsed tree: re-parsing cannot fail.
            return self.sql.clone();
        };
        let Some(mut statement) = statements.pop() else {
            return self.sql.clone();
        };
        bind_clock(&mut statement, pin.now);
        let mut pinner = Pinner {
            time_columns: self.time_columns.iter().cloned().collect(),
            pin,
        };
        let _ = statement.visit(&mut pinner);
        statement.to_string()
    }
}

fn timestamp_literal(t: DateTime<Utc>) -> String {
    format!("TIMESTAMP '{}'", t.format("%Y-%m-%d %H:%M:%S%.6f"))
}

fn parse_expr(sql: &str) -> Option<Expr> {
    Parser::new(&GenericDialect {})
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .ok()
}

fn bind_clock(statement: &mut datafusion::sql::sqlparser::ast::Statement, now: DateTime<Utc>) {
    let ts = parse_expr(&timestamp_literal(now));
    let date = parse_expr(&format!("DATE '{}'", now.format("%Y-%m-%d")));
    let _ = datafusion::sql::sqlparser::ast::visit_expressions_mut(statement, |e| {
        if let Expr::Function(f) = e
            && f.name.0.len() == 1
            && match &f.args {
                FunctionArguments::None => true,
                FunctionArguments::List(l) => l.args.is_empty(),
                FunctionArguments::Subquery(_) => false,
            }
        {
            let name = f.name.to_string().to_ascii_lowercase();
            let replacement = match name.as_str() {
                "now" | "current_timestamp" | "localtimestamp" => ts.clone(),
                "current_date" => date.clone(),
                _ => None,
            };
            if let Some(r) = replacement {
                *e = r;
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

struct Pinner {
    time_columns: HashMap<String, String>,
    pin: Pin,
}

/// A log table in a FROM clause: its name, the name it is referred to by,
/// and the time bounds found for it.
struct Found {
    table: String,
    reference: String,
    lower: Option<DateTime<Utc>>,
    upper: Option<DateTime<Utc>>,
}

impl VisitorMut for Pinner {
    type Break = ();

    // After the children: the subqueries added here are not visited again.
    fn post_visit_select(&mut self, select: &mut Select) -> ControlFlow<()> {
        let mut found: Vec<Found> = Vec::new();
        for twj in &select.from {
            for factor in
                std::iter::once(&twj.relation).chain(twj.joins.iter().map(|j| &j.relation))
            {
                if let Some((table, reference)) = self.log_table(factor) {
                    found.push(Found {
                        table,
                        reference,
                        lower: None,
                        upper: None,
                    });
                }
            }
        }
        if found.is_empty() {
            return ControlFlow::Continue(());
        }
        if let Some(selection) = &select.selection {
            let mut conjuncts = Vec::new();
            split_and(selection, &mut conjuncts);
            for c in conjuncts {
                self.bound(c, &mut found);
            }
        }
        for twj in &mut select.from {
            self.wrap(&mut twj.relation, &found);
            for j in &mut twj.joins {
                self.wrap(&mut j.relation, &found);
            }
        }
        ControlFlow::Continue(())
    }
}

impl Pinner {
    fn log_table(&self, factor: &TableFactor) -> Option<(String, String)> {
        let TableFactor::Table {
            name,
            alias,
            args: None,
            ..
        } = factor
        else {
            return None;
        };
        let [ObjectNamePart::Identifier(ident)] = name.0.as_slice() else {
            return None;
        };
        let table = if ident.quote_style.is_some() {
            ident.value.clone()
        } else {
            ident.value.to_ascii_lowercase()
        };
        self.time_columns.get(&table)?;
        let reference = alias
            .as_ref()
            .map(|a| a.name.value.to_ascii_lowercase())
            .unwrap_or_else(|| table.clone());
        Some((table, reference))
    }

    /// Which found table a column reference names, if it is its time column.
    fn time_of(&self, e: &Expr, found: &[Found]) -> Option<usize> {
        match e {
            Expr::Identifier(i) if found.len() == 1 => {
                let t = &found[0];
                (self.time_columns.get(&t.table)? == &i.value.to_ascii_lowercase()).then_some(0)
            }
            Expr::CompoundIdentifier(parts) if parts.len() == 2 => {
                let qualifier = parts[0].value.to_ascii_lowercase();
                let column = parts[1].value.to_ascii_lowercase();
                found.iter().position(|f| {
                    f.reference == qualifier && self.time_columns.get(&f.table) == Some(&column)
                })
            }
            Expr::Nested(inner) => self.time_of(inner, found),
            _ => None,
        }
    }

    fn bound(&self, c: &Expr, found: &mut [Found]) {
        match c {
            Expr::BinaryOp { left, op, right } => {
                let (index, value, op) = if let Some(i) = self.time_of(left, found) {
                    (i, constant(right), op.clone())
                } else if let Some(i) = self.time_of(right, found) {
                    (i, constant(left), flip(op))
                } else {
                    return;
                };
                let Some(value) = value else { return };
                let f = &mut found[index];
                match op {
                    BinaryOperator::Gt | BinaryOperator::GtEq => {
                        f.lower = Some(f.lower.map_or(value, |l| l.max(value)));
                    }
                    BinaryOperator::Lt | BinaryOperator::LtEq => {
                        f.upper = Some(f.upper.map_or(value, |u| u.min(value)));
                    }
                    BinaryOperator::Eq => {
                        f.lower = Some(f.lower.map_or(value, |l| l.max(value)));
                        f.upper = Some(f.upper.map_or(value, |u| u.min(value)));
                    }
                    _ => {}
                }
            }
            Expr::Between {
                expr,
                negated: false,
                low,
                high,
            } => {
                if let Some(i) = self.time_of(expr, found) {
                    let f = &mut found[i];
                    if let Some(l) = constant(low) {
                        f.lower = Some(f.lower.map_or(l, |x| x.max(l)));
                    }
                    if let Some(h) = constant(high) {
                        f.upper = Some(f.upper.map_or(h, |x| x.min(h)));
                    }
                }
            }
            Expr::Nested(inner) => self.bound(inner, found),
            _ => {}
        }
    }

    fn wrap(&self, factor: &mut TableFactor, found: &[Found]) {
        let Some((table, reference)) = self.log_table(factor) else {
            return;
        };
        let Some(f) = found.iter().find(|f| f.reference == reference) else {
            return;
        };
        let Some(time) = self.time_columns.get(&table) else {
            return;
        };
        let mut filters = Vec::new();
        if let Some(after) = self.pin.after {
            filters.push(format!("{time} > {}", timestamp_literal(after)));
        }
        if let Some(until) = self.pin.until {
            filters.push(format!("{time} <= {}", timestamp_literal(until)));
        }
        let lower = match (self.pin.after, f.lower) {
            (Some(a), Some(l)) => Some(a.max(l)),
            (a, l) => a.or(l),
        };
        let upper = match (self.pin.until, f.upper) {
            (Some(a), Some(u)) => Some(a.min(u)),
            (a, u) => a.or(u),
        };
        if let Some(l) = lower {
            filters.push(format!("{PARTITION_COLUMN} >= '{}'", l.format("%Y-%m-%d")));
        }
        if let Some(u) = upper {
            filters.push(format!("{PARTITION_COLUMN} <= '{}'", u.format("%Y-%m-%d")));
        }
        if filters.is_empty() {
            return;
        }
        // Parsed, so the factor is built exactly as the parser builds one.
        let sql = format!(
            "SELECT * FROM (SELECT * FROM {table} WHERE {}) AS {}",
            filters.join(" AND "),
            Ident::new(reference)
        );
        let Ok(mut parsed) = Parser::parse_sql(&GenericDialect {}, &sql) else {
            return;
        };
        let Some(datafusion::sql::sqlparser::ast::Statement::Query(query)) = parsed.pop() else {
            return;
        };
        if let datafusion::sql::sqlparser::ast::SetExpr::Select(select) = *query.body
            && let Some(twj) = select.from.into_iter().next()
        {
            *factor = twj.relation;
        }
    }
}

fn split_and<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match e {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            split_and(left, out);
            split_and(right, out);
        }
        Expr::Nested(inner)
            if matches!(
                **inner,
                Expr::BinaryOp {
                    op: BinaryOperator::And,
                    ..
                }
            ) =>
        {
            split_and(inner, out)
        }
        other => out.push(other),
    }
}

fn flip(op: &BinaryOperator) -> BinaryOperator {
    match op {
        BinaryOperator::Gt => BinaryOperator::Lt,
        BinaryOperator::GtEq => BinaryOperator::LtEq,
        BinaryOperator::Lt => BinaryOperator::Gt,
        BinaryOperator::LtEq => BinaryOperator::GtEq,
        other => other.clone(),
    }
}

/// The instant a constant time expression denotes (after the clock was
/// bound): timestamp literals, `from_iso8601_timestamp('…')`, and either
/// of them plus or minus intervals or through `date_add('unit', n, x)`.
fn constant(e: &Expr) -> Option<DateTime<Utc>> {
    match e {
        Expr::Nested(inner) => constant(inner),
        Expr::TypedString(ts) => parse_instant(&string_of(&ts.value.value)?),
        Expr::Cast { expr, .. } => constant(expr),
        Expr::Value(v) => parse_instant(&string_of(&v.value)?),
        Expr::BinaryOp { left, op, right } => {
            let base = constant(left)?;
            let span = interval(right)?;
            match op {
                BinaryOperator::Plus => base.checked_add_signed(span),
                BinaryOperator::Minus => base.checked_sub_signed(span),
                _ => None,
            }
        }
        Expr::Function(f) => {
            let name = f.name.to_string().to_ascii_lowercase();
            let FunctionArguments::List(list) = &f.args else {
                return None;
            };
            let args: Vec<&Expr> = list
                .args
                .iter()
                .filter_map(|a| match a {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                    _ => None,
                })
                .collect();
            match (name.as_str(), args.as_slice()) {
                ("from_iso8601_timestamp", [s]) => constant(s),
                ("date_add", [unit, n, x]) => {
                    let Expr::Value(u) = unit else { return None };
                    let unit = string_of(&u.value)?;
                    let n = number_of(n)?;
                    let base = constant(x)?;
                    base.checked_add_signed(span_of(n, &unit)?)
                }
                _ => None,
            }
        }
        _ => None,
    }
}

fn string_of(v: &Value) -> Option<String> {
    match v {
        Value::SingleQuotedString(s) => Some(s.clone()),
        _ => None,
    }
}

fn number_of(e: &Expr) -> Option<i64> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => n.parse().ok(),
            Value::SingleQuotedString(s) => s.trim().parse().ok(),
            _ => None,
        },
        Expr::UnaryOp { op, expr } if op.to_string() == "-" => number_of(expr).map(|n| -n),
        _ => None,
    }
}

fn parse_instant(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let trimmed = s.trim_end_matches(" UTC").trim_end_matches('Z');
    for f in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(trimmed, f) {
            return Some(t.and_utc());
        }
    }
    chrono::NaiveDate::parse_from_str(trimmed, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

fn span_of(n: i64, unit: &str) -> Option<Duration> {
    let unit = unit.trim().to_ascii_lowercase();
    let unit = unit.trim_end_matches('s');
    Some(match unit {
        "second" => Duration::seconds(n),
        "minute" => Duration::minutes(n),
        "hour" => Duration::hours(n),
        "day" => Duration::days(n),
        "week" => Duration::weeks(n),
        _ => return None,
    })
}

/// `INTERVAL '3' DAY`, `INTERVAL '3 days'`, `INTERVAL '90' MINUTE`.
fn interval(e: &Expr) -> Option<Duration> {
    let Expr::Interval(i) = e else { return None };
    let text = match &*i.value {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) => s.clone(),
            Value::Number(n, _) => n.clone(),
            _ => return None,
        },
        _ => return None,
    };
    let mut words = text.split_whitespace();
    let n: i64 = words.next()?.parse().ok()?;
    let unit = match (&i.leading_field, words.next()) {
        (Some(field), None) => match field {
            DateTimeField::Second | DateTimeField::Seconds => "second".to_string(),
            DateTimeField::Minute | DateTimeField::Minutes => "minute".to_string(),
            DateTimeField::Hour | DateTimeField::Hours => "hour".to_string(),
            DateTimeField::Day | DateTimeField::Days => "day".to_string(),
            DateTimeField::Week(_) | DateTimeField::Weeks => "week".to_string(),
            _ => return None,
        },
        (None, Some(unit)) => unit.to_string(),
        _ => return None,
    };
    span_of(n, &unit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::guard::{Dialect, SqlGuard};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn guard() -> SqlGuard {
        SqlGuard::new(&Catalog::builtin(), 1000).with_dialect(Dialect::Athena)
    }

    #[test]
    fn a_rule_window_reads_only_its_days() {
        let sql = guard()
            .check("SELECT sourceipaddress, count(*) AS n FROM cloudtrail WHERE eventname = 'ConsoleLogin' GROUP BY sourceipaddress")
            .unwrap();
        let now = at("2026-12-04T00:30:00Z");
        let pinned = sql.pinned(Pin {
            now,
            after: Some(now - Duration::hours(1)),
            until: Some(now),
        });
        assert_eq!(
            pinned,
            "SELECT sourceipaddress, count(*) AS n FROM (SELECT * FROM cloudtrail WHERE eventtime > TIMESTAMP '2026-12-03 23:30:00.000000' AND eventtime <= TIMESTAMP '2026-12-04 00:30:00.000000' AND dt >= '2026-12-03' AND dt <= '2026-12-04') AS cloudtrail WHERE eventname = 'ConsoleLogin' GROUP BY sourceipaddress LIMIT 1000"
        );
    }

    #[test]
    fn a_question_time_range_becomes_dt_bounds_and_the_clock_is_bound() {
        let sql = guard()
            .check("SELECT c.eventname FROM cloudtrail AS c WHERE c.eventtime >= current_timestamp - INTERVAL '3' DAY AND c.eventtime < now()")
            .unwrap();
        let pinned = sql.pinned(Pin {
            now: at("2026-12-04T12:00:00Z"),
            after: None,
            until: None,
        });
        assert_eq!(
            pinned,
            "SELECT c.eventname AS \"eventname\" FROM (SELECT * FROM cloudtrail WHERE dt >= '2026-12-01' AND dt <= '2026-12-04') AS c WHERE c.eventtime >= TIMESTAMP '2026-12-04 12:00:00.000000' - INTERVAL '3' DAY AND c.eventtime < TIMESTAMP '2026-12-04 12:00:00.000000' LIMIT 1000"
        );
    }

    #[test]
    fn literal_ranges_between_and_date_add() {
        let g = guard();
        let now = at("2026-12-10T00:00:00Z");
        let pin = Pin {
            now,
            after: None,
            until: None,
        };
        let between = g
            .check("SELECT count(*) FROM vpc_flow WHERE start BETWEEN TIMESTAMP '2026-12-01 00:00:00' AND TIMESTAMP '2026-12-03 23:59:59'")
            .unwrap()
            .pinned(pin);
        assert!(
            between.contains("dt >= '2026-12-01' AND dt <= '2026-12-03'"),
            "{between}"
        );
        let add = g
            .check("SELECT count(*) FROM guardduty WHERE updatedat > date_add('day', -2, now())")
            .unwrap()
            .pinned(pin);
        assert!(add.contains("dt >= '2026-12-08')"), "{add}");
        // No time bound anywhere: the statement is unchanged but for the clock.
        let plain = g
            .check("SELECT count(*) FROM guardduty")
            .unwrap()
            .pinned(pin);
        assert_eq!(plain, "SELECT count(*) FROM guardduty LIMIT 1000");
    }

    #[test]
    fn joins_and_subqueries_are_pinned_per_table() {
        let now = at("2026-12-04T10:00:00Z");
        let pinned = guard()
            .check("SELECT f.user FROM (SELECT useridentity.arn AS user FROM cloudtrail WHERE errorcode IS NOT NULL) f JOIN guardduty g ON g.accountid = f.user")
            .unwrap()
            .pinned(Pin {
                now,
                after: Some(now - Duration::minutes(15)),
                until: Some(now),
            });
        assert_eq!(pinned.matches("dt >= '2026-12-04'").count(), 2, "{pinned}");
        assert!(
            pinned.contains("FROM (SELECT * FROM cloudtrail WHERE eventtime >"),
            "{pinned}"
        );
        assert!(pinned.contains(") AS g ON"), "{pinned}");
    }
}
