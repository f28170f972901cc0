//! The fitted pipeline: raw input rows in, predictions for every target out.

use ndarray::{Array1, Array2, ArrayView2, Axis};
use satori_core::{
    ColumnKind, Dataset, Error, MultiOutputPredictor, PredictProba, Predictor, Result, Schema, Task,
};
use satori_data::{ReadOptions, Table};
use satori_metrics::DecisionThreshold;
use serde::{Deserialize, Serialize};

use crate::models::{AnyModel, Output};
use crate::steps::{AnyStep, apply_steps, check_step_widths};
use crate::text::{FittedText, Input, ModelInput, assemble, dataset_input, table_input};

/// One target a pipeline predicts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedTarget {
    /// The target column.
    pub name: String,
    /// Its task.
    pub task: Task,
    /// Its class labels (classification), which the predicted codes index.
    pub classes: Option<Vec<String>>,
}

/// Everything needed to predict from raw input rows: the input schema (names, kinds,
/// categories), the targets, the fitted preprocessing steps and text vectorizers, the fitted
/// model and an optional decision threshold. This is the model file's payload, and a
/// [`Predictor`] (one target) or [`MultiOutputPredictor`] (one or several) over the input
/// columns. Deserialising one checks it as [`FittedPipeline::new`] does (a payload whose parts do
/// not fit together is an error, never a pipeline that panics later).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "PipelineParts")]
pub struct FittedPipeline {
    pub(crate) input: Schema,
    pub(crate) targets: Vec<FittedTarget>,
    pub(crate) steps: Vec<AnyStep>,
    pub(crate) model: AnyModel,
    pub(crate) threshold: Option<DecisionThreshold>,
    pub(crate) text: FittedText,
}

/// The stored fields of a [`FittedPipeline`], in its order, checked on the way in.
#[derive(Deserialize)]
struct PipelineParts {
    input: Schema,
    targets: Vec<FittedTarget>,
    steps: Vec<AnyStep>,
    model: AnyModel,
    threshold: Option<DecisionThreshold>,
    text: FittedText,
}

impl TryFrom<PipelineParts> for FittedPipeline {
    type Error = Error;

    fn try_from(p: PipelineParts) -> Result<FittedPipeline> {
        let pipeline = FittedPipeline::new(p.input, p.targets, p.steps, p.text, p.model)?;
        match p.threshold {
            Some(t) => pipeline.with_threshold(t),
            None => Ok(pipeline),
        }
    }
}

