//! Admission: a concurrency limit on predict calls and a bounded queue in front of it. A request
//! that finds every slot busy and the queue full is refused at once (503 with `Retry-After`), so
//! memory never climbs with the load; a queued request that is abandoned (its deadline passed,
//! its client went away) leaves the queue.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ApiError;
use crate::metrics::Metrics;

/// The concurrency limit and its queue.
#[derive(Debug)]
pub struct Admission {
    slots: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_queue: usize,
    metrics: Arc<Metrics>,
}

/// Decrements the queue count however the wait ends (granted, refused or cancelled).
struct Queued<'a>(&'a Admission);

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::AcqRel);
        self.0.metrics.queue_depth.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Admission {
    /// `max_concurrency` predict calls at once (at least 1), at most `max_queue` waiting.
    pub fn new(max_concurrency: usize, max_queue: usize, metrics: Arc<Metrics>) -> Self {
        Admission {
            slots: Arc::new(Semaphore::new(max_concurrency.max(1))),
            waiting: AtomicUsize::new(0),
            max_queue,
            metrics,
        }
    }

    /// A compute slot: at once if one is free, after waiting in the queue if there is room,
    /// else [`ApiError::Overloaded`].
    pub async fn acquire(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        if let Ok(p) = self.slots.clone().try_acquire_owned() {
            return Ok(p);
        }
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.max_queue {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(overloaded());
        }
        self.metrics.queue_depth.fetch_add(1, Ordering::Relaxed);
        let _queued = Queued(self);
        self.slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| overloaded())
    }

    /// Requests waiting now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Acquire)
    }
}

/// The 503 of a full queue.
pub fn overloaded() -> ApiError {
    ApiError::Overloaded(
        "the server is at its concurrency limit and its queue is full; retry shortly".into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_refuses_and_a_cancelled_wait_leaves_it() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(async {
            let metrics = Arc::new(Metrics::new());
            let a = Arc::new(Admission::new(1, 1, metrics.clone()));
            let held = a.acquire().await.unwrap();
            // One may wait…
            let a2 = a.clone();
            let waiter = tokio::spawn(async move { a2.acquire().await.map(|_| ()) });
            while a.waiting() == 0 {
                tokio::task::yield_now().await;
            }
            // …a second is refused at once.
            assert!(matches!(a.acquire().await, Err(ApiError::Overloaded(_))));
            // A waiter whose deadline passes leaves the queue.
            let timed_out =
                tokio::time::timeout(std::time::Duration::from_millis(1), a.acquire()).await;
            assert!(timed_out.is_err() || matches!(timed_out, Ok(Err(_))));
            drop(held);
            waiter.await.unwrap().unwrap();
            assert_eq!(a.waiting(), 0);
            assert_eq!(metrics.queue_depth.load(Ordering::Relaxed), 0);
        });
    }
}
