//! Searching a model's parameters by cross-validation on a table: the flow behind `satori tune`.
//!
//! Each trial's values become `--set` overrides (`model.learning_rate=0.05`) of the same
//! parameter tree `satori train` builds, and the whole pipeline is cross-validated inside the
//! folds, so no preprocessing sees a validation row; or, with a validation table, each trial
//! trains on every row and is scored on the validation rows.
//!
//! Trials are asked in fixed batches of [`TuneRequest::batch`] and a batch runs in parallel; the
//! batch size never depends on the number of threads, so a study is the same at any thread count
//! for a given seed (see the determinism rule in [`crate::study`]). With a pruner, a trial's
//! folds run one after another and the running mean of the metric is reported after each fold
//! (the resource is the fold): a trial whose first folds already score worse than the earlier
//! trials' at the same fold stops there.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use satori_core::{Error, NoProgress, Progress, Result, Task};
use satori_data::splits::SplitStrategy;
use satori_data::{Table, TargetSpec};
use satori_pipeline::model_file;
use satori_workflow::{CvPlan, CvRequest, FoldRun, MetricSpec, TrainParams, TrainRequest, train};
use serde::Serialize;
use serde_json::Value;

use crate::{
    Direction, Pruner, Sampler, SearchSpace, Study, StudyConfig, StudyStore, Trial, TrialRecord,
    TrialResult, TrialState,
};

/// What to search, and how.
#[derive(Debug, Clone)]
pub struct TuneRequest {
    /// The target column (one).
    pub target: TargetSpec,
    /// The `--model` name (a family such as `gbm`, or a full kind).
    pub model: String,
    /// Fixed `path=value` overrides, applied before each trial's values.
    pub overrides: Vec<(String, String)>,
    /// A parameter tree from a pipeline file, applied first.
    pub pipeline: Option<Value>,
    /// The space; `None` searches the model family's [`default_space`].
    pub space: Option<SearchSpace>,
    /// The sampler.
    pub sampler: Sampler,
    /// The metric to optimise (a scorer name); `None`: ROC-AUC for two classes, log loss for
    /// more, R² for a number.
    pub metric: Option<String>,
    /// Cross-validation folds (stratified for classes).
    pub folds: usize,
    /// Shuffle the rows (with `seed`) before cutting the folds. Default true; false keeps the
    /// rows in file order, as scikit-learn's `KFold()` / `StratifiedKFold()` do by default.
    pub shuffle: bool,
    /// Seeds the sampler, the folds and every stochastic model.
    pub seed: u64,
    /// At most this many trials.
    pub trials: usize,
    /// Stop asking for trials after this much wall-clock time (a running trial finishes). A time
    /// budget makes the number of trials depend on the machine; `trials` alone does not.
    pub time_budget: Option<Duration>,
    /// Stops poor trials after their first folds (the fold is the resource). Default: none.
    pub pruner: Pruner,
    /// Trials asked at once and evaluated in parallel. A fixed number, never the thread count,
    /// so that the study is the same on any machine; 1 runs trials strictly one by one.
    pub batch: usize,
    /// A validation table (read with the training table's column types) that replaces
    /// cross-validation: each trial trains on every row of the table and is scored on it.
    pub validation: Option<Table>,
    /// Keep the study in a SQLite study file, each trial stored as it is asked and as it is
    /// told, so a killed run loses no told trial and `resume` continues it.
    pub study: Option<StudyFile>,
}

/// Where a search keeps its study (`--study FILE --study-name NAME [--resume]`).
#[derive(Debug, Clone)]
pub struct StudyFile {
    /// The SQLite file (created if absent; its folder must exist).
    pub path: std::path::PathBuf,
    /// The study's name within the file.
    pub name: String,
    /// Continue the named study (its numbering, its trials); without it a name that exists is
    /// an error. `trials` then counts the study's trials, old and new.
    pub resume: bool,
    /// What the study was made for (the data file's checksum, the target, the model, the
    /// metric and the folds): a resumed study must have been made for the same.
    pub fingerprint: String,
}

impl TuneRequest {
    /// A request with defaults: 30 trials of TPE, 3 folds, median pruning, batches of 4, seed 0.
    pub fn new(target: TargetSpec, model: impl Into<String>) -> Self {
        TuneRequest {
            target,
            model: model.into(),
            overrides: Vec::new(),
            pipeline: None,
            space: None,
            sampler: Sampler::default(),
            metric: None,
            folds: 3,
            shuffle: true,
            seed: 0,
            trials: 30,
            time_budget: None,
            pruner: Pruner::Median(Default::default()),
            batch: DEFAULT_BATCH,
            validation: None,
            study: None,
        }
    }
}

