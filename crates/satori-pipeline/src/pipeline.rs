//! The fitted pipeline: raw input rows in, predictions out.

use ndarray::{Array1, Array2, ArrayView2, Axis};
use satori_core::{Error, Result, Schema, Task};
use satori_data::{ReadOptions, Table};
use serde::{Deserialize, Serialize};

use satori_metrics::DecisionThreshold;

use crate::steps::AnyStep;
use crate::{AnyModel, ModelHeader};

/// Everything needed to predict from raw input rows: the input schema (names, kinds, categories),
/// the task and target, and the fitted model. This is the model file's payload.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FittedPipeline {
    input: Schema,
    task: Task,
    target: String,
    classes: Option<Vec<String>>,
    steps: Vec<AnyStep>,
    model: AnyModel,
    threshold: Option<DecisionThreshold>,
}

/// Predictions for a batch of rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Predictions {
    /// The task.
    pub task: Task,
    /// One value per row: the predicted value, or the predicted class's code.
    pub values: Array1<f64>,
    /// The class labels (codes index into them), for classification.
    pub classes: Option<Vec<String>>,
    /// Class probabilities (rows × classes), for classifiers.
    pub proba: Option<Array2<f64>>,
}

impl Predictions {
    /// The number of rows.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The predicted label of row `i` (the class label, or the value formatted).
    pub fn label(&self, i: usize) -> String {
        match &self.classes {
            Some(c) => c.get(self.values[i] as usize).cloned().unwrap_or_default(),
            None => format!("{}", self.values[i]),
        }
    }

    /// The rows at `rows`, in that order.
    pub fn select(&self, rows: &[usize]) -> Predictions {
        Predictions {
            task: self.task,
            values: self.values.select(Axis(0), rows),
            classes: self.classes.clone(),
            proba: self.proba.as_ref().map(|p| p.select(Axis(0), rows)),
        }
    }
}

impl FittedPipeline {
    /// Assemble a pipeline: the input columns go through the fitted preprocessing `steps` in
    /// order, then into the model; each stage must take what the previous one gives.
    pub fn new(
        input: Schema,
        task: Task,
        target: String,
        classes: Option<Vec<String>>,
        steps: Vec<AnyStep>,
        model: AnyModel,
    ) -> Result<Self> {
        let mut width = input.len();
        for step in &steps {
            if step.n_features_in() != width {
                return Err(Error::ShapeMismatch {
                    context: format!("columns into step `{}`", step.name()),
                    expected: width,
                    got: step.n_features_in(),
                });
            }
            let names: Vec<String> = (0..width).map(|i| i.to_string()).collect();
            width = step.feature_names_out(&names).len();
        }
        if model.n_features() != width {
            return Err(Error::ShapeMismatch {
                context: "model features vs columns out of the preprocessing".into(),
                expected: width,
                got: model.n_features(),
            });
        }
        Ok(FittedPipeline {
            input,
            task,
            target,
            classes,
            steps,
            model,
            threshold: None,
        })
    }

    /// The fitted preprocessing steps, in order.
    pub fn steps(&self) -> &[AnyStep] {
        &self.steps
    }

    /// Apply the preprocessing steps to a matrix of input columns.
    pub fn preprocess(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        crate::preprocessor::apply_steps(&self.steps, x)
    }

    /// The names of the columns the model sees (the input columns after every step), in order:
    /// what feature importances and explanations refer to.
    pub fn feature_names_out(&self) -> Vec<String> {
        let names: Vec<String> = self.input.names().map(str::to_string).collect();
        self.steps
            .iter()
            .fold(names, |names, step| step.feature_names_out(&names))
    }

    /// Use a tuned decision threshold on the positive-class probability (binary tasks only):
    /// `predict` gives class 1 when the probability is at or above it.
    pub fn with_threshold(mut self, threshold: DecisionThreshold) -> Result<Self> {
        if self.task != Task::Binary {
            return Err(Error::param(
                "threshold",
                "a decision threshold needs a binary classification task",
            ));
        }
        self.threshold = Some(threshold);
        Ok(self)
    }

    /// The tuned decision threshold, if any.
    pub fn threshold(&self) -> Option<&DecisionThreshold> {
        self.threshold.as_ref()
    }

    /// The input columns the pipeline reads.
    pub fn input_schema(&self) -> &Schema {
        &self.input
    }

    /// The task.
    pub fn task(&self) -> Task {
        self.task
    }

    /// The target column's name.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The class labels, for classification.
    pub fn classes(&self) -> Option<&[String]> {
        self.classes.as_deref()
    }

    /// The fitted model.
    pub fn model(&self) -> &AnyModel {
        &self.model
    }

    /// Read options that parse a file's input columns as this pipeline was trained on them
    /// (categorical columns stay categorical; their labels are matched to the training codes by
    /// [`FittedPipeline::predict_table`]).
    pub fn read_options(&self, base: ReadOptions) -> ReadOptions {
        crate::preprocessor::read_options_for(&self.input, base)
    }

    /// Predict from a feature matrix whose columns are the input schema's, in order.
    pub fn predict_matrix(&self, x: ArrayView2<'_, f64>) -> Result<Predictions> {
        satori_core::check_features(x, self.input.len())?;
        let prepared;
        let x = if self.steps.is_empty() {
            x
        } else {
            prepared = self.preprocess(x)?;
            prepared.view()
        };
        let mut values = self.model.predict(x)?;
        let proba = self.model.predict_proba(x)?;
        if let (Some(t), Some(p)) = (&self.threshold, &proba) {
            values = t.predict(p.column(1)).mapv(|c| c as f64);
        }
        Ok(Predictions {
            task: self.task,
            values,
            classes: self.classes.clone(),
            proba,
        })
    }

    /// Predict from a table: columns matched by name, in any order. A category never seen in
    /// training reaches the steps as an out-of-range code, so each applies its own policy (a
    /// one-hot encoder's `handle_unknown`, a boosted tree's unseen-category branch); an error
    /// about such a code names the label.
    pub fn predict_table(&self, table: &Table) -> Result<Predictions> {
        let (x, unseen) = table.features_keeping_unseen(&self.input)?;
        self.predict_matrix(x.view())
            .map_err(|e| name_unseen(e, &self.input, &unseen))
    }

    /// Check that a header read from the same file describes this pipeline.
    pub(crate) fn check_consistent(&self, header: &ModelHeader) -> std::result::Result<(), String> {
        if header.input_schema != self.input
            || header.task != self.task
            || header.classes != self.classes
        {
            return Err("corrupted: the header does not describe the model payload".into());
        }
        Ok(())
    }
}

/// Put an unseen category's label back into an error about its out-of-range code.
pub(crate) fn name_unseen(e: Error, input: &Schema, unseen: &[Vec<String>]) -> Error {
    match e {
        Error::UnknownCategory {
            column,
            value,
            known,
        } => {
            let label = input
                .columns
                .iter()
                .position(|c| c.name == column)
                .and_then(|k| {
                    let n = input.columns[k].kind.categories()?.len();
                    let code: f64 = value.parse().ok()?;
                    let j = (code >= n as f64 && code.fract() == 0.0).then(|| code as usize - n)?;
                    unseen.get(k)?.get(j).cloned()
                });
            Error::UnknownCategory {
                column,
                value: label.unwrap_or(value),
                known,
            }
        }
        other => other,
    }
}
