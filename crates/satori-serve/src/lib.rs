//! # satori-serve
//!
//! The model server behind `satori serve`: one model file or a repository of versioned model
//! files, served over HTTP/1.1 with
//!
//! - the Open Inference Protocol v2 (KServe / Triton) over JSON: health, server and model
//!   metadata, readiness and `infer` with one tensor per input column;
//! - `POST /predict` taking `{"rows": [...]}`, `{"columns": {...}}` or a CSV body;
//! - `GET /metrics` in the Prometheus text format;
//! - model management (`/v2/repository/...`: index, load, unload, champion/challenger and shadow
//!   routes), behind a bearer token;
//! - hot swap: a poller loads new versions in the background and swaps them in atomically.
//!
//! Every request's rows are read by the model's own reader rules (see [`input`]) and predicted by
//! [`satori_pipeline::FittedPipeline::predict_table_all`], so the server's answers are those of
//! `satori predict` on the same rows. Predict calls run off the async runtime
//! (`spawn_blocking`), behind a concurrency limit with a bounded queue ([`limits`]); beyond it the
//! server answers 503 with `Retry-After`. Errors become statuses in one place ([`error`]).
//!
//! ```no_run
//! use satori_serve::{ServeConfig, Server, SourceSpec};
//!
//! let config = ServeConfig::new(SourceSpec::File {
//!     path: "model.satori".into(),
//!     name: None,
//! });
//! let server = Server::start(config).unwrap();
//! println!("listening on {}", server.addr());
//! server.wait().unwrap();
//! ```
#![warn(missing_docs)]

pub mod batch;
pub mod drift;
pub mod error;
pub mod input;
pub mod limits;
pub mod metrics;
pub mod model;
pub mod repository;
pub mod reqlog;
mod routes;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use satori_core::{Error, Result};
use satori_data::Table;

pub use batch::BatchConfig;
use limits::Admission;
use metrics::Metrics;
use model::{LoadedModel, Scored};
use repository::{Repository, Source};
use reqlog::RequestLog;

/// Where the models come from, as the user gave it.
#[derive(Debug, Clone)]
pub enum SourceSpec {
    /// One model file; served under `name`, or else its file stem.
    File {
        /// The model file.
        path: PathBuf,
        /// The name to serve it under.
        name: Option<String>,
    },
    /// A repository folder: `<root>/<model>/<version>.satori`.
    Repository(PathBuf),
}

/// The hook through which observed rows and predictions reach drift statistics. The server calls
/// [`DriftObserver::observe`] after every successful predict call (off the async runtime, once
/// per call: a batched call passes the merged rows) with the model version, the table read from
/// the request, and the predictions; `GET /metrics` appends [`DriftObserver::render`]'s text
/// (Prometheus families such as `satori_drift_psi{model,version,column}`).
pub trait DriftObserver: Send + Sync {
    /// Record one predict call's input rows and predictions for `model`.
    fn observe(&self, model: &LoadedModel, table: &Table, scored: &Scored);
    /// Append the drift metric families, in the Prometheus text format.
    fn render(&self, out: &mut String);
}

/// The observers installed (none by default).
#[derive(Clone, Default)]
pub struct Hooks {
    /// The drift accumulator, if any.
    pub drift: Option<Arc<dyn DriftObserver>>,
}

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hooks")
            .field("drift", &self.drift.is_some())
            .finish()
    }
}

impl Hooks {
    /// Pass one predict call to the observers.
    pub fn observe(&self, model: &LoadedModel, table: &Table, scored: &Scored) {
        if let Some(d) = &self.drift {
            d.observe(model, table, scored);
        }
    }
}

/// The server's settings (the `satori serve` flags).
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The model file or repository.
    pub source: SourceSpec,
    /// The address to listen on (port 0 picks a free one; [`Server::addr`] tells which).
    pub addr: SocketAddr,
    /// How often the source is polled for new versions (`None`: never).
    pub poll_interval: Option<Duration>,
    /// Predict calls running at once.
    pub max_concurrency: usize,
    /// Requests waiting for a compute slot at most; beyond, 503.
    pub max_queue: usize,
    /// Each request's deadline, from arrival to answer.
    pub timeout: Duration,
    /// The largest request body, in bytes.
    pub max_body: usize,
    /// Dynamic batching, if on.
    pub batch: Option<BatchConfig>,
    /// How long a shutdown waits for in-flight requests.
    pub drain_timeout: Duration,
    /// The bearer token of the management endpoints (`None`: management disabled).
    pub admin_token: Option<String>,
    /// The request log file, if any.
    pub log_requests: Option<PathBuf>,
    /// The size at which the request log is rotated.
    pub log_max_bytes: u64,
    /// Rotated request-log files kept.
    pub log_keep: usize,
    /// Worker threads of the async runtime (predict calls run on the blocking pool).
    pub threads: usize,
    /// Stop on SIGTERM / Ctrl-C (the CLI); tests stop the server with [`Server::shutdown`].
    pub handle_signals: bool,
    /// Observers of predictions (drift).
    pub hooks: Hooks,
}

