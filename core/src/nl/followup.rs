//! Follow-ups edit the previous plan instead of starting over: new filters
//! are added (replacing an earlier one on the same field), a new time range
//! or shape replaces the old one, "show the raw events" goes back to rows,
//! and naming another table ("now VPC flow logs for that IP") switches
//! tables, keeping the conditions that mean the same thing there (address,
//! account, region).

use super::plan::{Parsed, filters_for, resolve_shape};
use super::spec::{Field, Filter, Order, QuerySpec, Shape, Table};

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
        spec.time = Some(t.clone());
    } else if p.all_time {
        spec.time = None;
    }
    let mut bad = Vec::new();
    for c in &p.conds {
        match filters_for(c, table) {
            Some(fs) => fs.into_iter().for_each(|f| spec.add_filter(f)),
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
    if let Some(n) = p.limit {
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
