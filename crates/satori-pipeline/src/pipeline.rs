//! The fitted pipeline: raw input rows in, predictions out.

use ndarray::{Array1, Array2, ArrayView2, Axis};
use satori_core::{Dataset, Error, Result, Schema, Task};
use satori_data::{ReadOptions, Table};
use serde::{Deserialize, Serialize};

use satori_metrics::DecisionThreshold;

use crate::steps::AnyStep;
use crate::text::{FittedText, ModelInput, assemble};
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
    text: FittedText,
}

/// The payload of model-file format 1, before pipelines read text columns.
#[derive(Deserialize)]
pub(crate) struct PipelineV1 {
    input: Schema,
    task: Task,
    target: String,
    classes: Option<Vec<String>>,
    steps: Vec<AnyStep>,
    model: AnyModel,
    threshold: Option<DecisionThreshold>,
}

impl From<PipelineV1> for FittedPipeline {
    fn from(v: PipelineV1) -> Self {
        FittedPipeline {
            input: v.input,
            task: v.task,
            target: v.target,
            classes: v.classes,
            steps: v.steps,
            model: v.model,
            threshold: v.threshold,
            text: FittedText::default(),
        }
    }
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

/// Check that each fitted step takes the columns the previous stage gives (the first takes the
/// `input_len` input columns), and return the width the model must take: the last step's output
/// columns plus `extra` (e.g. the text vectorizers' columns).
pub(crate) fn check_step_widths(
    input_len: usize,
    steps: &[AnyStep],
    extra: usize,
) -> Result<usize> {
    let mut width = input_len;
    for step in steps {
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
    Ok(width + extra)
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
        Self::with_text(
            input,
            task,
            target,
            classes,
            steps,
            FittedText::default(),
            model,
        )
    }

    /// As [`FittedPipeline::new`], with fitted text vectorizers whose columns join the steps'
    /// output (see [`crate::text`]).
    pub fn with_text(
        input: Schema,
        task: Task,
        target: String,
        classes: Option<Vec<String>>,
        steps: Vec<AnyStep>,
        text: FittedText,
        model: AnyModel,
    ) -> Result<Self> {
        let width = check_step_widths(input.len(), &steps, text.width())?;
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
            text,
        })
    }

    /// The fitted text vectorizers (empty when the pipeline reads no text column).
    pub fn text(&self) -> &FittedText {
        &self.text
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
        let mut names = self
            .steps
            .iter()
            .fold(names, |names, step| step.feature_names_out(&names));
        names.extend(self.text.feature_names_out());
        names
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
        let mut opts = crate::preprocessor::read_options_for(&self.input, base);
        for name in self.text.text_column_names() {
            opts.kinds
                .insert(name.to_string(), satori_core::ColumnKind::Text);
        }
        if self.text.reads_sparse_block() {
            opts.sparse = Some(true);
        }
        opts
    }

    /// Predict from a feature matrix whose columns are the input schema's, in order. A pipeline
    /// that reads text columns needs them too: use [`FittedPipeline::predict_dataset`] or
    /// [`FittedPipeline::predict_table`].
    pub fn predict_matrix(&self, x: ArrayView2<'_, f64>) -> Result<Predictions> {
        if !self.text.is_empty() {
            return Err(Error::InvalidData(format!(
                "this model also reads {} (text columns or sparse features); predict from a table \
                 or dataset that holds them",
                self.text
                    .column_names()
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        self.predict_with_text(x, |_| Err(Error::Internal("no text columns".into())))
    }

    /// Predict from a dataset with the input schema's feature columns (in order) and, when the
    /// pipeline reads text, its text columns (matched by name).
    pub fn predict_dataset(&self, data: &Dataset) -> Result<Predictions> {
        self.predict_with_text(data.x(), |name| crate::text::dataset_input(data, name))
    }

    fn predict_with_text<'a>(
        &self,
        x: ArrayView2<'_, f64>,
        docs: impl Fn(&str) -> Result<crate::text::Input<'a>>,
    ) -> Result<Predictions> {
        satori_core::check_features(x, self.input.len())?;
        let (mut values, proba) = if self.text.is_empty() {
            let prepared;
            let x = if self.steps.is_empty() {
                x
            } else {
                prepared = self.preprocess(x)?;
                prepared.view()
            };
            (self.model.predict(x)?, self.model.predict_proba(x)?)
        } else {
            let z = self.preprocess(x)?;
            let blocks = self.text.transform(x.nrows(), docs)?;
            match assemble(z, blocks)? {
                ModelInput::Dense(m) => (
                    self.model.predict(m.view())?,
                    self.model.predict_proba(m.view())?,
                ),
                ModelInput::Sparse(m) => self.model.predict_csr(&m)?,
            }
        };
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
        self.predict_with_text(x.view(), |name| crate::text::table_input(table, name))
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

#[cfg(test)]
mod tests {
    use super::*;
    use satori_data::{TargetSpec, read_csv_bytes};

    /// A format-1 payload is a format-2 payload of a pipeline without text minus its last field
    /// (the empty list of text columns, one zero byte): it must still decode.
    #[test]
    fn format_1_payloads_still_load() {
        let csv = b"x,c,y\n1,a,p\n2,b,q\n3,a,p\n4,b,q\n5,a,p\n6,b,q\n7,a,q\n8,b,p\n";
        let table = read_csv_bytes("t.csv", csv, &ReadOptions::default()).unwrap();
        let mut request = crate::TrainRequest::new(TargetSpec {
            name: "y".into(),
            task: None,
        });
        request.model = "logistic".into();
        request.holdout = 0.0;
        let pipeline = crate::train(&table, &request, &satori_core::NoProgress)
            .unwrap()
            .pipeline;
        let v2 = postcard::to_allocvec(&pipeline).unwrap();
        assert_eq!(v2.last(), Some(&0));
        let v1: PipelineV1 = postcard::from_bytes(&v2[..v2.len() - 1]).unwrap();
        let old = FittedPipeline::from(v1);
        assert_eq!(
            old.predict_table(&table).unwrap(),
            pipeline.predict_table(&table).unwrap()
        );
    }
}
