//! The bot function's [`Dispatcher`]: a [`Job`] sent to the worker function
//! with an asynchronous `Invoke` (`InvocationType=Event`).
//!
//! Why Lambda's asynchronous invocation rather than SQS: it needs no queue
//! or event-source mapping, Lambda keeps the event (up to six hours), retries
//! a failed run twice and sends what still fails to the function's
//! dead-letter queue; the worker claims the job id in the de-dup store, so a
//! redelivery posts nothing twice.
//!
//! Lambda freezes the execution environment once the response is returned,
//! so a hand-off must be done before it: [`LambdaDispatcher::dispatch`]
//! starts the `Invoke` and [`LambdaDispatcher::flush`], awaited by the
//! function before it answers, finishes them (tens of milliseconds in a
//! region). A job whose `Invoke` fails is run right there instead: the
//! answer is late rather than lost, and a Slack retry of the event is
//! recognised by its id.

use std::sync::{Arc, Mutex};

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvocationType;
use mantissa_bot::BotState;
use mantissa_bot::dispatch::Dispatcher;
use mantissa_bot::jobs::Job;
use tokio::task::JoinHandle;

/// The environment variable naming the worker function.
pub const WORKER_FUNCTION_ENV: &str = "MANTISSA_LAMBDA_WORKER";

/// Hands jobs to the worker function.
#[derive(Debug)]
pub struct LambdaDispatcher {
    client: aws_sdk_lambda::Client,
    function: String,
    pending: Mutex<Vec<Pending>>,
}

#[derive(Debug)]
struct Pending {
    state: Arc<BotState>,
    job: Job,
    invoke: JoinHandle<Result<(), String>>,
}

impl LambdaDispatcher {
    /// Jobs to `function` (name or ARN) through `client`.
    pub fn new(client: aws_sdk_lambda::Client, function: impl Into<String>) -> Self {
        Self {
            client,
            function: function.into(),
            pending: Mutex::default(),
        }
    }

    /// The worker named by `MANTISSA_LAMBDA_WORKER`, through a client
    /// from the SDK's environment (`AWS_ENDPOINT_URL_LAMBDA` included).
    pub async fn from_env() -> anyhow::Result<Self> {
        let function = std::env::var(WORKER_FUNCTION_ENV).map_err(|_| {
            anyhow::anyhow!(
                "{WORKER_FUNCTION_ENV} is not set: name the worker function the bot hands slow work to (Terraform sets it)"
            )
        })?;
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Ok(Self::new(aws_sdk_lambda::Client::new(&config), function))
    }

    /// Waits for every hand-off started so far; a job whose `Invoke`
    /// failed runs here, in this invocation.
    pub async fn flush(&self) {
        let pending = std::mem::take(&mut *self.pending.lock().expect("dispatcher lock"));
        for p in pending {
            let outcome = match p.invoke.await {
                Ok(r) => r,
                Err(e) => Err(e.to_string()),
            };
            match outcome {
                Ok(()) => tracing::info!(job = %p.job.id, "job handed to the worker"),
                Err(error) => {
                    tracing::error!(job = %p.job.id, function = %self.function, %error,
                        "cannot hand the job to the worker; running it here");
                    mantissa_bot::worker::run(p.state, p.job).await;
                }
            }
        }
    }
}

impl Dispatcher for LambdaDispatcher {
    fn dispatch(&self, state: Arc<BotState>, job: Job) {
        let payload = match serde_json::to_vec(&job) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(job = %job.id, error = %e, "cannot serialise the job");
                return;
            }
        };
        let request = self
            .client
            .invoke()
            .function_name(&self.function)
            .invocation_type(InvocationType::Event)
            .payload(Blob::new(payload));
        let invoke = tokio::spawn(async move {
            match request.send().await {
                Ok(out) if out.status_code() == 202 => Ok(()),
                Ok(out) => Err(format!("Invoke answered {}", out.status_code())),
                Err(e) => Err(format!(
                    "{}",
                    aws_sdk_lambda::error::DisplayErrorContext(&e)
                )),
            }
        });
        self.pending
            .lock()
            .expect("dispatcher lock")
            .push(Pending { state, job, invoke });
    }
}
