//! Evaluation: every metric that fits the task, from the metrics crate's registry, plus the
//! confusion matrix and per-class report for classifiers.

use std::collections::BTreeMap;

use ndarray::{Array1, ArrayView1};
use satori_core::{Error, Result, Target, Task};
use satori_data::Table;
use satori_metrics::{
    CostMatrix, EvalInput, ExpectedCost, Metric, Normalize, confusion_matrix, metric_by_name,
};
use serde::Serialize;

use satori_pipeline::{FittedPipeline, Predictions};

use crate::output::column_text;
use crate::targets::is_missing_cell;

const BINARY: &[&str] = &[
    "accuracy",
    "balanced_accuracy",
    "precision",
    "recall",
    "f1",
    "roc_auc",
    "average_precision",
    "log_loss",
    "brier",
    "mcc",
];
const MULTICLASS: &[&str] = &[
    "accuracy",
    "balanced_accuracy",
    "precision_macro",
    "recall_macro",
    "f1_macro",
    "f1_weighted",
    "roc_auc_ovr",
    "log_loss",
    "mcc",
    "cohen_kappa",
];
const REGRESSION: &[&str] = &[
    "r2",
    "rmse",
    "mse",
    "mae",
    "medae",
    "explained_variance",
    "max_error",
    "mape",
];

/// Which metrics to compute beyond the task's defaults: built-in names, weighted combinations
/// (`"0.7*recall+0.3*precision"`), a cost matrix, or any [`Metric`] a library user implements.
#[derive(Debug, Default)]
pub struct MetricSpec {
    /// Extra metrics, reported under their `name()`.
    pub extra: Vec<Box<dyn Metric>>,
}

impl MetricSpec {
    /// Extra metrics by name or expression, and an optional cost matrix (reported as
    /// `expected_cost`).
    pub fn from_names(names: &[String], cost_matrix: Option<CostMatrix>) -> Result<Self> {
        let mut extra = names
            .iter()
            .map(|n| metric_by_name(n))
            .collect::<Result<Vec<_>>>()?;
        if let Some(matrix) = cost_matrix {
            extra.push(Box::new(ExpectedCost { matrix }));
        }
        Ok(MetricSpec { extra })
    }

    /// The names of the extra metrics.
    pub fn names(&self) -> Vec<String> {
        self.extra.iter().map(|m| m.name()).collect()
    }
}

/// The default metrics of a task, by scikit-learn scorer name.
pub fn default_metrics(task: Task) -> &'static [&'static str] {
    match task {
        Task::Binary => BINARY,
        Task::Multiclass => MULTICLASS,
        Task::Regression => REGRESSION,
    }
}

/// The result of evaluating predictions against the truth.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// The task.
    pub task: Task,
    /// Rows evaluated.
    pub n_rows: usize,
    /// Rows left out because their target was missing.
    pub dropped_missing_target: usize,
    /// Metric values by scikit-learn scorer name (losses as positive values, e.g. `log_loss`).
    pub metrics: BTreeMap<String, f64>,
    /// Metrics that could not be computed on this data, with the reason (e.g. ROC-AUC when only
    /// one class is present).
    pub undefined: BTreeMap<String, String>,
    /// The class labels, for classification.
    pub classes: Option<Vec<String>>,
    /// Confusion matrix counts (rows: true class, columns: predicted), for classification.
    pub confusion_matrix: Option<Vec<Vec<f64>>>,
}