impl TuneRequest {
    /// The progress bar's total: the trials, unless a time budget bounds the search.
    pub(crate) fn progress_total(&self) -> Option<u64> {
        match self.time_budget {
            Some(_) => None,
            None => Some(self.trials as u64),
        }
    }
}

/// The trials of a search bounded by time alone (`--time-budget` without `--trials`): in
/// effect no bound, so the budget is what stops it.
pub const TRIALS_WITH_TIME_BUDGET: usize = 100_000;

/// The default number of trials asked at once (`--batch`).
pub const DEFAULT_BATCH: usize = 4;

/// A finished search.
#[derive(Debug, Clone, Serialize)]
pub struct TuneOutcome {
    /// The metric optimised.
    pub metric: String,
    /// Whether it was maximised or minimised.
    pub direction: Direction,
    /// The space searched, one spec per parameter.
    pub space: Vec<String>,
    /// Every trial, in order.
    pub trials: Vec<TrialRecord>,
    /// The best complete trial.
    pub best: TrialRecord,
    /// Why the search stopped: `trials`, `time budget` or `grid exhausted`.
    pub stopped_by: String,
    /// How trials were scored: `3-fold cross-validation` or `the validation file`.
    pub evaluated_by: String,
    /// Trials by state.
    pub counts: StateCounts,
    /// Seconds the search took (without reading the data or refitting).
    pub seconds: f64,
}

/// How many trials ended in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StateCounts {
    /// Finished with a value.
    pub complete: usize,
    /// Stopped by the pruner.
    pub pruned: usize,
    /// Failed (their reason is in the trial).
    pub failed: usize,
}

impl TuneOutcome {
    /// The best trial's values as `path=value` overrides, after the request's fixed ones.
    pub fn best_overrides(&self, request: &TuneRequest) -> Vec<(String, String)> {
        let mut out = request.overrides.clone();
        out.extend(
            self.best
                .params
                .iter()
                .map(|(k, v)| (k.clone(), override_text(v))),
        );
        out
    }
}

/// A searched value as the text `--set` takes.
pub fn override_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The family a `--model` name belongs to (`gbm_classifier` → `gbm`).
fn family(model: &str) -> &str {
    let m = model
        .trim_end_matches("_classifier")
        .trim_end_matches("_regressor");
    match m {
        "hist_gradient_boosting" | "gbm" => "gbm",
        "logistic_regression" | "logistic" => "logistic",
        "random_forest" | "forest" => "forest",
        "extra_trees" => "extra_trees",
        "decision_tree" | "tree" => "tree",
        "mlp" => "mlp",
        "sgd" => "sgd",
        "ridge" => "ridge",
        "lasso" => "lasso",
        "elastic_net" => "elastic_net",
        "poisson" | "poisson_regressor" => "poisson",
        "tweedie" | "tweedie_regressor" => "tweedie",
        other => other,
    }
}

