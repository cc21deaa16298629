//! The AWS Lambda functions of the serverless deployment: each binary under
//! `src/bin/` is a thin `main` over the same composition root and service as
//! the `mantissa` CLI (`mantissa::Composition`, `mantissa::service`),
//! configured only through `MANTISSA_*` environment variables (and a
//! `mantissa.toml` next to the bootstrap, when the package has one) and the
//! AWS SDK's own environment.
//!
//! - `lambda-detector`: on an EventBridge schedule, one detection cycle at
//!   the event's scheduled time (catching up missed ticks), its alerts
//!   handed to the router and delivered within the invocation's time.
//! - `lambda-router`: drains the delivery outbox on its own schedule.
//! - `lambda-ingest`: S3 `ObjectCreated` notifications → the new raw-log
//!   objects ingested into the tables bucket.
//! - `lambda-bot`: the chat bot and HTTP API (`mantissa serve`'s axum app)
//!   behind API Gateway; slow work goes to the worker ([`dispatch`]).
//! - `lambda-worker`: the bot's jobs, invoked asynchronously.
//!
//! Start-up (everything here) runs once per execution environment, in
//! Lambda's init phase; a failure is reported as an init error with the
//! setting to fix.

pub mod dispatch;

use std::time::Duration;

use anyhow::Context as _;
use mantissa::Composition;
use mantissa_core::clock::Clock;
use mantissa_core::config::Config;

/// Logs as one JSON object per line (CloudWatch Logs Insights reads the
/// fields), level from `MANTISSA_LOG` (default `info`); never secrets.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("MANTISSA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(false)
        .without_time() // CloudWatch stamps each line
        .with_target(false)
        .init();
}

/// The configuration (file if present, then `MANTISSA_*`), its Secrets
/// Manager references resolved, composed.
pub async fn compose() -> anyhow::Result<Composition> {
    let mut config = Config::load(None).context("configuration")?;
    if config.has_secret_references() {
        let n = mantissa_core::config::secrets::resolve_from_aws(&mut config)
            .await
            .context("secrets")?;
        tracing::debug!(settings = n, "secrets resolved from AWS Secrets Manager");
    }
    Ok(Composition::new(config, Clock::system()))
}

/// Runs a function's start-up (`init`, after logging is set up); a failure
/// is logged with its whole chain, so CloudWatch shows what to fix, and
/// ends the process as Lambda expects of a failed init.
pub async fn start<T>(
    init: impl std::future::Future<Output = anyhow::Result<T>>,
) -> Result<std::sync::Arc<T>, lambda_runtime::Error> {
    init_logging();
    match init.await {
        Ok(t) => Ok(std::sync::Arc::new(t)),
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "cannot start");
            Err(e.into())
        }
    }
}

/// How long before the invocation's deadline work stops, so the response
/// (and whatever is left in the outbox) is never cut off by a timeout.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(5);

/// The tokio instant `margin` before the invocation's deadline
/// (`Lambda-Runtime-Deadline-Ms`, epoch milliseconds).
pub fn deadline(deadline_ms: u64, margin: Duration) -> tokio::time::Instant {
    let now_ms = u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0);
    let left = Duration::from_millis(deadline_ms.saturating_sub(now_ms)).saturating_sub(margin);
    tokio::time::Instant::now() + left
}

/// The chat functions' shared start-up (bot and worker): the composition,
/// the worker hand-off, the service and the bot state over them, and the
/// router when alerts are routed.
pub struct Chat {
    /// What the bot's handlers and the worker's jobs share.
    pub state: std::sync::Arc<mantissa_bot::BotState>,
    /// Hands jobs to the worker function; flushed before each response.
    pub dispatcher: std::sync::Arc<dispatch::LambdaDispatcher>,
    /// Delivers lifecycle updates (a click's message edit), if configured.
    pub router: Option<std::sync::Arc<mantissa_router::Router>>,
}

/// Starts the chat functions' shared state (see [`Chat`]).
pub async fn chat() -> anyhow::Result<Chat> {
    use std::sync::Arc;
    mantissa_router::install_crypto_provider();
    let composition = compose().await?;
    let dispatcher = Arc::new(dispatch::LambdaDispatcher::from_env().await?);
    let service = mantissa::Service::new(composition.clone(), translator_policy()?)?;
    let router = service.router().cloned();
    let state = mantissa::bot::state(
        &composition,
        Arc::new(service),
        dispatcher.clone(),
        mantissa::bot::SlackIntake::Http,
    )?;
    Ok(Chat {
        state: Arc::new(state),
        dispatcher,
        router,
    })
}

/// How questions are translated: `MANTISSA_LAMBDA_TRANSLATOR` = `builtin`, `llm`
/// or `auto` (the default: the built-in translator when it is confident,
/// else the configured LLM).
pub fn translator_policy() -> anyhow::Result<mantissa_core::answer::Policy> {
    use mantissa_core::answer::Policy;
    match std::env::var("MANTISSA_LAMBDA_TRANSLATOR").as_deref() {
        Err(_) | Ok("auto") => Ok(Policy::Auto),
        Ok("builtin") => Ok(Policy::Builtin),
        Ok("llm") => Ok(Policy::Llm),
        Ok(other) => {
            anyhow::bail!("MANTISSA_LAMBDA_TRANSLATOR = {other:?}: expected builtin, llm or auto")
        }
    }
}
