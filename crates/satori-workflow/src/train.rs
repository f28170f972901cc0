//! The training flow behind `satori train`: table → dataset → holdout split → fit → evaluate →
//! a fitted pipeline with its model-file header.

use std::collections::BTreeMap;

use satori_core::{Dataset, Error, NoProgress, Params, Progress, Result, Schema, Task};
use satori_data::splits::SplitStrategy;
use satori_data::{LoadReport, Table, TargetSpec};
use satori_metrics::{
    CostMatrix, DecisionThreshold, best_threshold, metric_by_name, min_cost_threshold,
};
use serde::{Deserialize, Serialize};

use crate::auto::auto_steps;
use crate::cost::read_cost_matrix;
use crate::model_file::FORMAT_VERSION;
use crate::overrides::apply_overrides;
use crate::reference::{fingerprint, reference_stats};
use crate::steps::StepParams;
use crate::text::{FittedText, ModelInput, TextParams, assemble, dataset_input};
use crate::{
    Evaluation, FittedPipeline, Labelled, MetricSpec, ModelHeader, ModelParams, Provenance,
    evaluate_predictions,
};

/// The parameter tree that `--set path=value` addresses: `model.*`, `holdout`, `seed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainParams {
    /// Preprocessing steps fitted before the model, in order (empty: none).
    #[serde(default)]
    pub preprocessing: Vec<StepParams>,
    /// The model family and its hyperparameters.
    pub model: ModelParams,
    /// Fraction of rows held out for evaluation, in [0, 1); 0 trains on every row and reports no
    /// holdout scores. Default 0.2.
    pub holdout: f64,
    /// Keep each class's proportion in the holdout (classification only). Default true; a class
    /// with a single row cannot be stratified, so `--set stratify=false` splits at random.
    #[serde(default = "default_true")]
    pub stratify: bool,
    /// Seed for the split and for stochastic models. Default 0.
    pub seed: u64,
    /// Put the model family's automatic preprocessing (see [`crate::auto`]) in front of the model
    /// when `preprocessing` names no steps. Default true.
    #[serde(default = "default_true")]
    pub auto_preprocessing: bool,
    /// How free-text columns become features (see [`crate::text`]): TF-IDF by default.
    #[serde(default)]
    pub text: TextParams,
}

/// `true`, the serde default of the parameter trees' on-by-default switches.
pub(crate) fn default_true() -> bool {
    true
}

impl Default for TrainParams {
    fn default() -> Self {
        TrainParams {
            preprocessing: Vec::new(),
            model: ModelParams::default(),
            holdout: 0.2,
            stratify: true,
            seed: 0,
            auto_preprocessing: true,
            text: TextParams::default(),
        }
    }
}

impl TrainParams {
    /// Check every field.
    pub fn validate(&self, task: Task) -> Result<()> {
        validate_holdout(self.holdout)?;
        validate_steps(&self.preprocessing)?;
        self.text.validate()?;
        self.model.validate_for(task)
    }

    /// The parameters for a task and training features: the `--model` name's defaults, then a
    /// pipeline file's tree (its `model` table replaces the model when it names a `kind`), then
    /// the family's automatic preprocessing if no steps were named (see [`crate::auto`]), then
    /// `--set` overrides (which can adjust the automatic steps, or turn them off with
    /// `auto_preprocessing=false`).
    pub fn resolve(
        model: &str,
        task: Task,
        features: &Schema,
        holdout: f64,
        seed: u64,
        pipeline: Option<&serde_json::Value>,
        overrides: &[(String, String)],
    ) -> Result<TrainParams> {
        let base = TrainParams {
            preprocessing: Vec::new(),
            model: ModelParams::from_name(model, task)?,
            holdout,
            stratify: true,
            seed,
            auto_preprocessing: true,
            text: TextParams::default(),
        };
        let mut base = match pipeline {
            Some(tree) => crate::pipeline_file::merge(&base, tree)?,
            None => base,
        };
        let auto = base.auto_preprocessing && base.preprocessing.is_empty();
        if auto {
            base.preprocessing = auto_steps(base.model.input_needs(), features);
        }
        let mut params = apply_overrides(&base, overrides)?;
        if auto && !params.auto_preprocessing {
            params.preprocessing.clear();
        }
        params.validate(task)?;
        Ok(params)
    }
}

/// Check a holdout fraction: in [0, 1).
pub(crate) fn validate_holdout(holdout: f64) -> Result<()> {
    if !(0.0..1.0).contains(&holdout) || holdout.is_nan() {
        return Err(Error::param(
            "holdout",
            format!("must be in [0, 1), got {holdout}"),
        ));
    }
    Ok(())
}