/// The default search space of a model family (documented in docs/tuning.md), as FLAML and
/// AutoGluon ship one per family.
pub fn default_space(model: &str) -> Result<SearchSpace> {
    let specs: &[&str] = match family(model) {
        "gbm" => &[
            "model.learning_rate=float(0.01,0.3,log)",
            "model.num_leaves=int(8,128,log)",
            "model.min_samples_leaf=int(5,100,log)",
            "model.l2_regularization=float(0.001,10,log)",
            "model.colsample_bytree=float(0.5,1.0)",
        ],
        "logistic" => &["model.C=float(0.001,100,log)"],
        "forest" | "extra_trees" => &[
            "model.min_samples_leaf=int(1,20,log)",
            "model.max_features=choice(sqrt,log2,all)",
        ],
        "tree" => &[
            "model.max_depth=int(2,16)",
            "model.min_samples_leaf=int(1,50,log)",
        ],
        "mlp" => &[
            "model.alpha=float(0.000001,0.1,log)",
            "model.learning_rate_init=float(0.0001,0.01,log)",
        ],
        // Gorishniy et al. (2021)'s FT-Transformer space, narrowed for the CPU: widths that
        // divide by the default 8 heads, at most 3 blocks.
        "ft_transformer" => &[
            "model.d_token=choice(32,64,128)",
            "model.n_blocks=int(1,3)",
            "model.attention_dropout=float(0.0,0.5)",
            "model.ffn_dropout=float(0.0,0.5)",
            "model.residual_dropout=float(0.0,0.2)",
            "model.learning_rate_init=float(0.00001,0.001,log)",
            "model.weight_decay=float(0.000001,0.001,log)",
        ],
        "sgd" => &["model.alpha=float(0.000001,0.01,log)"],
        "knn" => &[
            "model.n_neighbors=int(1,50,log)",
            "model.weights=choice(uniform,distance)",
        ],
        "ridge" | "lasso" | "poisson" | "tweedie" => &["model.alpha=float(0.0001,100,log)"],
        "elastic_net" => &[
            "model.alpha=float(0.0001,100,log)",
            "model.l1_ratio=float(0.05,0.95)",
        ],
        "baseline" | "dummy" => {
            return Err(Error::param(
                "--model",
                "the baseline has nothing to tune; choose a model such as gbm, logistic or forest",
            ));
        }
        other => {
            return Err(Error::param(
                "--model",
                format!(
                    "no default search space for `{}`; give one with --search PATH=SPEC \
                     (docs/tuning.md)",
                    satori_core::snippet(other)
                ),
            ));
        }
    };
    SearchSpace::parse_specs(specs.iter().copied())
}

/// The metric optimised by default for a task.
pub fn default_metric(task: Task) -> &'static str {
    match task {
        Task::Binary => "roc_auc",
        Task::Multiclass => "log_loss",
        Task::Regression => "r2",
    }
}

