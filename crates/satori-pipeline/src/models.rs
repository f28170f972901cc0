//! The closed enums of model parameters and fitted models.

use ndarray::{Array1, Array2, ArrayView2};
use satori_baseline::{
    DummyClassifier, DummyClassifierParams, DummyRegressor, DummyRegressorParams,
};
use satori_core::{
    Dataset, Error, Estimator, Params, PredictProba, Predictor, Progress, Result, Task,
    closest_names,
};
use serde::{Deserialize, Serialize};

use crate::auto::InputNeeds;

/// The model names `--model` accepts.
pub const MODEL_NAMES: &[&str] = &["baseline", "dummy_classifier", "dummy_regressor"];

/// Parameters of every model family, tagged by `kind` in TOML/JSON
/// (`{"kind": "dummy_classifier", "strategy": "prior"}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModelParams {
    /// scikit-learn's `DummyClassifier`.
    DummyClassifier(DummyClassifierParams),
    /// scikit-learn's `DummyRegressor`.
    DummyRegressor(DummyRegressorParams),
}

impl Default for ModelParams {
    fn default() -> Self {
        ModelParams::DummyClassifier(DummyClassifierParams::default())
    }
}

impl ModelParams {
    /// The parameters for a `--model` name and task (`baseline` picks the dummy for the task).
    pub fn from_name(name: &str, task: Task) -> Result<Self> {
        match name {
            "baseline" if task.is_classification() => Ok(Self::DummyClassifier(Default::default())),
            "baseline" => Ok(Self::DummyRegressor(Default::default())),
            "dummy_classifier" => Ok(Self::DummyClassifier(Default::default())),
            "dummy_regressor" => Ok(Self::DummyRegressor(Default::default())),
            other => {
                let near = closest_names(other, MODEL_NAMES.iter().copied(), 3);
                let hint = if near.is_empty() {
                    String::new()
                } else {
                    format!(" (did you mean `{}`?)", near[0])
                };
                Err(Error::param(
                    "--model",
                    format!(
                        "unknown model `{other}`{hint}; valid: {}",
                        MODEL_NAMES.join(", ")
                    ),
                ))
            }
        }
    }

    /// The family's name as stored in model files.
    pub fn kind(&self) -> &'static str {
        match self {
            ModelParams::DummyClassifier(_) => "dummy_classifier",
            ModelParams::DummyRegressor(_) => "dummy_regressor",
        }
    }

    /// What the family needs from its input, which picks its automatic preprocessing.
    pub fn input_needs(&self) -> InputNeeds {
        match self {
            ModelParams::DummyClassifier(_) | ModelParams::DummyRegressor(_) => InputNeeds::Raw,
        }
    }

    /// Check the parameters, and that they suit the task.
    pub fn validate_for(&self, task: Task) -> Result<()> {
        match self {
            ModelParams::DummyClassifier(p) => {
                p.validate()?;
                if !task.is_classification() {
                    return Err(Error::param(
                        "model.kind",
                        "dummy_classifier needs a classification target; use dummy_regressor (or --model baseline) for regression",
                    ));
                }
            }
            ModelParams::DummyRegressor(p) => {
                p.validate()?;
                if task.is_classification() {
                    return Err(Error::param(
                        "model.kind",
                        "dummy_regressor needs a regression target; use dummy_classifier (or --model baseline) for classification",
                    ));
                }
            }
        }
        Ok(())
    }

    /// Fit on a dataset; `valid` (already preprocessed) is the validation set of models that stop
    /// early on one, ignored by the others.
    pub fn fit(
        &self,
        data: &Dataset,
        valid: Option<&Dataset>,
        progress: &dyn Progress,
    ) -> Result<AnyModel> {
        let _ = valid;
        let task = data
            .task()
            .ok_or_else(|| Error::InvalidData("training needs a target".into()))?;
        self.validate_for(task)?;
        Ok(match self {
            ModelParams::DummyClassifier(p) => {
                AnyModel::DummyClassifier(p.fit_with_progress(data, progress)?)
            }
            ModelParams::DummyRegressor(p) => {
                AnyModel::DummyRegressor(p.fit_with_progress(data, progress)?)
            }
        })
    }
}

/// Every fitted model (externally tagged, as the binary model payload requires).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum AnyModel {
    /// A fitted `DummyClassifier`.
    DummyClassifier(DummyClassifier),
    /// A fitted `DummyRegressor`.
    DummyRegressor(DummyRegressor),
}

impl AnyModel {
    /// The family's name.
    pub fn kind(&self) -> &'static str {
        match self {
            AnyModel::DummyClassifier(_) => "dummy_classifier",
            AnyModel::DummyRegressor(_) => "dummy_regressor",
        }
    }

    /// The number of feature columns it expects.
    pub fn n_features(&self) -> usize {
        match self {
            AnyModel::DummyClassifier(m) => m.n_features(),
            AnyModel::DummyRegressor(m) => m.n_features(),
        }
    }

    /// One prediction per row (class codes as `f64` for classifiers).
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        match self {
            AnyModel::DummyClassifier(m) => m.predict(x),
            AnyModel::DummyRegressor(m) => m.predict(x),
        }
    }

    /// Class probabilities, for classifiers; `None` for regressors.
    pub fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Option<Array2<f64>>> {
        match self {
            AnyModel::DummyClassifier(m) => m.predict_proba(x).map(Some),
            AnyModel::DummyRegressor(_) => Ok(None),
        }
    }
}
