//! Cross-validation: the whole pipeline fitted inside each fold, folds in parallel, per-fold
//! scores with their mean and standard deviation, fit and score times, and out-of-fold
//! predictions.

use std::collections::BTreeMap;
use std::time::Instant;

use ndarray::{Array1, Array2};
use rayon::prelude::*;
use satori_core::collective::{Collective, agree};
use satori_core::{Dataset, Error, Estimator, NoProgress, Params, Progress, Result, Task};
use satori_data::splits::SplitStrategy;
use satori_data::{Table, TargetSpec};
use satori_pipeline::{FittedPipeline, Predictions};
use serde::{Deserialize, Serialize};

use crate::evaluate::{MetricSpec, evaluate_predictions};
use crate::params::{TargetInfo, TrainParams, forced_tasks};
use crate::targets::{Prepared, first_classification, prepare, target_only};

/// What to cross-validate.
#[derive(Debug, Clone)]
pub struct CvRequest {
    /// The target columns (usually one) and their forced tasks.
    pub targets: Vec<TargetSpec>,
    /// The `--model` name.
    pub model: String,
    /// `path=value` overrides of the parameter tree (`model.*`, `preprocessing.*`, `seed`).
    pub overrides: Vec<(String, String)>,
    /// A parameter tree from a pipeline file, applied before the overrides.
    pub pipeline: Option<serde_json::Value>,
    /// The splitter.
    pub strategy: SplitStrategy,
    /// A column of group labels, for `GroupKFold`.
    pub groups: Option<String>,
    /// The seed for stochastic models (the splitter has its own).
    pub seed: u64,
}

/// One fold's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldResult {
    /// The fold's position in the splitter's order.
    pub fold: usize,
    /// Training rows.
    pub n_train: usize,
    /// Validation rows.
    pub n_test: usize,
    /// Metric values on the validation rows (with several targets, named `<target>:<metric>`).
    pub scores: BTreeMap<String, f64>,
    /// Metrics undefined on this fold, with the reason.
    pub undefined: BTreeMap<String, String>,
    /// Seconds spent fitting.
    pub fit_seconds: f64,
    /// Seconds spent predicting and scoring.
    pub score_seconds: f64,
}

/// Mean and standard deviation of a metric over the folds where it is defined.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MetricSummary {
    /// The mean.
    pub mean: f64,
    /// The population standard deviation (NumPy's default, as scikit-learn reports).
    pub std: f64,
    /// Folds where the metric was defined.
    pub n_folds: usize,
}

/// The result of cross-validation.
#[derive(Debug, Clone, Serialize)]
pub struct CvResult {
    /// The task (the first target's).
    pub task: Task,
    /// The targets, in order.
    pub targets: Vec<String>,
    /// The model family.
    pub model: String,
    /// The splitter used.
    pub strategy: SplitStrategy,
    /// Rows of the dataset (after dropping rows without a target).
    pub n_rows: usize,
    /// Rows dropped because a target was missing.
    pub dropped_missing_target: usize,
    /// The table rows of the dataset's rows, in order (row `i` of the out-of-fold predictions
    /// is table row `rows[i]`).
    #[serde(skip)]
    pub rows: Vec<usize>,
    /// Per-fold results, in fold order.
    pub folds: Vec<FoldResult>,
    /// Mean and standard deviation per metric.
    pub summary: BTreeMap<String, MetricSummary>,
    /// Out-of-fold predictions of each target, one per dataset row, when every row was
    /// validated exactly once.
    #[serde(skip)]
    pub out_of_fold: Option<Vec<Predictions>>,
}

/// Cross-validate a model on a table (one target or several).
pub fn cross_validate(
    table: &Table,
    request: &CvRequest,
    spec: &MetricSpec,
    progress: &dyn Progress,
) -> Result<CvResult> {
    let plan = CvPlan::new(table, request)?;
    let params = plan.params(request)?;
    progress.start(
        &format!("cross-validating {} folds", plan.n_folds()),
        Some(plan.n_folds() as u64),
    );
    let runs: Vec<Result<FoldRun>> = (0..plan.n_folds())
        .into_par_iter()
        .map(|i| {
            let run = plan.run_fold(&params, i, spec);
            progress.advance(1);
            run
        })
        .collect();
    progress.finish();
    let runs = runs.into_iter().collect::<Result<Vec<_>>>()?;
    Ok(plan.result(&params, runs))
}