/// Predictions of one target for a batch of rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Predictions {
    /// The task.
    pub task: Task,
    /// One value per row: the predicted value, or the predicted class's code.
    pub values: Array1<f64>,
    /// The class labels (codes index into them), for classification.
    pub classes: Option<Vec<String>>,
    /// Class probabilities (rows × classes), for classifiers that give them.
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
    /// order, then (joined by the text vectorizers' columns) into the model, whose outputs are
    /// `targets`; each stage must take what the previous one gives.
    pub fn new(
        input: Schema,
        targets: Vec<FittedTarget>,
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
        if targets.is_empty() || targets.len() != model.n_outputs() {
            return Err(Error::InvalidData(format!(
                "the model predicts {} target(s), and the pipeline names {}",
                model.n_outputs(),
                targets.len()
            )));
        }
        if targets
            .iter()
            .any(|t| t.task.is_classification() != t.classes.is_some())
        {
            return Err(Error::InvalidData(
                "a classification target without classes (or a regression one with)".into(),
            ));
        }
        Ok(FittedPipeline {
            input,
            targets,
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
        apply_steps(&self.steps, x)
    }

    /// The names of the columns the model sees (the input columns after every step, then the
    /// text columns' features), in order: what feature importances and explanations refer to.
    pub fn feature_names_out(&self) -> Vec<String> {
        let names: Vec<String> = self.input.names().map(str::to_string).collect();
        let mut names = self
            .steps
            .iter()
            .fold(names, |names, step| step.feature_names_out(&names));
        names.extend(self.text.feature_names_out());
        names
    }

    /// Use a tuned decision threshold on the positive-class probability (one binary target
    /// only): `predict` gives class 1 when the probability is at or above it.
    pub fn with_threshold(mut self, threshold: DecisionThreshold) -> Result<Self> {
        if self.targets.len() != 1 || self.targets[0].task != Task::Binary {
            return Err(Error::param(
                "threshold",
                "a decision threshold needs one binary classification target",
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

    /// Every target, in the model's output order.
    pub fn targets(&self) -> &[FittedTarget] {
        &self.targets
    }

    /// The task (the first target's, when there are several).
    pub fn task(&self) -> Task {
        self.targets[0].task
    }

    /// The target column's name (the first target's, when there are several).
    pub fn target(&self) -> &str {
        &self.targets[0].name
    }

    /// The class labels of a classification target (the first target's, when there are
    /// several).
    pub fn classes(&self) -> Option<&[String]> {
        self.targets[0].classes.as_deref()
    }

    /// The fitted model.
    pub fn model(&self) -> &AnyModel {
        &self.model
    }

    /// The same pipeline (input, targets, steps, text vectorizers, threshold) around another
    /// fitted model, which must take the same columns and give the same outputs: how a
    /// compressed model replaces the original.
    pub fn with_model(&self, model: AnyModel) -> Result<FittedPipeline> {
        let p = FittedPipeline::new(
            self.input.clone(),
            self.targets.clone(),
            self.steps.clone(),
            self.text.clone(),
            model,
        )?;
        match &self.threshold {
            Some(t) => p.with_threshold(t.clone()),
            None => Ok(p),
        }
    }

    /// Read options that parse a file's input columns as this pipeline was trained on them
    /// (categorical columns stay categorical; their labels are matched to the training codes by
    /// [`FittedPipeline::predict_table_all`]).
    pub fn read_options(&self, base: ReadOptions) -> ReadOptions {
        let mut opts = read_options_for(&self.input, base);
        for name in self.text.text_column_names() {
            opts.kinds.insert(name.to_string(), ColumnKind::Text);
        }
        if self.text.reads_sparse_block() {
            opts.sparse = Some(true);
        }
        opts
    }

    /// Predict every target from a feature matrix whose columns are the input schema's, in
    /// order. A pipeline that reads text columns needs them too: use
    /// [`FittedPipeline::predict_dataset_all`] or [`FittedPipeline::predict_table_all`].
    pub fn predict_matrix_all(&self, x: ArrayView2<'_, f64>) -> Result<Vec<Predictions>> {
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
        self.predict_inputs(x, |_| Err(Error::Internal("no text columns".into())))
    }

    /// Predict every target from a dataset with the input schema's feature columns (in order)
    /// and, when the pipeline reads text, its text columns (matched by name).
    pub fn predict_dataset_all(&self, data: &Dataset) -> Result<Vec<Predictions>> {
        self.predict_inputs(data.x(), |name| dataset_input(data, name))
    }

    /// Predict every target from a table: columns matched by name, in any order. A category
    /// never seen in training reaches the steps as an out-of-range code, so each applies its own
    /// policy (a one-hot encoder's `handle_unknown`, a boosted tree's unseen-category branch); an
    /// error about such a code names the label.
    pub fn predict_table_all(&self, table: &Table) -> Result<Vec<Predictions>> {
        let (x, unseen) = table.features_keeping_unseen(&self.input)?;
        self.predict_inputs(x.view(), |name| table_input(table, name))
            .map_err(|e| name_unseen(e, &self.input, &unseen))
    }

    /// The model's input for every row of a table, dense: the preprocessed input columns, then
    /// each text column's features (the columns [`FittedPipeline::feature_names_out`] names).
    /// What the exact explainers walk and what calibrating or compressing the model itself
    /// needs; prediction keeps sparse text features sparse. An error about a category never
    /// seen in training names its label.
    pub fn model_input(&self, table: &Table) -> Result<Array2<f64>> {
        let (x, unseen) = table.features_keeping_unseen(&self.input)?;
        let named = |e| name_unseen(e, &self.input, &unseen);
        let z = self.preprocess(x.view()).map_err(named)?;
        if self.text.is_empty() {
            return Ok(z);
        }
        let blocks = self
            .text
            .transform(x.nrows(), |name| table_input(table, name))
            .map_err(named)?;
        match assemble(z, blocks)? {
            ModelInput::Dense(m) => Ok(m),
            ModelInput::Sparse(m) => {
                let mut dense = Array2::zeros((m.rows(), m.cols()));
                for (v, (i, j)) in m.iter() {
                    dense[[i, j]] = *v;
                }
                Ok(dense)
            }
        }
    }

    /// [`FittedPipeline::predict_matrix_all`] of a single-target pipeline.
    pub fn predict_matrix(&self, x: ArrayView2<'_, f64>) -> Result<Predictions> {
        self.only(self.predict_matrix_all(x)?)
    }

    /// [`FittedPipeline::predict_dataset_all`] of a single-target pipeline.
    pub fn predict_dataset(&self, data: &Dataset) -> Result<Predictions> {
        self.only(self.predict_dataset_all(data)?)
    }

    /// [`FittedPipeline::predict_table_all`] of a single-target pipeline.
    pub fn predict_table(&self, table: &Table) -> Result<Predictions> {
        self.only(self.predict_table_all(table)?)
    }

    /// The one target's predictions; an error naming the targets of a multi-target pipeline.
    fn only(&self, mut all: Vec<Predictions>) -> Result<Predictions> {
        if all.len() != 1 {
            return Err(Error::InvalidData(format!(
                "this model predicts {} targets ({}); use the predictions per target",
                self.targets.len(),
                self.target_names().join(", ")
            )));
        }
        Ok(all.remove(0))
    }

    /// The target columns' names, in order.
    pub fn target_names(&self) -> Vec<&str> {
        self.targets.iter().map(|t| t.name.as_str()).collect()
    }

    /// Each ensemble member's own predictions (in member order, by name) from a dataset as
    /// [`FittedPipeline::predict_dataset_all`] takes it; empty for a model that is not an
    /// ensemble. For reports that show each member's score beside the ensemble's.
    pub fn member_predictions(&self, data: &Dataset) -> Result<Vec<(String, Predictions)>> {
        let members = self.model.members();
        if members.is_empty() || self.targets.len() != 1 {
            return Ok(Vec::new());
        }
        let x = data.x();
        satori_core::check_features(x, self.input.len())?;
        let z = self.preprocess(x)?;
        let z = if self.text.is_empty() {
            z
        } else {
            let blocks = self
                .text
                .transform(x.nrows(), |name| dataset_input(data, name))?;
            match assemble(z, blocks)? {
                ModelInput::Dense(m) => m,
                ModelInput::Sparse(_) => return Ok(Vec::new()),
            }
        };
        let target = &self.targets[0];
        members
            .iter()
            .map(|m| {
                let Output { values, proba } = m.output(z.view())?;
                Ok((
                    m.name.clone(),
                    Predictions {
                        task: target.task,
                        values,
                        classes: target.classes.clone(),
                        proba,
                    },
                ))
            })
            .collect()
    }

    fn predict_inputs<'a>(
        &self,
        x: ArrayView2<'_, f64>,
        docs: impl Fn(&str) -> Result<Input<'a>>,
    ) -> Result<Vec<Predictions>> {
        satori_core::check_features(x, self.input.len())?;
        let outputs = if self.text.is_empty() {
            let prepared;
            let x = if self.steps.is_empty() {
                x
            } else {
                prepared = self.preprocess(x)?;
                prepared.view()
            };
            self.model.outputs(x)?
        } else {
            let z = self.preprocess(x)?;
            let blocks = self.text.transform(x.nrows(), docs)?;
            match assemble(z, blocks)? {
                ModelInput::Dense(m) => self.model.outputs(m.view())?,
                ModelInput::Sparse(m) => self.model.outputs_csr(&m)?,
            }
        };
        if outputs.len() != self.targets.len() {
            return Err(Error::Internal(format!(
                "the model gave {} outputs for {} targets",
                outputs.len(),
                self.targets.len()
            )));
        }
        Ok(outputs
            .into_iter()
            .zip(&self.targets)
            .map(|(Output { mut values, proba }, target)| {
                if let (Some(t), Some(p)) = (&self.threshold, &proba) {
                    values = t.predict(p.column(1)).mapv(|c| c as f64);
                }
                Predictions {
                    task: target.task,
                    values,
                    classes: target.classes.clone(),
                    proba,
                }
            })
            .collect())
    }
}

/// A single-target pipeline predicts over its input columns (class codes for classification);
/// a multi-target one is an error here (see [`MultiOutputPredictor`]).
impl Predictor for FittedPipeline {
    fn n_features(&self) -> usize {
        self.input.len()
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        Ok(self.predict_matrix(x)?.values)
    }
}

/// Class probabilities of a single-target classifier pipeline; `classes` is empty and
/// `predict_proba` an error for a regression pipeline or a model without probabilities.
impl PredictProba for FittedPipeline {
    fn classes(&self) -> &[String] {
        self.targets[0].classes.as_deref().unwrap_or(&[])
    }

    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        self.predict_matrix(x)?.proba.ok_or_else(|| {
            Error::InvalidData(format!(
                "a {} pipeline for a {} target gives no class probabilities",
                self.model.kind(),
                self.task().name()
            ))
        })
    }
}

/// Every target's predictions, one column each (class codes or values).
impl MultiOutputPredictor for FittedPipeline {
    fn n_features(&self) -> usize {
        self.input.len()
    }

    fn n_outputs(&self) -> usize {
        self.targets.len()
    }

    fn predict_outputs(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let all = self.predict_matrix_all(x)?;
        let mut out = Array2::zeros((x.nrows(), all.len()));
        for (k, p) in all.iter().enumerate() {
            out.column_mut(k).assign(&p.values);
        }
        Ok(out)
    }
}

/// Reader options forcing `schema`'s kinds: a categorical column is read as categorical with the
/// file's own categories (matched to the fitted codes by label afterwards, so that an unseen one
/// can be kept, see [`Table::features_keeping_unseen`]); a whole-number column still accepts
/// fractions.
pub fn read_options_for(schema: &Schema, base: ReadOptions) -> ReadOptions {
    let mut opts = base;
    for c in &schema.columns {
        let kind = match &c.kind {
            ColumnKind::Integer => ColumnKind::Numeric,
            ColumnKind::Categorical { .. } => ColumnKind::Categorical {
                categories: Vec::new(),
            },
            other => other.clone(),
        };
        opts.kinds.insert(c.name.clone(), kind);
    }
    opts
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
