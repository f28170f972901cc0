//! The training flow behind `satori train`: table → dataset (one target or several) → holdout
//! split (or a validation file) → fit → evaluate → a fitted pipeline with its model-file header.
//! One path for every model; a model with several targets is one more model kind.

use ndarray::Axis;
use satori_core::{Dataset, Error, Progress, Result, Schema, Target, Task};
use satori_data::splits::train_test_split;
use satori_data::{ReadOptions, Table, TargetSpec};
use satori_pipeline::resume::{ContinueFrom, fit_continue};
use satori_pipeline::transfer::{InitFrom, check_base, fit_transfer, recode_to};
use satori_pipeline::{FittedPipeline, MemberMetrics, ModelHeader, Predictions, read_options_for};

use crate::cost::read_cost_matrix;
use crate::evaluate::{
    Evaluation, Labelled, MetricSpec, TargetEvaluation, evaluate_predictions, labelled_truth,
};
use crate::header::{HeaderInputs, build};
use crate::params::{TargetInfo, TrainParams, forced_tasks};
use crate::stopping::{EarlyStopReport, apply_front_end_defaults};
use crate::targets::{Prepared, RowsReport, first_classification, prepare, target_only};
use crate::threshold::{ThresholdObjective, tune_threshold};

/// What to train.
#[derive(Debug, Clone)]
pub struct TrainRequest {
    /// The target columns (usually one; several for a multi-output model) and their forced
    /// tasks. With several, tasks can also be forced with `tasks.<name>.task`.
    pub targets: Vec<TargetSpec>,
    /// The `--model` name (see [`satori_pipeline::MODEL_NAMES`]); `baseline` picks the task's
    /// dummy, `mlp` with several targets the multi-task network.
    pub model: String,
    /// `path=value` overrides applied to the parameter tree ([`TrainParams`]).
    pub overrides: Vec<(String, String)>,
    /// A parameter tree from a pipeline file (see [`satori_pipeline::pipeline_file`]), applied
    /// before the overrides.
    pub pipeline: Option<serde_json::Value>,
    /// The holdout fraction (overridable as `holdout`).
    pub holdout: f64,
    /// The seed (overridable as `seed`): the split, threshold folds, and every stochastic step
    /// and model that has no seed of its own.
    pub seed: u64,
    /// The training file's name, for provenance.
    pub data_source: Option<String>,
    /// The time of training (RFC 3339), for provenance; the library reads no clock.
    pub created_at: Option<String>,
    /// Tune the decision threshold of a binary classifier (see [`ThresholdObjective`]).
    pub threshold: Option<ThresholdObjective>,
    /// Metrics to report beyond the task's defaults.
    pub metrics: Vec<String>,
    /// A cost-matrix CSV (see [`crate::cost::read_cost_matrix`]): the expected cost is reported,
    /// and [`ThresholdObjective::Cost`] minimises it.
    pub cost_matrix: Option<std::path::PathBuf>,
    /// A validation table (read with [`validation_read_options`]) that replaces the random
    /// holdout: the model trains on every training row, models with early stopping stop on it,
    /// and the reported scores are on it. The holdout must then be 0.
    pub validation: Option<Table>,
    /// Start a neural network from a trained one (transfer learning).
    pub init_from: Option<InitFrom>,
    /// Continue training a saved model on these rows.
    pub continue_from: Option<ContinueFrom>,
    /// Fit an input anomaly detector (an isolation forest on the training rows after
    /// preprocessing) and keep it in the model file ([`satori_pipeline::InputAnomaly`]).
    pub anomaly_detector: Option<satori_tree::IsolationForestParams>,
}

impl TrainRequest {
    /// A request with defaults for one target: the baseline model, a 20% holdout, seed 0.
    pub fn new(target: TargetSpec) -> Self {
        Self::with_targets(vec![target])
    }

