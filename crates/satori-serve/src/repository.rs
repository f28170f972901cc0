//! The models being served and where they come from: one model file, or a repository folder
//! with one folder per model and one `<version>.satori` file per version (`models/churn/2.satori`).
//!
//! What serves is one immutable table of routes, swapped atomically: a request takes the table
//! (an `Arc`) once and keeps the model versions it found until it is answered, so a swap never
//! touches an in-flight request. Loads happen off the request path (the poller thread, or a
//! blocking task for a management call), and a version that fails to load never replaces one
//! that serves.
//!
//! Paths: a model name is `[A-Za-z0-9_-][A-Za-z0-9._-]*` (at most 128 characters) and a version
//! is a whole number; the file they name is resolved (symlinks followed) and must lie inside the
//! repository root, so no request can make the server read any other file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;

use crate::batch::{BatchConfig, Batcher};
use crate::error::ApiError;
use crate::limits::Admission;
use crate::metrics::Metrics;
use crate::model::{FileStamp, LoadedModel};
use crate::{Hooks, log_line};

/// Where the served models come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// One model file, served under `name` as version `1`.
    File {
        /// The model's name.
        name: String,
        /// The file.
        path: PathBuf,
    },
    /// A repository root (canonical).
    Repository(PathBuf),
}

/// One loaded version with its batcher (when batching is on).
#[derive(Debug)]
pub struct Served {
    /// The model version.
    pub model: Arc<LoadedModel>,
    /// Its batcher.
    pub batcher: Option<Batcher>,
}

/// How a model's requests are routed.
#[derive(Debug)]
pub struct Route {
    /// The version that answers by default.
    pub champion: Arc<Served>,
    /// A version that answers a share of the requests.
    pub challenger: Option<(Arc<Served>, f64)>,
    /// A version scored on every request in the background; its answers are only counted.
    pub shadow: Option<Arc<Served>>,
    counter: AtomicU64,
}

impl Route {
    fn new(champion: Arc<Served>) -> Route {
        Route {
            champion,
            challenger: None,
            shadow: None,
            counter: AtomicU64::new(0),
        }
    }

    /// The version that answers the next request: the challenger for exactly its share of
    /// requests (spread evenly by a counter), else the champion.
    pub fn pick(&self) -> Arc<Served> {
        if let Some((c, share)) = &self.challenger {
            let n = self.counter.fetch_add(1, Ordering::Relaxed) as f64;
            if ((n + 1.0) * share).floor() > (n * share).floor() {
                return c.clone();
            }
        }
        self.champion.clone()
    }

    /// The loaded version `version` among this route's.
    pub fn version(&self, version: &str) -> Option<Arc<Served>> {
        std::iter::once(&self.champion)
            .chain(self.challenger.as_ref().map(|(c, _)| c))
            .chain(self.shadow.as_ref())
            .find(|s| s.model.version == version)
            .cloned()
    }

    /// (version, role) of every loaded version.
    pub fn roles(&self) -> Vec<(String, &'static str)> {
        let mut out = vec![(self.champion.model.version.clone(), "champion")];
        if let Some((c, _)) = &self.challenger {
            out.push((c.model.version.clone(), "challenger"));
        }
        if let Some(s) = &self.shadow {
            out.push((s.model.version.clone(), "shadow"));
        }
        out
    }

    fn with_champion(&self, champion: Arc<Served>) -> Route {
        Route {
            champion,
            challenger: self.challenger.clone(),
            shadow: self.shadow.clone(),
            counter: AtomicU64::new(0),
        }
    }
}

/// What the management side remembers about a model between polls.
#[derive(Debug, Default)]
struct Control {
    /// Unloaded by a management call: the poller leaves it alone until it is loaded again.
    unloaded: bool,
    /// Pinned to a version by a management call (a rollback): the poller does not promote newer
    /// versions.
    pinned: bool,
    /// Versions that failed to load, with the file stamp that failed (retried when it changes).
    failed: BTreeMap<String, FileStamp>,
}