/// Check every preprocessing step's parameters; a bad one is named by its place in the tree,
/// `preprocessing.<i>.<name>`.
pub(crate) fn validate_steps(steps: &[StepParams]) -> Result<()> {
    for (i, step) in steps.iter().enumerate() {
        step.validate().map_err(|e| match e {
            Error::InvalidParameter { name, reason } => {
                Error::param(format!("preprocessing.{i}.{name}"), reason)
            }
            other => other,
        })?;
    }
    Ok(())
}

/// What to train.
#[derive(Debug, Clone)]
pub struct TrainRequest {
    /// The target column and (optionally) the forced task.
    pub target: TargetSpec,
    /// The `--model` name (see [`crate::MODEL_NAMES`]); `baseline` picks the task's dummy.
    pub model: String,
    /// `path=value` overrides applied to the parameter tree.
    pub overrides: Vec<(String, String)>,
    /// A parameter tree from a pipeline file (see [`crate::pipeline_file`]), applied before the
    /// overrides.
    pub pipeline: Option<serde_json::Value>,
    /// The holdout fraction (overridable as `holdout`).
    pub holdout: f64,
    /// The seed (overridable as `seed`).
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
    /// A validation table (read with the training file's column kinds) that replaces the random
    /// holdout: the model trains on every training row, models with early stopping stop on it,
    /// and the reported scores are on it. The holdout must then be 0.
    pub validation: Option<Table>,
    /// Start a neural network from a trained one (transfer learning, see [`crate::transfer`]).
    pub init_from: Option<crate::transfer::InitFrom>,
    /// Continue training a saved model on these rows (see [`crate::resume`]).
    pub continue_from: Option<crate::resume::ContinueFrom>,
}

/// What a tuned decision threshold optimises. The threshold is chosen on out-of-fold
/// probabilities of the training rows (5-fold stratified, seeded), never on the holdout, so the
/// holdout scores stay honest; the final model is then fitted on all training rows.
#[derive(Debug, Clone)]
pub enum ThresholdObjective {
    /// Maximise (or minimise, for losses) a label metric by name or expression, e.g. `f1`.
    Metric(String),
    /// Minimise the expected cost under the request's 2 × 2 cost matrix.
    Cost,
}

impl TrainRequest {
    /// A request with defaults: the baseline model, a 20% holdout, seed 0.
    pub fn new(target: TargetSpec) -> Self {
        TrainRequest {
            target,
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
        }
    }
}

/// The result of training.
#[derive(Debug, Clone)]
pub struct TrainOutcome {
    /// The model file's header.
    pub header: ModelHeader,
    /// The fitted pipeline.
    pub pipeline: FittedPipeline,
    /// What loading the table did (dropped rows, excluded columns).
    pub load: LoadReport,
    /// The parameters used, after overrides.
    pub params: TrainParams,
    /// Scores on the holdout rows, if any were held out.
    pub holdout: Option<Evaluation>,
    /// The holdout's truth and predictions (rows index the training dataset, after rows without a
    /// target were dropped), for reports.
    pub holdout_predictions: Option<Labelled>,
}