    /// A request with defaults for one or several targets.
    pub fn with_targets(targets: Vec<TargetSpec>) -> Self {
        TrainRequest {
            targets,
            model: "baseline".into(),
            overrides: Vec::new(),
            pipeline: None,
            holdout: 0.2,
            seed: 0,
            data_source: None,
            created_at: None,
            threshold: None,
            metrics: Vec::new(),
            cost_matrix: None,
            validation: None,
            init_from: None,
            continue_from: None,
            anomaly_detector: None,
        }
    }

    /// The target names, in order.
    pub fn target_names(&self) -> Vec<String> {
        self.targets.iter().map(|t| t.name.clone()).collect()
    }
}

/// The result of training.
#[derive(Debug, Clone)]
pub struct TrainOutcome {
    /// The model file's header.
    pub header: ModelHeader,
    /// The fitted pipeline.
    pub pipeline: FittedPipeline,
    /// How the table's rows became training rows.
    pub rows: RowsReport,
    /// The parameters used, after overrides.
    pub params: TrainParams,
    /// Scores per target on the holdout (or validation file), if there was one.
    pub evaluations: Option<Vec<TargetEvaluation>>,
    /// Each target's truth and predictions on the holdout (rows index the training dataset,
    /// after rows without a target were dropped) or on the validation file (rows index it), for
    /// reports.
    pub labelled: Option<Vec<Labelled>>,
    /// The classification target the holdout was stratified on, if any.
    pub stratified_on: Option<String>,
    /// Where an iterative model with a validation loss (a validation file, or early stopping on
    /// a held-out fraction) stopped training.
    pub early_stop: Option<EarlyStopReport>,
}

impl TrainOutcome {
    /// The first (for one target, the only) target's holdout evaluation.
    pub fn evaluation(&self) -> Option<&Evaluation> {
        self.evaluations
            .as_ref()
            .and_then(|e| e.first())
            .map(|e| &e.evaluation)
    }

    /// The first (for one target, the only) target's holdout predictions with the truth.
    pub fn holdout_predictions(&self) -> Option<&Labelled> {
        self.labelled.as_ref().and_then(|l| l.first())
    }
}

