//! Fitting a whole pipeline on a dataset: everything fitted happens here — steps, text
//! vectorizers, model — so cross-validation fits it inside each fold and nothing leaks from the
//! validation rows. One path for one target or several.

use ndarray::Array2;
use satori_core::{Dataset, Error, Estimator, Progress, Result, Schema};

use crate::fitted::{FittedPipeline, FittedTarget};
use crate::models::{AnyModel, ModelParams, target_tasks};
use crate::params::PipelineParams;
use crate::steps::{AnyStep, apply_steps, fit_steps};
use crate::text::{Block, FittedText, ModelInput, assemble, dataset_input};

impl PipelineParams {
    /// Fit with an optional validation set (raw input columns, like `data`) for models that stop
    /// early on one.
    pub fn fit_with_validation(
        &self,
        data: &Dataset,
        valid: Option<&Dataset>,
        progress: &dyn Progress,
    ) -> Result<FittedPipeline> {
        fit_pipeline(data, self, valid, progress)
    }

    /// Fit data-parallel: every rank of `comm` passes its own rows of one dataset (same schema
    /// and class labels on every rank), and every rank gets the same fitted pipeline. The model
    /// must fit distributed ([`ModelParams::fit_distributed`]); preprocessing steps and text
    /// columns, which would fit on one rank's rows only, are refused with the reason.
    pub fn fit_distributed(
        &self,
        data: &Dataset,
        comm: &dyn satori_core::collective::Collective,
        progress: &dyn Progress,
    ) -> Result<FittedPipeline> {
        let targets = fitted_targets(data);
        let names: Vec<String> = targets.iter().map(|t| t.name.clone()).collect();
        self.validate_for(&names, &target_tasks(data)?)?;
        let steps = self.effective_steps(data.features());
        if !steps.is_empty() {
            let kinds: Vec<String> = steps.iter().map(|s| s.name().to_string()).collect();
            return Err(Error::param(
                "--distributed",
                format!(
                    "preprocessing steps are not fitted distributed yet, and this pipeline has \
                     {}: train without them (--set auto_preprocessing=false, no [[preprocessing]] \
                     steps), or prepare the columns before",
                    kinds.join(", ")
                ),
            ));
        }
        if !data.text().is_empty() || data.sparse().is_some() {
            return Err(Error::param(
                "--distributed",
                "text columns and sparse input are not trained distributed yet: drop the text \
                 columns (--drop NAME)",
            ));
        }
        let model = self.model_for(&names);
        progress.start(&format!("fitting {} (distributed)", model.kind()), None);
        let fitted = model.fit_distributed(data, comm, progress);
        progress.finish();
        FittedPipeline::new(
            data.features().clone(),
            targets,
            Vec::new(),
            FittedText::default(),
            fitted?,
        )
    }
}

/// A pipeline's parameters fit like any estimator's: steps, text vectorizers and model, on a
/// dataset with one target or several.
impl Estimator for PipelineParams {
    type Model = FittedPipeline;

    fn fit_with_progress(&self, data: &Dataset, progress: &dyn Progress) -> Result<FittedPipeline> {
        fit_pipeline(data, self, None, progress)
    }
}

/// The targets of a dataset as the pipeline records them, named by the dataset's target names
/// (`target`, `target_1`, … where it has none).
fn fitted_targets(data: &Dataset) -> Vec<FittedTarget> {
    let names = data.target_names();
    data.targets()
        .iter()
        .enumerate()
        .map(|(i, t)| FittedTarget {
            name: match names.get(i) {
                Some(n) if names.len() == data.n_targets() => n.clone(),
                _ if i == 0 => "target".to_string(),
                _ => format!("target_{i}"),
            },
            task: t.task(),
            classes: t.labels().map(<[String]>::to_vec),
        })
        .collect()
}