/// Search `request.space` (or the family's default) by cross-validation on `table` (or on
/// `request.validation`).
pub fn tune(table: &Table, request: &TuneRequest, progress: &dyn Progress) -> Result<TuneOutcome> {
    let space = match &request.space {
        Some(s) => s.clone(),
        None => default_space(&request.model)?,
    };
    let started = Instant::now();
    let prepared = Prepared::new(table, request)?;
    let objective = Objective::new(table, request, &prepared, &request.model);
    let space_specs: Vec<String> = space.params().iter().map(|p| p.to_string()).collect();
    progress.start(
        &format!("tuning {} ({})", request.model, prepared.metric),
        request.progress_total(),
    );
    let run = run_search(
        &objective,
        space,
        request.trials,
        request.time_budget,
        request.study.as_ref(),
        progress,
    );
    progress.finish();
    let run = run?;
    let mut counts = StateCounts::default();
    for t in &run.trials {
        match t.state {
            TrialState::Complete => counts.complete += 1,
            TrialState::Pruned => counts.pruned += 1,
            TrialState::Failed | TrialState::Running => counts.failed += 1,
        }
    }
    let Some(best) = run.best.map(|n| run.trials[n as usize].clone()) else {
        return Err(all_failed(
            "trial",
            run.trials.iter().map(|t| t.fail_reason.as_deref()),
        ));
    };
    Ok(TuneOutcome {
        metric: prepared.metric.clone(),
        direction: prepared.direction,
        space: space_specs,
        trials: run.trials,
        best,
        stopped_by: run.stopped_by,
        evaluated_by: prepared.evaluated_by(),
        counts,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// What every trial of a search shares: the rows and folds (or the validation table), the
/// metric and its direction.
pub(crate) struct Prepared {
    pub(crate) task: Task,
    pub(crate) metric: String,
    pub(crate) direction: Direction,
    pub(crate) spec: MetricSpec,
    /// The cross-validation request before a trial's model and values.
    cv: CvRequest,
    /// The folds; `None` with a validation table.
    plan: Option<CvPlan>,
}

impl Prepared {
    pub(crate) fn new(table: &Table, request: &TuneRequest) -> Result<Self> {
        if request.trials == 0 {
            return Err(Error::param("--trials", "must be at least 1"));
        }
        if request.batch == 0 {
            return Err(Error::param("--batch", "must be at least 1"));
        }
        if request.validation.is_none() && request.folds < 2 {
            return Err(Error::param("--folds", "must be at least 2"));
        }
        request.pruner.validate()?;
        request.sampler.validate()?;
        let folds = request.folds.max(2);
        let cv = CvRequest {
            targets: vec![request.target.clone()],
            model: request.model.clone(),
            overrides: request.overrides.clone(),
            pipeline: request.pipeline.clone(),
            // Replaced below once the task is known (a class target is stratified).
            strategy: SplitStrategy::KFold {
                n_splits: folds,
                shuffle: request.shuffle,
                seed: request.seed,
            },
            groups: None,
            seed: request.seed,
        };
        // The rows and targets are prepared once for every trial; the folds once the task is
        // known.
        let plan = CvPlan::new(table, &cv)?;
        let task = plan.task();
        let metric = request
            .metric
            .clone()
            .unwrap_or_else(|| default_metric(task).to_string());
        let scorer = satori_metrics::metric_by_name(&metric)?;
        let direction = if scorer.greater_is_better() {
            Direction::Maximize
        } else {
            Direction::Minimize
        };
        // The task's own metrics plus the chosen one, so any scorer name can be optimised.
        let spec = MetricSpec::from_names(std::slice::from_ref(&metric), None)?;
        let strategy = if task.is_classification() {
            SplitStrategy::StratifiedKFold {
                n_splits: folds,
                shuffle: request.shuffle,
                seed: request.seed,
            }
        } else {
            SplitStrategy::KFold {
                n_splits: folds,
                shuffle: request.shuffle,
                seed: request.seed,
            }
        };
        let plan = match request.validation {
            Some(_) => None,
            None => Some(plan.with_strategy(strategy.clone())?),
        };
        Ok(Prepared {
            task,
            metric,
            direction,
            spec,
            cv: CvRequest { strategy, ..cv },
            plan,
        })
    }

    /// The folds (1 with a validation table).
    pub(crate) fn n_folds(&self) -> usize {
        self.plan.as_ref().map_or(1, CvPlan::n_folds)
    }

    pub(crate) fn evaluated_by(&self) -> String {
        match &self.plan {
            Some(p) => format!("{}-fold cross-validation", p.n_folds()),
            None => "the validation file".into(),
        }
    }
}

/// The sampler for a search of `trials` trials: a Latin hypercube with its default size spans
/// exactly the trials (one point per stratum of every parameter over the whole search).
fn spanning(sampler: &Sampler, trials: usize) -> Sampler {
    match sampler {
        Sampler::Lhs(l) if *l == crate::LhsSampler::default() => Sampler::Lhs(crate::LhsSampler {
            n: trials.clamp(1, crate::sampler::qmc::LHS_MAX_N),
        }),
        other => other.clone(),
    }
}

/// The pruner with the folds as its resource: a trial reports after fold 0, 1, …, k − 1, so
/// Hyperband's default `max_resource` (81, for boosting rounds) becomes the last fold's step,
/// k − 1 (at least 1): three folds give one bracket (successive halving after the second fold),
/// ten folds three brackets (rungs after folds 2, 4 and 10).
fn fold_resource(pruner: &Pruner, folds: usize) -> Pruner {
    match pruner {
        Pruner::Hyperband(h) if *h == crate::HyperbandPruner::default() => {
            Pruner::Hyperband(crate::HyperbandPruner {
                max_resource: (folds.saturating_sub(1) as u64).max(h.min_resource),
                ..h.clone()
            })
        }
        other => other.clone(),
    }
}

/// What a trial cost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Costs {
    /// Seconds fitting, summed over the folds run.
    pub(crate) fit_seconds: f64,
    /// Seconds to predict (and score) 1,000 validation rows.
    pub(crate) predict_seconds_per_1k: Option<f64>,
    /// Bytes of the fitted pipeline's model-file payload (the first fold's, or the model
    /// fitted for the validation file), when the objective measures it.
    pub(crate) model_bytes: Option<usize>,
}

/// A finished search: the trials (with measured durations), which was best, why it stopped and
/// what each trial cost.
pub(crate) struct SearchRun {
    pub(crate) trials: Vec<TrialRecord>,
    pub(crate) best: Option<u64>,
    pub(crate) stopped_by: String,
    pub(crate) costs: BTreeMap<u64, Costs>,
}

/// Run a study of `space` with `objective` until it has `trials` trials or `budget` time has
/// passed, in fixed batches of the request's `batch` (the caller starts and finishes
/// `progress`), kept in `file` when given.
pub(crate) fn run_search(
    objective: &Objective<'_>,
    space: SearchSpace,
    trials: usize,
    budget: Option<Duration>,
    file: Option<&StudyFile>,
    progress: &dyn Progress,
) -> Result<SearchRun> {
    let request = objective.request;
    let config = StudyConfig {
        direction: objective.prepared.direction,
        sampler: spanning(&request.sampler, trials),
        pruner: fold_resource(&request.pruner, objective.prepared.n_folds()),
        seed: request.seed,
    };
    let (mut store, mut study) = match file {
        Some(f) => {
            let mut store = StudyStore::open(&f.path)?;
            if !f.resume && store.contains(&f.name)? {
                return Err(Error::param(
                    "--study",
                    format!(
                        "{} already holds a study named `{}`: --resume continues it, or give \
                         another --study-name",
                        f.path.display(),
                        satori_core::snippet(&f.name)
                    ),
                ));
            }
            let study = store
                .resume(&f.name, &space, &config, &f.fingerprint)
                .map_err(|e| match e {
                    Error::InvalidParameter { reason, .. } => Error::param(
                        "--study",
                        reason.replace("use another study name", "use another --study-name"),
                    ),
                    other => other,
                })?;
            (Some((store, f.name.as_str())), study)
        }
        None => (None, Study::new(space, config)?),
    };
    let mut asked = study.trials().len();
    let started = Instant::now();
    let mut stopped_by = "trials".to_string();
    let mut durations: BTreeMap<u64, f64> = BTreeMap::new();
    let mut costs: BTreeMap<u64, Costs> = BTreeMap::new();
    while asked < trials {
        if budget.is_some_and(|b| started.elapsed() >= b) {
            stopped_by = "time budget".into();
            break;
        }
        let mut batch = Vec::with_capacity(request.batch);
        while batch.len() < request.batch && asked < trials {
            match study.ask()? {
                Some(t) => {
                    if let Some((store, name)) = store.as_mut() {
                        store.save_trial(name, &study.trials()[t.number() as usize])?;
                    }
                    batch.push(t);
                    asked += 1;
                }
                None => break,
            }
        }
        let exhausted = batch.len() < request.batch && asked < trials;
        if batch.is_empty() {
            stopped_by = "grid exhausted".into();
            break;
        }
        let study_now = &study;
        type Ran = (Trial, Result<(TrialResult, Option<Costs>)>, f64);
        let results: Vec<Ran> = batch
            .into_par_iter()
            .map(|mut trial| {
                let t0 = Instant::now();
                let result = objective.run(study_now, &mut trial);
                progress.advance(1);
                (trial, result, t0.elapsed().as_secs_f64())
            })
            .collect();
        for (trial, result, seconds) in results {
            let (result, cost) = result?;
            durations.insert(trial.number(), seconds);
            if let Some(c) = cost {
                costs.insert(trial.number(), c);
            }
            let record = study.tell(trial, result)?;
            if let Some((store, name)) = store.as_mut() {
                let mut record = record.clone();
                record.duration_s = Some(seconds);
                store.save_trial(name, &record)?;
            }
        }
        if exhausted {
            stopped_by = "grid exhausted".into();
            break;
        }
    }
    let mut records = study.trials().to_vec();
    for t in &mut records {
        if let Some(&d) = durations.get(&t.number) {
            t.duration_s = Some(d);
        }
    }
    Ok(SearchRun {
        best: study.best_trial().map(|t| t.number),
        trials: records,
        stopped_by,
        costs,
    })
}

/// How one trial is scored: a model family on the prepared folds or validation table.
pub(crate) struct Objective<'a> {
    table: &'a Table,
    request: &'a TuneRequest,
    prepared: &'a Prepared,
    /// The `--model` name of the family scored.
    model: String,
    /// Measure the size of the fitted model (a multi-objective search minimising it).
    pub(crate) measure_size: bool,
    /// Start no fold after this instant (`--model auto`'s strict time budget): a configuration
    /// cut short fails with the reason, so the budget is overrun by at most the folds running.
    pub(crate) deadline: Option<Instant>,
}

impl<'a> Objective<'a> {
    pub(crate) fn new(
        table: &'a Table,
        request: &'a TuneRequest,
        prepared: &'a Prepared,
        model: &str,
    ) -> Self {
        Objective {
            table,
            request,
            prepared,
            model: model.to_string(),
            measure_size: false,
            deadline: None,
        }
    }

    /// A trial's result; an error only for what fails every trial alike (a path that names no
    /// parameter), which stops the search.
    fn run(&self, study: &Study, trial: &mut Trial) -> Result<(TrialResult, Option<Costs>)> {
        let values: Vec<(String, String)> = trial
            .params()
            .iter()
            .map(|(k, v)| (k.clone(), override_text(v)))
            .collect();
        let prune = self.request.pruner != Pruner::None;
        self.score(&values, prune.then_some((study, trial)))
    }

    /// Score the family with `values` after the request's fixed overrides, every fold (no
    /// pruning).
    pub(crate) fn score_all_folds(
        &self,
        values: &[(String, String)],
    ) -> Result<(TrialResult, Option<Costs>)> {
        self.score(values, None)
    }

    pub(crate) fn score(
        &self,
        values: &[(String, String)],
        pruning: Option<(&Study, &mut Trial)>,
    ) -> Result<(TrialResult, Option<Costs>)> {
        let mut overrides = self.request.overrides.clone();
        overrides.extend(values.iter().cloned());
        let Some(plan) = &self.prepared.plan else {
            return self.validate(overrides);
        };
        let cv = CvRequest {
            model: self.model.clone(),
            overrides,
            ..self.prepared.cv.clone()
        };
        match plan.params(&cv) {
            Ok(params) => self.cross_validate(plan, &params, pruning),
            Err(e) => Ok((failed(e)?, None)),
        }
    }

    fn cross_validate(
        &self,
        plan: &CvPlan,
        params: &TrainParams,
        pruning: Option<(&Study, &mut Trial)>,
    ) -> Result<(TrialResult, Option<Costs>)> {
        let metric = self.prepared.metric.as_str();
        let spec = &self.prepared.spec;
        let value_of = |scores: &[f64]| {
            if scores.is_empty() {
                None
            } else {
                Some(scores.iter().sum::<f64>() / scores.len() as f64)
            }
        };
        let mut scores = Vec::with_capacity(plan.n_folds());
        let mut model_bytes = None;
        let mut fit_seconds = 0.0;
        let (mut predict_seconds, mut predicted_rows) = (0.0, 0usize);
        let mut add = |r: &FoldRun, scores: &mut Vec<f64>| {
            scores.extend(r.result.scores.get(metric));
            fit_seconds += r.result.fit_seconds;
            predict_seconds += r.result.score_seconds;
            predicted_rows += r.result.n_test;
        };
        match pruning {
            None => {
                // Nothing to stop early: every fold at once.
                let late = |i: usize| {
                    self.deadline.is_some_and(|d| Instant::now() >= d).then(|| {
                        Error::InvalidData(format!(
                            "stopped by the time budget before fold {} of {}",
                            i + 1,
                            plan.n_folds()
                        ))
                    })
                };
                let runs: Vec<Result<(FoldRun, Option<usize>)>> = (0..plan.n_folds())
                    .into_par_iter()
                    .map(|i| {
                        if let Some(e) = late(i) {
                            return Err(e);
                        }
                        if i == 0 && self.measure_size {
                            let (run, fitted) = plan.run_fold_keeping(params, i, spec)?;
                            Ok((run, Some(model_file::payload_size(&fitted)?)))
                        } else {
                            Ok((plan.run_fold(params, i, spec)?, None))
                        }
                    })
                    .collect();
                for run in runs {
                    match run {
                        Ok((r, bytes)) => {
                            add(&r, &mut scores);
                            model_bytes = model_bytes.or(bytes);
                        }
                        Err(e) => return Ok((failed(e)?, None)),
                    }
                }
            }
            Some((study, trial)) => {
                for i in 0..plan.n_folds() {
                    match plan.run_fold(params, i, spec) {
                        Ok(r) => add(&r, &mut scores),
                        Err(e) => return Ok((failed(e)?, None)),
                    }
                    if let Some(v) = value_of(&scores) {
                        trial.report(i as u64, v)?;
                        if i + 1 < plan.n_folds() && study.should_prune(trial) {
                            return Ok((TrialResult::Pruned, None));
                        }
                    }
                }
            }
        }
        let costs = Costs {
            fit_seconds,
            predict_seconds_per_1k: (predicted_rows > 0)
                .then(|| predict_seconds * 1000.0 / predicted_rows as f64),
            model_bytes,
        };
        let result = match value_of(&scores) {
            Some(v) if v.is_finite() => TrialResult::Complete(v),
            _ => TrialResult::Failed(format!("{metric} is undefined on these folds")),
        };
        Ok((result, Some(costs)))
    }

    fn validate(&self, overrides: Vec<(String, String)>) -> Result<(TrialResult, Option<Costs>)> {
        let request = self.request;
        let metric = self.prepared.metric.as_str();
        let mut fit = TrainRequest::new(request.target.clone());
        fit.model = self.model.clone();
        fit.overrides = overrides;
        fit.pipeline = request.pipeline.clone();
        fit.holdout = 0.0;
        fit.seed = request.seed;
        fit.metrics = vec![metric.to_string()];
        fit.validation = request.validation.clone();
        let started = Instant::now();
        match train(self.table, &fit, &NoProgress) {
            Ok(outcome) => {
                let costs = Costs {
                    fit_seconds: started.elapsed().as_secs_f64(),
                    predict_seconds_per_1k: None,
                    model_bytes: if self.measure_size {
                        Some(model_file::payload_size(&outcome.pipeline)?)
                    } else {
                        None
                    },
                };
                let evaluation = outcome.evaluation();
                let result = match evaluation.and_then(|e| e.metrics.get(metric)) {
                    Some(v) if v.is_finite() => TrialResult::Complete(*v),
                    _ => TrialResult::Failed(
                        evaluation
                            .and_then(|e| e.undefined.get(metric).cloned())
                            .unwrap_or_else(|| {
                                format!("{metric} is undefined on the validation file")
                            }),
                    ),
                };
                Ok((result, Some(costs)))
            }
            Err(e) => Ok((failed(e)?, None)),
        }
    }
}

/// The error of a search in which nothing completed: the first failure's reason (`what`: trial or
/// configuration).
pub(crate) fn all_failed<'a>(
    what: &str,
    reasons: impl IntoIterator<Item = Option<&'a str>>,
) -> Error {
    let first = reasons
        .into_iter()
        .flatten()
        .next()
        .unwrap_or("nothing ran to the end");
    Error::InvalidData(format!(
        "every {what} failed; the first: {}",
        satori_core::clip(first, 300)
    ))
}