/// One fold's scores and its validation rows' predictions (one per target).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FoldRun {
    /// The fold's scores and times.
    pub result: FoldResult,
    /// The predictions on the fold's validation rows, one per target.
    pub predictions: Vec<Predictions>,
}

/// Cross-validate with the folds spread over the ranks of `comm` (every rank holds the whole
/// table): rank `r` of `n` runs folds `r`, `r + n`, …, and rank 0 gathers every fold's run and
/// gets the result, the one [`cross_validate`] gives (fold scores and out-of-fold predictions
/// alike: each fold is fitted as one process fits it); the other ranks get `None`.
pub fn cross_validate_distributed(
    table: &Table,
    request: &CvRequest,
    spec: &MetricSpec,
    comm: &dyn Collective,
    progress: &dyn Progress,
) -> Result<Option<CvResult>> {
    let plan = agree(comm, CvPlan::new(table, request))?;
    let params = agree(comm, plan.params(request))?;
    let mine: Vec<usize> = (comm.rank()..plan.n_folds()).step_by(comm.size()).collect();
    progress.start(
        &format!(
            "cross-validating {} folds on {} ranks",
            plan.n_folds(),
            comm.size()
        ),
        Some(mine.len() as u64),
    );
    let runs: Vec<Result<FoldRun>> = mine
        .par_iter()
        .map(|&i| {
            let run = plan.run_fold(&params, i, spec);
            progress.advance(1);
            run
        })
        .collect();
    progress.finish();
    let runs = agree(comm, runs.into_iter().collect::<Result<Vec<_>>>())?;
    let bytes = postcard::to_allocvec(&runs).map_err(|e| Error::Internal(e.to_string()))?;
    let all = comm.allgather_bytes(&bytes)?;
    if comm.rank() != 0 {
        return Ok(None);
    }
    let mut every: Vec<FoldRun> = Vec::with_capacity(plan.n_folds());
    for (rank, b) in all.iter().enumerate() {
        let part: Vec<FoldRun> = postcard::from_bytes(b)
            .map_err(|e| Error::Internal(format!("rank {rank}'s folds: {e}")))?;
        every.extend(part);
    }
    every.sort_by_key(|r| r.result.fold);
    Ok(Some(plan.result(&params, every)))
}

/// A cross-validation prepared once and run for many settings: the rows, the targets and the
/// folds of a [`CvRequest`], so that a search (`satori tune`) fits every candidate on the same
/// folds without preparing the data again, and can run the folds one at a time (to stop a poor
/// candidate after its first folds) or all at once.
#[derive(Debug, Clone)]
pub struct CvPlan {
    data: Dataset,
    rows: Vec<usize>,
    dropped_missing_target: usize,
    names: Vec<String>,
    infos: Vec<TargetInfo>,
    strategy: SplitStrategy,
    groups: Option<Vec<String>>,
    folds: Vec<satori_data::splits::Fold>,
}

impl CvPlan {
    /// Prepare the rows, targets and folds of `request` (its model and overrides are not used
    /// here, except `tasks.<name>.task` with several targets).
    pub fn new(table: &Table, request: &CvRequest) -> Result<Self> {
        let specs = cv_specs(request)?;
        let Prepared { data, rows, report } = prepare(table, &specs)?;
        let names: Vec<String> = specs.iter().map(|s| s.name.clone()).collect();
        let infos: Vec<TargetInfo> = names
            .iter()
            .zip(data.targets())
            .map(|(n, t)| TargetInfo {
                name: n.clone(),
                task: t.task(),
            })
            .collect();
        request.strategy.validate()?;
        let groups = match &request.groups {
            Some(col) => Some(group_labels(table, col, &rows)?),
            None => None,
        };
        let folds = split_folds(&request.strategy, &data, groups.as_deref())?;
        Ok(CvPlan {
            data,
            rows,
            dropped_missing_target: report.dropped_missing_target,
            names,
            infos,
            strategy: request.strategy.clone(),
            groups,
            folds,
        })
    }

