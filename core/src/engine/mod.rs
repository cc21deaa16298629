//! Query engines behind one trait.
//!
//! [`QueryEngine`] takes only [`GuardedSql`], which only the SQL guard can
//! produce, so no statement reaches an engine unchecked. The embedded
//! implementation is [`datafusion::DataFusionEngine`]; Athena comes with the
//! cloud deployment. Results are Arrow record batches, the interchange format
//! every engine converts to.
//!
//! **Architecture Invariant:** this module (the trait and result types) does
//! not depend on any engine; backends live in their own modules.

mod activity;
#[cfg(feature = "athena")]
pub mod athena;
pub mod datafusion;
mod datafusion_errors;
pub mod functions;
pub mod group_by;
mod pruning;
pub mod result;

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::arrow::array::RecordBatch;
use crate::arrow::datatypes::SchemaRef;
use crate::guard::GuardedSql;

pub use result::{Cell, ColumnMeta};

/// Runs guarded Athena-dialect SQL.
///
/// # Contract
/// - `execute` runs exactly the statement in `sql` with `CURRENT_TIMESTAMP`
///   and `now()` bound to `time.now`, never more rows than `sql.row_limit()`;
///   with `time.as_of`, rows whose event time is after `time.now` are not seen.
/// - Limits (memory, time) configured for the engine are enforced; exceeding
///   them is an [`EngineError`], never a crash.
/// - Errors about the query itself (unknown column, type mismatch) are
///   [`EngineError::Query`] and carry a message fit for the user.
#[async_trait]
pub trait QueryEngine: Send + Sync + std::fmt::Debug {
    /// Short backend name, e.g. `datafusion`.
    fn name(&self) -> &str;

    /// Runs a guarded statement.
    async fn execute(&self, sql: &GuardedSql, time: QueryTime) -> Result<QueryResult, EngineError>;

    /// Hours in `[from, to]` holding rows that could contribute to `sql`'s
    /// result: rows of its tables passing its row filters, time predicates
    /// aside. Replays evaluate a rule only at ticks whose window touches such
    /// an hour. `None` means unknown (evaluate every tick); that is the
    /// default, and what a backend returns when the plan is too complex.
    ///
    /// Sound for queries whose result needs at least one input row; a query
    /// that returns rows on empty input (a bare `count(*)` = 0 check) is not
    /// replayed across empty periods.
    async fn activity(
        &self,
        sql: &GuardedSql,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Option<Vec<DateTime<Utc>>>, EngineError> {
        let _ = (sql, from, to);
        Ok(None)
    }
}

/// The time a query runs at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryTime {
    /// Bound to `CURRENT_TIMESTAMP` and `now()`.
    pub now: DateTime<Utc>,
    /// Replay mode: rows with an event time after `now` are invisible, as they
    /// would have been had the query run live at `now` (`--now` sets this).
    pub as_of: bool,
    /// Window start: when set, only rows with an event time strictly after
    /// it are visible (a detection rule's `threshold.window`). Partitions
    /// wholly before it are not read.
    pub since: Option<DateTime<Utc>>,
}

impl QueryTime {
    /// Live: `now` is the current time and all rows are visible.
    pub fn live(now: DateTime<Utc>) -> Self {
        Self {
            now,
            as_of: false,
            since: None,
        }
    }

    /// Replay as of `now`.
    pub fn as_of(now: DateTime<Utc>) -> Self {
        Self {
            now,
            as_of: true,
            since: None,
        }
    }

    /// From a clock: frozen clocks replay.
    pub fn from_clock(clock: &crate::clock::Clock) -> Self {
        Self {
            now: clock.now(),
            as_of: clock.is_frozen(),
            since: None,
        }
    }

    /// Only rows with an event time in `(now - window, now]` are visible:
    /// what a detection rule evaluated at `now` sees.
    pub fn window(now: DateTime<Utc>, window: std::time::Duration) -> Self {
        let window = chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX);
        Self {
            now,
            as_of: true,
            since: now.checked_sub_signed(window),
        }
    }
}

/// The result of one query.
#[derive(Debug, Clone)]
pub struct QueryResult {
    /// The SQL that ran (re-rendered by the guard).
    pub sql: String,
    /// Result schema.
    pub schema: SchemaRef,
    /// Result rows.
    pub batches: Vec<RecordBatch>,
    /// Number of rows.
    pub row_count: usize,
    /// Whether the guard's row limit cut the result short (more rows may exist).
    pub truncated: bool,
    /// Wall-clock time of the query.
    pub elapsed: Duration,
    /// What the query read, and what that cost where reading is billed.
    pub scan: Option<Scan>,
}

/// Athena's price: $5 per TB (10^12 bytes) scanned.
pub const ATHENA_USD_PER_TB: f64 = 5.0;
/// Athena bills at least 10 MB per query.
pub const ATHENA_MINIMUM_BYTES: u64 = 10_000_000;

/// The data one query read.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Scan {
    /// Bytes read from the tables.
    pub bytes: u64,
    /// The `dt` partitions read, when the engine reports them.
    pub days: Vec<String>,
    /// The price of the query in US dollars, where scanning is billed
    /// (Athena); `None` for the embedded engine.
    pub usd: Option<f64>,
    /// The answer is a cached earlier result (Athena result reuse): nothing
    /// was scanned or billed for it.
    pub reused: bool,
}

impl Scan {
    /// Athena's bill for `bytes` scanned: $5/TB with a 10 MB minimum (a
    /// reused result is free).
    pub fn athena(bytes: u64, reused: bool) -> Self {
        let billed = if reused {
            0.0
        } else {
            bytes.max(ATHENA_MINIMUM_BYTES) as f64 / 1e12 * ATHENA_USD_PER_TB
        };
        Self {
            bytes,
            days: Vec::new(),
            usd: Some(billed),
            reused,
        }
    }
}

impl std::fmt::Display for Scan {
    /// `scanned 1.2 GB ≈ $0.006`, `scanned 3.4 MB` (unbilled), `reused an
    /// earlier result ($0)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.reused {
            return f.write_str("reused an earlier result, nothing scanned ($0)");
        }
        write!(f, "scanned {}", human_bytes(self.bytes))?;
        if let Some(usd) = self.usd {
            if usd < 0.001 {
                write!(f, " ≈ ${usd:.5}")?;
            } else {
                write!(f, " ≈ ${usd:.3}")?;
            }
        }
        Ok(())
    }
}

/// `1.2 GB`, `340 kB`, `12 B` (decimal units, as AWS bills).
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["kB", "MB", "GB", "TB", "PB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    let mut unit = "B";
    for u in UNITS {
        if value < 1000.0 {
            break;
        }
        value /= 1000.0;
        unit = u;
    }
    if value < 10.0 {
        format!("{value:.1} {unit}")
    } else {
        format!("{value:.0} {unit}")
    }
}

/// Why a query failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The query is wrong (unknown column or function, type mismatch).
    #[error("{0}")]
    Query(String),
    /// The query ran too long.
    #[error("query exceeded the {0}s time limit; narrow the time range or add filters")]
    Timeout(u64),
    /// The query needed more memory than allowed.
    #[error(
        "query exceeded the memory limit ({0}); narrow the time range, add filters or aggregate"
    )]
    ResourcesExhausted(String),
    /// The engine failed (I/O, corrupt file).
    #[error("query failed: {0}")]
    Execution(String),
    /// A bug.
    #[error("this is a bug in Mantissa Log, please report it: {0}")]
    Internal(String),
}
