//! The fitted multi-task model: raw input rows in, one set of predictions per task out.

use std::path::Path;

use ndarray::{Array1, Array2, ArrayView2, Axis};
use satori_core::{Error, Result, Schema, Task};
use satori_data::{ReadOptions, Table};
use satori_nn::MultiTaskMlp;
use serde::{Deserialize, Serialize};

use super::{MultiTaskHeader, TaskEvaluation};
use crate::steps::AnyStep;
use crate::{MetricSpec, Predictions, evaluate_predictions};

/// One task of a fitted multi-task model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedTask {
    /// The target column.
    pub name: String,
    /// Its task.
    pub task: Task,
    /// Its class labels (classification), which the codes index.
    pub classes: Option<Vec<String>>,
}

/// Everything needed to predict every task from raw input rows: the input schema, the fitted
/// preprocessing, the tasks and the network. This is a multi-task model file's payload.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FittedMultiTask {
    input: Schema,
    tasks: Vec<FittedTask>,
    steps: Vec<AnyStep>,
    model: MultiTaskMlp,
}

impl FittedMultiTask {
    /// Assemble: the input columns go through `steps` into `model`, whose heads are `tasks`.
    pub fn new(
        input: Schema,
        tasks: Vec<FittedTask>,
        steps: Vec<AnyStep>,
        model: MultiTaskMlp,
    ) -> Result<Self> {
        let width = crate::pipeline::check_step_widths(input.len(), &steps, 0)?;
        if model.n_features() != width {
            return Err(Error::ShapeMismatch {
                context: "network inputs vs columns out of the preprocessing".into(),
                expected: width,
                got: model.n_features(),
            });
        }
        let heads = model.tasks();
        let agree = heads.len() == tasks.len()
            && heads.iter().zip(&tasks).all(|(h, t)| {
                h.name == t.name
                    && h.labels == t.classes
                    && t.task.is_classification() == t.classes.is_some()
            });
        if !agree {
            return Err(Error::Internal(
                "the network's heads do not match the tasks".into(),
            ));
        }
        Ok(FittedMultiTask {
            input,
            tasks,
            steps,
            model,
        })
    }

    /// The tasks, in head order.
    pub fn tasks(&self) -> &[FittedTask] {
        &self.tasks
    }

    /// The input columns it reads.
    pub fn input_schema(&self) -> &Schema {
        &self.input
    }

    /// The fitted preprocessing steps.
    pub fn steps(&self) -> &[AnyStep] {
        &self.steps
    }

    /// The network.
    pub fn model(&self) -> &MultiTaskMlp {
        &self.model
    }

    /// Read options that parse a file's input columns as they were in training.
    pub fn read_options(&self, base: ReadOptions) -> ReadOptions {
        crate::preprocessor::read_options_for(&self.input, base)
    }

    /// Predict every task from a matrix of input columns (the input schema's, in order).
    pub fn predict_matrix(&self, x: ArrayView2<'_, f64>) -> Result<Vec<Predictions>> {
        satori_core::check_features(x, self.input.len())?;
        let prepared;
        let x = if self.steps.is_empty() {
            x
        } else {
            prepared = crate::preprocessor::apply_steps(&self.steps, x)?;
            prepared.view()
        };
        self.tasks
            .iter()
            .enumerate()
            .map(|(t, task)| {
                if task.classes.is_some() {
                    let proba = self.model.predict_proba_task(t, x)?;
                    Ok(Predictions {
                        task: task.task,
                        values: argmax_rows(&proba),
                        classes: task.classes.clone(),
                        proba: Some(proba),
                    })
                } else {
                    Ok(Predictions {
                        task: task.task,
                        values: self.model.predict_task(t, x)?,
                        classes: None,
                        proba: None,
                    })
                }
            })
            .collect()
    }

    /// Predict every task from a table: input columns matched by name, in any order (target
    /// columns, if present, are ignored).
    pub fn predict_table(&self, table: &Table) -> Result<Vec<Predictions>> {
        let (x, unseen) = table.features_keeping_unseen(&self.input)?;
        self.predict_matrix(x.view())
            .map_err(|e| crate::pipeline::name_unseen(e, &self.input, &unseen))
    }

    /// Score every task on a labelled table (read with [`FittedMultiTask::read_options`]): the
    /// table must hold every target column; each task is scored on the rows that have its
    /// target.
    pub fn evaluate_table(&self, table: &Table, spec: &MetricSpec) -> Result<Vec<TaskEvaluation>> {
        for task in &self.tasks {
            table.column(&task.name).map_err(|e| match e {
                Error::MissingColumn {
                    name,
                    context,
                    suggestions,
                } => Error::MissingColumn {
                    name,
                    context: format!(
                        "{context} (evaluating a multi-task model needs every target column)"
                    ),
                    suggestions,
                },
                other => other,
            })?;
        }
        let predictions = self.predict_table(table)?;
        self.tasks
            .iter()
            .zip(predictions)
            .map(|(task, pred)| {
                let (rows, truth) =
                    crate::evaluate::labelled_truth(table, &task.name, task.classes.as_deref())?;
                let pred = pred.select(&rows);
                let mut evaluation = evaluate_predictions(&truth, &pred, None, spec)?;
                evaluation.dropped_missing_target = table.n_rows() - rows.len();
                Ok(TaskEvaluation {
                    target: task.name.clone(),
                    evaluation,
                })
            })
            .collect()
    }