/// The served models.
pub struct Repository {
    source: Source,
    table: ArcSwap<BTreeMap<String, Arc<Route>>>,
    control: Mutex<BTreeMap<String, Control>>,
    metrics: Arc<Metrics>,
    runtime: tokio::runtime::Handle,
    batch: Option<BatchConfig>,
    queue: usize,
    admission: Arc<Admission>,
    hooks: Hooks,
}

impl std::fmt::Debug for Repository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repository")
            .field("source", &self.source)
            .finish()
    }
}

/// Whether `name` is a valid model name (no separators, no leading dot, no `..`).
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Whether `version` is a valid version (a whole number).
pub fn valid_version(version: &str) -> bool {
    !version.is_empty() && version.len() <= 18 && version.chars().all(|c| c.is_ascii_digit())
}

/// The versions of a model folder, highest last: `(number, text, path)` of each regular
/// `<digits>.satori` file.
fn versions(dir: &Path) -> Vec<(u64, String, PathBuf)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.extension().and_then(|x| x.to_str()) != Some("satori") {
            continue;
        }
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if !valid_version(stem) {
            continue;
        }
        let Ok(n) = stem.parse::<u64>() else { continue };
        out.push((n, stem.to_string(), path));
    }
    out.sort();
    out
}

/// The highest version of a model folder (`models/churn`): its number and file, `None` when it
/// holds none. `satori update --repository` reads its parent here and writes version `n + 1`,
/// which the server's poll then swaps in (a cold-start baseline as version 1 is replaced by the
/// first update that passes the gate).
pub fn latest_version(dir: &Path) -> Option<(u64, PathBuf)> {
    versions(dir).pop().map(|(n, _, path)| (n, path))
}

