//! `lambda-bot`: the chat bot and HTTP API behind an API Gateway HTTP API —
//! the same axum app as `mantissa serve` (`mantissa_bot::app`), each request
//! verified (Slack and Discord signatures, API bearer tokens or Cognito
//! JWTs) and acknowledged at once; the slow work (answers, charts, button
//! actions) goes to the worker function before the response is returned.

use std::sync::Arc;

use lambda_http::tower::ServiceExt as _;
use lambda_http::{Error, Request, service_fn};
use mantissa::Service;
use mantissa::bot::SlackIntake;
use mantissa_lambda::dispatch::LambdaDispatcher;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (app, dispatcher) = mantissa_lambda::start(init()).await?.as_ref().clone();
    lambda_http::run(service_fn(move |request: Request| {
        let app = app.clone();
        let dispatcher = dispatcher.clone();
        async move {
            let response = app.oneshot(request.map(axum::body::Body::new)).await?;
            // Before answering: Lambda freezes the environment after.
            dispatcher.flush().await;
            Ok::<_, Error>(response)
        }
    }))
    .await
}

async fn init() -> anyhow::Result<(axum::Router, Arc<LambdaDispatcher>)> {
    mantissa_router::install_crypto_provider();
    let composition = mantissa_lambda::compose().await?;
    let dispatcher = Arc::new(LambdaDispatcher::from_env().await?);
    let service = Service::new(composition.clone(), mantissa_lambda::translator_policy()?)?;
    let state = mantissa::bot::state(
        &composition,
        Arc::new(service),
        dispatcher.clone(),
        SlackIntake::Http,
    )?;
    Ok((mantissa_bot::app(Arc::new(state)), dispatcher))
}
