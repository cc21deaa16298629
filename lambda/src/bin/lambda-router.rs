//! `lambda-router`: drains the delivery outbox — alerts the detector could
//! not deliver within its own invocation, retries whose time has come,
//! lifecycle updates — on its own EventBridge schedule.

use anyhow::Context as _;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use mantissa_router::Router;
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let router = mantissa_lambda::start(init()).await?;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let router = router.clone();
        async move {
            let until =
                mantissa_lambda::deadline(event.context.deadline, mantissa_lambda::DEADLINE_MARGIN);
            let r = router.drain(until).await?;
            tracing::info!(
                delivered = r.delivered,
                retried = r.retried,
                failed = r.failed,
                "outbox drained"
            );
            Ok::<_, Error>(
                json!({"delivered": r.delivered, "retried": r.retried, "failed": r.failed}),
            )
        }
    }))
    .await
}

async fn init() -> anyhow::Result<Router> {
    let composition = mantissa_lambda::compose().await?;
    let alerts = composition.alert_store()?;
    composition.router(alerts)?.context(
        "no alert destinations are configured ([router.destinations]); the router function has nothing to deliver to",
    )
}