impl Repository {
    /// A repository serving nothing yet; [`Repository::load_initial`] loads it.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        source: Source,
        metrics: Arc<Metrics>,
        runtime: tokio::runtime::Handle,
        batch: Option<BatchConfig>,
        queue: usize,
        admission: Arc<Admission>,
        hooks: Hooks,
    ) -> Repository {
        Repository {
            source,
            table: ArcSwap::from_pointee(BTreeMap::new()),
            control: Mutex::new(BTreeMap::new()),
            metrics,
            runtime,
            batch,
            queue,
            admission,
            hooks,
        }
    }

    /// The route of a served model.
    pub fn route(&self, name: &str) -> Option<Arc<Route>> {
        self.table.load().get(name).cloned()
    }

    /// Every served model's route.
    pub fn routes(&self) -> Arc<BTreeMap<String, Arc<Route>>> {
        self.table.load_full()
    }

    /// The model names and versions on disk (a repository), or the one file.
    pub fn on_disk(&self) -> BTreeMap<String, Vec<(String, PathBuf)>> {
        match &self.source {
            Source::File { name, path } => {
                BTreeMap::from([(name.clone(), vec![("1".to_string(), path.clone())])])
            }
            Source::Repository(root) => {
                let mut out = BTreeMap::new();
                let Ok(entries) = std::fs::read_dir(root) else {
                    return out;
                };
                for e in entries.flatten() {
                    let Some(name) = e.file_name().to_str().map(str::to_string) else {
                        continue;
                    };
                    if !valid_name(&name) || !e.path().is_dir() {
                        continue;
                    }
                    let vs: Vec<(String, PathBuf)> = versions(&e.path())
                        .into_iter()
                        .filter(|(_, _, p)| self.inside(p).is_ok())
                        .map(|(_, v, p)| (v, p))
                        .collect();
                    if !vs.is_empty() {
                        out.insert(name, vs);
                    }
                }
                out
            }
        }
    }

    /// `path` resolved, if it lies inside the repository root (a symlink may not lead out).
    fn inside(&self, path: &Path) -> Result<PathBuf, ApiError> {
        let Source::Repository(root) = &self.source else {
            return Ok(path.to_path_buf());
        };
        let real = std::fs::canonicalize(path)
            .map_err(|_| ApiError::NotFound("no such model version in the repository".into()))?;
        if !real.starts_with(root) || !real.is_file() {
            return Err(ApiError::NotFound(
                "no such model version in the repository".into(),
            ));
        }
        Ok(real)
    }

    /// The file of `name` at `version` (the highest when `None`), checked to lie in the root.
    pub fn resolve(
        &self,
        name: &str,
        version: Option<&str>,
    ) -> Result<(String, PathBuf), ApiError> {
        if !valid_name(name) {
            return Err(ApiError::NotFound(format!(
                "`{}` is not a model name (letters, digits, `_`, `-`, `.`; no leading dot)",
                satori_core::snippet(name)
            )));
        }
        if let Some(v) = version
            && !valid_version(v)
        {
            return Err(ApiError::NotFound(format!(
                "`{}` is not a version (versions are whole numbers)",
                satori_core::snippet(v)
            )));
        }
        match &self.source {
            Source::File { name: n, path } => {
                if n != name {
                    return Err(ApiError::NotFound(format!("no model named `{name}`")));
                }
                match version {
                    None | Some("1") => Ok(("1".into(), path.clone())),
                    Some(v) => Err(ApiError::NotFound(format!(
                        "model `{name}` has only version 1 (it is served from one file), not {v}"
                    ))),
                }
            }
            Source::Repository(root) => {
                let dir = root.join(name);
                let (v, path) = match version {
                    Some(v) => (v.to_string(), dir.join(format!("{v}.satori"))),
                    None => {
                        let Some((_, v, p)) = versions(&dir).pop() else {
                            return Err(ApiError::NotFound(format!(
                                "the repository has no model `{name}` (no `{name}/<version>.satori`)"
                            )));
                        };
                        (v, p)
                    }
                };
                let real = self.inside(&path).map_err(|_| {
                    ApiError::NotFound(format!(
                        "model `{name}` has no version {v} in the repository"
                    ))
                })?;
                Ok((v, real))
            }
        }
    }

    /// Load one version (blocking), counting the outcome.
    fn load_version(
        &self,
        name: &str,
        version: &str,
        path: &Path,
    ) -> Result<Arc<Served>, ApiError> {
        let metrics = self.metrics.model(name, version);
        match LoadedModel::load(name, version, path, metrics) {
            Ok(model) => {
                self.metrics.load(name, version, "success");
                let model = Arc::new(model);
                let batcher = self.batch.map(|config| {
                    Batcher::start(
                        &self.runtime,
                        model.clone(),
                        config,
                        self.queue,
                        self.admission.clone(),
                        self.hooks.clone(),
                    )
                });
                Ok(Arc::new(Served { model, batcher }))
            }
            Err(e) => {
                self.metrics.load(name, version, "failure");
                log_line(&format!(
                    "warning: model `{name}` version {version} failed to load: {e}"
                ));
                Err(ApiError::Unprocessable(format!(
                    "model `{name}` version {version} failed to load: {}",
                    satori_core::clip(&e.to_string(), 500)
                )))
            }
        }
    }

    /// Swap in `f(old route)` for `name` (or remove it with `None`).
    fn update(&self, name: &str, route: Option<Route>) {
        let mut table: BTreeMap<String, Arc<Route>> = (**self.table.load()).clone();
        match route {
            Some(r) => {
                table.insert(name.to_string(), Arc::new(r));
            }
            None => {
                table.remove(name);
            }
        }
        self.table.store(Arc::new(table));
    }

    fn control(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Control>> {
        self.control.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Load every model at start: the highest version of each that loads (a version that fails
    /// is reported and the next lower one tried). Returns the failures' messages.
    pub fn load_initial(&self) -> Vec<String> {
        let mut failures = Vec::new();
        for (name, versions) in self.on_disk() {
            for (v, path) in versions.iter().rev() {
                match self.load_version(&name, v, path) {
                    Ok(served) => {
                        self.update(&name, Some(Route::new(served)));
                        break;
                    }
                    Err(e) => {
                        let stamp = FileStamp::of(path).ok();
                        if let Some(stamp) = stamp {
                            self.control()
                                .entry(name.clone())
                                .or_default()
                                .failed
                                .insert(v.clone(), stamp);
                        }
                        failures.push(e.message());
                    }
                }
            }
        }
        failures
    }

    /// One poll of the source: a model whose highest version on disk is newer than (or, same
    /// version, a different file from) the one serving is loaded and swapped in, unless it was
    /// unloaded or pinned by a management call, or that exact file already failed.
    pub fn poll(&self) {
        let mut control = self.control();
        for (name, versions) in self.on_disk() {
            let c = control.entry(name.clone()).or_default();
            if c.unloaded || c.pinned {
                continue;
            }
            let Some((v, path)) = versions.last() else {
                continue;
            };
            let Ok(stamp) = FileStamp::of(path) else {
                continue;
            };
            let current = self.route(&name);
            if let Some(r) = &current
                && r.champion.model.version == *v
                && r.champion.model.stamp == stamp
            {
                continue;
            }
            if c.failed.get(v) == Some(&stamp) {
                continue;
            }
            match self.load_version(&name, v, path) {
                Ok(served) => {
                    c.failed.remove(v);
                    let route = match self.route(&name) {
                        Some(old) => old.with_champion(served),
                        None => Route::new(served),
                    };
                    self.update(&name, Some(route));
                    log_line(&format!("model `{name}` version {v} is now serving"));
                }
                Err(_) => {
                    c.failed.insert(v.clone(), stamp);
                }
            }
        }
    }

    /// Load `name` (at `version`, or its highest) and make it the champion; a version given pins
    /// the model there (a rollback) until a load without a version.
    pub fn load(&self, name: &str, version: Option<&str>) -> Result<Arc<LoadedModel>, ApiError> {
        let (v, path) = self.resolve(name, version)?;
        let mut control = self.control();
        let served = self.load_version(name, &v, &path)?;
        let model = served.model.clone();
        let route = match self.route(name) {
            Some(old) => old.with_champion(served),
            None => Route::new(served),
        };
        self.update(name, Some(route));
        let c = control.entry(name.to_string()).or_default();
        c.unloaded = false;
        c.pinned = version.is_some();
        c.failed.remove(&v);
        Ok(model)
    }

    /// Stop serving `name` (in-flight requests finish); the poller leaves it unloaded.
    pub fn unload(&self, name: &str) -> Result<(), ApiError> {
        let mut control = self.control();
        if self.route(name).is_none() {
            return Err(ApiError::NotFound(format!(
                "model `{}` is not being served",
                satori_core::snippet(name)
            )));
        }
        self.update(name, None);
        control.entry(name.to_string()).or_default().unloaded = true;
        Ok(())
    }

    /// Set `name`'s challenger (with its share of requests) and shadow versions; `None` clears
    /// each. A version already serving in the route is reused, others are loaded.
    pub fn set_route(
        &self,
        name: &str,
        challenger: Option<(&str, f64)>,
        shadow: Option<&str>,
    ) -> Result<Arc<Route>, ApiError> {
        let _control = self.control();
        let Some(old) = self.route(name) else {
            return Err(ApiError::NotFound(format!(
                "model `{}` is not being served",
                satori_core::snippet(name)
            )));
        };
        let get = |v: &str| -> Result<Arc<Served>, ApiError> {
            if let Some(s) = old.version(v) {
                return Ok(s);
            }
            let (v, path) = self.resolve(name, Some(v))?;
            self.load_version(name, &v, &path)
        };
        let challenger = match challenger {
            Some((v, share)) => Some((get(v)?, share)),
            None => None,
        };
        let shadow = match shadow {
            Some(v) => Some(get(v)?),
            None => None,
        };
        let route = Route {
            champion: old.champion.clone(),
            challenger,
            shadow,
            counter: AtomicU64::new(0),
        };
        self.update(name, Some(route));
        self.route(name)
            .ok_or_else(|| ApiError::Internal("the route just set is missing".into()))
    }
}
