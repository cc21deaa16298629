//! The SQL guard: every statement, from any origin (user, LLM, rule), passes
//! here before any engine sees it.
//!
//! Parse (sqlparser) → exactly one statement → a read-only query and nothing
//! else anywhere in the tree → every relation is a catalogued table or a CTE
//! in scope → every function is on the allowlist → the row limit is applied
//! → the SQL that runs is re-rendered from the checked tree. The result,
//! [`GuardedSql`], can only be made here, and engines only accept that type.
//!
//! **Architecture Invariant:** no engine API takes a `&str` of SQL.

mod allowlist;
mod pin;
pub use pin::Pin;
mod unnest;

use std::fmt;
use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    Expr, FunctionArguments, LimitClause, ObjectName, ObjectNamePart, Query, SetExpr, Statement,
    TableFactor, Value, ValueWithSpan, Visit, Visitor,
};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::parser::Parser;

pub use allowlist::{
    FUNCTIONS, TRINO_FUNCTIONS, allowed as function_allowed, edit_distance, trino_allowed,
};

use crate::catalog::Catalog;

/// Deepest expression nesting accepted (protects the parser and planner stacks).
const RECURSION_LIMIT: usize = 64;

/// A statement that passed the guard. Only [`SqlGuard::check`] makes these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardedSql {
    /// Athena (Trino) dialect, as written, re-rendered from the checked tree.
    sql: String,
    /// The same tree with the embedded engine's adaptations (lateral UNNEST
    /// as a select-list `unnest()`, `regexp_replace` replacing every match).
    embedded_sql: String,
    tables: Vec<String>,
    /// `(table, event-time column)` of every log table read.
    time_columns: Vec<(String, String)>,
    row_limit: u64,
    limit_enforced: bool,
}

impl GuardedSql {
    /// The approved statement in the Athena (Trino) dialect, re-rendered from
    /// the checked syntax tree: what is shown to users and sent to Athena
    /// (through [`GuardedSql::pinned`]).
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The same statement as the embedded engine (DataFusion) runs it.
    pub fn embedded_sql(&self) -> &str {
        &self.embedded_sql
    }

    /// Log tables the statement reads.
    pub fn tables(&self) -> &[String] {
        &self.tables
    }

    /// Most rows the statement can return.
    pub fn row_limit(&self) -> u64 {
        self.row_limit
    }

    /// Whether the guard added or lowered the limit (so a full result may be truncated).
    pub fn limit_enforced(&self) -> bool {
        self.limit_enforced
    }
}

impl fmt::Display for GuardedSql {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sql)
    }
}

/// Why a statement was refused. Messages are specific and say what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardError {
    /// The text is not SQL the parser understands (or is empty).
    #[error("cannot parse SQL: {0}")]
    Parse(String),
    /// More than one statement.
    #[error("only one statement is allowed per query; found {0} (remove the `;` and what follows)")]
    MultipleStatements(usize),
    /// Not a read-only query.
    #[error("only SELECT queries are allowed; found {0}")]
    NotAQuery(String),
    /// A relation that is not a log table.
    #[error("table `{name}` is not a log table; known tables: {known}")]
    UnknownTable {
        /// The name as written.
        name: String,
        /// The catalogued tables.
        known: String,
    },
    /// A log table this asker may not query (channel permissions).
    #[error("table `{name}` may not be queried from here; allowed here: {allowed}")]
    NotPermitted {
        /// The table.
        name: String,
        /// The tables this asker may query.
        allowed: String,
    },
    /// A function not on the allowlist.
    #[error("function `{name}` is not allowed{hint}")]
    Function {
        /// The name as written.
        name: String,
        /// Suggestions, if any.
        hint: String,
    },
    /// `SELECT ... INTO`.
    #[error("SELECT ... INTO is not allowed: queries cannot create tables")]
    SelectInto,
    /// A LIMIT/OFFSET/FETCH that is not a plain number.
    #[error("LIMIT, OFFSET and FETCH must be non-negative integer literals; found `{0}`")]
    BadLimit(String),
    /// Valid SQL the engines do not support.
    #[error("not supported: {0}")]
    Unsupported(String),
}

