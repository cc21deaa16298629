//! A loopback server for the clients' tests.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};

/// The requests a server received: method, path, headers, body.
pub(crate) type Seen = Arc<Mutex<Vec<(Method, String, HeaderMap, Bytes)>>>;

/// A loopback server answering each request with the next of `answers`
/// (the last one repeats).
pub(crate) async fn sequence(answers: Vec<(u16, &'static str)>) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let app = Router::new()
        .fallback(
            move |State(seen): State<Seen>,
                  method: Method,
                  uri: Uri,
                  headers: HeaderMap,
                  b: Bytes| {
                let answers = answers.clone();
                async move {
                    let mut seen = seen.lock().unwrap();
                    let (status, body) = answers[seen.len().min(answers.len() - 1)];
                    seen.push((method, uri.path().to_string(), headers, b));
                    (
                        axum::http::StatusCode::from_u16(status).unwrap(),
                        body.to_string(),
                    )
                }
            },
        )
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/api/v10", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}
