//! The Athena engine (AWS deployment): guarded SQL runs in an Athena
//! workgroup over the Glue tables, through Athena's query API.
//!
//! One query is `StartQueryExecution` (the statement exactly as the guard
//! approved it, pinned to its instant and day partitions by
//! [`GuardedSql::pinned`]), `GetQueryExecution` polled with growing waits
//! until it ends, then `GetQueryResults` page by page (the first page of a
//! SELECT starts with a header row; later pages do not), typed by
//! `ResultSetMetadata.ColumnInfo` into the same Arrow result the embedded
//! engine returns. A query that outlives the time limit, or whose caller
//! gives up (the future is dropped), is stopped with `StopQueryExecution`.
//!
//! Cost travels with every result ([`Scan::athena`]): bytes scanned from
//! the query's statistics, billed at $5/TB with a 10 MB minimum, free when
//! Athena reused an earlier result.
//!
//! **Invariant:** the workgroup enforces its configuration and a
//! bytes-scanned cutoff per query ([`AthenaEngine::verify`] refuses to start
//! otherwise), so no question can cost more than the cutoff.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use aws_sdk_athena::Client;
use aws_sdk_athena::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_athena::types::{
    ColumnInfo, QueryExecutionContext, QueryExecutionState, ResultReuseByAgeConfiguration,
    ResultReuseConfiguration, Row,
};
use chrono::{NaiveDate, NaiveDateTime};
use tokio::sync::OnceCell;

use super::{EngineError, QueryEngine, QueryResult, QueryTime, Scan};
use crate::arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, RecordBatch,
    StringBuilder, TimestampMicrosecondBuilder,
};
use crate::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use crate::config::{AthenaConfig, EngineConfig};
use crate::guard::{GuardedSql, Pin};

/// Most rows Athena returns per `GetQueryResults` page.
const PAGE_ROWS: i32 = 1000;
/// Attempts at starting a query while Athena throttles.
const START_ATTEMPTS: u32 = 6;

/// Runs queries in an Athena workgroup.
pub struct AthenaEngine {
    client: OnceCell<Client>,
    /// The workgroup check, made once before the first query.
    verified: OnceCell<u64>,
    config: AthenaConfig,
    timeout: Duration,
}

impl std::fmt::Debug for AthenaEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AthenaEngine")
            .field("workgroup", &self.config.workgroup)
            .field("database", &self.config.database)
            .finish()
    }
}

impl AthenaEngine {
    /// An engine whose client comes from the AWS SDK's environment
    /// (`AWS_REGION`, `AWS_ENDPOINT_URL[_ATHENA]`, credentials, profiles),
    /// made on first use.
    pub fn from_env(config: &EngineConfig) -> Self {
        Self {
            client: OnceCell::new(),
            verified: OnceCell::new(),
            config: config.athena.clone(),
            timeout: Duration::from_secs(config.query_timeout_secs.max(1)),
        }
    }

    /// An engine using `client`.
    pub fn with_client(client: Client, config: &EngineConfig) -> Self {
        Self {
            client: OnceCell::new_with(Some(client)),
            ..Self::from_env(config)
        }
    }

    async fn client(&self) -> &Client {
        self.client
            .get_or_init(|| async {
                let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
                    .load()
                    .await;
                Client::new(&sdk)
            })
            .await
    }

    /// Start-up check: the workgroup exists, enforces its configuration and
    /// caps the bytes one query may scan. Returns the cutoff in bytes. Made
    /// once per engine (the first query makes it if nothing did before).
    pub async fn verify(&self) -> Result<u64, EngineError> {
        self.verified
            .get_or_try_init(|| self.check_workgroup())
            .await
            .copied()
    }

