//! Partition pruning by event time.
//!
//! Analysts filter on the event-time column (`eventtime > now() - INTERVAL
//! '1' HOUR`), not on `dt`. This wrapper turns such bounds into `dt` bounds
//! before the listing table lists files, so a one-hour query reads one or two
//! day directories, not the whole history.
//!
//! It also implements *as-of* replays and detection windows: when a query runs with a frozen clock
//! ([`AsOf`] in the session config), rows whose event time is after that
//! instant are invisible, so a replay sees exactly what a live run would
//! have seen then.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::{Result, ScalarValue};
use datafusion::datasource::TableType;
use datafusion::logical_expr::{BinaryExpr, Expr, Operator, TableProviderFilterPushDown, col, lit};
use datafusion::physical_plan::ExecutionPlan;

use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::expressions::{
    BinaryExpr as PhysBinary, Column as PhysColumn, IsNullExpr, Literal,
};
use datafusion::physical_plan::filter::FilterExec;
use datafusion::physical_plan::projection::ProjectionExec;

use crate::catalog::PARTITION_COLUMN;

/// Session extension: only rows with an event time in `(after, until]`
/// (µs since the epoch) are visible.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Visible {
    /// Rows at or before this instant are hidden (a rule's window start).
    pub(crate) after: Option<i64>,
    /// Rows after this instant are hidden (as-of replay).
    pub(crate) until: Option<i64>,
}
use crate::ingest::time::{day_label, day_of};

/// A table that adds `dt` bounds derived from its time column's bounds.
#[derive(Debug)]
pub(crate) struct TimePrunedTable {
    inner: Arc<dyn TableProvider>,
    time_column: String,
}

impl TimePrunedTable {
    pub(crate) fn new(inner: Arc<dyn TableProvider>, time_column: String) -> Self {
        Self { inner, time_column }
    }
}