/// Which engine's SQL the guard admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    /// The embedded engine: Athena's dialect plus the embedded engine's own
    /// functions.
    #[default]
    Embedded,
    /// Athena engine version 3 (Trino): only Trino functions and syntax, so a
    /// statement that passes cannot fail in Athena for being unknown SQL.
    Athena,
}

/// Checks statements against the catalog and limits.
#[derive(Debug, Clone)]
pub struct SqlGuard {
    dialect: Dialect,
    time_columns: Vec<(String, String)>,
    tables: Vec<String>,
    array_fields: unnest::ArrayFields,
    known: String,
    max_rows: u64,
    /// When set, only these catalogued tables may be queried.
    permitted: Option<Vec<String>>,
}

impl SqlGuard {
    /// A guard allowing the tables of `catalog` and at most `max_rows` rows.
    pub fn new(catalog: &Catalog, max_rows: u64) -> Self {
        let mut array_fields = unnest::ArrayFields::new();
        for t in catalog.tables() {
            for f in t.schema.fields() {
                if let datafusion::arrow::datatypes::DataType::List(item) = f.data_type()
                    && let datafusion::arrow::datatypes::DataType::Struct(fs) = item.data_type()
                {
                    array_fields.insert(
                        f.name().clone(),
                        fs.iter().map(|x| x.name().clone()).collect(),
                    );
                }
            }
        }
        Self {
            dialect: Dialect::Embedded,
            time_columns: catalog
                .tables()
                .iter()
                .map(|t| (t.name.clone(), t.time_column.clone()))
                .collect(),
            array_fields,
            tables: catalog.tables().iter().map(|t| t.name.clone()).collect(),
            known: catalog.names(),
            max_rows: max_rows.max(1),
            permitted: None,
        }
    }

    /// The same guard, allowing only the catalogued tables in `tables`
    /// (case-insensitive); any other log table is refused with
    /// [`GuardError::NotPermitted`]. Used for per-channel permissions.
    pub fn restricted_to(&self, tables: &[String]) -> Self {
        let mut permitted: Vec<String> = tables
            .iter()
            .map(|t| t.to_ascii_lowercase())
            .filter(|t| self.tables.contains(t))
            .collect();
        permitted.sort();
        permitted.dedup();
        Self {
            permitted: Some(permitted),
            ..self.clone()
        }
    }

    /// The same guard admitting only `dialect`'s functions and syntax.
    pub fn with_dialect(&self, dialect: Dialect) -> Self {
        Self {
            dialect,
            ..self.clone()
        }
    }

    /// The dialect this guard admits.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The tables queries may read: the catalog, or the restriction.
    pub fn permitted_tables(&self) -> &[String] {
        self.permitted.as_deref().unwrap_or(&self.tables)
    }

    fn refuse_unpermitted(&self, name: &str) -> Option<GuardError> {
        let permitted = self.permitted.as_ref()?;
        if permitted.iter().any(|t| t == name) {
            return None;
        }
        // An audit record: the enclosing span names who asked from where.
        tracing::warn!(
            table = name,
            "query refused: table not permitted for this asker"
        );
        Some(GuardError::NotPermitted {
            name: name.to_string(),
            allowed: if permitted.is_empty() {
                "no tables".into()
            } else {
                permitted.join(", ")
            },
        })
    }

    /// The row ceiling.
    pub fn max_rows(&self) -> u64 {
        self.max_rows
    }

