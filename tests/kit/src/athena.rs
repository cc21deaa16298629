//! An Athena-protocol server: Athena's JSON 1.1 API (`X-Amz-Target:
//! AmazonAthena.<Operation>`) on loopback, in front of a query runner the
//! test supplies (the project's own engine over the same tables), since no
//! offline emulator runs Athena SQL (moto's Athena runs none).
//!
//! Faithful where the client depends on it:
//! - `StartQueryExecution` returns at once; the query is QUEUED, then
//!   RUNNING (each held for a configurable time), then SUCCEEDED, FAILED or
//!   CANCELLED. `ClientRequestToken` makes a start idempotent.
//! - Workgroups carry `BytesScannedCutoffPerQuery` and
//!   `EnforceWorkGroupConfiguration`; a query scanning more than the cutoff
//!   is CANCELLED with Athena's reason ("Bytes scanned limit was exceeded")
//!   and billed for the cutoff.
//! - `GetQueryResults` pages with `MaxResults` (1–1000) and `NextToken`; the
//!   first page of a SELECT starts with the header row; values are strings,
//!   an absent `VarCharValue` is NULL.
//! - `ResultReuseConfiguration`: an identical query (text, database,
//!   workgroup) that succeeded within `MaxAgeInMinutes` is answered from its
//!   result, with `ReusedPreviousResult` and 0 bytes scanned.
//! - `StopQueryExecution` cancels a query that has not ended.
//! - Programmable throttling (`ThrottlingException`) of the next starts.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

/// The query a runner is asked to run.
#[derive(Debug, Clone)]
pub struct AthenaQuery {
    /// `QueryString`, exactly as received.
    pub sql: String,
    /// `QueryExecutionContext.Database`.
    pub database: String,
    /// The workgroup.
    pub workgroup: String,
}

/// A runner's result: Athena column types and text values.
#[derive(Debug, Clone, Default)]
pub struct AthenaTable {
    /// `(name, Athena type)`: `varchar`, `bigint`, `double`, `boolean`,
    /// `timestamp`, `date`, `array(varchar)`, ….
    pub columns: Vec<(String, String)>,
    /// Rows of values as Athena renders them (`None` = NULL).
    pub rows: Vec<Vec<Option<String>>>,
    /// Bytes the query read.
    pub bytes_scanned: u64,
}

/// Runs one query; `Err` is the FAILED reason (a user error).
pub type Runner = Arc<
    dyn Fn(AthenaQuery) -> Pin<Box<dyn Future<Output = Result<AthenaTable, String>> + Send>>
        + Send
        + Sync,
>;

/// One query as the server saw it.
#[derive(Debug, Clone)]
pub struct Execution {
    /// Its id.
    pub id: String,
    /// The query.
    pub query: AthenaQuery,
    /// QUEUED, RUNNING, SUCCEEDED, FAILED or CANCELLED.
    pub state: String,
    /// Why it ended, if it did not succeed.
    pub reason: Option<String>,
    /// Bytes scanned (billed).
    pub bytes_scanned: u64,
    /// Answered from an earlier result.
    pub reused: bool,
    /// Every state `GetQueryExecution` reported for it, in order.
    pub polled: Vec<String>,
    result: Option<AthenaTable>,
    ended: Option<Instant>,
    token: Option<String>,
}

#[derive(Debug, Clone, Copy)]
struct Workgroup {
    cutoff: Option<u64>,
    enforced: bool,
}

#[derive(Default)]
struct Inner {
    executions: Vec<Execution>,
    workgroups: HashMap<String, Workgroup>,
    throttle_starts: u32,
    calls: Vec<String>,
}

struct Shared {
    inner: Mutex<Inner>,
    runner: Runner,
    queued: Duration,
    running: Duration,
}

/// The Athena-protocol server.
pub struct AthenaFake {
    url: String,
    shared: Arc<Shared>,
}

impl AthenaFake {
    /// Starts on a free loopback port; queries stay QUEUED for `queued` and
    /// RUNNING for at least `running`.
    pub async fn start(runner: Runner, queued: Duration, running: Duration) -> AthenaFake {
        Self::start_on(0, runner, queued, running).await
    }

