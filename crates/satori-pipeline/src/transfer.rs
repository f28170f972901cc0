//! Transfer learning (`satori train --init-from base.satori --freeze N`): a new neural network
//! that starts from a trained one's hidden layers.
//!
//! The base model's fitted preprocessing is reused as it is (not refitted), so the new data's
//! columns mean to the network what they meant when it was trained: the new data must have the
//! base model's input columns (by name, in any order; others are an error that lists them), with
//! compatible kinds; categories are matched by label. The base network's first `freeze` hidden
//! layers stay fixed, the others are fine-tuned, and a fresh output head is fitted for the new
//! target (another number of classes, or a regression target).

use satori_core::{ColumnKind, Dataset, Error, Progress, Result, Schema};

use crate::fitted::{FittedPipeline, FittedTarget};
use crate::models::{AnyModel, ModelParams};
use crate::steps::apply_steps;
use crate::text::FittedText;

/// A trained model to start from.
#[derive(Debug, Clone)]
pub struct InitFrom {
    /// The base model's pipeline.
    pub pipeline: FittedPipeline,
    /// Where it came from, for messages and provenance.
    pub source: String,
    /// How many of its hidden layers stay frozen.
    pub freeze: usize,
}

/// `data`'s feature columns recoded to `schema` (the base model's inputs): columns matched by
/// name, categorical codes matched by label (a label the base never saw gets a code past its
/// list). Missing or extra columns are an error that names them.
pub fn recode_to(data: &Dataset, schema: &Schema, source: &str) -> Result<Dataset> {
    let have = data.features();
    let missing: Vec<&str> = schema
        .names()
        .filter(|n| have.position(n).is_none())
        .collect();
    let extra: Vec<&str> = have
        .names()
        .filter(|n| schema.position(n).is_none())
        .collect();
    if !missing.is_empty() || !extra.is_empty() {
        let mut parts = Vec::new();
        if !missing.is_empty() {
            parts.push(format!("lacks its input columns {}", missing.join(", ")));
        }
        if !extra.is_empty() {
            parts.push(format!(
                "has columns it never saw: {} (drop them with --drop)",
                extra.join(", ")
            ));
        }
        return Err(Error::InvalidData(format!(
            "the data does not match the input schema of {source}: it {}",
            parts.join("; and it ")
        )));
    }
    let x = data.x();
    let mut out = ndarray::Array2::<f64>::zeros((data.n_samples(), schema.len()));
    for (k, want) in schema.columns.iter().enumerate() {
        let j = have.position(&want.name).unwrap_or(0);
        let got = &have.columns[j];
        let col = x.column(j);
        match (&want.kind, &got.kind) {
            (
                ColumnKind::Categorical { categories: exp },
                ColumnKind::Categorical { categories: cats },
            ) => {
                let mut extra_labels: Vec<&String> = Vec::new();
                let map: Vec<f64> = cats
                    .iter()
                    .map(|label| match exp.iter().position(|e| e == label) {
                        Some(i) => i as f64,
                        None => {
                            extra_labels.push(label);
                            (exp.len() + extra_labels.len() - 1) as f64
                        }
                    })
                    .collect();
                for (o, &v) in out.column_mut(k).iter_mut().zip(col.iter()) {
                    *o = if v.is_nan() {
                        f64::NAN
                    } else {
                        map.get(v as usize).copied().unwrap_or(f64::NAN)
                    };
                }
            }
            (ColumnKind::Categorical { .. }, other) | (other, ColumnKind::Categorical { .. })
                if !matches!(other, ColumnKind::Categorical { .. }) =>
            {
                return Err(Error::InvalidData(format!(
                    "column `{}` is {} in the data and {} in {source}",
                    want.name,
                    got.kind.name(),
                    want.kind.name()
                )));
            }
            _ => out.column_mut(k).assign(&col),
        }
    }
    data.with_features(out, schema.clone())
}

