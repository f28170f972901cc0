//! Cross-validation: the whole pipeline fitted inside each fold, folds in parallel, per-fold
//! scores with their mean and standard deviation, fit and score times, and out-of-fold
//! predictions.

use std::collections::BTreeMap;
use std::time::Instant;

use ndarray::{Array1, Array2};
use rayon::prelude::*;
use satori_core::{Error, Params, Progress, Result, Task};
use satori_data::splits::SplitStrategy;
use satori_data::{Table, TargetSpec};
use serde::Serialize;

use crate::train::fit_pipeline;
use crate::{MetricSpec, Predictions, TrainParams, evaluate_predictions};

/// What to cross-validate.
#[derive(Debug, Clone)]
pub struct CvRequest {
    /// The target column and (optionally) the forced task.
    pub target: TargetSpec,
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
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FoldResult {
    /// The fold's position in the splitter's order.
    pub fold: usize,
    /// Training rows.
    pub n_train: usize,
    /// Validation rows.
    pub n_test: usize,
    /// Metric values on the validation rows.
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
    /// The task.
    pub task: Task,
    /// The model family.
    pub model: String,
    /// The splitter used.
    pub strategy: SplitStrategy,
    /// Rows of the dataset (after dropping rows without a target).
    pub n_rows: usize,
    /// Rows dropped because their target was missing.
    pub dropped_missing_target: usize,
    /// Per-fold results, in fold order.
    pub folds: Vec<FoldResult>,
    /// Mean and standard deviation per metric.
    pub summary: BTreeMap<String, MetricSummary>,
    /// Out-of-fold predictions, one per dataset row, when every row was validated exactly once.
    #[serde(skip)]
    pub out_of_fold: Option<Predictions>,
}

/// Cross-validate a model on a table.
pub fn cross_validate(
    table: &Table,
    request: &CvRequest,
    spec: &MetricSpec,
    progress: &dyn Progress,
) -> Result<CvResult> {
    let (data, load) = table.to_dataset(&request.target)?;
    let data = data.with_target_name(request.target.name.clone());
    let task = data
        .task()
        .ok_or_else(|| Error::Internal("dataset without a task".into()))?;
    let params = TrainParams::resolve(
        &request.model,
        task,
        data.features(),
        0.0,
        request.seed,
        request.pipeline.as_ref(),
        &request.overrides,
    )?;
    request.strategy.validate()?;
    let groups = match &request.groups {
        Some(col) => Some(group_labels(table, col, &request.target.name)?),
        None => None,
    };
    let folds = request.strategy.split(&data, groups.as_deref())?;
    progress.start(
        &format!("cross-validating {} folds", folds.len()),
        Some(folds.len() as u64),
    );
    let results: Vec<Result<(FoldResult, Predictions)>> = folds
        .par_iter()
        .enumerate()
        .map(|(i, fold)| {
            let started = Instant::now();
            let fitted = fit_pipeline(
                &data.select_rows(&fold.train)?,
                &params,
                None,
                &satori_core::NoProgress,
            )?;
            let fit_seconds = started.elapsed().as_secs_f64();
            let started = Instant::now();
            let test = data.select_rows(&fold.test)?;
            let preds = fitted.predict_dataset(&test)?;
            let eval = evaluate_predictions(test.require_target()?, &preds, test.weights(), spec)?;
            let score_seconds = started.elapsed().as_secs_f64();
            progress.advance(1);
            Ok((
                FoldResult {
                    fold: i,
                    n_train: fold.train.len(),
                    n_test: fold.test.len(),
                    scores: eval.metrics,
                    undefined: eval.undefined,
                    fit_seconds,
                    score_seconds,
                },
                preds,
            ))
        })
        .collect();
    progress.finish();
    let mut fold_results = Vec::with_capacity(results.len());
    let mut fold_preds = Vec::with_capacity(results.len());
    for r in results {
        let (f, p) = r?;
        fold_results.push(f);
        fold_preds.push(p);
    }
    let out_of_fold = assemble_oof(data.n_samples(), &folds, &fold_preds);
    Ok(CvResult {
        task,
        model: params.model.kind().to_string(),
        strategy: request.strategy.clone(),
        n_rows: data.n_samples(),
        dropped_missing_target: load.dropped_missing_target,
        summary: summarise(&fold_results),
        folds: fold_results,
        out_of_fold,
    })
}

fn group_labels(table: &Table, column: &str, target: &str) -> Result<Vec<String>> {
    let labels = crate::output::column_text(table, column)?;
    let (_, target_col) = table.column(target)?;
    let kept = (0..table.n_rows()).filter(|&i| !crate::evaluate::is_missing_cell(target_col, i));
    Ok(kept.map(|i| labels[i].clone()).collect())
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