    /// [`AthenaFake::start`] on a given loopback port (0: any free one).
    pub async fn start_on(
        port: u16,
        runner: Runner,
        queued: Duration,
        running: Duration,
    ) -> AthenaFake {
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner::default()),
            runner,
            queued,
            running,
        });
        let app = Router::new()
            .route("/", post(handle))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap_or_else(|e| panic!("cannot listen on 127.0.0.1:{port}: {e}"));
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            axum::serve(listener, app).await.ok();
        });
        AthenaFake { url, shared }
    }

    /// `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL_ATHENA`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Declares a workgroup with a per-query cutoff (bytes) and whether it
    /// enforces its configuration.
    pub fn workgroup(&self, name: &str, cutoff: Option<u64>, enforced: bool) {
        self.shared
            .inner
            .lock()
            .unwrap()
            .workgroups
            .insert(name.to_string(), Workgroup { cutoff, enforced });
    }

    /// The next `n` starts fail with `ThrottlingException`.
    pub fn throttle_starts(&self, n: u32) {
        self.shared.inner.lock().unwrap().throttle_starts = n;
    }

    /// Every query started, in order.
    pub fn executions(&self) -> Vec<Execution> {
        self.shared.inner.lock().unwrap().executions.clone()
    }

    /// Every operation called, in order (`StartQueryExecution`, …).
    pub fn calls(&self) -> Vec<String> {
        self.shared.inner.lock().unwrap().calls.clone()
    }
}

fn error(status: StatusCode, kind: &str, message: &str) -> Response {
    (
        status,
        [("content-type", "application/x-amz-json-1.1")],
        json!({"__type": kind, "message": message, "Message": message}).to_string(),
    )
        .into_response()
}

fn ok(body: Value) -> Response {
    (
        StatusCode::OK,
        [("content-type", "application/x-amz-json-1.1")],
        body.to_string(),
    )
        .into_response()
}

fn invalid(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "InvalidRequestException", message)
}

async fn handle(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(operation) = target.strip_prefix("AmazonAthena.") else {
        return error(
            StatusCode::BAD_REQUEST,
            "UnknownOperationException",
            "missing X-Amz-Target",
        );
    };
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "SerializationException",
            "body is not JSON",
        );
    };
    shared
        .inner
        .lock()
        .unwrap()
        .calls
        .push(operation.to_string());
    match operation {
        "StartQueryExecution" => start(&shared, &request),
        "GetQueryExecution" => get(&shared, &request),
        "GetQueryResults" => results(&shared, &request),
        "StopQueryExecution" => stop(&shared, &request),
        "GetWorkGroup" => workgroup(&shared, &request),
        other => error(
            StatusCode::BAD_REQUEST,
            "UnknownOperationException",
            &format!("the Athena fake does not implement {other}"),
        ),
    }
}