/// A failed fit as a failed trial, except a path that names no parameter: that fails every trial
/// alike, so the search stops with it.
fn failed(e: Error) -> Result<TrialResult> {
    match e {
        e @ Error::InvalidParameter { .. } if e.to_string().contains("no such parameter") => Err(e),
        e => Ok(TrialResult::Failed(e.to_string())),
    }
}

/// Parse a time budget: `90s`, `10m`, `1h`, or seconds as a plain number.
pub fn parse_duration(text: &str) -> Result<Duration> {
    let t = text.trim();
    let (number, unit) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&t[..i], c),
        _ => (t, 's'),
    };
    let scale = match unit {
        's' => 1.0,
        'm' => 60.0,
        'h' => 3600.0,
        _ => 0.0,
    };
    match number.trim().parse::<f64>() {
        Ok(v) if scale > 0.0 && v.is_finite() && v > 0.0 && v * scale < 1e9 => {
            Ok(Duration::from_secs_f64(v * scale))
        }
        _ => Err(Error::param(
            "--time-budget",
            format!(
                "`{}` is not a duration: write 90s, 10m or 1h",
                satori_core::snippet(text)
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_duration("2.5").unwrap(), Duration::from_millis(2500));
        for bad in ["", "m", "-3s", "10d", "abc", "0s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_family_has_a_default_space_and_the_baseline_none() {
        for m in [
            "gbm",
            "gbm_classifier",
            "logistic",
            "forest",
            "extra_trees",
            "tree",
            "mlp",
            "ft_transformer",
            "ft_transformer_regressor",
            "sgd",
            "knn",
            "knn_regressor",
            "ridge",
            "lasso",
            "elastic_net",
            "poisson",
            "tweedie",
        ] {
            assert!(!default_space(m).unwrap().params().is_empty(), "{m}");
        }
        assert!(default_space("baseline").is_err());
        let e = default_space("nonsense").unwrap_err().to_string();
        assert!(e.contains("--search"), "{e}");
    }

    #[test]
    fn values_become_set_text() {
        assert_eq!(override_text(&Value::from(0.05)), "0.05");
        assert_eq!(override_text(&Value::from(31)), "31");
        assert_eq!(override_text(&Value::from("sqrt")), "sqrt");
        assert_eq!(override_text(&Value::from(true)), "true");
    }
}
