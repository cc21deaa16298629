//! Running async work from synchronous code that may itself be inside a
//! runtime (rule loading, start-up): on a thread and runtime of their own,
//! so no runtime is ever blocked from within.

use std::future::Future;

/// Runs `work` to completion on a new current-thread runtime on a scoped
/// thread. A panic in `work` is resumed in the caller.
pub fn block_on_isolated<F>(work: F) -> std::io::Result<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    std::thread::scope(|s| {
        s.spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map(|rt| rt.block_on(work))
        })
        .join()
        .unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}