/// Fit the pipeline on `data`; `valid` (raw input columns, like `data`) is passed through the
/// fitted steps to models that stop early on it.
fn fit_pipeline(
    data: &Dataset,
    params: &PipelineParams,
    valid: Option<&Dataset>,
    progress: &dyn Progress,
) -> Result<FittedPipeline> {
    let targets = fitted_targets(data);
    let names: Vec<String> = targets.iter().map(|t| t.name.clone()).collect();
    params.validate_for(&names, &target_tasks(data)?)?;
    let steps = params.effective_steps(data.features());
    let (steps, current) = fit_steps(data, &steps, progress)?;
    let model = params.model_for(&names);
    crate::models::check_no_missing_left(&current, &model)?;
    let (text, blocks) = if current.text().is_empty() && current.sparse().is_none() {
        (FittedText::default(), Vec::new())
    } else {
        progress.start("vectorising text columns", None);
        let sparse = model.capabilities().sparse_input;
        let t = FittedText::fit_transform(&params.text, &current, sparse, params.seed);
        progress.finish();
        t?
    };
    progress.start(&format!("fitting {}", model.kind()), None);
    let fitted = if text.is_empty() {
        let valid = match valid {
            Some(v) => Some(prepared_valid(
                apply_steps(&steps, v.x())?,
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
        fit_with_text(&current, &steps, parts, &model, valid, progress)
    };
    progress.finish();
    FittedPipeline::new(data.features().clone(), targets, steps, text, fitted?)
}

/// A validation set's columns after the steps, with its targets and weights.
fn prepared_valid(x: Array2<f64>, features: &Schema, v: &Dataset) -> Result<Dataset> {
    let schema = if x.ncols() == features.len() {
        features.clone()
    } else {
        numbered_schema(x.ncols())?
    };
    if v.n_targets() == 0 {
        return Err(Error::InvalidData(
            "the validation set has no target".into(),
        ));
    }
    Ok(v.with_features(x, schema)?
        .with_text(Vec::new())?
        .without_sparse())
}

/// Numeric columns named `x0`, `x1`, …
fn numbered_schema(n: usize) -> Result<Schema> {
    Schema::new(
        (0..n)
            .map(|j| satori_core::ColumnSchema {
                name: format!("x{j}"),
                kind: satori_core::ColumnKind::Numeric,
            })
            .collect(),
    )
}

/// The fitted text stage and the training rows' blocks it gave while fitting.
struct TextParts<'a> {
    text: &'a FittedText,
    blocks: Vec<Block>,
}

/// Fit the model on the steps' output joined by the text columns' blocks: one CSR matrix for
/// models that take sparse input, dense columns otherwise.
fn fit_with_text(
    current: &Dataset,
    steps: &[AnyStep],
    parts: TextParts<'_>,
    model: &ModelParams,
    valid: Option<&Dataset>,
    progress: &dyn Progress,
) -> Result<AnyModel> {
    let TextParts { text, blocks } = parts;
    let mut names = current.feature_names();
    names.extend(text.feature_names_out());
    let rows_only = |d: &Dataset, x: Array2<f64>, schema: Schema| -> Result<Dataset> {
        Ok(d.with_features(x, schema)?
            .with_text(Vec::new())?
            .without_sparse())
    };
    match assemble(current.x().to_owned(), blocks)? {
        ModelInput::Sparse(m) => {
            let empty = rows_only(
                current,
                Array2::zeros((current.n_samples(), 0)),
                Schema::new(Vec::new())?,
            )?;
            model.fit_csr(&m, &empty)
        }
        ModelInput::Dense(m) => {
            let schema = Schema::new(
                names
                    .into_iter()
                    .map(|name| satori_core::ColumnSchema {
                        name,
                        kind: satori_core::ColumnKind::Numeric,
                    })
                    .collect(),
            )?;
            let train = rows_only(current, m, schema)?;
            let valid = match valid {
                Some(v) => {
                    let z = apply_steps(steps, v.x())?;
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
