//! `lambda-bot`: the chat bot and HTTP API behind an API Gateway HTTP API —
//! the same axum app as `mantissa serve` (`mantissa_bot::app`), each request
//! verified (Slack and Discord signatures, API bearer tokens or Cognito
//! JWTs) and acknowledged at once; the slow work (answers, charts, button
//! actions) goes to the worker function before the response is returned.

use lambda_http::tower::ServiceExt as _;
use lambda_http::{Error, Request, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let chat = mantissa_lambda::start(mantissa_lambda::chat()).await?;
    let app = mantissa_bot::app(chat.state.clone());
    lambda_http::run(service_fn(move |request: Request| {
        let app = app.clone();
        let dispatcher = chat.dispatcher.clone();
        async move {
            let response = app.oneshot(request.map(axum::body::Body::new)).await?;
            // Before answering: Lambda freezes the environment after.
            dispatcher.flush().await;
            Ok::<_, Error>(response)
        }
    }))
    .await
}