    /// Check that a header read from the same file describes this model.
    pub(crate) fn check_consistent(
        &self,
        header: &MultiTaskHeader,
    ) -> std::result::Result<(), String> {
        let same_tasks = header.tasks.len() == self.tasks.len()
            && header
                .tasks
                .iter()
                .zip(&self.tasks)
                .all(|(h, t)| h.name == t.name && h.task == t.task && h.classes == t.classes);
        if header.base.input_schema != self.input || !same_tasks {
            return Err("corrupted: the header does not describe the model payload".into());
        }
        Ok(())
    }
}

/// Class codes from probabilities: the first largest per row (as the network's own argmax).
fn argmax_rows(p: &Array2<f64>) -> Array1<f64> {
    p.axis_iter(Axis(0))
        .map(|row| {
            let mut best = 0;
            for (j, &v) in row.iter().enumerate() {
                if v > row[best] {
                    best = j;
                }
            }
            best as f64
        })
        .collect()
}

/// Write every task's predictions as CSV: the id column (if given), one `prediction_<task>`
/// column per task, and with `proba` one `proba_<task>_<class>` column per class of each
/// classification task. Numbers are written in shortest round-trip form.
pub fn write_predictions(
    path: &Path,
    tasks: &[FittedTask],
    predictions: &[Predictions],
    id: Option<(&str, &[String])>,
    proba: bool,
) -> Result<Vec<String>> {
    if proba && tasks.iter().all(|t| t.classes.is_none()) {
        return Err(Error::InvalidData(
            "--proba needs a classification task; every task of this model predicts a value".into(),
        ));
    }
    let io = |e: csv::Error| Error::io(path, std::io::Error::other(e.to_string()));
    let mut header: Vec<String> = id.iter().map(|(n, _)| n.to_string()).collect();
    for t in tasks {
        header.push(format!("prediction_{}", t.name));
    }
    if proba {
        for t in tasks {
            for c in t.classes.iter().flatten() {
                header.push(format!("proba_{}_{c}", t.name));
            }
        }
    }
    let n = predictions.first().map_or(0, Predictions::len);
    let mut w = csv::Writer::from_path(path).map_err(io)?;
    w.write_record(&header).map_err(io)?;
    let mut record: Vec<String> = Vec::with_capacity(header.len());
    for i in 0..n {
        record.clear();
        if let Some((_, ids)) = id {
            record.push(ids.get(i).cloned().unwrap_or_default());
        }
        record.extend(predictions.iter().map(|p| p.label(i)));
        if proba {
            for p in predictions.iter().filter_map(|p| p.proba.as_ref()) {
                record.extend(p.row(i).iter().map(|v| format!("{v}")));
            }
        }
        w.write_record(&record).map_err(io)?;
    }
    w.flush().map_err(|e| Error::io(path, e))?;
    Ok(header)
}

#[cfg(test)]
mod tests {
    use ndarray::array;
    use satori_core::Dataset;

    use crate::pipeline::check_step_widths;
    use crate::steps::StepParams;

    /// The step-width check both pipelines assemble with: each step must take the previous
    /// stage's width, and the result is the last width plus the extra (text) columns.
    #[test]
    fn step_widths_are_chained_and_checked() {
        let data = Dataset::new(
            array![[1.0, 2.0], [3.0, 5.0], [4.0, 1.0]],
            vec!["a".into(), "b".into()],
        )
        .unwrap();
        let fit = |toml_text: &str, data: &Dataset| {
            let p: StepParams = toml::from_str(toml_text).unwrap();
            p.fit_transform(data).unwrap()
        };
        let (scaler, scaled) = fit("step = \"standard_scaler\"", &data);
        let (poly, _) = fit("step = \"polynomial_features\"", &scaled);
        let steps = [scaler, poly];
        assert_eq!(check_step_widths(2, &[], 0).unwrap(), 2);
        // 2 → 2 (scaler) → 6 (degree-2 polynomial with bias: 1, a, b, a², ab, b²).
        assert_eq!(check_step_widths(2, &steps, 0).unwrap(), 6);
        assert_eq!(check_step_widths(2, &steps, 3).unwrap(), 9);
        let e = check_step_widths(3, &steps, 0).unwrap_err().to_string();
        assert!(e.contains("standard_scaler"), "{e}");
        // The scaler was fitted on 2 columns; after the polynomial it would get 6.
        let swapped = [steps[1].clone(), steps[0].clone()];
        let e = check_step_widths(2, &swapped, 0).unwrap_err();
        match e {
            satori_core::Error::ShapeMismatch {
                context,
                expected,
                got,
            } => {
                assert_eq!(context, "columns into step `standard_scaler`");
                assert_eq!((expected, got), (6, 2));
            }
            other => panic!("expected a shape mismatch, got {other}"),
        }
    }
}