    async fn check_workgroup(&self) -> Result<u64, EngineError> {
        let name = &self.config.workgroup;
        let client = self.client().await;
        if client.config().region().is_none() {
            return Err(EngineError::Execution(
                "no AWS region is configured for Athena: set AWS_REGION (or a profile's region)"
                    .into(),
            ));
        }
        let out = client
            .get_work_group()
            .work_group(name)
            .send()
            .await
            .map_err(|e| {
                EngineError::Execution(format!(
                    "cannot read the Athena workgroup `{name}` ([engine.athena] workgroup): {}; \
                     check the name, AWS_REGION and the athena:GetWorkGroup permission",
                    sdk_message(&e)
                ))
            })?;
        let config = out.work_group().and_then(|w| w.configuration());
        let cutoff = config.and_then(|c| c.bytes_scanned_cutoff_per_query());
        let enforced = config
            .and_then(|c| c.enforce_work_group_configuration())
            .unwrap_or(false);
        let Some(bytes) = cutoff.filter(|b| *b > 0) else {
            return Err(EngineError::Execution(format!(
                "the Athena workgroup `{name}` sets no bytes-scanned cutoff per query, so one \
                 question could scan (and bill) every table; set BytesScannedCutoffPerQuery \
                 on it (Terraform: bytes_scanned_cutoff_per_query, e.g. 10 GB)"
            )));
        };
        if !enforced {
            return Err(EngineError::Execution(format!(
                "the Athena workgroup `{name}` does not enforce its configuration, so a client \
                 could lift its bytes-scanned cutoff; set EnforceWorkGroupConfiguration = true \
                 (Terraform: enforce_workgroup_configuration = true)"
            )));
        }
        Ok(bytes as u64)
    }

    async fn start(&self, sql: &str) -> Result<String, EngineError> {
        let client = self.client().await;
        let token = request_token();
        let mut wait = Duration::from_millis(self.config.poll_initial_ms.max(1));
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut request = client
                .start_query_execution()
                .query_string(sql)
                .work_group(&self.config.workgroup)
                .client_request_token(&token)
                .query_execution_context(
                    QueryExecutionContext::builder()
                        .catalog("AwsDataCatalog")
                        .database(&self.config.database)
                        .build(),
                );
            if self.config.result_reuse_minutes > 0 {
                request = request.result_reuse_configuration(
                    ResultReuseConfiguration::builder()
                        .result_reuse_by_age_configuration(
                            ResultReuseByAgeConfiguration::builder()
                                .enabled(true)
                                .max_age_in_minutes(self.config.result_reuse_minutes as i32)
                                .build(),
                        )
                        .build(),
                );
            }
            match request.send().await {
                Ok(out) => {
                    return out.query_execution_id().map(str::to_string).ok_or_else(|| {
                        EngineError::Execution("Athena returned no query execution id".into())
                    });
                }
                // The same token makes a retried start idempotent.
                Err(e) if throttled(&e) && attempt < START_ATTEMPTS => {
                    tracing::warn!(attempt, "Athena throttled StartQueryExecution; retrying");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(10));
                }
                Err(e) => return Err(start_error(&e)),
            }
        }
    }

    /// Polls until the query ends; returns bytes scanned and whether an
    /// earlier result was reused.
    async fn wait(&self, id: &str, deadline: Instant) -> Result<(u64, bool), EngineError> {
        let client = self.client().await;
        let mut wait = Duration::from_millis(self.config.poll_initial_ms.max(1));
        let max = Duration::from_millis(self.config.poll_max_ms.max(self.config.poll_initial_ms));
        loop {
            let out = match client
                .get_query_execution()
                .query_execution_id(id)
                .send()
                .await
            {
                Ok(out) => out,
                Err(e) if throttled(&e) => {
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(max);
                    continue;
                }
                Err(e) => {
                    return Err(EngineError::Execution(format!(
                        "Athena GetQueryExecution: {}",
                        sdk_message(&e)
                    )));
                }
            };
            let execution = out.query_execution();
            let status = execution.and_then(|q| q.status());
            let stats = execution.and_then(|q| q.statistics());
            let bytes = stats
                .and_then(|s| s.data_scanned_in_bytes())
                .unwrap_or(0)
                .max(0) as u64;
            let reused = stats
                .and_then(|s| s.result_reuse_information())
                .is_some_and(|r| r.reused_previous_result());
            let reason = status
                .and_then(|s| s.state_change_reason())
                .unwrap_or_default()
                .to_string();
            match status.and_then(|s| s.state()) {
                Some(QueryExecutionState::Succeeded) => return Ok((bytes, reused)),
                Some(QueryExecutionState::Failed) => {
                    let error = status.and_then(|s| s.athena_error());
                    let message = error
                        .and_then(|e| e.error_message())
                        .filter(|m| !m.is_empty())
                        .map(str::to_string)
                        .unwrap_or(reason);
                    // Category 2 is the user's query; 1 is Athena; 3 other.
                    return Err(match error.and_then(|e| e.error_category()) {
                        Some(2) => EngineError::Query(message),
                        _ if looks_like_query_error(&message) => EngineError::Query(message),
                        _ => EngineError::Execution(format!("Athena: {message}")),
                    });
                }
                Some(QueryExecutionState::Cancelled) => {
                    return Err(
                        if reason.to_ascii_lowercase().contains("bytes scanned limit") {
                            EngineError::ResourcesExhausted(format!(
                                "the Athena workgroup's bytes-scanned cutoff ({}; Athena: {reason})",
                                super::human_bytes(bytes)
                            ))
                        } else {
                            EngineError::Execution(format!("Athena cancelled the query: {reason}"))
                        },
                    );
                }
                _ => {}
            }
            if Instant::now() >= deadline {
                return Err(EngineError::Timeout(self.timeout.as_secs()));
            }
            tokio::time::sleep(wait.min(deadline.saturating_duration_since(Instant::now()))).await;
            wait = (wait + wait / 2).min(max);
        }
    }

    async fn results(
        &self,
        id: &str,
        limit: usize,
    ) -> Result<(Arc<Schema>, Vec<RecordBatch>, usize), EngineError> {
        let client = self.client().await;
        let mut token: Option<String> = None;
        let mut columns: Option<Vec<ColumnInfo>> = None;
        let mut rows: Vec<Row> = Vec::new();
        let mut first = true;
        loop {
            let out = client
                .get_query_results()
                .query_execution_id(id)
                .max_results(PAGE_ROWS)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| {
                    EngineError::Execution(format!("Athena GetQueryResults: {}", sdk_message(&e)))
                })?;
            let Some(set) = out.result_set() else { break };
            if columns.is_none() {
                columns = set.result_set_metadata().map(|m| m.column_info().to_vec());
            }
            let mut page = set.rows().to_vec();
            // The first row of a SELECT's first page repeats the column names.
            if first
                && let (Some(cols), Some(head)) = (&columns, page.first())
                && is_header(head, cols)
            {
                page.remove(0);
            }
            first = false;
            rows.extend(page);
            if rows.len() >= limit {
                rows.truncate(limit);
                break;
            }
            match out.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        let columns = columns.unwrap_or_default();
        let (schema, batch) = typed(&columns, &rows)?;
        let count = batch.num_rows();
        Ok((schema, vec![batch], count))
    }
}

