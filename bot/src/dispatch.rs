//! Background work after the ack: Slack wants a 2xx within three seconds,
//! so handlers verify, deduplicate and hand a [`Job`] to a [`Dispatcher`].

use std::sync::Arc;

use crate::BotState;
use crate::jobs::Job;
use crate::worker;

/// Runs jobs after the HTTP response: a tokio task here
/// ([`TokioDispatcher`]); in the cloud, a serialised [`Job`] sent to a
/// worker that calls [`worker::run`] with its own [`BotState`].
pub trait Dispatcher: Send + Sync {
    /// Starts `job` in the background; `state` is this process's.
    fn dispatch(&self, state: Arc<BotState>, job: Job);
}

/// [`Dispatcher`] on tokio. Jobs run on their own runtime when given one
/// (so CPU-heavy answers never delay the acks of the HTTP runtime), at most
/// `max_concurrent` at a time; the rest wait their turn in order.
#[derive(Debug)]
pub struct TokioDispatcher {
    running: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    handle: Option<tokio::runtime::Handle>,
    slots: std::sync::Arc<tokio::sync::Semaphore>,
}

impl Default for TokioDispatcher {
    fn default() -> Self {
        Self::new(None, 4)
    }
}

impl TokioDispatcher {
    /// Jobs on `handle` (the current runtime when `None`), `max_concurrent` at once.
    pub fn new(handle: Option<tokio::runtime::Handle>, max_concurrent: usize) -> Self {
        Self {
            running: Default::default(),
            handle,
            slots: std::sync::Arc::new(tokio::sync::Semaphore::new(max_concurrent.max(1))),
        }
    }

    /// Jobs queued or running.
    pub fn running(&self) -> usize {
        self.running.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Dispatcher for TokioDispatcher {
    fn dispatch(&self, state: Arc<BotState>, job: Job) {
        let running = self.running.clone();
        let slots = self.slots.clone();
        running.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let task = async move {
            let _slot = slots.acquire_owned().await;
            worker::run(state, job).await;
            running.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        };
        match &self.handle {
            Some(h) => {
                h.spawn(task);
            }
            None => {
                tokio::spawn(task);
            }
        }
    }
}
