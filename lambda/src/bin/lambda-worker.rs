//! `lambda-worker`: runs the bot's jobs (questions and follow-ups, charts,
//! slash commands, button actions), each invoked asynchronously by the bot
//! function with the job as the payload. Delivery is at least once: the
//! worker claims the job id in the de-dup store first, so a redelivered job
//! posts nothing twice.
//!
//! A job that changed an alert (an Acknowledge or Resolve click) leaves the
//! message edit and the thread note in the delivery outbox; the worker
//! drains it before it returns, so the analyst sees the change at once
//! rather than at the router function's next run.

use std::sync::Arc;

use lambda_runtime::{Error, LambdaEvent, service_fn};
use mantissa::Service;
use mantissa::bot::SlackIntake;
use mantissa_bot::BotState;
use mantissa_bot::jobs::Job;
use mantissa_lambda::dispatch::LambdaDispatcher;
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (state, dispatcher, router) = mantissa_lambda::start(init()).await?.as_ref().clone();
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Job>| {
        let state = state.clone();
        let dispatcher = dispatcher.clone();
        let router = router.clone();
        async move {
            let until =
                mantissa_lambda::deadline(event.context.deadline, mantissa_lambda::DEADLINE_MARGIN);
            let job = event.payload;
            let id = job.id.clone();
            let platform = job.task.platform();
            tracing::info!(job = %id, platform, "job received");
            mantissa_bot::worker::run(state, job).await;
            dispatcher.flush().await;
            let delivered = match router {
                Some(router) => router.drain(until).await?.delivered,
                None => 0,
            };
            Ok::<_, Error>(json!({"job": id, "delivered": delivered}))
        }
    }))
    .await
}

type Worker = (
    Arc<BotState>,
    Arc<LambdaDispatcher>,
    Option<Arc<mantissa_router::Router>>,
);

async fn init() -> anyhow::Result<Worker> {
    mantissa_router::install_crypto_provider();
    let composition = mantissa_lambda::compose().await?;
    // A job that starts another (none do today) goes to a worker too.
    let dispatcher = Arc::new(LambdaDispatcher::from_env().await?);
    let service = Service::new(composition.clone(), mantissa_lambda::translator_policy()?)?;
    let router = service.router().cloned();
    let state = mantissa::bot::state(
        &composition,
        Arc::new(service),
        dispatcher.clone(),
        SlackIntake::Http,
    )?;
    Ok((Arc::new(state), dispatcher, router))
}
