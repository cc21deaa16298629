//! A Lambda Runtime API server on loopback: what runs a function's real
//! `bootstrap` binary outside AWS (`AWS_LAMBDA_RUNTIME_API=127.0.0.1:PORT`),
//! since AWS's emulator needs Docker or a download.
//!
//! The 2018-06-01 Runtime API as `lambda_runtime` uses it:
//! - `GET /2018-06-01/runtime/invocation/next` waits for an event and
//!   returns it with `Lambda-Runtime-Aws-Request-Id`,
//!   `Lambda-Runtime-Deadline-Ms` (epoch ms) and
//!   `Lambda-Runtime-Invoked-Function-Arn`;
//! - `POST …/invocation/{id}/response` and `…/invocation/{id}/error`
//!   (`{"errorType", "errorMessage"}`) end it, answered `202`;
//! - `POST /2018-06-01/runtime/init/error` reports a failed start.
//!
//! The first `next` marks the end of the function's init, which is how
//! cold-start init time is measured ([`LambdaRuntime::first_poll`]).
//!
//! It also answers the Lambda service's `Invoke` call for its function
//! (`POST /2015-03-31/functions/{name}/invocations`, what the AWS SDK sends
//! with `AWS_ENDPOINT_URL_LAMBDA` pointed here): `X-Amz-Invocation-Type:
//! Event` queues the payload and answers `202` at once, and a failed
//! asynchronous invocation is retried twice, as Lambda does; the default
//! `RequestResponse` waits for the function's answer.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::sync::{Notify, oneshot};

/// How one invocation ended.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// The request id the runtime was given.
    pub request_id: String,
    /// `Ok(response body)` or `Err(error body)` (`errorType`, `errorMessage`).
    pub result: Result<Value, Value>,
    /// From handing the event out to the function's answer.
    pub elapsed: Duration,
}

/// One `Invoke` call the server received.
#[derive(Debug, Clone)]
pub struct InvokeCall {
    /// The function named in the path.
    pub function: String,
    /// `Event` or `RequestResponse`.
    pub invocation_type: String,
    /// The payload.
    pub payload: Value,
}

#[derive(Default)]
struct Inner {
    queue: VecDeque<(String, Value)>,
    invoke_calls: Vec<InvokeCall>,
    /// Asynchronous invocations that ended (each attempt).
    async_done: Vec<Invocation>,
    waiting: HashMap<String, (Instant, oneshot::Sender<Invocation>)>,
    first_poll: Option<Instant>,
    init_error: Option<Value>,
    next_id: u64,
}

#[derive(Clone, Default)]
struct Shared {
    inner: Arc<Mutex<Inner>>,
    ready: Arc<Notify>,
}

/// The server; dropped, it stops.
pub struct LambdaRuntime {
    address: String,
    shared: Shared,
    started: Instant,
    _task: tokio::task::JoinHandle<()>,
}

impl LambdaRuntime {
    /// Starts the server on a free loopback port.
    pub async fn start() -> Self {
        let shared = Shared::default();
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .route("/2015-03-31/functions/{name}/invocations", post(invoke_api))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let address = listener.local_addr().expect("local address").to_string();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            address,
            shared,
            started: Instant::now(),
            _task: task,
        }
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Hands `event` to the function and waits up to `timeout` for its
    /// answer.
    pub async fn invoke(&self, event: Value, timeout: Duration) -> Option<Invocation> {
        let rx = self.shared.enqueue(event);
        tokio::time::timeout(timeout, rx).await.ok()?.ok()
    }

    /// The `Invoke` calls received so far.
    pub fn invoke_calls(&self) -> Vec<InvokeCall> {
        self.shared.inner.lock().unwrap().invoke_calls.clone()
    }

