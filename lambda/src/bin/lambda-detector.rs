//! `lambda-detector`: the detection schedule. EventBridge invokes it (every
//! 5 minutes by default) with a scheduled event; it runs one cycle at the
//! event's `time` — every rule tick missed since that rule's last recorded
//! run is caught up, so a throttled or failed invocation loses nothing —
//! hands the alerts to the router and delivers them within the
//! invocation's time (what is left stays in the outbox for `lambda-router`).

use aws_lambda_events::event::cloudwatch_events::CloudWatchEvent;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use mantissa::Composition;
use mantissa_detector::Detector;
use mantissa_router::Router;
use serde_json::{Value, json};

struct Function {
    composition: Composition,
    detector: Detector,
    router: Option<Router>,
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let function = mantissa_lambda::start(init()).await?;
    lambda_runtime::run(service_fn(move |event| {
        let function = function.clone();
        async move { handle(&function, event).await }
    }))
    .await
}

async fn init() -> anyhow::Result<Function> {
    let composition = mantissa_lambda::compose().await?;
    let detector = composition.detector()?;
    let router = composition.router(detector.alerts().clone())?;
    Ok(Function {
        composition,
        detector,
        router,
    })
}

async fn handle(f: &Function, event: LambdaEvent<CloudWatchEvent>) -> Result<Value, Error> {
    let at = event.payload.time;
    let (_, cycle) =
        mantissa::service::scheduled_cycle(&f.composition, &f.detector, f.router.as_ref(), at)
            .await?;
    let deliveries = match &f.router {
        Some(router) => {
            let until =
                mantissa_lambda::deadline(event.context.deadline, mantissa_lambda::DEADLINE_MARGIN);
            let r = router.drain(until).await?;
            json!({"delivered": r.delivered, "retried": r.retried, "failed": r.failed})
        }
        None => Value::Null,
    };
    Ok(json!({"cycle": cycle, "deliveries": deliveries}))
}
