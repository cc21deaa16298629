//! Background work after the ack: Slack wants a 2xx within three seconds,
//! so handlers verify, deduplicate and hand the work to a [`Dispatcher`].

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;

/// Runs work after the HTTP response (a tokio task locally; an async
/// Lambda invocation in the cloud).
pub trait Dispatcher: Send + Sync {
    /// Starts `job` in the background.
    fn dispatch(&self, job: BoxFuture<'static, ()>);
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
    fn dispatch(&self, job: BoxFuture<'static, ()>) {
        let running = self.running.clone();
        let slots = self.slots.clone();
        running.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let task = async move {
            let _slot = slots.acquire_owned().await;
            job.await;
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

/// Remembers recently seen delivery ids (Slack `event_id`, Discord
/// interaction ids) so a retry is never answered twice.
#[derive(Debug)]
pub struct Seen {
    ttl: Duration,
    inner: Mutex<SeenIds>,
}

/// Ids with the time first seen, and their arrival order for expiry.
type SeenIds = (HashMap<String, Instant>, VecDeque<(Instant, String)>);

impl Seen {
    /// Ids are remembered for `ttl` (Slack retries within ~6 minutes).
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            inner: Mutex::new((HashMap::new(), VecDeque::new())),
        }
    }

    /// Records `id`; `false` when it was already seen (a retry).
    pub fn first_time(&self, id: &str) -> bool {
        let now = Instant::now();
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let (map, order) = &mut *guard;
        while let Some((t, _)) = order.front() {
            if now.duration_since(*t) < self.ttl {
                break;
            }
            if let Some((_, old)) = order.pop_front() {
                map.remove(&old);
            }
        }
        if map.contains_key(id) {
            return false;
        }
        map.insert(id.to_string(), now);
        order.push_back((now, id.to_string()));
        true
    }
}

impl Default for Seen {
    fn default() -> Self {
        Self::new(Duration::from_secs(15 * 60))
    }
}