/// Train a pipeline on a table.
pub fn train(
    table: &Table,
    request: &TrainRequest,
    progress: &dyn Progress,
) -> Result<TrainOutcome> {
    let several = request.targets.len() > 1;
    if several {
        refuse_for_several(request)?;
    }
    if let Some(init) = &request.init_from {
        check_base(init)?;
    }
    let specs = target_specs(request)?;
    let Prepared {
        data,
        rows: _,
        report,
    } = prepare(table, &specs)?;
    let data = match (&request.init_from, &request.continue_from) {
        (Some(_), Some(_)) => {
            return Err(Error::param(
                "--continue-from",
                "--init-from starts a new model from a trained one and --continue-from trains a \
                 saved one further: give one of them",
            ));
        }
        (Some(init), None) => recode_to(&data, init.pipeline.input_schema(), &init.source)?,
        (None, Some(c)) => recode_to(&data, c.pipeline.input_schema(), &c.source)?,
        (None, None) => data,
    };
    let infos = target_infos(
        &data,
        &request.target_names(),
        request.continue_from.as_ref(),
    );
    let mut params = match &request.continue_from {
        Some(c) => continued_params(c, request)?,
        None => TrainParams::resolve(
            &request.model,
            &infos,
            data.features(),
            request.holdout,
            request.seed,
            request.pipeline.as_ref(),
            &request.overrides,
        )?,
    };
    if request.init_from.is_some() {
        // The base model's fitted steps are reused; none are fitted here.
        params.pipeline.preprocessing.clear();
        params.pipeline.auto_preprocessing = false;
    }
    let (train_rows, test_rows, stratified_on) = split(&data, &params)?;
    let train_data = data.select_rows(&train_rows)?;
    if request.init_from.is_none() && request.continue_from.is_none() {
        apply_front_end_defaults(
            &mut params,
            request.pipeline.as_ref(),
            &request.overrides,
            request.validation.is_some(),
            &train_data,
        )?;
    }
    let valid = match &request.validation {
        Some(table) => {
            if params.holdout > 0.0 {
                return Err(Error::param(
                    "holdout",
                    "a validation file replaces the holdout: set the holdout to 0 (or drop --valid)",
                ));
            }
            Some(validation_dataset(table, &data)?)
        }
        None => None,
    };
    let costs = match (&request.cost_matrix, data.target().and_then(|t| t.labels())) {
        (Some(path), Some(labels)) => Some(read_cost_matrix(path, labels)?),
        (Some(_), None) => {
            return Err(Error::param(
                "cost_matrix",
                "a cost matrix needs a classification target",
            ));
        }
        (None, _) => None,
    };
    let mut pipeline = match (&request.init_from, &request.continue_from) {
        (Some(init), _) => {
            if request.threshold.is_some() {
                return Err(Error::param(
                    "--tune-threshold",
                    "threshold tuning is not available with --init-from",
                ));
            }
            fit_transfer(&train_data, &params.pipeline.model, init, progress)?
        }
        (None, Some(c)) => {
            if request.threshold.is_some() {
                return Err(Error::param(
                    "--tune-threshold",
                    "threshold tuning is not available with --continue-from (the saved model's \
                     threshold is kept)",
                ));
            }
            fit_continue(&train_data, c, progress)?
        }
        (None, None) => params.pipeline.fit_with_validation(
            &train_data,
            valid.as_ref().map(|v| &v.1),
            progress,
        )?,
    };
    if let Some(objective) = &request.threshold {
        let threshold = tune_threshold(
            &train_data,
            &params.pipeline,
            objective,
            costs.as_ref(),
            progress,
        )?;
        pipeline = pipeline.with_threshold(threshold)?;
    }
    let spec = MetricSpec::from_names(&request.metrics, costs)?;
    let (scored, member_metrics) = match &valid {
        Some((rows, v)) => (
            Some(score(&pipeline, v, rows.clone(), &spec)?),
            score_members(&pipeline, v, &spec)?,
        ),
        None if test_rows.is_empty() => (None, Vec::new()),
        None => {
            let test = data.select_rows(&test_rows)?;
            (
                Some(score(&pipeline, &test, test_rows.clone(), &spec)?),
                score_members(&pipeline, &test, &spec)?,
            )
        }
    };
    let metrics_on = match (&valid, &request.validation) {
        (Some((rows, _)), Some(table)) => Some(format!(
            "validation file {} ({} rows)",
            table.source,
            rows.len()
        )),
        _ => Some(format!(
            "holdout ({:.0}%, {} rows)",
            params.holdout * 100.0,
            test_rows.len()
        )),
    };
    let (evaluations, labelled) = match scored {
        Some((e, l)) => (Some(e), Some(l)),
        None => (None, None),
    };
    // The outputs' reference for drift monitoring: the holdout's (or validation file's)
    // predictions, else the training rows'.
    let reference_predictions: (Vec<Predictions>, String) = match (&labelled, &metrics_on) {
        (Some(l), Some(on)) => (
            l.iter().map(|l| l.predictions.clone()).collect(),
            on.clone(),
        ),
        _ => (
            pipeline.predict_dataset_all(&train_data)?,
            format!("training rows ({})", train_data.n_samples()),
        ),
    };
    let header = build(
        &pipeline,
        HeaderInputs {
            params: &params,
            train_data: &train_data,
            evaluations: evaluations.as_deref(),
            member_metrics,
            metrics_on,
            rows: &report,
            data_source: request.data_source.clone(),
            created_at: request.created_at.clone(),
            reference_predictions: Some((
                reference_predictions.0.as_slice(),
                reference_predictions.1.clone(),
            )),
            init_from: match (&request.init_from, &request.continue_from) {
                (Some(i), _) => Some(format!("{} ({} frozen hidden layers)", i.source, i.freeze)),
                (None, Some(c)) => Some(format!(
                    "{} (continued for {} more epochs)",
                    c.source, c.epochs
                )),
                (None, None) => None,
            },
        },
    )?;
    let mut header = header;
    if let Some(params) = &request.anomaly_detector {
        header.input_anomaly = Some(satori_pipeline::InputAnomaly::fit(
            &pipeline,
            train_data.x(),
            params,
            progress,
        )?);
    }
    let early_stop = EarlyStopReport::from_history(
        header.training_history.as_ref(),
        &params,
        request.validation.is_some(),
    );
    Ok(TrainOutcome {
        header,
        pipeline,
        rows: report,
        params,
        evaluations,
        labelled,
        stratified_on,
        early_stop,
    })
}