impl ServeConfig {
    /// The defaults of `satori serve` for `source`: 127.0.0.1:8080, polling every 2 s, as many
    /// concurrent predict calls as CPUs, a queue of 1024, 30 s deadline, 16 MiB bodies, no
    /// batching, 30 s drain, management disabled, no request log.
    pub fn new(source: SourceSpec) -> ServeConfig {
        let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
        ServeConfig {
            source,
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            poll_interval: Some(Duration::from_secs(2)),
            max_concurrency: cpus,
            max_queue: 1024,
            timeout: Duration::from_secs(30),
            max_body: 16 << 20,
            batch: None,
            drain_timeout: Duration::from_secs(30),
            admin_token: None,
            log_requests: None,
            log_max_bytes: 64 << 20,
            log_keep: 5,
            threads: cpus.clamp(1, 8),
            handle_signals: false,
            hooks: Hooks::default(),
        }
    }
}

/// Shared by every handler.
pub(crate) struct AppState {
    pub repo: Arc<Repository>,
    pub admission: Arc<Admission>,
    pub metrics: Arc<Metrics>,
    pub config: ServeConfig,
    pub draining: AtomicBool,
    pub log: Option<RequestLog>,
}

/// Print a server event on standard error (one line, with a UTC time stamp).
pub fn log_line(message: &str) {
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    eprintln!("{now} {message}");
}

/// A running server.
pub struct Server {
    runtime: tokio::runtime::Runtime,
    addr: SocketAddr,
    handle: tokio::task::JoinHandle<std::io::Result<()>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    drain_started: tokio::sync::watch::Receiver<bool>,
    state: Arc<AppState>,
    poller_stop: Arc<AtomicBool>,
    poller: Option<std::thread::JoinHandle<()>>,
    served: Vec<(String, String)>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("addr", &self.addr).finish()
    }
}