fn start(shared: &Arc<Shared>, request: &Value) -> Response {
    let text = |k: &str| request[k].as_str().unwrap_or_default().to_string();
    let sql = text("QueryString");
    let workgroup = request["WorkGroup"]
        .as_str()
        .unwrap_or("primary")
        .to_string();
    let database = request["QueryExecutionContext"]["Database"]
        .as_str()
        .unwrap_or("default")
        .to_string();
    let token = request["ClientRequestToken"].as_str().map(str::to_string);
    let reuse = &request["ResultReuseConfiguration"]["ResultReuseByAgeConfiguration"];
    let reuse_minutes = (reuse["Enabled"].as_bool() == Some(true))
        .then(|| reuse["MaxAgeInMinutes"].as_u64().unwrap_or(60));
    let mut inner = shared.inner.lock().unwrap();
    if inner.throttle_starts > 0 {
        inner.throttle_starts -= 1;
        return error(
            StatusCode::BAD_REQUEST,
            "ThrottlingException",
            "Rate exceeded",
        );
    }
    if sql.is_empty() || sql.len() > 262_144 {
        return invalid("QueryString must be 1 to 262144 characters");
    }
    if !inner.workgroups.contains_key(&workgroup) {
        return invalid(&format!("WorkGroup {workgroup} is not found."));
    }
    if let Some(t) = &token {
        if t.len() < 32 || t.len() > 128 {
            return invalid("ClientRequestToken must be 32 to 128 characters");
        }
        if let Some(e) = inner
            .executions
            .iter()
            .find(|e| e.token.as_deref() == Some(t))
        {
            return ok(json!({"QueryExecutionId": e.id}));
        }
    }
    let id = format!(
        "{:08x}-fake-4000-8000-{:012x}",
        inner.executions.len() + 1,
        0
    );
    let query = AthenaQuery {
        sql,
        database,
        workgroup: workgroup.clone(),
    };
    let previous = reuse_minutes.and_then(|minutes| {
        inner
            .executions
            .iter()
            .rev()
            .find(|e| {
                e.state == "SUCCEEDED"
                    && e.query.sql == query.sql
                    && e.query.database == query.database
                    && e.query.workgroup == query.workgroup
                    && e.ended
                        .is_some_and(|t| t.elapsed() <= Duration::from_secs(minutes * 60))
            })
            .and_then(|e| e.result.clone())
    });
    let reused = previous.is_some();
    inner.executions.push(Execution {
        id: id.clone(),
        query: query.clone(),
        state: if reused { "SUCCEEDED" } else { "QUEUED" }.into(),
        reason: None,
        bytes_scanned: 0,
        reused,
        polled: Vec::new(),
        result: previous,
        ended: reused.then(Instant::now),
        token,
    });
    let cutoff = inner.workgroups[&workgroup].cutoff;
    drop(inner);
    if !reused {
        let shared = shared.clone();
        let id = id.clone();
        tokio::spawn(async move { run(shared, id, query, cutoff).await });
    }
    ok(json!({"QueryExecutionId": id}))
}

async fn run(shared: Arc<Shared>, id: String, query: AthenaQuery, cutoff: Option<u64>) {
    tokio::time::sleep(shared.queued).await;
    let set = |f: &dyn Fn(&mut Execution)| {
        let mut inner = shared.inner.lock().unwrap();
        if let Some(e) = inner.executions.iter_mut().find(|e| e.id == id)
            && matches!(e.state.as_str(), "QUEUED" | "RUNNING")
        {
            f(e);
        }
    };
    set(&|e| e.state = "RUNNING".into());
    let started = Instant::now();
    let outcome = (shared.runner)(query).await;
    if let Some(rest) = shared.running.checked_sub(started.elapsed()) {
        tokio::time::sleep(rest).await;
    }
    set(&|e| {
        e.ended = Some(Instant::now());
        match &outcome {
            Ok(table) => match cutoff {
                Some(limit) if table.bytes_scanned > limit => {
                    e.state = "CANCELLED".into();
                    e.reason = Some("Query cancelled! : Bytes scanned limit was exceeded".into());
                    e.bytes_scanned = limit;
                }
                _ => {
                    e.state = "SUCCEEDED".into();
                    e.bytes_scanned = table.bytes_scanned;
                    e.result = Some(table.clone());
                }
            },
            Err(message) => {
                e.state = "FAILED".into();
                e.reason = Some(message.clone());
            }
        }
    });
}

fn find<'a>(inner: &'a mut Inner, request: &Value) -> Option<&'a mut Execution> {
    let id = request["QueryExecutionId"].as_str()?;
    inner.executions.iter_mut().find(|e| e.id == id)
}