/// Refuse what a model of several targets does not take, each with the reason.
fn refuse_for_several(request: &TrainRequest) -> Result<()> {
    let refuse = |given: bool, flag: &str, why: &str| -> Result<()> {
        if given {
            return Err(Error::param(
                flag,
                format!("not available with several targets: {why}"),
            ));
        }
        Ok(())
    };
    refuse(
        request.targets.iter().any(|t| t.task.is_some()),
        "--task",
        "force a target's task with --set tasks.<target>.task=regression|binary|multiclass",
    )?;
    refuse(
        request.threshold.is_some(),
        "--tune-threshold",
        "thresholds are tuned for one binary target",
    )?;
    refuse(
        request.cost_matrix.is_some(),
        "--cost-matrix",
        "a cost matrix belongs to one classification target",
    )?;
    refuse(
        request.init_from.is_some(),
        "--init-from",
        "transfer learning starts a single-target network",
    )?;
    refuse(
        request.continue_from.is_some(),
        "--continue-from",
        "continuing training takes a single-target model",
    )
}

/// Each target with its forced task (several targets: from `tasks.<name>.task` in the pipeline
/// file or `--set`).
fn target_specs(request: &TrainRequest) -> Result<Vec<TargetSpec>> {
    if request.targets.len() < 2 {
        return Ok(request.targets.clone());
    }
    let names = request.target_names();
    let forced = forced_tasks(&names, request.pipeline.as_ref(), &request.overrides)?;
    Ok(names
        .into_iter()
        .zip(forced)
        .map(|(name, task)| TargetSpec { name, task })
        .collect())
}

/// The targets' names and tasks (a continued model's own task: its classes decide).
/// The target infos of a fresh model (no continued one).
pub(crate) fn target_infos_of(data: &Dataset, names: &[String]) -> Vec<TargetInfo> {
    target_infos(data, names, None)
}

fn target_infos(data: &Dataset, names: &[String], cont: Option<&ContinueFrom>) -> Vec<TargetInfo> {
    names
        .iter()
        .zip(data.targets())
        .map(|(name, t)| TargetInfo {
            name: name.clone(),
            task: match cont {
                Some(c) => c.pipeline.task(),
                None => t.task(),
            },
        })
        .collect()
}

/// The table rows [`train`] fits on for `request` (the rows with a target, less the holdout), in
/// order: what a model search may look at without seeing the holdout (`satori train --model
/// auto` chooses the model on these rows, then `train` scores it on the holdout). The split
/// does not depend on the model, so the parameter tree is resolved with `stand_in` (a model
/// name) and the overrides and pipeline file's settings that are not the model's.
pub fn training_rows(table: &Table, request: &TrainRequest, stand_in: &str) -> Result<Vec<usize>> {
    let specs = target_specs(request)?;
    let Prepared { data, rows, .. } = prepare(table, &specs)?;
    let infos = target_infos(&data, &request.target_names(), None);
    let overrides: Vec<(String, String)> = request
        .overrides
        .iter()
        .filter(|(p, _)| p != "model" && !p.starts_with("model."))
        .cloned()
        .collect();
    let pipeline = request.pipeline.as_ref().map(|tree| {
        let mut tree = tree.clone();
        if let Some(map) = tree.as_object_mut() {
            map.remove("model");
        }
        tree
    });
    let params = TrainParams::resolve(
        stand_in,
        &infos,
        data.features(),
        request.holdout,
        request.seed,
        pipeline.as_ref(),
        &overrides,
    )?;
    let (train_rows, _, _) = split(&data, &params)?;
    Ok(train_rows.into_iter().map(|i| rows[i]).collect())
}