#[async_trait]
impl TableProvider for TimePrunedTable {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }

    fn table_type(&self) -> TableType {
        self.inner.table_type()
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        let inner = self.inner.supports_filters_pushdown(filters)?;
        Ok(filters
            .iter()
            .zip(inner)
            .map(|(f, p)| {
                if p == TableProviderFilterPushDown::Unsupported
                    && !bounds(f, &self.time_column).is_empty()
                {
                    TableProviderFilterPushDown::Inexact
                } else {
                    p
                }
            })
            .collect())
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let mut all = filters.to_vec();
        for f in filters {
            for (op, micros) in bounds(f, &self.time_column) {
                let day = lit(day_label(day_of(micros)));
                let dt = col(PARTITION_COLUMN);
                match op {
                    Bound::Lower => all.push(dt.gt_eq(day)),
                    Bound::Upper => all.push(dt.lt_eq(day)),
                    Bound::Both => {
                        all.push(dt.clone().gt_eq(day.clone()));
                        all.push(dt.lt_eq(day));
                    }
                }
            }
        }
        let Some(visible) = state.config().get_extension::<Visible>() else {
            return self.inner.scan(state, projection, &all, limit).await;
        };
        let schema = self.inner.schema();
        let Ok(time_idx) = schema.index_of(&self.time_column) else {
            return self.inner.scan(state, projection, &all, limit).await;
        };
        // The table has no rows outside the visible range: prune the days
        // outside it and filter rows.
        if let Some(until) = visible.until {
            all.push(
                col(PARTITION_COLUMN)
                    .lt_eq(lit(day_label(day_of(until))))
                    .or(col(PARTITION_COLUMN).eq(lit("unknown"))),
            );
        }
        if let Some(after) = visible.after {
            all.push(col(PARTITION_COLUMN).gt_eq(lit(day_label(day_of(after)))));
        }
        let wanted: Vec<usize> = projection
            .cloned()
            .unwrap_or_else(|| (0..schema.fields().len()).collect());
        let mut inner_proj = wanted.clone();
        if !inner_proj.contains(&time_idx) {
            inner_proj.push(time_idx);
        }
        let plan = self
            .inner
            .scan(state, Some(&inner_proj), &all, None)
            .await?;
        let pos = inner_proj.iter().position(|i| *i == time_idx).unwrap_or(0);
        let time: Arc<dyn PhysicalExpr> = Arc::new(PhysColumn::new(&self.time_column, pos));
        let stamp = |micros: i64| -> Arc<dyn PhysicalExpr> {
            Arc::new(Literal::new(ScalarValue::TimestampMicrosecond(
                Some(micros),
                Some("UTC".into()),
            )))
        };
        let predicate: Arc<dyn PhysicalExpr> = match (visible.after, visible.until) {
            // Rows without an event time stay visible to open-ended replays
            // but never fall inside a window.
            (None, Some(until)) => Arc::new(PhysBinary::new(
                Arc::new(IsNullExpr::new(time.clone())),
                Operator::Or,
                Arc::new(PhysBinary::new(time, Operator::LtEq, stamp(until))),
            )),
            (Some(after), until) => {
                let lower: Arc<dyn PhysicalExpr> =
                    Arc::new(PhysBinary::new(time.clone(), Operator::Gt, stamp(after)));
                match until {
                    Some(until) => Arc::new(PhysBinary::new(
                        lower,
                        Operator::And,
                        Arc::new(PhysBinary::new(time, Operator::LtEq, stamp(until))),
                    )),
                    None => lower,
                }
            }
            (None, None) => return self.inner.scan(state, projection, &all, limit).await,
        };
        let filtered: Arc<dyn ExecutionPlan> = Arc::new(FilterExec::try_new(predicate, plan)?);
        let out_schema = filtered.schema();
        let exprs: Vec<(Arc<dyn PhysicalExpr>, String)> = (0..wanted.len())
            .map(|i| {
                (
                    Arc::new(PhysColumn::new(out_schema.field(i).name(), i))
                        as Arc<dyn PhysicalExpr>,
                    out_schema.field(i).name().clone(),
                )
            })
            .collect();
        let projected = ProjectionExec::try_new(exprs, filtered)?;
        Ok(Arc::new(projected))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bound {
    Lower,
    Upper,
    Both,
}

/// Bounds on `column` implied by a (conjunctive) filter.
fn bounds(e: &Expr, column: &str) -> Vec<(Bound, i64)> {
    let mut out = Vec::new();
    collect(e, column, &mut out);
    out
}

fn collect(e: &Expr, column: &str, out: &mut Vec<(Bound, i64)>) {
    match e {
        Expr::BinaryExpr(BinaryExpr {
            left,
            op: Operator::And,
            right,
        }) => {
            collect(left, column, out);
            collect(right, column, out);
        }
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => {
            let (l, r) = (is_column(left, column), micros(right));
            let (rl, rr) = (micros(left), is_column(right, column));
            let bound = |op: &Operator, flipped: bool| -> Option<Bound> {
                Some(match (op, flipped) {
                    (Operator::Gt | Operator::GtEq, false)
                    | (Operator::Lt | Operator::LtEq, true) => Bound::Lower,
                    (Operator::Lt | Operator::LtEq, false)
                    | (Operator::Gt | Operator::GtEq, true) => Bound::Upper,
                    (Operator::Eq, _) => Bound::Both,
                    _ => return None,
                })
            };
            if let (true, Some(v)) = (l, r) {
                if let Some(b) = bound(op, false) {
                    out.push((b, v));
                }
            } else if let (Some(v), true) = (rl, rr)
                && let Some(b) = bound(op, true)
            {
                out.push((b, v));
            }
        }
        Expr::Between(b) if !b.negated && is_column(&b.expr, column) => {
            if let Some(v) = micros(&b.low) {
                out.push((Bound::Lower, v));
            }
            if let Some(v) = micros(&b.high) {
                out.push((Bound::Upper, v));
            }
        }
        _ => {}
    }
}

fn is_column(e: &Expr, column: &str) -> bool {
    match e {
        Expr::Column(c) => c.name == column,
        Expr::Cast(c) => is_column(&c.expr, column),
        Expr::TryCast(c) => is_column(&c.expr, column),
        _ => false,
    }
}

fn micros(e: &Expr) -> Option<i64> {
    let v = match e {
        Expr::Literal(v, _) => v,
        Expr::Cast(c) => return micros(&c.expr),
        _ => return None,
    };
    match v {
        ScalarValue::TimestampSecond(Some(x), _) => x.checked_mul(1_000_000),
        ScalarValue::TimestampMillisecond(Some(x), _) => x.checked_mul(1_000),
        ScalarValue::TimestampMicrosecond(Some(x), _) => Some(*x),
        ScalarValue::TimestampNanosecond(Some(x), _) => Some(x.div_euclid(1_000)),
        ScalarValue::Utf8(Some(s))
        | ScalarValue::Utf8View(Some(s))
        | ScalarValue::LargeUtf8(Some(s)) => crate::ingest::time::parse_time(s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_bounds() {
        let t = |s: &str| crate::ingest::time::parse_time(s).unwrap();
        let ts = |s: &str| {
            lit(ScalarValue::TimestampMicrosecond(
                Some(t(s)),
                Some("UTC".into()),
            ))
        };
        let e = col("eventtime")
            .gt(ts("2024-07-31T10:00:00Z"))
            .and(ts("2024-08-02T00:00:00Z").gt(col("eventtime")));
        assert_eq!(
            bounds(&e, "eventtime"),
            vec![
                (Bound::Lower, t("2024-07-31T10:00:00Z")),
                (Bound::Upper, t("2024-08-02T00:00:00Z"))
            ]
        );
        assert!(bounds(&col("eventname").eq(lit("x")), "eventtime").is_empty());
        let or = col("eventtime")
            .gt(ts("2024-07-31T10:00:00Z"))
            .or(col("eventname").eq(lit("x")));
        assert!(bounds(&or, "eventtime").is_empty());
    }
}