    /// The same rows split by another strategy (e.g. stratified once the task is known).
    pub fn with_strategy(mut self, strategy: SplitStrategy) -> Result<Self> {
        strategy.validate()?;
        self.folds = split_folds(&strategy, &self.data, self.groups.as_deref())?;
        self.strategy = strategy;
        Ok(self)
    }

    /// The number of folds.
    pub fn n_folds(&self) -> usize {
        self.folds.len()
    }

    /// The rows cross-validated (after dropping rows without a target).
    pub fn n_rows(&self) -> usize {
        self.data.n_samples()
    }

    /// The task of the first target.
    pub fn task(&self) -> Task {
        self.infos[0].task
    }

    /// The pipeline parameters of `request`'s model, pipeline file and overrides for these rows
    /// (as `satori cv` resolves them).
    pub fn params(&self, request: &CvRequest) -> Result<TrainParams> {
        let mut params = TrainParams::resolve(
            &request.model,
            &self.infos,
            self.data.features(),
            0.0,
            request.seed,
            request.pipeline.as_ref(),
            &request.overrides,
        )?;
        crate::stopping::apply_front_end_defaults(
            &mut params,
            request.pipeline.as_ref(),
            &request.overrides,
            false,
            &self.data,
        )?;
        Ok(params)
    }

    /// Fit `params` on fold `i`'s training rows and score its validation rows.
    pub fn run_fold(&self, params: &TrainParams, i: usize, spec: &MetricSpec) -> Result<FoldRun> {
        self.run_fold_keeping(params, i, spec).map(|(run, _)| run)
    }

    /// [`CvPlan::run_fold`], also giving the pipeline fitted on the fold's training rows (to
    /// measure it, e.g. its size).
    pub fn run_fold_keeping(
        &self,
        params: &TrainParams,
        i: usize,
        spec: &MetricSpec,
    ) -> Result<(FoldRun, FittedPipeline)> {
        let Some(fold) = self.folds.get(i) else {
            return Err(Error::Internal(format!(
                "fold {i} of {} folds",
                self.folds.len()
            )));
        };
        let several = self.names.len() > 1;
        let started = Instant::now();
        let fitted = params
            .pipeline
            .fit_with_progress(&self.data.select_rows(&fold.train)?, &NoProgress)?;
        let fit_seconds = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let test = self.data.select_rows(&fold.test)?;
        let preds = fitted.predict_dataset_all(&test)?;
        let mut scores = BTreeMap::new();
        let mut undefined = BTreeMap::new();
        for ((name, truth), p) in self.names.iter().zip(test.targets()).zip(&preds) {
            let eval = evaluate_predictions(truth, p, test.weights(), spec)?;
            let key = |m: String| if several { format!("{name}:{m}") } else { m };
            scores.extend(eval.metrics.into_iter().map(|(k, v)| (key(k), v)));
            undefined.extend(eval.undefined.into_iter().map(|(k, v)| (key(k), v)));
        }
        let score_seconds = started.elapsed().as_secs_f64();
        let run = FoldRun {
            result: FoldResult {
                fold: i,
                n_train: fold.train.len(),
                n_test: fold.test.len(),
                scores,
                undefined,
                fit_seconds,
                score_seconds,
            },
            predictions: preds,
        };
        Ok((run, fitted))
    }