#[async_trait]
impl QueryEngine for AthenaEngine {
    fn name(&self) -> &str {
        "athena"
    }

    async fn execute(&self, sql: &GuardedSql, time: QueryTime) -> Result<QueryResult, EngineError> {
        let started = Instant::now();
        let deadline = started + self.timeout;
        // A misconfigured workgroup is refused before anything is scanned.
        self.verify().await?;
        let text = sql.pinned(Pin {
            now: time.now,
            after: time.since,
            until: time.as_of.then_some(time.now),
        });
        let id = self.start(&text).await?;
        let mut running = Running {
            client: self.client().await.clone(),
            id: Some(id.clone()),
        };
        let waited = self.wait(&id, deadline).await;
        let (bytes, reused) = match waited {
            Ok(done) => {
                running.id = None;
                done
            }
            Err(e) => {
                if !matches!(e, EngineError::Timeout(_)) {
                    running.id = None; // it has already ended
                }
                return Err(e); // a timed-out query is stopped on drop
            }
        };
        let limit = sql.row_limit() as usize;
        let (schema, batches, rows) = self.results(&id, limit).await?;
        let scan = Scan::athena(bytes, reused);
        tracing::info!(
            message = "Athena query finished.",
            query_execution_id = %id,
            bytes_scanned = bytes,
            reused,
            usd = scan.usd.unwrap_or(0.0),
            rows,
            ms = started.elapsed().as_millis() as u64
        );
        Ok(QueryResult {
            sql: sql.sql().to_string(),
            schema,
            batches,
            row_count: rows,
            truncated: sql.limit_enforced() && rows >= limit,
            elapsed: started.elapsed(),
            scan: Some(scan),
        })
    }
}