/// Evaluate predictions against a target (codes must use the predictions' classes).
pub fn evaluate_predictions(
    truth: &Target,
    predictions: &Predictions,
    weights: Option<ArrayView1<'_, f64>>,
    spec: &MetricSpec,
) -> Result<Evaluation> {
    if truth.len() != predictions.len() {
        return Err(Error::ShapeMismatch {
            context: "rows of truth vs predictions".into(),
            expected: truth.len(),
            got: predictions.len(),
        });
    }
    let mut eval = Evaluation {
        task: predictions.task,
        n_rows: truth.len(),
        dropped_missing_target: 0,
        metrics: BTreeMap::new(),
        undefined: BTreeMap::new(),
        classes: predictions.classes.clone(),
        confusion_matrix: None,
    };
    let (codes, pred_codes);
    let input = match truth {
        Target::Continuous(y) => {
            if predictions.task.is_classification() {
                return Err(Error::InvalidData(
                    "a continuous target cannot evaluate a classifier".into(),
                ));
            }
            EvalInput::regression(y.view(), predictions.values.view())
        }
        Target::Classes { codes: c, labels } => {
            let n_classes = predictions.classes.as_ref().map_or(0, Vec::len);
            if !predictions.task.is_classification() || labels.len() != n_classes {
                return Err(Error::InvalidData(
                    "the target's classes do not match the model's".into(),
                ));
            }
            codes = c.clone();
            pred_codes = class_codes(&predictions.values, n_classes)?;
            let cm = confusion_matrix(
                codes.view(),
                pred_codes.view(),
                n_classes,
                Normalize::None,
                weights,
            )?;
            eval.confusion_matrix = Some(cm.rows().into_iter().map(|r| r.to_vec()).collect());
            let mut input = EvalInput::labels(codes.view(), pred_codes.view(), n_classes);
            if let Some(p) = &predictions.proba {
                input = input.with_proba(p.view());
                if predictions.task == Task::Binary {
                    input = input.with_scores(p.column(1));
                }
            }
            input
        }
    };
    let input = match weights {
        Some(w) => input.with_weights(w),
        None => input,
    };
    let defaults = default_metrics(predictions.task)
        .iter()
        .map(|n| metric_by_name(n))
        .collect::<Result<Vec<_>>>()?;
    for metric in defaults.iter().chain(&spec.extra) {
        match metric.score(&input) {
            Ok(v) => {
                eval.metrics.insert(metric.name(), v);
            }
            Err(e) => {
                eval.undefined.insert(metric.name(), e.to_string());
            }
        }
    }
    Ok(eval)
}

/// Class probabilities must be finite, in [0, 1], and sum to 1 per row (within 1e-6): anything
/// else is an error naming the first bad row, never a log loss of nonsense.
pub fn check_probabilities(p: &ndarray::Array2<f64>) -> Result<()> {
    for (i, row) in p.rows().into_iter().enumerate() {
        let bad_value = row
            .iter()
            .find(|v| !(v.is_finite() && (0.0..=1.0).contains(*v)));
        let sum: f64 = row.sum();
        if let Some(v) = bad_value {
            return Err(Error::InvalidData(format!(
                "class probabilities of row {} hold {v}; probabilities are in [0, 1]",
                i + 1
            )));
        }
        if (sum - 1.0).abs() > 1e-6 {
            return Err(Error::InvalidData(format!(
                "class probabilities of row {} sum to {sum}, not 1 (within 1e-6)",
                i + 1
            )));
        }
    }
    Ok(())
}

/// Predicted class codes as indices: each must be a whole number in `0..n_classes` (a NaN, a
/// negative or a fractional prediction is an error naming its row, never silently class 0).
fn class_codes(values: &Array1<f64>, n_classes: usize) -> Result<Array1<usize>> {
    if let Some((i, v)) = values
        .iter()
        .enumerate()
        .find(|(_, v)| !(v.fract() == 0.0 && **v >= 0.0 && **v < n_classes as f64))
    {
        return Err(Error::InvalidData(format!(
            "prediction {} (row {} of those evaluated, counting from 1) is not a class: class \
             predictions are codes 0..{n_classes}",
            v,
            i + 1
        )));
    }
    Ok(values.mapv(|v| v as usize))
}

/// A pipeline's predictions on the rows of a labelled table that have a target, with the truth.
#[derive(Debug, Clone)]
pub struct Labelled {
    /// The table rows used (those with a target), in order.
    pub rows: Vec<usize>,
    /// The truth on those rows (class codes use the model's classes).
    pub truth: Target,
    /// The predictions on those rows.
    pub predictions: Predictions,
}

