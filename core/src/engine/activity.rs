//! Where a query's input lives in time: the hours holding rows that pass
//! the query's row filters (its time predicates aside). Replays use it to
//! skip schedule ticks whose window holds nothing the rule could match.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::TimestampMicrosecondType;
use datafusion::common::ScalarValue;
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::logical_expr::utils::split_conjunction_owned;
use datafusion::logical_expr::{Expr, LogicalPlan, col, lit};
use datafusion::prelude::SessionContext;

use super::EngineError;
use super::datafusion_errors::map_error;
use crate::catalog::PARTITION_COLUMN;
use crate::guard::GuardedSql;

/// One base-table scan of a plan and the row filters applied right at it.
struct Scan {
    table: String,
    filters: Vec<Expr>,
}

/// Hours in `[from, to]` with rows any scan of `sql` would keep.
pub(crate) async fn hours(
    ctx: &SessionContext,
    time_columns: &HashMap<String, String>,
    sql: &GuardedSql,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Option<Vec<DateTime<Utc>>>, EngineError> {
    let mut state = ctx.state();
    state.execution_props_mut().query_execution_start_time = Some(to);
    let plan = state
        .create_logical_plan(sql.embedded_sql())
        .await
        .map_err(map_error)?;
    let plan = state.optimize(&plan).map_err(map_error)?;
    let scans = scans(&plan);
    if scans.is_empty() {
        return Ok(None);
    }
    let bound = |t: DateTime<Utc>| {
        lit(ScalarValue::TimestampMicrosecond(
            Some(t.timestamp_micros()),
            Some("UTC".into()),
        ))
    };
    let mut out = BTreeSet::new();
    for scan in scans {
        let Some(time) = time_columns.get(&scan.table) else {
            return Ok(None);
        };
        // Time predicates are the window's business; keep the rest.
        let kept: Vec<Expr> = scan
            .filters
            .into_iter()
            .flat_map(split_conjunction_owned)
            .filter(|e| {
                e.column_refs()
                    .iter()
                    .all(|c| c.name != *time && c.name != PARTITION_COLUMN)
            })
            .collect();
        let mut predicate = col(time.as_str())
            .gt_eq(bound(from))
            .and(col(time.as_str()).lt_eq(bound(to)));
        for e in kept {
            predicate = predicate.and(e);
        }
        let hour =
            datafusion::functions::datetime::expr_fn::date_trunc(lit("hour"), col(time.as_str()))
                .alias("h");
        let df = ctx
            .table(scan.table.as_str())
            .await
            .map_err(map_error)?
            .filter(predicate)
            .map_err(map_error)?
            .aggregate(vec![hour], vec![])
            .map_err(map_error)?;
        for batch in df.collect().await.map_err(map_error)? {
            let Some(hours) = batch
                .column(0)
                .as_primitive_opt::<TimestampMicrosecondType>()
            else {
                return Ok(None);
            };
            for i in 0..hours.len() {
                if hours.is_valid(i)
                    && let Some(t) = DateTime::from_timestamp_micros(hours.value(i))
                {
                    out.insert(t);
                }
            }
        }
    }
    Ok(Some(out.into_iter().collect()))
}

/// Every table scan of an optimised plan, with the filters pushed into it or
/// sitting directly on top of it. Scans reached any other way are listed
/// without filters (their whole table counts), which keeps the result sound.
fn scans(plan: &LogicalPlan) -> Vec<Scan> {
    let mut out = Vec::new();
    let mut seen: HashSet<usize> = HashSet::new();
    let _ = plan.apply(|node| {
        match node {
            LogicalPlan::Filter(f) => {
                if let LogicalPlan::TableScan(scan) = f.input.as_ref() {
                    seen.insert(std::ptr::from_ref(scan) as usize);
                    let mut filters = scan.filters.clone();
                    filters.push(f.predicate.clone());
                    out.push(Scan {
                        table: scan.table_name.table().to_string(),
                        filters,
                    });
                }
            }
            LogicalPlan::TableScan(scan) if seen.insert(std::ptr::from_ref(scan) as usize) => {
                out.push(Scan {
                    table: scan.table_name.table().to_string(),
                    filters: scan.filters.clone(),
                });
            }
            _ => {}
        }
        Ok(TreeNodeRecursion::Continue)
    });
    out
}