/// A started query: stopped when dropped before it ended (time limit, or
/// the caller gave up), so it stops scanning and billing.
struct Running {
    client: Client,
    id: Option<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let Some(id) = self.id.take() else { return };
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let client = self.client.clone();
        handle.spawn(async move {
            match client
                .stop_query_execution()
                .query_execution_id(&id)
                .send()
                .await
            {
                Ok(_) => tracing::info!(query_execution_id = %id, "Athena query stopped"),
                Err(e) => tracing::warn!(
                    query_execution_id = %id,
                    error = %sdk_message(&e),
                    "could not stop the Athena query"
                ),
            }
        });
    }
}

fn request_token() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = crate::clock::Clock::system()
        .now()
        .timestamp_nanos_opt()
        .unwrap_or(0);
    // 32–128 characters.
    format!("mantissa-{nanos:032x}-{:08x}-{n:08x}", std::process::id())
}

fn sdk_message<E: ProvideErrorMetadata + std::fmt::Debug, R>(e: &SdkError<E, R>) -> String {
    match e {
        SdkError::ServiceError(s) => {
            let err = s.err();
            match (err.code(), err.message()) {
                (Some(c), Some(m)) => format!("{c}: {m}"),
                (Some(c), None) => c.to_string(),
                (None, Some(m)) => m.to_string(),
                (None, None) => format!("{err:?}"),
            }
        }
        SdkError::DispatchFailure(d) => format!(
            "cannot reach Athena ({}); check AWS_REGION and AWS_ENDPOINT_URL",
            d.as_connector_error()
                .map(|c| c.to_string())
                .unwrap_or_else(|| "connection failed".into())
        ),
        SdkError::TimeoutError(_) => "the request to Athena timed out".into(),
        other => other.to_string(),
    }
}

fn throttled<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> bool {
    e.as_service_error()
        .and_then(|s| s.code())
        .is_some_and(|c| matches!(c, "ThrottlingException" | "TooManyRequestsException"))
}

fn start_error<E: ProvideErrorMetadata + std::fmt::Debug, R>(e: &SdkError<E, R>) -> EngineError {
    let message = sdk_message(e);
    match e.as_service_error().and_then(|s| s.code()) {
        Some("InvalidRequestException") if looks_like_query_error(&message) => EngineError::Query(
            e.as_service_error()
                .and_then(|s| s.message())
                .unwrap_or(&message)
                .to_string(),
        ),
        _ => EngineError::Execution(format!("Athena StartQueryExecution: {message}")),
    }
}

/// Athena's messages about the statement itself (`line 1:8: Column 'x'
/// cannot be resolved`, `SYNTAX_ERROR`, `TYPE_MISMATCH`).
fn looks_like_query_error(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.starts_with("line ")
        || m.contains("syntax_error")
        || m.contains("syntax error")
        || m.contains("cannot be resolved")
        || m.contains("type_mismatch")
        || m.contains("column_not_found")
        || m.contains("function_not_found")
        || m.contains("table_not_found")
}

fn is_header(row: &Row, columns: &[ColumnInfo]) -> bool {
    row.data().len() == columns.len()
        && row
            .data()
            .iter()
            .zip(columns)
            .all(|(d, c)| d.var_char_value() == Some(c.label().unwrap_or(c.name())))
}

/// The Arrow type for an Athena column type.
fn arrow_type(athena: &str) -> DataType {
    let t = athena.to_ascii_lowercase();
    let base = t.split('(').next().unwrap_or("").trim();
    match base {
        "boolean" => DataType::Boolean,
        "tinyint" | "smallint" | "integer" | "int" | "bigint" => DataType::Int64,
        "double" | "float" | "real" | "decimal" => DataType::Float64,
        "date" => DataType::Date32,
        "timestamp" | "timestamp with time zone" => {
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
        }
        // varchar, char, json, varbinary, time, interval, and the nested
        // types (array, map, row), which Athena returns as text.
        _ => DataType::Utf8,
    }
}