/// One target's evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetEvaluation {
    /// The target column.
    pub target: String,
    /// Its evaluation.
    #[serde(flatten)]
    pub evaluation: Evaluation,
}

/// Predict on a labelled table (read with [`FittedPipeline::read_options`]) and pair each
/// target's predictions with its truth, in the model's target order: the table must hold every
/// target column; each target is paired on the rows that have it, and a label the model never saw
/// is an error.
pub fn labelled_predictions(pipeline: &FittedPipeline, table: &Table) -> Result<Vec<Labelled>> {
    let targets = pipeline.targets();
    for t in targets {
        table.column(&t.name).map_err(|e| match e {
            Error::MissingColumn {
                name,
                context,
                suggestions,
            } if targets.len() > 1 => Error::MissingColumn {
                name,
                context: format!(
                    "{context} (evaluating a model of several targets needs every target column)"
                ),
                suggestions,
            },
            other => other,
        })?;
    }
    let all = pipeline.predict_table_all(table)?;
    targets
        .iter()
        .zip(all)
        .map(|(t, predictions)| {
            let (rows, truth) = labelled_truth(table, &t.name, t.classes.as_deref())?;
            let predictions = predictions.select(&rows);
            Ok(Labelled {
                rows,
                truth,
                predictions,
            })
        })
        .collect()
}

/// The rows of a table that have a target, and the target on them: class labels coded by
/// `classes` (a label outside them is an error), or numbers when `classes` is `None`.
pub fn labelled_truth(
    table: &Table,
    target: &str,
    classes: Option<&[String]>,
) -> Result<(Vec<usize>, Target)> {
    let (_, column) = table.column(target)?;
    let (rows, truth) = match classes {
        Some(classes) => {
            let text = column_text(table, target)?;
            let mut rows = Vec::with_capacity(text.len());
            let mut codes = Vec::with_capacity(text.len());
            for (i, label) in text.iter().enumerate() {
                if label.is_empty() || is_missing_cell(column, i) {
                    continue;
                }
                let code = classes.iter().position(|c| c == label).ok_or_else(|| {
                    Error::InvalidData(format!(
                        "{}: target `{}` holds the label `{label}`, which is not one of the model's classes ({})",
                        table.source,
                        target,
                        classes.join(", ")
                    ))
                })?;
                rows.push(i);
                codes.push(code);
            }
            (
                rows,
                Target::classes(Array1::from(codes), classes.to_vec())?,
            )
        }
        None => {
            let satori_data::Column::Values(v) = column else {
                return Err(Error::InvalidData(format!(
                    "{}: target `{}` is text, but the model predicts a number",
                    table.source, target
                )));
            };
            let rows: Vec<usize> = (0..v.len()).filter(|&i| !v[i].is_nan()).collect();
            let y: Array1<f64> = rows.iter().map(|&i| v[i]).collect();
            (rows, Target::regression(y))
        }
    };
    if rows.is_empty() {
        return Err(Error::NotEnoughSamples {
            context: "evaluation (rows with a target)".into(),
            needed: 1,
            got: 0,
        });
    }
    Ok((rows, truth))
}

/// Evaluate a pipeline on a labelled table (see [`labelled_predictions`]): one evaluation per
/// target, in the model's target order.
pub fn evaluate_table(
    pipeline: &FittedPipeline,
    table: &Table,
    spec: &MetricSpec,
) -> Result<Vec<TargetEvaluation>> {
    let labelled = labelled_predictions(pipeline, table)?;
    pipeline
        .targets()
        .iter()
        .zip(labelled)
        .map(|(t, l)| {
            let mut evaluation = evaluate_predictions(&l.truth, &l.predictions, None, spec)?;
            evaluation.dropped_missing_target = table.n_rows() - l.rows.len();
            Ok(TargetEvaluation {
                target: t.name.clone(),
                evaluation,
            })
        })
        .collect()
}