    /// Checks one statement; returns the SQL to run.
    pub fn check(&self, sql: &str) -> Result<GuardedSql, GuardError> {
        let dialect = GenericDialect {};
        let mut statements = Parser::new(&dialect)
            .with_recursion_limit(RECURSION_LIMIT)
            .try_with_sql(sql)
            .and_then(|mut p| p.parse_statements())
            .map_err(|e| GuardError::Parse(clean_parse_error(&e.to_string())))?;
        match statements.len() {
            0 => return Err(GuardError::Parse("the statement is empty".into())),
            1 => {}
            n => return Err(GuardError::MultipleStatements(n)),
        }
        let mut statement = statements.remove(0);
        unmask_column_references(&mut statement);
        if !matches!(statement, Statement::Query(_)) {
            return Err(GuardError::NotAQuery(statement_kind(&statement)));
        }
        name_field_columns(&mut statement);
        // Two renders of one tree: Athena's dialect as written, and the
        // embedded engine's adaptation of it. Both are checked.
        let mut embedded = statement.clone();
        athena_regexp_replace(&mut embedded);
        unnest::rewrite(&mut embedded, &self.array_fields)?;
        name_field_columns(&mut embedded);
        let tables = self.check_tree(&mut statement, self.dialect == Dialect::Athena)?;
        self.check_tree(&mut embedded, false)?;
        let (row_limit, limit_enforced) = {
            let Statement::Query(query) = &mut statement else {
                unreachable!("checked above")
            };
            self.apply_limit(query)?
        };
        if let Statement::Query(query) = &mut embedded {
            self.apply_limit(query)?;
        }
        let time_columns = self
            .time_columns
            .iter()
            .filter(|(t, _)| tables.contains(t))
            .cloned()
            .collect();
        Ok(GuardedSql {
            sql: statement.to_string(),
            embedded_sql: embedded.to_string(),
            tables,
            time_columns,
            row_limit,
            limit_enforced,
        })
    }

    /// Runs the checks over one tree; returns the log tables it reads.
    fn check_tree(
        &self,
        statement: &mut Statement,
        trino: bool,
    ) -> Result<Vec<String>, GuardError> {
        let Statement::Query(query) = statement else {
            return Err(GuardError::NotAQuery(statement_kind(statement)));
        };
        let mut checker = Checker {
            guard: self,
            trino,
            scopes: Vec::new(),
            tables: Vec::new(),
        };
        if let ControlFlow::Break(e) = query.visit(&mut checker) {
            return Err(e);
        }
        let mut tables = checker.tables;
        tables.sort();
        tables.dedup();
        Ok(tables)
    }

    /// Adds or lowers the top-level limit; returns (limit, whether the guard changed it).
    fn apply_limit(&self, q: &mut Query) -> Result<(u64, bool), GuardError> {
        let max = self.max_rows;
        let mut effective: Option<u64> = None;
        let mut changed = false;
        if let Some(fetch) = &mut q.fetch
            && let Some(qty) = &mut fetch.quantity
        {
            let n = literal_u64(qty)?;
            if n > max {
                *qty = number(max);
                changed = true;
            }
            effective = Some(n.min(max));
        }
        match &mut q.limit_clause {
            Some(LimitClause::LimitOffset { limit: Some(l), .. })
            | Some(LimitClause::OffsetCommaLimit { limit: l, .. }) => {
                let n = literal_u64(l)?;
                if n > max {
                    *l = number(max);
                    changed = true;
                }
                effective = Some(effective.map_or(n.min(max), |e| e.min(n.min(max))));
            }
            Some(LimitClause::LimitOffset {
                limit: limit @ None,
                ..
            }) => {
                if effective.is_none() {
                    *limit = Some(number(max));
                    changed = true;
                    effective = Some(max);
                }
            }
            None => {
                if effective.is_none() {
                    q.limit_clause = Some(LimitClause::LimitOffset {
                        limit: Some(number(max)),
                        offset: None,
                        limit_by: vec![],
                    });
                    changed = true;
                    effective = Some(max);
                }
            }
        }
        Ok((effective.unwrap_or(max), changed))
    }
}

