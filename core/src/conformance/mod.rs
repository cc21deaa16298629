//! One conformance suite per store trait, written once and run against
//! every implementation (the way `object_store` tests its backends): the
//! SQLite stores in plain `cargo test`, the DynamoDB ones against a local
//! server speaking DynamoDB's protocol.
//!
//! An implementation provides a [`Backing`]: an empty store whose
//! [`Backing::handle`] opens another handle on the same stored data, as a
//! second process or Lambda instance would. The concurrency cases race many
//! tasks over several handles, so a store that only serialises calls within
//! one handle fails them.
//!
//! Each suite's `run` takes a function making a fresh backing per case and
//! names the case that failed.

pub mod alerts;
pub mod engine;
pub mod manifest;
pub mod rule_state;
pub mod seen;
pub mod sessions;

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Utc};

/// A store under test.
pub trait Backing<S: ?Sized>: Send + Sync {
    /// Another handle on the same stored data.
    fn handle(&self) -> Arc<S>;
}

/// Runs `case` on a fresh backing, saying which case failed.
pub(crate) async fn case<B, Fut>(name: &str, fresh: &impl Fn() -> B, case: impl FnOnce(B) -> Fut)
where
    Fut: Future<Output = ()>,
{
    eprintln!("conformance case: {name}");
    case(fresh()).await;
}

/// A fixed instant.
pub(crate) fn at(s: &str) -> DateTime<Utc> {
    crate::clock::parse_instant(s).expect("a valid instant")
}

/// Runs `n` tasks made by `f` at once: each waits at a barrier until all
/// are spawned, then calls the store. Run the suites on a multi-thread
/// runtime so the calls really overlap.
pub(crate) async fn race<T, F, Fut>(n: usize, f: F) -> Vec<T>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let barrier = Arc::new(tokio::sync::Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let barrier = barrier.clone();
            let fut = f(i);
            tokio::spawn(async move {
                barrier.wait().await;
                fut.await
            })
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for h in handles {
        out.push(h.await.expect("a racing task panicked"));
    }
    out
}