/// Train a pipeline on a table.
pub fn train(
    table: &Table,
    request: &TrainRequest,
    progress: &dyn Progress,
) -> Result<TrainOutcome> {
    let (data, load) = table.to_dataset(&request.target)?;
    let data = data.with_target_name(request.target.name.clone());
    let data = match (&request.init_from, &request.continue_from) {
        (Some(_), Some(_)) => {
            return Err(Error::param(
                "--continue-from",
                "--init-from starts a new model from a trained one and --continue-from trains a \
                 saved one further: give one of them",
            ));
        }
        (Some(init), None) => {
            crate::transfer::recode_to(&data, init.pipeline.input_schema(), &init.source)?
        }
        (None, Some(c)) => crate::transfer::recode_to(&data, c.pipeline.input_schema(), &c.source)?,
        (None, None) => data,
    };
    let task = match &request.continue_from {
        Some(c) => c.pipeline.task(),
        None => data
            .task()
            .ok_or_else(|| Error::Internal("dataset without a task".into()))?,
    };
    let mut params = match &request.continue_from {
        Some(c) => continued_params(c, request)?,
        None => TrainParams::resolve(
            &request.model,
            task,
            data.features(),
            request.holdout,
            request.seed,
            request.pipeline.as_ref(),
            &request.overrides,
        )?,
    };
    if request.init_from.is_some() {
        // The base model's fitted steps are reused; none are fitted here.
        params.preprocessing.clear();
        params.auto_preprocessing = false;
    }

    let (train_rows, test_rows) = if params.holdout > 0.0 {
        let stratify = task.is_classification() && params.stratify;
        satori_data::splits::train_test_split(&data, params.holdout, stratify, params.seed)
            .map_err(|e| match e {
                Error::InvalidData(msg) if stratify => Error::InvalidData(format!(
                    "{msg} (to split at random instead: --set stratify=false)"
                )),
                other => other,
            })?
    } else {
        ((0..data.n_samples()).collect(), Vec::new())
    };
    let train_data = data.select_rows(&train_rows)?;
    let valid = match &request.validation {
        Some(table) => {
            if params.holdout > 0.0 {
                return Err(Error::param(
                    "holdout",
                    "a validation file replaces the holdout: set the holdout to 0 (or drop --valid)",
                ));
            }
            Some(validation_dataset(table, &data, &request.target.name)?)
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
            crate::transfer::fit_transfer(&train_data, &params.model, init, progress)?
        }
        (None, Some(c)) => {
            if request.threshold.is_some() {
                return Err(Error::param(
                    "--tune-threshold",
                    "threshold tuning is not available with --continue-from (the saved model's \
                     threshold is kept)",
                ));
            }
            crate::resume::fit_continue(&train_data, c, progress)?
        }
        (None, None) => fit_pipeline(&train_data, &params, valid.as_ref().map(|v| &v.1), progress)?,
    };
    if let Some(objective) = &request.threshold {
        let threshold = tune_threshold(&train_data, &params, objective, costs.as_ref(), progress)?;
        pipeline = pipeline.with_threshold(threshold)?;
    }
    let classes = pipeline.classes().map(<[String]>::to_vec);
    let spec = MetricSpec::from_names(&request.metrics, costs)?;

    let (holdout, holdout_predictions) = if let Some((rows, v)) = &valid {
        let preds = pipeline.predict_dataset(v)?;
        let truth = v.require_target()?.clone();
        let eval = evaluate_predictions(&truth, &preds, v.weights(), &spec)?;
        let labelled = Labelled {
            rows: rows.clone(),
            truth,
            predictions: preds,
        };
        (Some(eval), Some(labelled))
    } else if test_rows.is_empty() {
        (None, None)
    } else {
        let test = data.select_rows(&test_rows)?;
        let preds = pipeline.predict_dataset(&test)?;
        let truth = test.require_target()?.clone();
        let eval = evaluate_predictions(&truth, &preds, test.weights(), &spec)?;
        let labelled = Labelled {
            rows: test_rows.clone(),
            truth,
            predictions: preds,
        };
        (Some(eval), Some(labelled))
    };
    let metrics: BTreeMap<String, f64> = holdout
        .as_ref()
        .map(|e| e.metrics.clone())
        .unwrap_or_default();
    let header = ModelHeader {
        format_version: FORMAT_VERSION,
        model_kind: params.model.kind().to_string(),
        task,
        target: request.target.name.clone(),
        classes,
        input_schema: data.features().clone(),
        params: serde_json::to_value(&params).map_err(|e| Error::Internal(e.to_string()))?,
        n_train_samples: train_rows.len() as u64,
        metrics,
        metrics_on: holdout
            .as_ref()
            .map(|_| match (&valid, &request.validation) {
                (Some((rows, _)), Some(table)) => {
                    format!("validation file {} ({} rows)", table.source, rows.len())
                }
                _ => format!(
                    "holdout ({:.0}%, {} rows)",
                    params.holdout * 100.0,
                    test_rows.len()
                ),
            }),
        threshold: pipeline.threshold().cloned(),
        reference: reference_stats(&train_data),
        provenance: Provenance {
            library_version: satori_core::VERSION.to_string(),
            created_at: request.created_at.clone(),
            data_source: request.data_source.clone(),
            data_fingerprint: fingerprint(&train_data),
            seed: params.seed,
        },
        feature_importances: ranked_importances(&pipeline),
        training_history: pipeline.model().training_history(),
        model_summary: summary_with_text(&pipeline),
        init_from: match (&request.init_from, &request.continue_from) {
            (Some(i), _) => Some(format!("{} ({} frozen hidden layers)", i.source, i.freeze)),
            (None, Some(c)) => Some(format!(
                "{} (continued for {} more epochs)",
                c.source, c.epochs
            )),
            (None, None) => None,
        },
    };
    Ok(TrainOutcome {
        holdout_predictions,
        header,
        pipeline,
        load,
        params,
        holdout,
    })
}

