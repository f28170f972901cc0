//! Opt-in dynamic batching: concurrent requests for the same model version whose rows have the
//! same columns are merged into one predict call (up to `max_rows` rows, waiting at most
//! `max_delay` for company), and each gets back its own rows' predictions. A request whose rows
//! fail to read or predict is retried alone, so one malformed request never fails the others in
//! its batch.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use crate::Hooks;
use crate::error::ApiError;
use crate::input::{Cells, read_cells};
use crate::limits::Admission;
use crate::model::{LoadedModel, Scored};

/// What a batched request gets back: its predictions and how long it waited for a slot.
pub type Reply = Result<(Scored, Duration), ApiError>;

struct Job {
    cells: Cells,
    arrived: Instant,
    reply: oneshot::Sender<Reply>,
}

/// The sending side of one model version's batcher; the batcher stops when it is dropped.
#[derive(Debug, Clone)]
pub struct Batcher {
    tx: mpsc::Sender<Job>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("rows", &self.cells.n_rows())
            .finish()
    }
}

/// Batching limits.
#[derive(Debug, Clone, Copy)]
pub struct BatchConfig {
    /// The most rows in one predict call.
    pub max_rows: usize,
    /// The longest the first request of a batch waits for others.
    pub max_delay: Duration,
}

impl Batcher {
    /// Start the batcher of `model` on `runtime`; at most `queue` requests wait in it.
    pub fn start(
        runtime: &tokio::runtime::Handle,
        model: Arc<LoadedModel>,
        config: BatchConfig,
        queue: usize,
        admission: Arc<Admission>,
        hooks: Hooks,
    ) -> Batcher {
        let (tx, rx) = mpsc::channel(queue.max(1));
        runtime.spawn(run(rx, model, config, admission, hooks));
        Batcher { tx }
    }

    /// Queue `cells` for prediction; [`ApiError::Overloaded`] when the batcher's queue is full.
    pub async fn submit(&self, cells: Cells) -> Reply {
        let (reply, rx) = oneshot::channel();
        let job = Job {
            cells,
            arrived: Instant::now(),
            reply,
        };
        self.tx.try_send(job).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => crate::limits::overloaded(),
            mpsc::error::TrySendError::Closed(_) => {
                ApiError::Overloaded("this model version is being unloaded; retry".into())
            }
        })?;
        rx.await
            .map_err(|_| ApiError::Internal("the batcher stopped before answering".into()))?
    }
}

async fn run(
    mut rx: mpsc::Receiver<Job>,
    model: Arc<LoadedModel>,
    config: BatchConfig,
    admission: Arc<Admission>,
    hooks: Hooks,
) {
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        let mut rows = jobs[0].cells.n_rows();
        let until = tokio::time::Instant::now() + config.max_delay;
        while rows < config.max_rows {
            match tokio::time::timeout_at(until, rx.recv()).await {
                Ok(Some(job)) => {
                    rows += job.cells.n_rows();
                    jobs.push(job);
                }
                _ => break,
            }
        }
        let permit = match admission.acquire().await {
            Ok(p) => p,
            Err(e) => {
                for job in jobs {
                    let _ = job.reply.send(Err(clone_err(&e)));
                }
                continue;
            }
        };
        let model = model.clone();
        let hooks = hooks.clone();
        // The batch runs off the runtime; its permit is released when it finishes.
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            predict_batch(&model, jobs, &hooks);
        });
    }
}

fn clone_err(e: &ApiError) -> ApiError {
    match e {
        ApiError::Overloaded(m) => ApiError::Overloaded(m.clone()),
        other => ApiError::Internal(other.message()),
    }
}

/// Predict groups of jobs with the same header in one call each; split the answers by rows.
fn predict_batch(model: &LoadedModel, mut jobs: Vec<Job>, hooks: &Hooks) {
    let started = Instant::now();
    while !jobs.is_empty() {
        let header = jobs[0].cells.header.clone();
        let (group, rest): (Vec<Job>, Vec<Job>) =
            jobs.into_iter().partition(|j| j.cells.header == header);
        jobs = rest;
        if group.len() == 1 {
            answer_alone(model, group.into_iter().next(), started, hooks);
            continue;
        }
        let merged = read_cells(
            &header,
            group.iter().flat_map(|j| j.cells.rows.iter()),
            &model.read_opts,
        )
        .and_then(|table| {
            let scored = model.predict_table(&table)?;
            hooks.observe(model, &table, &scored);
            Ok(scored)
        });
        match merged {
            Ok(scored) => {
                let mut start = 0;
                for job in group {
                    let n = job.cells.n_rows();
                    let rows: Vec<usize> = (start..start + n).collect();
                    start += n;
                    let part = Scored {
                        predictions: scored.predictions.iter().map(|p| p.select(&rows)).collect(),
                        anomaly: scored
                            .anomaly
                            .as_ref()
                            .map(|a| rows.iter().map(|&i| a[i]).collect()),
                    };
                    let waited = started.saturating_duration_since(job.arrived);
                    let _ = job.reply.send(Ok((part, waited)));
                }
            }
            // One bad request must not fail the others: each is answered on its own.
            Err(_) => {
                for job in group {
                    answer_alone(model, Some(job), started, hooks);
                }
            }
        }
    }
}

fn answer_alone(model: &LoadedModel, job: Option<Job>, started: Instant, hooks: &Hooks) {
    let Some(job) = job else { return };
    let result = job.cells.read(&model.read_opts).and_then(|table| {
        let scored = model.predict_table(&table)?;
        hooks.observe(model, &table, &scored);
        Ok(scored)
    });
    let waited = started.saturating_duration_since(job.arrived);
    let _ = job.reply.send(result.map(|s| (s, waited)));
}