/// Training and holdout rows, and the target stratified on: the first classification target,
/// when stratifying.
fn split(data: &Dataset, params: &TrainParams) -> Result<(Vec<usize>, Vec<usize>, Option<String>)> {
    let n = data.n_samples();
    if params.holdout == 0.0 {
        return Ok(((0..n).collect(), Vec::new(), None));
    }
    let strat = params
        .stratify
        .then(|| first_classification(data))
        .flatten();
    let (holdout, seed) = (params.holdout, params.pipeline.seed);
    match strat {
        Some((name, target)) if data.n_targets() > 1 => {
            split_rows(&target_only(n, target)?, holdout, Some(name), seed)
        }
        Some((name, _)) => split_rows(data, holdout, Some(name), seed),
        None => split_rows(data, holdout, None, seed),
    }
}

/// The holdout split of `d`'s rows (stratified on its target when `stratify_on` names it):
/// (training rows, holdout rows, the stratification target), both parts in the file's row
/// order — the rows a model sees, and their order, are then those of `--distributed`
/// training, where each rank holds consecutive rows.
pub(crate) fn split_rows(
    d: &Dataset,
    holdout: f64,
    stratify_on: Option<String>,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>, Option<String>)> {
    let (mut train, mut test) =
        train_test_split(d, holdout, stratify_on.is_some(), seed).map_err(|e| {
            match (&stratify_on, e) {
                (Some(name), Error::InvalidData(msg)) => Error::InvalidData(format!(
                    "{msg} (stratifying on `{name}`; to split at random instead: --set \
                 stratify=false)"
                )),
                (_, other) => other,
            }
        })?;
    if train.is_empty() {
        return Err(Error::NotEnoughSamples {
            context: "training rows after the holdout".into(),
            needed: 1,
            got: 0,
        });
    }
    train.sort_unstable();
    test.sort_unstable();
    Ok((train, test, stratify_on))
}

/// Score a fitted pipeline on a dataset of raw input rows with every target.
fn score(
    pipeline: &FittedPipeline,
    data: &Dataset,
    rows: Vec<usize>,
    spec: &MetricSpec,
) -> Result<(Vec<TargetEvaluation>, Vec<Labelled>)> {
    let all = pipeline.predict_dataset_all(data)?;
    let mut evaluations = Vec::with_capacity(all.len());
    let mut labelled = Vec::with_capacity(all.len());
    for ((target, truth), preds) in pipeline.targets().iter().zip(data.targets()).zip(all) {
        let evaluation = evaluate_predictions(truth, &preds, data.weights(), spec)?;
        evaluations.push(TargetEvaluation {
            target: target.name.clone(),
            evaluation,
        });
        labelled.push(Labelled {
            rows: rows.clone(),
            truth: truth.clone(),
            predictions: preds,
        });
    }
    Ok((evaluations, labelled))
}

/// Each ensemble member's metrics alone, on the rows the ensemble is scored on (empty for
/// other models).
fn score_members(
    pipeline: &FittedPipeline,
    data: &Dataset,
    spec: &MetricSpec,
) -> Result<Vec<MemberMetrics>> {
    let kinds: Vec<&str> = pipeline
        .model()
        .members()
        .iter()
        .map(|m| m.model.kind())
        .collect();
    let Some(truth) = data.targets().first() else {
        return Ok(Vec::new());
    };
    pipeline
        .member_predictions(data)?
        .into_iter()
        .zip(kinds)
        .map(|((name, preds), kind)| {
            let evaluation = evaluate_predictions(truth, &preds, data.weights(), spec)?;
            Ok(MemberMetrics {
                name,
                kind: kind.to_string(),
                metrics: evaluation.metrics,
            })
        })
        .collect()
}