/// The saved model's parameters for continuing it: its own, with this request's holdout and
/// seed; `--set`, a pipeline file and `--valid` do not apply.
fn continued_params(
    c: &crate::resume::ContinueFrom,
    request: &TrainRequest,
) -> Result<TrainParams> {
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
    p.seed = request.seed;
    Ok(p)
}

/// The model's summary, preceded by a line per text column (how it reaches the model).
fn summary_with_text(pipeline: &FittedPipeline) -> Option<String> {
    let mut lines: Vec<String> = pipeline
        .text()
        .describe()
        .into_iter()
        .map(|l| format!("text {l}"))
        .collect();
    lines.extend(pipeline.model().summary());
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// The model's feature importances by output column name, largest first.
fn ranked_importances(pipeline: &FittedPipeline) -> Vec<(String, f64)> {
    let Some(values) = pipeline.model().feature_importances() else {
        return Vec::new();
    };
    let names = pipeline.feature_names_out();
    let mut pairs: Vec<(String, f64)> = names.into_iter().zip(values).collect();
    pairs.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    pairs
}

/// Read options that parse a validation file's columns as the training table's were parsed
/// (categories keep their training codes), leaving the target column to be matched by label.
pub fn validation_read_options(
    training: &Table,
    target: &str,
    base: satori_data::ReadOptions,
) -> satori_data::ReadOptions {
    let features = Schema {
        columns: training
            .schema
            .columns
            .iter()
            .filter(|c| c.name != target)
            .cloned()
            .collect(),
    };
    crate::preprocessor::read_options_for(&features, base)
}

/// The rows of a validation table that have a target, as a dataset with the training features'
/// columns (matched by name) and classes.
fn validation_dataset(
    table: &Table,
    data: &Dataset,
    target: &str,
) -> Result<(Vec<usize>, Dataset)> {
    let classes = data.target().and_then(|t| t.labels());
    let (rows, truth) = crate::evaluate::labelled_truth(table, target, classes)?;
    let (x, _) = table.features_keeping_unseen(data.features())?;
    let x = x.select(ndarray::Axis(0), &rows);
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
        .with_target(truth)?
        .with_target_name(target.to_string());
    Ok((rows, valid))
}

/// Fit the whole pipeline on a dataset: everything fitted happens here, so cross-validation fits
/// it inside each fold and nothing leaks from the validation rows. `valid` (raw input columns,
/// like `data`) is passed through the fitted steps to models that stop early on it.
pub(crate) fn fit_pipeline(
    data: &Dataset,
    params: &TrainParams,
    valid: Option<&Dataset>,
    progress: &dyn Progress,
) -> Result<FittedPipeline> {
    let task = data
        .task()
        .ok_or_else(|| Error::InvalidData("training needs a target".into()))?;
    let (steps, current) = crate::preprocessor::fit_steps(data, &params.preprocessing, progress)?;
    let model = &params.model;
    let (text, blocks) = if data.text().is_empty() && data.sparse().is_none() {
        (FittedText::default(), Vec::new())
    } else {
        progress.start("vectorising text columns", None);
        let t = FittedText::fit_transform(&params.text, data, model.takes_sparse(), params.seed);
        progress.finish();
        t?
    };
    let classes = data
        .target()
        .and_then(|t| t.labels())
        .map(<[String]>::to_vec);
    let name = data.target_name().unwrap_or("target").to_string();
    progress.start(&format!("fitting {}", model.kind()), None);
    let fitted = if text.is_empty() {
        let valid = match valid {
            Some(v) => Some(prepared_valid(
                crate::preprocessor::apply_steps(&steps, v.x())?,
                current.features(),
                v,
            )?),
            None => None,
        };
        model.fit(&current, valid.as_ref(), progress)
    } else {
        let parts = TextParts {
            text: &text,
            blocks,
        };
        fit_with_text(data, &current, &steps, parts, model, valid, progress)
    };
    progress.finish();
    FittedPipeline::with_text(
        data.features().clone(),
        task,
        name,
        classes,
        steps,
        text,
        fitted?,
    )
}

/// A validation set's columns after the steps, with its target and weights.
fn prepared_valid(x: ndarray::Array2<f64>, features: &Schema, v: &Dataset) -> Result<Dataset> {
    let mut d = if x.ncols() == features.len() {
        Dataset::with_schema(x, features.clone())?
    } else {
        let names = (0..x.ncols()).map(|j| format!("x{j}")).collect();
        Dataset::new(x, names)?
    };
    d = d.with_target(v.require_target()?.clone())?;
    if let Some(w) = v.weights() {
        d = d.with_weights(w.to_owned())?;
    }
    Ok(d)
}

/// The fitted text stage and the training rows' blocks it gave while fitting.
struct TextParts<'a> {
    text: &'a FittedText,
    blocks: Vec<crate::text::Block>,
}