/// Check that a base model can start transfer learning: a network on numeric and categorical
/// columns (checked before its data is read, so the message is about the model, not the data).
pub fn check_base(init: &InitFrom) -> Result<()> {
    let base = &init.pipeline;
    if !base.model().capabilities().transfers {
        let kind = base.model().kind();
        let why = if base.model().network().is_some() {
            format!(
                "holds a {kind}, which transfer learning does not start from; it starts from a \
                 single-target network (mlp_classifier or mlp_regressor)"
            )
        } else {
            format!(
                "holds a {kind} model, not a neural network; transfer learning starts from an mlp \
                 model (train one with --model mlp)"
            )
        };
        return Err(Error::param(
            "--init-from",
            format!("{} {why}", init.source),
        ));
    }
    if !base.text().is_empty() {
        return Err(Error::param(
            "--init-from",
            format!(
                "{} reads text columns ({}); transfer learning starts from a network on numeric \
                 and categorical columns only",
                init.source,
                base.text().column_names().join(", ")
            ),
        ));
    }
    Ok(())
}

/// Fit a network on `data` (already recoded to the base's input schema) from the base model.
pub fn fit_transfer(
    data: &Dataset,
    model: &ModelParams,
    init: &InitFrom,
    progress: &dyn Progress,
) -> Result<FittedPipeline> {
    let task = data.require_target()?.task();
    model.validate_for(&[task])?;
    check_base(init)?;
    let base = &init.pipeline;
    let steps = base.steps().to_vec();
    let x = apply_steps(&steps, data.x())?;
    let names = base.feature_names_out();
    let mut current = Dataset::new(x, names)?.with_target(data.require_target()?.clone())?;
    if let Some(w) = data.weights() {
        current = current.with_weights(w.to_owned())?;
    }
    let net: &dyn NetRef = match base.model() {
        AnyModel::MlpClassifier(m) => m,
        AnyModel::MlpRegressor(m) => m,
        other => {
            return Err(Error::param(
                "--init-from",
                format!(
                    "{} holds a {} model; transfer learning starts from a neural network (mlp)",
                    init.source,
                    other.kind()
                ),
            ));
        }
    };
    progress.start(&format!("fine-tuning {}", model.kind()), None);
    let fitted = match model {
        ModelParams::MlpClassifier(p) => net
            .fit_classifier(p, init.freeze, &current, progress)
            .map(AnyModel::MlpClassifier),
        ModelParams::MlpRegressor(p) => net
            .fit_regressor(p, init.freeze, &current, progress)
            .map(AnyModel::MlpRegressor),
        other => Err(Error::param(
            "--init-from",
            format!(
                "transfer learning trains a neural network: use --model mlp (got {})",
                other.kind()
            ),
        )),
    };
    progress.finish();
    let target = FittedTarget {
        name: data.target_name().unwrap_or("target").to_string(),
        task,
        classes: data
            .target()
            .and_then(|t| t.labels())
            .map(<[String]>::to_vec),
    };
    FittedPipeline::new(
        base.input_schema().clone(),
        vec![target],
        steps,
        FittedText::default(),
        fitted?,
    )
}

/// A trained network of either kind, as a starting point.
trait NetRef {
    fn fit_classifier(
        &self,
        p: &satori_nn::MlpClassifierParams,
        freeze: usize,
        data: &Dataset,
        progress: &dyn Progress,
    ) -> Result<satori_nn::MlpClassifier>;
    fn fit_regressor(
        &self,
        p: &satori_nn::MlpRegressorParams,
        freeze: usize,
        data: &Dataset,
        progress: &dyn Progress,
    ) -> Result<satori_nn::MlpRegressor>;
}

impl<T: satori_nn::NeuralNet> NetRef for T {
    fn fit_classifier(
        &self,
        p: &satori_nn::MlpClassifierParams,
        freeze: usize,
        data: &Dataset,
        progress: &dyn Progress,
    ) -> Result<satori_nn::MlpClassifier> {
        p.fit_from_with_progress(self, freeze, data, progress)
    }
    fn fit_regressor(
        &self,
        p: &satori_nn::MlpRegressorParams,
        freeze: usize,
        data: &Dataset,
        progress: &dyn Progress,
    ) -> Result<satori_nn::MlpRegressor> {
        p.fit_from_with_progress(self, freeze, data, progress)
    }
}