    /// Waits up to `timeout` until `n` asynchronous invocations (attempts,
    /// retries included) have ended, and returns those that have.
    pub async fn wait_async(&self, n: usize, timeout: Duration) -> Vec<Invocation> {
        let deadline = Instant::now() + timeout;
        loop {
            let done = self.shared.inner.lock().unwrap().async_done.clone();
            if done.len() >= n || Instant::now() >= deadline {
                return done;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// When the function first asked for an event (its init was done), as
    /// time since `since`; `None` until it has.
    pub fn first_poll(&self, since: Instant) -> Option<Duration> {
        self.shared
            .inner
            .lock()
            .unwrap()
            .first_poll
            .map(|t| t.saturating_duration_since(since))
    }

    /// Waits up to `timeout` for the function's first `next`.
    pub async fn wait_ready(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.first_poll(self.started).is_some() {
                return true;
            }
            if self.init_error().is_some() {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        false
    }

    /// The body of `init/error`, if the function reported one.
    pub fn init_error(&self) -> Option<Value> {
        self.shared.inner.lock().unwrap().init_error.clone()
    }
}

impl Shared {
    /// Queues `event` for the function; the receiver gets how it ended.
    fn enqueue(&self, event: Value) -> oneshot::Receiver<Invocation> {
        let (tx, rx) = oneshot::channel();
        {
            let mut inner = self.inner.lock().unwrap();
            inner.next_id += 1;
            let id = format!("req-{:06}", inner.next_id);
            inner.waiting.insert(id.clone(), (Instant::now(), tx));
            inner.queue.push_back((id, event));
        }
        self.ready.notify_waiters();
        rx
    }

    /// Runs `event` asynchronously: up to three attempts, as Lambda's
    /// asynchronous invocation retries a function error twice.
    fn run_async(&self, event: Value) {
        let shared = self.clone();
        tokio::spawn(async move {
            for _attempt in 0..3 {
                let Ok(done) = shared.enqueue(event.clone()).await else {
                    return;
                };
                let failed = done.result.is_err();
                shared.inner.lock().unwrap().async_done.push(done);
                if !failed {
                    return;
                }
            }
        });
    }
}

/// The Lambda service's `Invoke` for this server's function.
async fn invoke_api(
    State(s): State<Shared>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let invocation_type = headers
        .get("x-amz-invocation-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("RequestResponse")
        .to_string();
    let Ok(payload) = serde_json::from_slice::<Value>(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            [("x-amzn-errortype", "InvalidRequestContentException")],
            json!({"Type": "User", "message": "Could not parse request body into json"})
                .to_string(),
        )
            .into_response();
    };
    s.inner.lock().unwrap().invoke_calls.push(InvokeCall {
        function: name,
        invocation_type: invocation_type.clone(),
        payload: payload.clone(),
    });
    match invocation_type.as_str() {
        "Event" => {
            s.run_async(payload);
            (StatusCode::ACCEPTED, "").into_response()
        }
        "DryRun" => (StatusCode::NO_CONTENT, "").into_response(),
        _ => match s.enqueue(payload).await {
            Ok(Invocation { result: Ok(v), .. }) => (StatusCode::OK, v.to_string()).into_response(),
            Ok(Invocation { result: Err(v), .. }) => (
                StatusCode::OK,
                [("x-amz-function-error", "Unhandled")],
                v.to_string(),
            )
                .into_response(),
            Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "").into_response(),
        },
    }
}

async fn next(State(s): State<Shared>) -> Response {
    loop {
        // Registered before the queue is looked at, so no event is missed.
        let notified = s.ready.notified();
        {
            let mut inner = s.inner.lock().unwrap();
            inner.first_poll.get_or_insert_with(Instant::now);
            if let Some((id, event)) = inner.queue.pop_front() {
                if let Some((at, _)) = inner.waiting.get_mut(&id) {
                    *at = Instant::now();
                }
                let deadline = chrono::Utc::now().timestamp_millis() + 900_000;
                return (
                    StatusCode::OK,
                    [
                        ("content-type", "application/json".to_string()),
                        ("lambda-runtime-aws-request-id", id),
                        ("lambda-runtime-deadline-ms", deadline.to_string()),
                        (
                            "lambda-runtime-invoked-function-arn",
                            "arn:aws:lambda:us-east-1:123456789012:function:mantissa-test".into(),
                        ),
                        (
                            "lambda-runtime-trace-id",
                            "Root=1-00000000-000000000000000000000000;Sampled=0".into(),
                        ),
                    ],
                    event.to_string(),
                )
                    .into_response();
            }
        }
        notified.await;
    }
}

fn finish(s: &Shared, id: &str, result: Result<Value, Value>) -> Response {
    let Some((at, tx)) = s.inner.lock().unwrap().waiting.remove(id) else {
        return (
            StatusCode::BAD_REQUEST,
            json!({"errorMessage": format!("unknown request id {id}"), "errorType": "InvalidRequestID"})
                .to_string(),
        )
            .into_response();
    };
    let _ = tx.send(Invocation {
        request_id: id.to_string(),
        result,
        elapsed: at.elapsed(),
    });
    (StatusCode::ACCEPTED, json!({"status": "OK"}).to_string()).into_response()
}

fn body_json(body: &Bytes) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

async fn response(State(s): State<Shared>, Path(id): Path<String>, body: Bytes) -> Response {
    finish(&s, &id, Ok(body_json(&body)))
}

async fn error(
    State(s): State<Shared>,
    Path(id): Path<String>,
    _headers: HeaderMap,
    body: Bytes,
) -> Response {
    finish(&s, &id, Err(body_json(&body)))
}

async fn init_error(State(s): State<Shared>, body: Bytes) -> Response {
    s.inner.lock().unwrap().init_error = Some(body_json(&body));
    (StatusCode::ACCEPTED, json!({"status": "OK"}).to_string()).into_response()
}
