//! Evaluating predictions that satori did not make: a file with the truth and a model's
//! predictions and/or scores (`satori evaluate --predictions preds.csv --target y`).

use ndarray::{Array1, Array2};
use satori_core::{Error, Result, Target, Task};
use satori_data::{Column, Table, TargetSpec};

use satori_pipeline::Predictions;

use crate::evaluate::check_probabilities;
use crate::output::column_text;
use crate::targets::is_missing_cell;
use crate::{Evaluation, Labelled, MetricSpec, evaluate_predictions};

/// Which columns of a predictions file hold what.
#[derive(Debug, Clone)]
pub struct PredictionColumns {
    /// The true target.
    pub target: String,
    /// The predicted label or value; default `prediction` when present.
    pub prediction: Option<String>,
    /// The positive-class score of a binary classifier (probability or decision score).
    pub score: Option<String>,
    /// Force the task instead of inferring it from the target.
    pub task: Option<Task>,
}

/// Evaluate a predictions file. Classification labels are the target's classes; predicted labels
/// must be among them, and `proba_<class>` columns (as `satori predict --proba` writes them), when
/// present, must name exactly those classes.
pub fn evaluate_prediction_table(
    table: &Table,
    cols: &PredictionColumns,
    spec: &MetricSpec,
) -> Result<Evaluation> {
    let l = prediction_table_outcomes(table, cols)?;
    let mut eval = evaluate_predictions(&l.truth, &l.predictions, None, spec)?;
    eval.dropped_missing_target = table.n_rows() - l.rows.len();
    Ok(eval)
}

/// The truth and predictions of a predictions file (see [`evaluate_prediction_table`]).
pub fn prediction_table_outcomes(table: &Table, cols: &PredictionColumns) -> Result<Labelled> {
    let (_, target_col) = table.column(&cols.target)?;
    let kept: Vec<usize> = (0..table.n_rows())
        .filter(|&i| !is_missing_cell(target_col, i))
        .collect();
    let (truth_data, _) = table.to_dataset(&TargetSpec {
        name: cols.target.clone(),
        task: cols.task,
    })?;
    let truth = truth_data.require_target()?.clone();
    let pred_name = match &cols.prediction {
        Some(p) => Some(p.clone()),
        None => table
            .schema
            .position("prediction")
            .map(|_| "prediction".to_string()),
    };
    let task = truth.task();
    let predictions = match &truth {
        Target::Continuous(_) => {
            let name = pred_name.ok_or_else(|| no_prediction(table, &cols.target))?;
            let (schema, col) = table.column(&name)?;
            let Column::Values(v) = col else {
                return Err(Error::InvalidData(format!(
                    "{}: predictions `{name}` are not numbers",
                    table.source
                )));
            };
            if schema.kind.categories().is_some() {
                return Err(Error::InvalidData(format!(
                    "{}: predictions `{name}` are labels, but the target `{}` is continuous",
                    table.source, cols.target
                )));
            }
            let values: Array1<f64> = kept.iter().map(|&i| v[i]).collect();
            if let Some(i) = values.iter().position(|x| x.is_nan()) {
                return Err(Error::InvalidData(format!(
                    "{}: prediction `{name}` is missing at data row {}",
                    table.source,
                    kept[i] + 1
                )));
            }
            Predictions {
                task,
                values,
                classes: None,
                proba: None,
            }
        }
        Target::Classes { labels, .. } => {
            classification_predictions(table, cols, pred_name, labels, &kept, task)?
        }
    };
    Ok(Labelled {
        rows: kept,
        truth,
        predictions,
    })
}

fn no_prediction(table: &Table, target: &str) -> Error {
    Error::InvalidData(format!(
        "{}: no predictions to evaluate against `{target}`: name a column with --pred (or --score for binary scores)",
        table.source
    ))
}

fn classification_predictions(
    table: &Table,
    cols: &PredictionColumns,
    pred_name: Option<String>,
    labels: &[String],
    kept: &[usize],
    task: Task,
) -> Result<Predictions> {
    let k = labels.len();
    // Probabilities: proba_<class> columns, or a binary positive-class score.
    let proba_cols: Vec<&str> = table
        .schema
        .names()
        .filter(|n| n.starts_with("proba_"))
        .collect();
    let mut proba: Option<Array2<f64>> = None;
    if let Some(score) = &cols.score {
        // An explicit score column wins over any proba_* columns, and must exist.
        if k != 2 {
            return Err(Error::param(
                "--score",
                format!(
                    "a single score column needs a binary target; `{}` has {k} classes",
                    cols.target
                ),
            ));
        }
        let v = numeric(table, score)?;
        let mut p = Array2::zeros((kept.len(), 2));
        for (r, &i) in kept.iter().enumerate() {
            if v[i].is_nan() {
                return Err(Error::InvalidData(format!(
                    "{}: score `{score}` is missing at data row {}",
                    table.source,
                    i + 1
                )));
            }
            p[[r, 1]] = v[i];
            p[[r, 0]] = 1.0 - v[i];
        }
        proba = Some(p);
    } else if !proba_cols.is_empty() {
        let named: Vec<&str> = proba_cols.iter().map(|n| &n["proba_".len()..]).collect();
        let mut sorted_named: Vec<&str> = named.clone();
        sorted_named.sort_unstable();
        let mut sorted_labels: Vec<&str> = labels.iter().map(String::as_str).collect();
        sorted_labels.sort_unstable();
        if sorted_named != sorted_labels {
            return Err(Error::InvalidData(format!(
                "{}: the probability columns name the classes [{}], but the target `{}` has [{}]",
                table.source,
                named.join(", "),
                cols.target,
                labels.join(", ")
            )));
        }
        let mut p = Array2::zeros((kept.len(), k));
        for (c, label) in labels.iter().enumerate() {
            let v = numeric(table, &format!("proba_{label}"))?;
            for (r, &i) in kept.iter().enumerate() {
                p[[r, c]] = v[i];
            }
        }
        check_probabilities(&p).map_err(|e| {
            Error::InvalidData(format!(
                "{}: the proba_* columns are not probabilities: {}",
                table.source,
                e.to_string().trim_start_matches("invalid data: ")
            ))
        })?;
        proba = Some(p);
    }
    let values: Array1<f64> = match (&pred_name, &proba) {
        (Some(name), _) => {
            let text = column_text(table, name)?;
            kept.iter()
                .map(|&i| {
                    labels.iter().position(|l| *l == text[i]).map(|c| c as f64).ok_or_else(|| {
                        Error::InvalidData(format!(
                            "{}: predicted label `{}` (data row {}) is not one of the target's classes ({})",
                            table.source,
                            text[i],
                            i + 1,
                            labels.join(", ")
                        ))
                    })
                })
                .collect::<Result<_>>()?
        }
        (None, Some(p)) => p
            .rows()
            .into_iter()
            .map(|r| {
                r.iter()
                    .enumerate()
                    .fold(
                        (0, f64::NEG_INFINITY),
                        |b, (j, &v)| if v > b.1 { (j, v) } else { b },
                    )
                    .0 as f64
            })
            .collect(),
        (None, None) => return Err(no_prediction(table, &cols.target)),
    };
    Ok(Predictions {
        task,
        values,
        classes: Some(labels.to_vec()),
        proba,
    })
}

fn numeric<'a>(table: &'a Table, name: &str) -> Result<&'a [f64]> {
    match table.column(name)? {
        (_, Column::Values(v)) => Ok(v),
        (_, Column::Strings(_)) => Err(Error::InvalidData(format!(
            "{}: column `{name}` must hold numbers",
            table.source
        ))),
    }
}