fn get(shared: &Arc<Shared>, request: &Value) -> Response {
    let mut inner = shared.inner.lock().unwrap();
    let Some(e) = find(&mut inner, request) else {
        return invalid("QueryExecution was not found");
    };
    e.polled.push(e.state.clone());
    let mut status = json!({"State": e.state, "SubmissionDateTime": 1.7e9});
    if let Some(reason) = &e.reason {
        status["StateChangeReason"] = json!(reason);
        if e.state == "FAILED" {
            status["AthenaError"] = json!({
                "ErrorCategory": 2,
                "ErrorType": 1006,
                "Retryable": false,
                "ErrorMessage": reason,
            });
        }
    }
    ok(json!({"QueryExecution": {
        "QueryExecutionId": e.id,
        "Query": e.query.sql,
        "StatementType": "DML",
        "QueryExecutionContext": {"Database": e.query.database, "Catalog": "AwsDataCatalog"},
        "WorkGroup": e.query.workgroup,
        "Status": status,
        "Statistics": {
            "DataScannedInBytes": e.bytes_scanned,
            "EngineExecutionTimeInMillis": 1,
            "ResultReuseInformation": {"ReusedPreviousResult": e.reused},
        },
        "EngineVersion": {"SelectedEngineVersion": "AUTO", "EffectiveEngineVersion": "Athena engine version 3"},
    }}))
}

fn results(shared: &Arc<Shared>, request: &Value) -> Response {
    let max = request["MaxResults"].as_u64().unwrap_or(1000);
    if !(1..=1000).contains(&max) {
        return invalid("MaxResults must be between 1 and 1000");
    }
    let offset: usize = match request["NextToken"].as_str() {
        None => 0,
        Some(t) => match t.strip_prefix("page-").and_then(|n| n.parse().ok()) {
            Some(n) => n,
            None => return invalid("NextToken is not valid"),
        },
    };
    let mut inner = shared.inner.lock().unwrap();
    let Some(e) = find(&mut inner, request) else {
        return invalid("QueryExecution was not found");
    };
    if e.state != "SUCCEEDED" {
        return invalid(&format!(
            "Query has not yet finished. Current state: {}",
            e.state
        ));
    }
    let table = e.result.clone().unwrap_or_default();
    // Row 0 is the header; data row i is row i + 1.
    let header: Vec<Option<String>> = table.columns.iter().map(|(n, _)| Some(n.clone())).collect();
    let total = table.rows.len() + 1;
    let end = (offset + max as usize).min(total);
    let rows: Vec<Value> = (offset..end)
        .map(|i| {
            let row = if i == 0 { &header } else { &table.rows[i - 1] };
            json!({"Data": row.iter().map(|v| match v {
                Some(v) => json!({"VarCharValue": v}),
                None => json!({}),
            }).collect::<Vec<_>>()})
        })
        .collect();
    let columns: Vec<Value> = table
        .columns
        .iter()
        .map(|(name, kind)| {
            json!({"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": name,
                   "Label": name, "Type": kind, "Precision": 0, "Scale": 0,
                   "Nullable": "UNKNOWN", "CaseSensitive": kind == "varchar"})
        })
        .collect();
    let mut body = json!({
        "UpdateCount": 0,
        "ResultSet": {"Rows": rows, "ResultSetMetadata": {"ColumnInfo": columns}},
    });
    if end < total {
        body["NextToken"] = json!(format!("page-{end}"));
    }
    ok(body)
}

fn stop(shared: &Arc<Shared>, request: &Value) -> Response {
    let mut inner = shared.inner.lock().unwrap();
    let Some(e) = find(&mut inner, request) else {
        return invalid("QueryExecution was not found");
    };
    if matches!(e.state.as_str(), "QUEUED" | "RUNNING") {
        e.state = "CANCELLED".into();
        e.reason = Some("Query cancelled by user".into());
        e.ended = Some(Instant::now());
    }
    ok(json!({}))
}

fn workgroup(shared: &Arc<Shared>, request: &Value) -> Response {
    let name = request["WorkGroup"].as_str().unwrap_or_default();
    let inner = shared.inner.lock().unwrap();
    let Some(w) = inner.workgroups.get(name) else {
        return invalid(&format!("WorkGroup {name} is not found."));
    };
    let mut configuration = json!({
        "EnforceWorkGroupConfiguration": w.enforced,
        "EngineVersion": {"SelectedEngineVersion": "Athena engine version 3"},
    });
    if let Some(c) = w.cutoff {
        configuration["BytesScannedCutoffPerQuery"] = json!(c);
    }
    ok(json!({"WorkGroup": {"Name": name, "State": "ENABLED", "Configuration": configuration}}))
}
