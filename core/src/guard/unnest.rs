//! Rewrites Trino's lateral `CROSS JOIN UNNEST(array) AS t(x)` into the
//! select-list `unnest()` the embedded engine executes, before the checks run
//! (so the rewritten tree is what gets checked and shown).
//!
//! ```sql
//! FROM cloudtrail c CROSS JOIN UNNEST(c.resources) AS t(r)
//! -- becomes
//! FROM (SELECT c.*, unnest(c.resources) AS r FROM cloudtrail AS c) AS c
//! ```
//! With several column names (`AS t(arn, accountid, type)`) the array's
//! struct fields are bound to them by position, as Trino does.

use std::collections::HashMap;
use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    Expr, Ident, JoinOperator, ObjectNamePart, Query, Select, SetExpr, Statement, TableAlias,
    TableFactor, TableWithJoins, VisitMut, VisitorMut,
};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::parser::Parser;

use super::GuardError;

/// Struct field names of array-of-struct columns, by column name.
pub(super) type ArrayFields = HashMap<String, Vec<String>>;

pub(super) fn rewrite(statement: &mut Statement, fields: &ArrayFields) -> Result<(), GuardError> {
    let mut v = Rewriter {
        fields,
        error: None,
        renames: Vec::new(),
    };
    let _ = statement.visit(&mut v);
    if let Some(e) = v.error {
        return Err(e);
    }
    if !v.renames.is_empty() {
        let renames = v.renames;
        let _ = datafusion::sql::sqlparser::ast::visit_expressions_mut(statement, |e| {
            if let Expr::CompoundIdentifier(parts) = e
                && let Some(first) = parts.first_mut()
            {
                for (from, to) in &renames {
                    if first.value.eq_ignore_ascii_case(from) && first.quote_style.is_none() {
                        *first = to.clone();
                    }
                }
            }
            ControlFlow::<()>::Continue(())
        });
    }
    Ok(())
}

struct Rewriter<'a> {
    fields: &'a ArrayFields,
    error: Option<GuardError>,
    /// Unnest aliases to replace by the base relation's alias in references.
    renames: Vec<(String, Ident)>,
}

impl VisitorMut for Rewriter<'_> {
    type Break = ();

    fn post_visit_query(&mut self, q: &mut Query) -> ControlFlow<()> {
        if let SetExpr::Select(select) = q.body.as_mut()
            && let Err(e) = self.select(select)
        {
            self.error = Some(e);
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }
}