/// `f.user` parses as a call of a function named `f.user` because `user` is
/// a keyword; a qualified name without parentheses is a column reference.
/// Rewrite it so (re-rendered with the last part quoted) every engine reads it
/// as the column, as Athena does. This keeps the product's example rule
/// (`SELECT f.user ... ON f.user = s.user`) running unchanged.
fn unmask_column_references(statement: &mut Statement) {
    use datafusion::sql::sqlparser::ast::{Ident, visit_expressions_mut};
    let _ = visit_expressions_mut(statement, |e| {
        if let Expr::Function(f) = e {
            let bare =
                matches!(f.args, FunctionArguments::None) && f.over.is_none() && f.filter.is_none();
            let parts: Option<Vec<Ident>> = f
                .name
                .0
                .iter()
                .map(|p| match p {
                    ObjectNamePart::Identifier(i) => Some(i.clone()),
                    _ => None,
                })
                .collect();
            if let (true, Some(mut parts)) = (bare, parts)
                && parts.len() > 1
            {
                if let Some(last) = parts.last_mut()
                    && last.quote_style.is_none()
                {
                    *last = Ident::with_quote('"', last.value.to_ascii_lowercase());
                }
                *e = Expr::CompoundIdentifier(parts);
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

/// Trino's `regexp_replace(s, pattern[, replacement])` replaces every match
/// (and deletes them when no replacement is given); DataFusion's replaces the
/// first unless given the `'g'` flag. Add the flag so rules and questions
/// written for Athena mean the same here.
fn athena_regexp_replace(statement: &mut Statement) {
    use datafusion::sql::sqlparser::ast::{
        FunctionArg, FunctionArgExpr, Value, visit_expressions_mut,
    };
    let _ = visit_expressions_mut(statement, |e| {
        if let Expr::Function(f) = e
            && f.name.to_string().eq_ignore_ascii_case("regexp_replace")
            && let FunctionArguments::List(list) = &mut f.args
        {
            let lit = |s: &str| {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::value(
                    Value::SingleQuotedString(s.to_string()),
                )))
            };
            match list.args.len() {
                2 => {
                    list.args.push(lit(""));
                    list.args.push(lit("g"));
                }
                3 => list.args.push(lit("g")),
                _ => {}
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

/// Names a selected struct field after the field, as Trino does:
/// `SELECT useridentity.arn` yields a column `arn` (DataFusion would call it
/// `cloudtrail.useridentity[arn]`), unless another output column has that name.
fn name_field_columns(statement: &mut Statement) {
    use datafusion::sql::sqlparser::ast::{Ident, Select, SelectItem, VisitMut, VisitorMut};
    struct Namer;
    impl VisitorMut for Namer {
        type Break = ();
        fn pre_visit_select(&mut self, select: &mut Select) -> ControlFlow<()> {
            let name_of = |item: &SelectItem| -> Option<String> {
                match item {
                    SelectItem::UnnamedExpr(Expr::Identifier(i)) => {
                        Some(i.value.to_ascii_lowercase())
                    }
                    SelectItem::UnnamedExpr(Expr::CompoundIdentifier(p)) => {
                        p.last().map(|i| i.value.to_ascii_lowercase())
                    }
                    SelectItem::ExprWithAlias { alias, .. } => {
                        Some(alias.value.to_ascii_lowercase())
                    }
                    _ => None,
                }
            };
            let names: Vec<Option<String>> = select.projection.iter().map(name_of).collect();
            for (i, item) in select.projection.iter_mut().enumerate() {
                let SelectItem::UnnamedExpr(expr @ Expr::CompoundIdentifier(_)) = item else {
                    continue;
                };
                let Expr::CompoundIdentifier(parts) = &*expr else {
                    continue;
                };
                if parts.len() < 2 {
                    continue;
                }
                let Some(name) = names[i].clone() else {
                    continue;
                };
                if names
                    .iter()
                    .filter(|n| n.as_deref() == Some(name.as_str()))
                    .count()
                    == 1
                {
                    let alias = Ident::with_quote('"', name);
                    *item = SelectItem::ExprWithAlias {
                        expr: expr.clone(),
                        alias,
                    };
                }
            }
            ControlFlow::Continue(())
        }
    }
    let _ = statement.visit(&mut Namer);
}

fn number(n: u64) -> Expr {
    Expr::value(Value::Number(n.to_string(), false))
}

fn literal_u64(e: &Expr) -> Result<u64, GuardError> {
    match e {
        Expr::Value(ValueWithSpan {
            value: Value::Number(s, _),
            ..
        }) => s
            .parse::<u64>()
            .map_err(|_| GuardError::BadLimit(e.to_string())),
        _ => Err(GuardError::BadLimit(e.to_string())),
    }
}

fn clean_parse_error(m: &str) -> String {
    m.trim_start_matches("sql parser error: ").to_string()
}

/// A short name for a statement kind (`DROP TABLE`, `INSERT`, `SET`, …).
fn statement_kind(s: &Statement) -> String {
    let text = s.to_string();
    let words: Vec<&str> = text.split_whitespace().take(2).collect();
    let two = words.join(" ").to_uppercase();
    let first = words.first().map(|w| w.to_uppercase()).unwrap_or_default();
    match first.as_str() {
        "CREATE" | "DROP" | "ALTER" | "TRUNCATE" | "SHOW" | "START" | "EXPLAIN" => two,
        _ => first,
    }
}

/// One query scope's CTEs: names, the bodies (by address), and how many are visible.
struct Scope {
    names: Vec<String>,
    bodies: Vec<*const Query>,
    visible: usize,
    recursive: bool,
}

struct Checker<'g> {
    guard: &'g SqlGuard,
    /// Admit only Trino functions and syntax.
    trino: bool,
    scopes: Vec<(*const Query, Scope)>,
    tables: Vec<String>,
}

impl Checker<'_> {
    fn cte_visible(&self, name: &str) -> bool {
        self.scopes
            .iter()
            .any(|(_, s)| s.names[..s.visible].iter().any(|n| n == name))
    }

    fn check_relation(&mut self, name: &ObjectName) -> ControlFlow<GuardError> {
        let parts: Vec<(String, bool)> = name
            .0
            .iter()
            .map(|p| match p {
                ObjectNamePart::Identifier(i) => (i.value.clone(), i.quote_style.is_some()),
                other => (other.to_string(), false),
            })
            .collect();
        let unknown = || GuardError::UnknownTable {
            name: name.to_string(),
            known: self.guard.known.clone(),
        };
        if parts.len() != 1 {
            return ControlFlow::Break(unknown());
        }
        let (raw, quoted) = &parts[0];
        let normalized = if *quoted {
            raw.clone()
        } else {
            raw.to_ascii_lowercase()
        };
        if self.cte_visible(&normalized) {
            return ControlFlow::Continue(());
        }
        if self.guard.tables.contains(&normalized) {
            if let Some(e) = self.guard.refuse_unpermitted(&normalized) {
                return ControlFlow::Break(e);
            }
            self.tables.push(normalized);
            return ControlFlow::Continue(());
        }
        ControlFlow::Break(unknown())
    }
}

fn check_set_expr(body: &SetExpr, guard: &SqlGuard) -> Result<(), GuardError> {
    match body {
        SetExpr::Table(t) => {
            let name = t.table_name.clone().unwrap_or_default();
            let qualified = t.schema_name.is_some();
            if qualified || !guard.tables.iter().any(|x| x.eq_ignore_ascii_case(&name)) {
                let full = t
                    .schema_name
                    .as_ref()
                    .map(|s| format!("{s}.{name}"))
                    .unwrap_or(name);
                return Err(GuardError::UnknownTable {
                    name: full,
                    known: guard.known.clone(),
                });
            }
            Err(GuardError::Unsupported(format!(
                "TABLE {name}; write SELECT * FROM {name}"
            )))
        }
        SetExpr::Insert(s) | SetExpr::Update(s) | SetExpr::Delete(s) | SetExpr::Merge(s) => {
            Err(GuardError::NotAQuery(statement_kind(s)))
        }
        SetExpr::SetOperation { left, right, .. } => {
            check_set_expr(left, guard)?;
            check_set_expr(right, guard)
        }
        _ => Ok(()),
    }
}

fn check_limits(q: &Query) -> Result<(), GuardError> {
    match &q.limit_clause {
        Some(LimitClause::LimitOffset {
            limit,
            offset,
            limit_by,
        }) => {
            if let Some(l) = limit {
                literal_u64(l)?;
            }
            if let Some(o) = offset {
                literal_u64(&o.value)?;
            }
            if !limit_by.is_empty() {
                return Err(GuardError::Unsupported("LIMIT ... BY".into()));
            }
        }
        Some(LimitClause::OffsetCommaLimit { offset, limit }) => {
            literal_u64(offset)?;
            literal_u64(limit)?;
        }
        None => {}
    }
    if let Some(f) = &q.fetch {
        if f.percent {
            return Err(GuardError::BadLimit(f.to_string()));
        }
        if let Some(qty) = &f.quantity {
            literal_u64(qty)?;
        }
    }
    Ok(())
}

impl Visitor for Checker<'_> {
    type Break = GuardError;

    fn pre_visit_statement(&mut self, s: &Statement) -> ControlFlow<GuardError> {
        match s {
            Statement::Query(_) => ControlFlow::Continue(()),
            other => ControlFlow::Break(GuardError::NotAQuery(statement_kind(other))),
        }
    }

    fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<GuardError> {
        // A CTE body of an enclosing scope: only earlier CTEs are visible in it.
        let ptr = q as *const Query;
        for (_, scope) in self.scopes.iter_mut().rev() {
            if let Some(i) = scope.bodies.iter().position(|b| *b == ptr) {
                scope.visible = if scope.recursive { i + 1 } else { i };
                break;
            }
        }
        let checks = check_set_expr(&q.body, self.guard)
            .and_then(|_| check_limits(q))
            .and_then(|_| {
                if !q.locks.is_empty() || q.for_clause.is_some() {
                    return Err(GuardError::NotAQuery("a locking or FOR clause".into()));
                }
                if q.settings.is_some() || q.format_clause.is_some() || !q.pipe_operators.is_empty()
                {
                    return Err(GuardError::Unsupported(
                        "SETTINGS, FORMAT or pipe operators".into(),
                    ));
                }
                Ok(())
            });
        if let Err(e) = checks {
            return ControlFlow::Break(e);
        }
        if let Some(with) = &q.with {
            let scope = Scope {
                names: with
                    .cte_tables
                    .iter()
                    .map(|c| c.alias.name.value.to_ascii_lowercase())
                    .collect(),
                bodies: with
                    .cte_tables
                    .iter()
                    .map(|c| &*c.query as *const Query)
                    .collect(),
                visible: 0,
                recursive: with.recursive,
            };
            self.scopes.push((ptr, scope));
        }
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, q: &Query) -> ControlFlow<GuardError> {
        let ptr = q as *const Query;
        if self.scopes.last().is_some_and(|(owner, _)| *owner == ptr) {
            self.scopes.pop();
        }
        // Leaving CTE body i makes CTE i visible to what follows.
        for (_, scope) in self.scopes.iter_mut().rev() {
            if let Some(i) = scope.bodies.iter().position(|b| *b == ptr) {
                scope.visible = i + 1;
                break;
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_select(
        &mut self,
        s: &datafusion::sql::sqlparser::ast::Select,
    ) -> ControlFlow<GuardError> {
        if s.into.is_some() {
            return ControlFlow::Break(GuardError::SelectInto);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, t: &TableFactor) -> ControlFlow<GuardError> {
        match t {
            TableFactor::Table {
                name,
                args: Some(_),
                ..
            } => ControlFlow::Break(GuardError::Function {
                name: name.to_string(),
                hint: "; only log tables may appear in FROM".into(),
            }),
            TableFactor::Table { .. }
            | TableFactor::Derived { .. }
            | TableFactor::NestedJoin { .. }
            | TableFactor::UNNEST { .. } => ControlFlow::Continue(()),
            TableFactor::TableFunction { expr, .. } => ControlFlow::Break(GuardError::Function {
                name: expr.to_string(),
                hint: "; only log tables may appear in FROM".into(),
            }),
            TableFactor::Function { name, .. } => ControlFlow::Break(GuardError::Function {
                name: name.to_string(),
                hint: "; only log tables may appear in FROM".into(),
            }),
            other => {
                let text = other.to_string();
                let kind = text
                    .split_whitespace()
                    .next()
                    .unwrap_or("this construct")
                    .to_uppercase();
                ControlFlow::Break(GuardError::Unsupported(format!("{kind} in FROM")))
            }
        }
    }

    fn pre_visit_relation(&mut self, r: &ObjectName) -> ControlFlow<GuardError> {
        self.check_relation(r)
    }

    fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<GuardError> {
        if self.trino
            && let Some(why) = not_trino(e)
        {
            return ControlFlow::Break(GuardError::Unsupported(why));
        }
        if let Expr::Function(f) = e {
            let qualified = f.name.0.len() != 1;
            let name = f.name.to_string();
            let bare = match f.name.0.last() {
                Some(ObjectNamePart::Identifier(i)) => i.value.clone(),
                _ => name.clone(),
            };
            if !qualified
                && self.trino
                && allowlist::allowed(&bare)
                && !allowlist::trino_allowed(&bare)
            {
                let hint = match allowlist::trino_equivalent(&bare) {
                    Some(alt) => format!(" in Athena (Trino); write `{alt}` instead"),
                    None => " in Athena (Trino), which has no such function".into(),
                };
                return ControlFlow::Break(GuardError::Function { name, hint });
            }
            if qualified || !allowlist::allowed(&bare) {
                let similar = allowlist::similar(&bare);
                let no_parens = matches!(f.args, FunctionArguments::None);
                let hint = if no_parens && !qualified {
                    format!(
                        "; if you meant a column, quote it: \"{}\"",
                        bare.to_ascii_lowercase()
                    )
                } else if similar.is_empty() || qualified {
                    String::new()
                } else {
                    format!(
                        "; did you mean {}?",
                        similar
                            .iter()
                            .map(|s| format!("`{s}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                return ControlFlow::Break(GuardError::Function { name, hint });
            }
            if let FunctionArguments::Subquery(_) = &f.args {
                return ControlFlow::Break(GuardError::Unsupported(format!(
                    "a subquery as the argument list of `{name}`"
                )));
            }
        }
        ControlFlow::Continue(())
    }
}

/// Syntax the embedded engine reads but Trino does not, with the Trino form.
fn not_trino(e: &Expr) -> Option<String> {
    use datafusion::sql::sqlparser::ast::CastKind;
    match e {
        Expr::Cast {
            kind: CastKind::DoubleColon,
            ..
        } => Some("`::` casts in Athena (Trino); write CAST(x AS type)".into()),
        Expr::ILike { .. } => {
            Some("ILIKE in Athena (Trino); write lower(x) LIKE '...' instead".into())
        }
        Expr::SimilarTo { .. } | Expr::RLike { .. } => Some(
            "SIMILAR TO / RLIKE in Athena (Trino); write regexp_like(x, 'pattern') instead".into(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
