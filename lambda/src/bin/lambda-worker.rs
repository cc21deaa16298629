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

use lambda_runtime::{Error, LambdaEvent, service_fn};
use mantissa_bot::jobs::Job;
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let chat = mantissa_lambda::start(mantissa_lambda::chat()).await?;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Job>| {
        let chat = chat.clone();
        async move {
            let until =
                mantissa_lambda::deadline(event.context.deadline, mantissa_lambda::DEADLINE_MARGIN);
            let job = event.payload;
            let id = job.id.clone();
            tracing::info!(job = %id, platform = job.task.platform(), "job received");
            mantissa_bot::worker::run(chat.state.clone(), job).await;
            chat.dispatcher.flush().await;
            let delivered = match &chat.router {
                Some(router) => router.drain(until).await?.delivered,
                None => 0,
            };
            Ok::<_, Error>(json!({"job": id, "delivered": delivered}))
        }
    }))
    .await
}