/// The saved model's parameters for continuing it: its own, with this request's holdout and
/// seed; `--set`, a pipeline file and `--valid` do not apply.
fn continued_params(c: &ContinueFrom, request: &TrainRequest) -> Result<TrainParams> {
    if !request.overrides.is_empty() || request.pipeline.is_some() {
        return Err(Error::param(
            "--continue-from",
            "the saved model keeps its own parameters and preprocessing: --set and --pipeline do \
             not apply (the number of epochs is --epochs)",
        ));
    }
    if request.validation.is_some() {
        return Err(Error::param(
            "--valid",
            "continuing a saved model scores it on a holdout of the new rows; --valid does not \
             apply",
        ));
    }
    let mut p: TrainParams = serde_json::from_value(c.params.clone()).map_err(|e| {
        Error::InvalidData(format!(
            "{}: its training parameters do not read: {e}",
            c.source
        ))
    })?;
    p.holdout = request.holdout;
    p.pipeline.seed = request.seed;
    Ok(p)
}

/// Read options that parse a validation file's columns as the training table's were parsed
/// (categories keep their training codes), leaving the target columns to be matched by label.
pub fn validation_read_options(
    training: &Table,
    targets: &[String],
    base: ReadOptions,
) -> ReadOptions {
    let features = Schema {
        columns: training
            .schema
            .columns
            .iter()
            .filter(|c| !targets.contains(&c.name))
            .cloned()
            .collect(),
    };
    read_options_for(&features, base)
}

/// The rows of a validation table that have every target, as a dataset with the training
/// features' columns (matched by name), text columns and classes.
fn validation_dataset(table: &Table, data: &Dataset) -> Result<(Vec<usize>, Dataset)> {
    let names = data.target_names().to_vec();
    let mut per_target = Vec::with_capacity(names.len());
    for (name, t) in names.iter().zip(data.targets()) {
        per_target.push(labelled_truth(table, name, t.labels())?);
    }
    // Rows that have every target (one target: the rows that have it).
    let mut rows = per_target[0].0.clone();
    for (r, _) in &per_target[1..] {
        rows.retain(|i| r.binary_search(i).is_ok());
    }
    let targets: Vec<(String, Target)> = names
        .iter()
        .zip(&per_target)
        .map(|(name, (r, t))| {
            let pos: Vec<usize> = rows
                .iter()
                .map(|i| r.binary_search(i).unwrap_or(0))
                .collect();
            Ok((name.clone(), crate::targets::select_target(t, &pos)?))
        })
        .collect::<Result<_>>()?;
    let (x, _) = table.features_keeping_unseen(data.features())?;
    let x = x.select(Axis(0), &rows);
    let mut text = Vec::with_capacity(data.text().len());
    for col in data.text() {
        let values = match table.column(&col.name) {
            Ok((_, satori_data::Column::Strings(v))) => {
                rows.iter().map(|&r| v[r].clone()).collect()
            }
            Ok((schema, _)) => {
                return Err(Error::InvalidData(format!(
                    "validation file {}: column `{}` is text in the training data and {} here",
                    table.source,
                    col.name,
                    schema.kind.name()
                )));
            }
            Err(_) => {
                return Err(Error::InvalidData(format!(
                    "validation file {} has no text column `{}`, which the training data has",
                    table.source, col.name
                )));
            }
        };
        text.push(satori_core::TextColumn {
            name: col.name.clone(),
            values,
        });
    }
    let valid = Dataset::with_schema(x, data.features().clone())?
        .with_text(text)?
        .with_targets(targets)?;
    Ok((rows, valid))
}

/// The task of a one-target request's data, for callers that need it before training.
pub fn task_of(data: &Dataset) -> Result<Task> {
    data.task()
        .ok_or_else(|| Error::InvalidData("the data has no target".into()))
}