impl Rewriter<'_> {
    fn select(&mut self, select: &mut Select) -> Result<(), GuardError> {
        // `FROM t, UNNEST(...)`: fold the comma form into a cross join.
        let mut i = 1;
        while i < select.from.len() {
            if matches!(select.from[i].relation, TableFactor::UNNEST { .. })
                && select.from[i].joins.is_empty()
            {
                let twj = select.from.remove(i);
                select.from[i - 1]
                    .joins
                    .push(datafusion::sql::sqlparser::ast::Join {
                        relation: twj.relation,
                        global: false,
                        join_operator: JoinOperator::CrossJoin(
                            datafusion::sql::sqlparser::ast::JoinConstraint::None,
                        ),
                    });
            } else {
                i += 1;
            }
        }
        for twj in &mut select.from {
            self.table_with_joins(twj)?;
        }
        Ok(())
    }

    fn table_with_joins(&mut self, twj: &mut TableWithJoins) -> Result<(), GuardError> {
        while let Some(pos) = twj
            .joins
            .iter()
            .position(|j| matches!(j.relation, TableFactor::UNNEST { .. }))
        {
            if pos != 0 {
                return Err(GuardError::Unsupported(
                    "UNNEST must directly follow the table whose array it expands".into(),
                ));
            }
            let join = twj.joins.remove(0);
            let lateral_ok = matches!(
                &join.join_operator,
                JoinOperator::CrossJoin(_) | JoinOperator::Join(_) | JoinOperator::Inner(_)
            );
            if !lateral_ok {
                return Err(GuardError::Unsupported(
                    "only CROSS JOIN UNNEST(...) is supported".into(),
                ));
            }
            let TableFactor::UNNEST {
                alias,
                array_exprs,
                with_offset,
                with_ordinality,
                ..
            } = join.relation
            else {
                continue;
            };
            if with_offset || with_ordinality || array_exprs.len() != 1 {
                return Err(GuardError::Unsupported(
                    "UNNEST of one array, without ORDINALITY/OFFSET".into(),
                ));
            }
            let array = &array_exprs[0];
            let (base_sql, base_alias) = match &twj.relation {
                TableFactor::Table {
                    name,
                    alias,
                    args: None,
                    ..
                } => {
                    let a = alias.as_ref().map(|a| a.name.clone()).unwrap_or_else(|| {
                        match name.0.last() {
                            Some(ObjectNamePart::Identifier(i)) => i.clone(),
                            _ => Ident::new(name.to_string()),
                        }
                    });
                    (format!("{name} AS {a}"), a)
                }
                TableFactor::Derived {
                    alias: Some(alias),
                    subquery,
                    lateral: false,
                    ..
                } => (
                    format!("({subquery}) AS {}", alias.name),
                    alias.name.clone(),
                ),
                _ => {
                    return Err(GuardError::Unsupported(
                        "UNNEST after this kind of relation".into(),
                    ));
                }
            };
            let columns: Vec<Ident> = alias
                .as_ref()
                .map(|a| a.columns.iter().map(|c| c.name.clone()).collect())
                .unwrap_or_default();
            let inner = match columns.as_slice() {
                [] | [_] => {
                    let col = columns
                        .first()
                        .cloned()
                        .unwrap_or_else(|| Ident::new("unnest"));
                    format!("SELECT {base_alias}.*, unnest({array}) AS {col} FROM {base_sql}")
                }
                many => {
                    let col_name = match array {
                        Expr::Identifier(i) => i.value.to_ascii_lowercase(),
                        Expr::CompoundIdentifier(p) => p
                            .last()
                            .map(|i| i.value.to_ascii_lowercase())
                            .unwrap_or_default(),
                        _ => String::new(),
                    };
                    let Some(struct_fields) = self.fields.get(&col_name) else {
                        return Err(GuardError::Unsupported(format!(
                            "UNNEST({array}) AS t(...) with several columns; use AS t(x) and x.field"
                        )));
                    };
                    if many.len() > struct_fields.len() {
                        return Err(GuardError::Unsupported(format!(
                            "UNNEST({array}) has {} fields ({}) but {} column names were given",
                            struct_fields.len(),
                            struct_fields.join(", "),
                            many.len()
                        )));
                    }
                    let picks: Vec<String> = many
                        .iter()
                        .zip(struct_fields)
                        .map(|(c, f)| format!("get_field(__unnested.__item, '{f}') AS {c}"))
                        .collect();
                    format!(
                        "SELECT __unnested.*, {} FROM (SELECT {base_alias}.*, unnest({array}) AS __item FROM {base_sql}) AS __unnested",
                        picks.join(", ")
                    )
                }
            };
            let query = parse_query(&inner)?;
            twj.relation = TableFactor::Derived {
                lateral: false,
                subquery: Box::new(query),
                sample: None,
                alias: Some(TableAlias {
                    explicit: true,
                    name: base_alias.clone(),
                    columns: vec![],
                    at: None,
                }),
            };
            if let Some(a) = alias {
                self.renames.push((a.name.value.clone(), base_alias));
            }
        }
        Ok(())
    }
}

fn parse_query(sql: &str) -> Result<Query, GuardError> {
    let dialect = GenericDialect {};
    let mut stmts =
        Parser::parse_sql(&dialect, sql).map_err(|e| GuardError::Parse(e.to_string()))?;
    match stmts.pop() {
        Some(Statement::Query(q)) => Ok(*q),
        _ => Err(GuardError::Parse(
            "internal rewrite produced no query".into(),
        )),
    }
}
