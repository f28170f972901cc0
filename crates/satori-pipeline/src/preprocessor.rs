//! Preprocessing on its own (`satori transform`): the steps of a pipeline fitted without a model,
//! saved to a preprocessor file and replayed on new data.

use ndarray::{Array2, ArrayView2};
use satori_core::{Dataset, Error, Progress, Result, Schema};
use satori_data::{ReadOptions, Table, TargetSpec};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::fitted::{name_unseen, read_options_for};
use crate::steps::{AnyStep, StepParams, apply_steps, fit_steps, validate_steps};

/// Fitted preprocessing steps and the input columns they read.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FittedPreprocessor {
    input: Schema,
    steps: Vec<AnyStep>,
    output: Vec<String>,
}

impl FittedPreprocessor {
    /// Fit `steps` in order on `data`; returns the preprocessor and the transformed data.
    pub fn fit(
        data: &Dataset,
        steps: &[StepParams],
        progress: &dyn Progress,
    ) -> Result<(Self, Dataset)> {
        let (fitted, out) = fit_steps(data, steps, progress)?;
        let output = out.feature_names();
        let prep = FittedPreprocessor {
            input: data.features().clone(),
            steps: fitted,
            output,
        };
        Ok((prep, out.into_owned()))
    }

    /// The raw input columns it reads.
    pub fn input_schema(&self) -> &Schema {
        &self.input
    }

    /// The names of the columns it writes.
    pub fn output_names(&self) -> &[String] {
        &self.output
    }

    /// The fitted steps.
    pub fn steps(&self) -> &[AnyStep] {
        &self.steps
    }

    /// Whether every step is row-wise, so a file can be transformed a chunk of rows at a time.
    pub fn row_wise(&self) -> bool {
        self.steps.iter().all(AnyStep::row_wise)
    }

    /// Transform a matrix of input columns.
    pub fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        satori_core::check_features(x, self.input.len())?;
        apply_steps(&self.steps, x)
    }

    /// Transform a table: input columns matched by name, in any order.
    pub fn transform_table(&self, table: &Table) -> Result<Array2<f64>> {
        let (x, unseen) = table.features_keeping_unseen(&self.input)?;
        self.transform(x.view())
            .map_err(|e| name_unseen(e, &self.input, &unseen))
    }

    /// Read options that parse a file's input columns as they were when fitting.
    pub fn read_options(&self, base: ReadOptions) -> ReadOptions {
        read_options_for(&self.input, base)
    }
}

/// The steps of a pipeline file's tree (`[[preprocessing]]` tables).
pub fn steps_from_tree(tree: &Value) -> Result<Vec<StepParams>> {
    let Some(list) = tree.get("preprocessing") else {
        return Err(Error::InvalidData(
            "the pipeline file has no [[preprocessing]] steps to apply".into(),
        ));
    };
    if crate::pipeline_file::split_at_auto(tree)?.is_some() {
        return Err(Error::param(
            "preprocessing",
            "step = \"auto\" stands for a model's automatic preprocessing, and `satori \
             transform` fits no model: write the steps out",
        ));
    }
    let steps: Vec<StepParams> = serde_json::from_value(list.clone())
        .map_err(|e| Error::param("preprocessing", e.to_string()))?;
    validate_steps(&steps)?;
    Ok(steps)
}

/// The dataset `satori transform` fits on: with a target, as training would see it (rows without
/// a target dropped); without one, every feature column of every row.
pub fn transform_dataset(table: &Table, target: Option<&TargetSpec>) -> Result<Dataset> {
    if let Some(t) = target {
        let (data, _) = table.to_dataset(t)?;
        return Ok(data.with_target_name(t.name.clone()));
    }
    let columns = table
        .schema
        .columns
        .iter()
        .filter(|c| c.kind.is_feature())
        .cloned()
        .collect();
    let schema = Schema::new(columns)?;
    let x = table.features(&schema)?;
    Dataset::with_schema(x, schema)
}