impl Server {
    /// Load the models, bind the address and start answering. Returns once the server is ready
    /// (every model that loads is loaded); an error if no model loads or the address is taken.
    pub fn start(config: ServeConfig) -> Result<Server> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(config.threads.max(1))
            .thread_name("satori-serve")
            .enable_all()
            .build()
            .map_err(|e| Error::Internal(format!("cannot start the async runtime: {e}")))?;
        let source = match &config.source {
            SourceSpec::File { path, name } => {
                if !path.is_file() {
                    return Err(Error::io(
                        path,
                        std::io::Error::new(std::io::ErrorKind::NotFound, "no such model file"),
                    ));
                }
                let name = match name {
                    Some(n) => n.clone(),
                    None => path
                        .file_stem()
                        .and_then(|s| s.to_str())
                        .unwrap_or("model")
                        .to_string(),
                };
                if !repository::valid_name(&name) {
                    return Err(Error::param(
                        "--name",
                        format!(
                            "`{}` is not a model name: use letters, digits, `_`, `-`, `.` (no \
                             leading dot)",
                            satori_core::snippet(&name)
                        ),
                    ));
                }
                Source::File {
                    name,
                    path: path.clone(),
                }
            }
            SourceSpec::Repository(root) => {
                if !root.is_dir() {
                    return Err(Error::InvalidData(format!(
                        "{}: not a folder (a repository holds one folder per model with \
                         `<version>.satori` files)",
                        root.display()
                    )));
                }
                Source::Repository(std::fs::canonicalize(root).map_err(|e| Error::io(root, e))?)
            }
        };
        let metrics = Arc::new(Metrics::new());
        let admission = Arc::new(Admission::new(
            config.max_concurrency,
            config.max_queue,
            metrics.clone(),
        ));
        let repo = Arc::new(Repository::new(
            source.clone(),
            metrics.clone(),
            runtime.handle().clone(),
            config.batch,
            config.max_queue,
            admission.clone(),
            config.hooks.clone(),
        ));
        let failures = repo.load_initial();
        let routes = repo.routes();
        if routes.is_empty() {
            let why = if failures.is_empty() {
                match &source {
                    Source::Repository(root) => format!(
                        "{}: the repository holds no model (expected `<model>/<version>.satori`, \
                         e.g. `churn/1.satori`)",
                        root.display()
                    ),
                    Source::File { path, .. } => format!("{}: no model loaded", path.display()),
                }
            } else {
                failures.join("; ")
            };
            return Err(Error::InvalidData(why));
        }
        let served = routes
            .iter()
            .map(|(n, r)| (n.clone(), r.champion.model.version.clone()))
            .collect();
        let log = match &config.log_requests {
            Some(path) => Some(RequestLog::open(
                path,
                config.log_max_bytes,
                config.log_keep,
                metrics.clone(),
            )?),
            None => None,
        };
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind(config.addr))
            .map_err(|e| Error::InvalidData(format!("cannot listen on {}: {e}", config.addr)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::Internal(format!("no local address: {e}")))?;
        let state = Arc::new(AppState {
            repo: repo.clone(),
            admission,
            metrics,
            config: config.clone(),
            draining: AtomicBool::new(false),
            log,
        });
        let router = routes::router(state.clone());
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (drain_tx, drain_rx) = tokio::sync::watch::channel(false);
        let signal_state = state.clone();
        let handle_signals = config.handle_signals;
        let shutdown = async move {
            tokio::select! {
                _ = stop_rx => {}
                _ = signals(), if handle_signals => {}
            }
            signal_state.draining.store(true, Ordering::SeqCst);
            let _ = drain_tx.send(true);
            log_line("draining: no new connections; finishing the requests in flight");
        };
        let handle = runtime.spawn(async move {
            use axum::serve::ListenerExt;
            let listener = listener.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
            axum::serve(listener, router)
                .with_graceful_shutdown(shutdown)
                .await
        });
        let poller_stop = Arc::new(AtomicBool::new(false));
        let poller = config.poll_interval.map(|every| {
            let stop = poller_stop.clone();
            let repo = repo.clone();
            std::thread::Builder::new()
                .name("satori-serve-poll".into())
                .spawn(move || {
                    let tick = Duration::from_millis(50);
                    let mut waited = Duration::ZERO;
                    while !stop.load(Ordering::SeqCst) {
                        std::thread::sleep(tick);
                        waited += tick;
                        if waited >= every {
                            waited = Duration::ZERO;
                            repo.poll();
                        }
                    }
                })
        });
        let poller = match poller {
            Some(Ok(h)) => Some(h),
            Some(Err(e)) => {
                return Err(Error::Internal(format!("cannot start the poller: {e}")));
            }
            None => None,
        };
        Ok(Server {
            runtime,
            addr,
            handle,
            stop: Some(stop_tx),
            drain_started: drain_rx,
            state,
            poller_stop,
            poller,
            served,
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The (model, version) pairs serving at start.
    pub fn served(&self) -> &[(String, String)] {
        &self.served
    }

    /// Start draining (as SIGTERM does) and wait until the server stops.
    pub fn shutdown(mut self) -> Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.wait()
    }

    /// Wait until the server stops (after SIGTERM / Ctrl-C with signals handled, or
    /// [`Server::shutdown`]): in-flight requests are finished, for at most the drain timeout
    /// after the signal.
    pub fn wait(mut self) -> Result<()> {
        let drain = self.state.config.drain_timeout;
        let mut started = self.drain_started.clone();
        let handle = &mut self.handle;
        let finished = self.runtime.block_on(async move {
            let deadline = async {
                while !*started.borrow() {
                    if started.changed().await.is_err() {
                        std::future::pending::<()>().await;
                    }
                }
                tokio::time::sleep(drain).await;
            };
            tokio::select! {
                r = handle => Some(r),
                _ = deadline => None,
            }
        });
        self.poller_stop.store(true, Ordering::SeqCst);
        if let Some(p) = self.poller.take() {
            let _ = p.join();
        }
        let result = match finished {
            Some(Ok(Ok(()))) => {
                log_line("stopped");
                Ok(())
            }
            Some(Ok(Err(e))) => Err(Error::Internal(format!("the server failed: {e}"))),
            Some(Err(e)) => Err(Error::Internal(format!("the server task failed: {e}"))),
            None => {
                log_line(&format!(
                    "warning: requests still in flight after the drain timeout ({} s); stopping",
                    drain.as_secs_f64()
                ));
                Ok(())
            }
        };
        // Flush the request log before the runtime goes.
        if let Some(log) = &self.state.log {
            log.close();
        }
        self.runtime.shutdown_timeout(Duration::from_secs(1));
        result
    }
}

/// SIGTERM or Ctrl-C.
async fn signals() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