fn typed(columns: &[ColumnInfo], rows: &[Row]) -> Result<(Arc<Schema>, RecordBatch), EngineError> {
    let fields: Vec<Field> = columns
        .iter()
        .map(|c| Field::new(c.name(), arrow_type(c.r#type()), true))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(columns.len());
    for (i, (column, field)) in columns.iter().zip(schema.fields()).enumerate() {
        // Absent VarCharValue is NULL; Some("") is the empty string.
        let values = rows
            .iter()
            .map(|r| r.data().get(i).and_then(|d| d.var_char_value()));
        let bad = |v: &str| {
            EngineError::Execution(format!(
                "Athena returned `{v}` in column `{}` of type {}",
                column.name(),
                column.r#type()
            ))
        };
        let array: ArrayRef = match field.data_type() {
            DataType::Boolean => {
                let mut b = BooleanBuilder::new();
                for v in values {
                    match v {
                        None => b.append_null(),
                        Some(v) => b.append_value(v.parse::<bool>().map_err(|_| bad(v))?),
                    }
                }
                Arc::new(b.finish())
            }
            DataType::Int64 => {
                let mut b = Int64Builder::new();
                for v in values {
                    match v {
                        None => b.append_null(),
                        Some(v) => b.append_value(v.trim().parse::<i64>().map_err(|_| bad(v))?),
                    }
                }
                Arc::new(b.finish())
            }
            DataType::Float64 => {
                let mut b = Float64Builder::new();
                for v in values {
                    match v {
                        None => b.append_null(),
                        Some(v) => b.append_value(parse_double(v).ok_or_else(|| bad(v))?),
                    }
                }
                Arc::new(b.finish())
            }
            DataType::Date32 => {
                let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("a valid date");
                let mut b = Date32Builder::new();
                for v in values {
                    match v {
                        None => b.append_null(),
                        Some(v) => {
                            let d = NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
                                .map_err(|_| bad(v))?;
                            b.append_value((d - epoch).num_days() as i32);
                        }
                    }
                }
                Arc::new(b.finish())
            }
            DataType::Timestamp(..) => {
                let mut b = TimestampMicrosecondBuilder::new().with_timezone("UTC");
                for v in values {
                    match v {
                        None => b.append_null(),
                        Some(v) => b.append_value(parse_timestamp(v).ok_or_else(|| bad(v))?),
                    }
                }
                Arc::new(b.finish())
            }
            _ => {
                let mut b = StringBuilder::new();
                for v in values {
                    b.append_option(v);
                }
                Arc::new(b.finish())
            }
        };
        arrays.push(array);
    }
    let batch = if columns.is_empty() {
        RecordBatch::new_empty(schema.clone())
    } else {
        RecordBatch::try_new(schema.clone(), arrays)
            .map_err(|e| EngineError::Internal(e.to_string()))?
    };
    Ok((schema, batch))
}

fn parse_double(v: &str) -> Option<f64> {
    match v.trim() {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        other => other.parse().ok(),
    }
}

/// `2026-12-04 10:00:00.000` (timestamp) or `2026-12-04 10:00:00.000 UTC`
/// (timestamp with time zone), as µs since the epoch.
fn parse_timestamp(v: &str) -> Option<i64> {
    let v = v.trim();
    let (text, zone) = match v.rsplit_once(' ') {
        Some((t, z)) if z.chars().any(|c| c.is_ascii_alphabetic()) => (t, Some(z)),
        _ => (v, None),
    };
    if zone.is_some_and(|z| !matches!(z, "UTC" | "Z" | "Etc/UTC")) {
        return None;
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f"))
        .ok()
        .map(|t| t.and_utc().timestamp_micros())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn athena_text_values_are_typed() {
        assert_eq!(
            parse_timestamp("2026-12-04 10:00:00.123"),
            Some(1_796_378_400_123_000)
        );
        assert_eq!(
            parse_timestamp("2026-12-04 10:00:00.123 UTC"),
            Some(1_796_378_400_123_000)
        );
        assert_eq!(parse_timestamp("2026-12-04 10:00:00 Europe/Paris"), None);
        assert_eq!(arrow_type("varchar"), DataType::Utf8);
        assert_eq!(arrow_type("decimal(10,2)"), DataType::Float64);
        assert_eq!(arrow_type("array(varchar)"), DataType::Utf8);
        assert!(parse_double("NaN").unwrap().is_nan());
    }

    #[test]
    fn billing_has_a_ten_megabyte_minimum_and_reuse_is_free() {
        let small = Scan::athena(1_000, false);
        assert_eq!(small.usd, Some(0.00005));
        let big = Scan::athena(1_200_000_000, false);
        assert_eq!(big.to_string(), "scanned 1.2 GB ≈ $0.006");
        assert_eq!(Scan::athena(5_000_000_000, true).usd, Some(0.0));
    }
}
