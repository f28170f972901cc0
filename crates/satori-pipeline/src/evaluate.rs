//! Evaluation: every metric that fits the task, from the metrics crate's registry, plus the
//! confusion matrix and per-class report for classifiers.

use std::collections::BTreeMap;

use ndarray::{Array1, ArrayView1};
use satori_core::{Error, Result, Target, Task};
use satori_data::Table;
use satori_metrics::{EvalInput, Normalize, confusion_matrix, metric_by_name};
use serde::Serialize;

use crate::output::column_text;
use crate::{FittedPipeline, Predictions};

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
    let (names, codes, pred_codes);
    let input = match truth {
        Target::Continuous(y) => {
            if predictions.task.is_classification() {
                return Err(Error::InvalidData(
                    "a continuous target cannot evaluate a classifier".into(),
                ));
            }
            names = REGRESSION;
            EvalInput::regression(y.view(), predictions.values.view())
        }
        Target::Classes { codes: c, labels } => {
            let n_classes = predictions.classes.as_ref().map_or(0, Vec::len);
            if !predictions.task.is_classification() || labels.len() != n_classes {
                return Err(Error::InvalidData(
                    "the target's classes do not match the model's".into(),
                ));
            }
            names = if predictions.task == Task::Binary {
                BINARY
            } else {
                MULTICLASS
            };
            codes = c.clone();
            pred_codes = predictions.values.mapv(|v| v as usize);
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
    for name in names {
        let metric = metric_by_name(name)?;
        match metric.score(&input) {
            Ok(v) => {
                eval.metrics.insert((*name).to_string(), v);
            }
            Err(e) => {
                eval.undefined.insert((*name).to_string(), e.to_string());
            }
        }
    }
    Ok(eval)
}

/// Evaluate a pipeline on a labelled table (read with [`FittedPipeline::read_options`]); rows with
/// a missing target are left out and counted, and a label the model never saw is an error.
pub fn evaluate_table(pipeline: &FittedPipeline, table: &Table) -> Result<Evaluation> {
    let predictions = pipeline.predict_table(table)?;
    let (_, column) = table.column(pipeline.target())?;
    let (rows, truth) = match pipeline.classes() {
        Some(classes) => {
            let text = column_text(table, pipeline.target())?;
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
                        pipeline.target(),
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
                    table.source,
                    pipeline.target()
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
    let mut eval = evaluate_predictions(&truth, &predictions.select(&rows), None)?;
    eval.dropped_missing_target = table.n_rows() - rows.len();
    Ok(eval)
}

fn is_missing_cell(column: &satori_data::Column, i: usize) -> bool {
    match column {
        satori_data::Column::Values(v) => v[i].is_nan(),
        satori_data::Column::Strings(v) => v[i].is_none(),
    }
}
