//! Waiting for what a server under test does in the background, one way
//! for every test: poll every 50 ms, up to a deadline.

use std::time::{Duration, Instant};

/// How long a test waits for background work by default.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// Polls `probe` until it returns at least `n` items or [`PATIENCE`]
/// passes; returns the last result either way, so the caller's assertion
/// says what is missing.
pub fn at_least<T>(n: usize, mut probe: impl FnMut() -> Vec<T>) -> Vec<T> {
    let start = Instant::now();
    loop {
        let found = probe();
        if found.len() >= n || start.elapsed() > PATIENCE {
            return found;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Polls `done` until it holds; panics naming `what` after [`PATIENCE`].
pub fn until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < PATIENCE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// [`at_least`] for async tests: the same polling, without blocking the
/// runtime's thread.
pub async fn at_least_async<T>(n: usize, mut probe: impl FnMut() -> Vec<T>) -> Vec<T> {
    let start = Instant::now();
    loop {
        let found = probe();
        if found.len() >= n || start.elapsed() > PATIENCE {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