/// Fit the model on the steps' output joined by the text columns' blocks: one CSR matrix for
/// models that take sparse input, dense columns otherwise.
fn fit_with_text(
    data: &Dataset,
    current: &Dataset,
    steps: &[crate::steps::AnyStep],
    parts: TextParts<'_>,
    model: &crate::ModelParams,
    valid: Option<&Dataset>,
    progress: &dyn Progress,
) -> Result<crate::AnyModel> {
    let TextParts { text, blocks } = parts;
    let mut names = current.feature_names();
    names.extend(text.feature_names_out());
    let target_only = |d: &Dataset| -> Result<Dataset> {
        let mut out = Dataset::new(ndarray::Array2::zeros((d.n_samples(), 0)), Vec::new())?
            .with_target(d.require_target()?.clone())?;
        if let Some(w) = d.weights() {
            out = out.with_weights(w.to_owned())?;
        }
        Ok(out)
    };
    match assemble(current.x().to_owned(), blocks)? {
        ModelInput::Sparse(m) => model.fit_csr(&m, &target_only(data)?),
        ModelInput::Dense(m) => {
            let mut train = Dataset::new(m, names)?.with_target(data.require_target()?.clone())?;
            if let Some(w) = data.weights() {
                train = train.with_weights(w.to_owned())?;
            }
            let valid = match valid {
                Some(v) => {
                    let z = crate::preprocessor::apply_steps(steps, v.x())?;
                    let blocks = text.transform(v.n_samples(), |name| dataset_input(v, name))?;
                    match assemble(z, blocks)? {
                        ModelInput::Dense(m) => Some(prepared_valid(m, train.features(), v)?),
                        ModelInput::Sparse(_) => None,
                    }
                }
                None => None,
            };
            model.fit(&train, valid.as_ref(), progress)
        }
    }
}

/// Choose a decision threshold on out-of-fold probabilities of the training rows.
fn tune_threshold(
    data: &Dataset,
    params: &TrainParams,
    objective: &ThresholdObjective,
    costs: Option<&CostMatrix>,
    progress: &dyn Progress,
) -> Result<DecisionThreshold> {
    if data.task() != Some(Task::Binary) {
        return Err(Error::param(
            "threshold",
            "tuning a decision threshold needs a binary classification target",
        ));
    }
    let folds = SplitStrategy::StratifiedKFold {
        n_splits: 5,
        shuffle: true,
        seed: params.seed,
    }
    .split(data, None)?;
    progress.start("tuning the decision threshold", Some(folds.len() as u64));
    let mut scores = vec![f64::NAN; data.n_samples()];
    for fold in &folds {
        let part = data.select_rows(&fold.train)?;
        let fitted = fit_pipeline(&part, params, None, &NoProgress)?;
        let test = data.select_rows(&fold.test)?;
        let proba = fitted.predict_dataset(&test)?.proba.ok_or_else(|| {
            Error::param("threshold", "the model gives no probabilities to threshold")
        })?;
        for (k, &row) in fold.test.iter().enumerate() {
            scores[row] = proba[[k, 1]];
        }
        progress.advance(1);
    }
    progress.finish();
    let target = data.require_target()?;
    let codes = match target {
        satori_core::Target::Classes { codes, .. } => codes.view(),
        satori_core::Target::Continuous(_) => {
            return Err(Error::Internal(
                "binary task with a continuous target".into(),
            ));
        }
    };
    let scores = ndarray::Array1::from(scores);
    match objective {
        ThresholdObjective::Metric(name) => best_threshold(
            codes,
            scores.view(),
            metric_by_name(name)?.as_ref(),
            data.weights(),
        ),
        ThresholdObjective::Cost => {
            let costs = costs.ok_or_else(|| {
                Error::param(
                    "threshold",
                    "minimising the expected cost needs a cost matrix (--cost-matrix)",
                )
            })?;
            min_cost_threshold(codes, scores.view(), costs, data.weights())
        }
    }
}