    /// The result of every fold's run (in fold order), with out-of-fold predictions when every
    /// row was validated exactly once.
    pub fn result(&self, params: &TrainParams, runs: Vec<FoldRun>) -> CvResult {
        let mut fold_results = Vec::with_capacity(runs.len());
        let mut fold_preds = Vec::with_capacity(runs.len());
        for r in runs {
            fold_results.push(r.result);
            fold_preds.push(r.predictions);
        }
        let out_of_fold = if fold_preds.len() == self.folds.len() {
            (0..self.names.len())
                .map(|k| {
                    let per_fold: Vec<Predictions> =
                        fold_preds.iter().map(|p| p[k].clone()).collect();
                    assemble_oof(self.data.n_samples(), &self.folds, &per_fold)
                })
                .collect::<Option<Vec<_>>>()
        } else {
            None
        };
        CvResult {
            task: self.infos[0].task,
            targets: self.names.clone(),
            model: params.pipeline.model.kind().to_string(),
            strategy: self.strategy.clone(),
            n_rows: self.data.n_samples(),
            dropped_missing_target: self.dropped_missing_target,
            rows: self.rows.clone(),
            summary: summarise(&fold_results),
            folds: fold_results,
            out_of_fold,
        }
    }

    /// The dataset's targets (for scoring out-of-fold predictions).
    pub fn dataset(&self) -> &Dataset {
        &self.data
    }
}

/// Each target with its forced task (several: from `tasks.<name>.task`).
fn cv_specs(request: &CvRequest) -> Result<Vec<TargetSpec>> {
    if request.targets.len() < 2 {
        return Ok(request.targets.clone());
    }
    if request.targets.iter().any(|t| t.task.is_some()) {
        return Err(Error::param(
            "--task",
            "not available with several targets: force a target's task with \
             --set tasks.<target>.task=regression|binary|multiclass",
        ));
    }
    let names: Vec<String> = request.targets.iter().map(|t| t.name.clone()).collect();
    let forced = forced_tasks(&names, request.pipeline.as_ref(), &request.overrides)?;
    Ok(names
        .into_iter()
        .zip(forced)
        .map(|(name, task)| TargetSpec { name, task })
        .collect())
}

/// The folds of a splitter; with several targets, a stratified splitter stratifies on the first
/// classification target.
fn split_folds(
    strategy: &SplitStrategy,
    data: &Dataset,
    groups: Option<&[String]>,
) -> Result<Vec<satori_data::splits::Fold>> {
    if data.n_targets() > 1
        && let Some((_, target)) = first_classification(data)
    {
        return strategy.split(&target_only(data.n_samples(), target)?, groups);
    }
    strategy.split(data, groups)
}

/// The group label of each dataset row (`rows`: the table rows kept).
fn group_labels(table: &Table, column: &str, rows: &[usize]) -> Result<Vec<String>> {
    let labels = crate::output::column_text(table, column)?;
    Ok(rows.iter().map(|&i| labels[i].clone()).collect())
}

fn summarise(folds: &[FoldResult]) -> BTreeMap<String, MetricSummary> {
    let mut by_metric: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for f in folds {
        for (k, v) in &f.scores {
            by_metric.entry(k.clone()).or_default().push(*v);
        }
    }
    by_metric
        .into_iter()
        .map(|(k, v)| {
            let n = v.len() as f64;
            let mean = v.iter().sum::<f64>() / n;
            let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
            (
                k,
                MetricSummary {
                    mean,
                    std: var.sqrt(),
                    n_folds: v.len(),
                },
            )
        })
        .collect()
}

/// Out-of-fold predictions when the folds' test parts partition the rows.
fn assemble_oof(
    n: usize,
    folds: &[satori_data::splits::Fold],
    preds: &[Predictions],
) -> Option<Predictions> {
    let mut seen = vec![false; n];
    for f in folds {
        for &r in &f.test {
            if std::mem::replace(&mut seen[r], true) {
                return None;
            }
        }
    }
    if seen.iter().any(|s| !s) {
        return None;
    }
    let first = preds.first()?;
    let mut values = Array1::zeros(n);
    let mut proba = first.proba.as_ref().map(|p| Array2::zeros((n, p.ncols())));
    for (f, p) in folds.iter().zip(preds) {
        for (k, &r) in f.test.iter().enumerate() {
            values[r] = p.values[k];
            if let (Some(all), Some(part)) = (proba.as_mut(), p.proba.as_ref()) {
                all.row_mut(r).assign(&part.row(k));
            }
        }
    }
    if proba.is_none() && first.proba.is_some() {
        return None;
    }
    Some(Predictions {
        task: first.task,
        values,
        classes: first.classes.clone(),
        proba: proba.take(),
    })
}
