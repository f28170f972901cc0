//! The closed enums of model parameters and fitted models, generated from one list by the
//! `models!` macro: adding a model is one line there plus its [`Family`] / [`FittedFamily`]
//! implementations in [`crate::families`].

use ndarray::{Array1, Array2, ArrayView2};
use satori_core::{
    CsMat, Dataset, Error, Estimator, Params, PredictProba, Predictor, Progress, Result,
    SparsePredictor, Task, TrainingHistory, closest_names,
};
use serde::{Deserialize, Serialize};

use crate::auto::InputNeeds;

/// Which targets a model takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Class labels (binary or multiclass).
    Classifier,
    /// Binary class labels only.
    BinaryClassifier,
    /// Numbers.
    Regressor,
}

/// What the pipeline needs to know of a model family's parameters.
pub trait Family: Estimator {
    /// The targets it takes.
    const ROLE: Role;
    /// What it needs from its input (picks the automatic preprocessing).
    const NEEDS: InputNeeds;

    /// Fit, with an optional validation set (already preprocessed) for early stopping; families
    /// without early stopping ignore it.
    fn fit_valid(
        &self,
        data: &Dataset,
        valid: Option<&Dataset>,
        progress: &dyn Progress,
    ) -> Result<Self::Model> {
        let _ = valid;
        self.fit_with_progress(data, progress)
    }

    /// Whether it learns from a sparse CSR matrix ([`Family::fit_sparse`]); text features reach
    /// such a model without densifying. Default false.
    const SPARSE: bool = false;

    /// Fit on a sparse CSR matrix `x`, with the target and weights of `data` (whose own feature
    /// matrix is not read). Only called when [`Family::SPARSE`] is true.
    fn fit_sparse(&self, x: &CsMat<f64>, data: &Dataset) -> Result<Self::Model> {
        let _ = (x, data);
        Err(Error::Internal(
            "this model family takes dense input only".into(),
        ))
    }
}

/// What the pipeline asks of a fitted model beyond predictions.
pub trait FittedFamily: Predictor {
    /// Class probabilities; `None` (the default) for regressors and classifiers without them.
    fn proba(&self, x: ArrayView2<'_, f64>) -> Result<Option<Array2<f64>>> {
        let _ = x;
        Ok(None)
    }

    /// Importance per model input column (normalised to sum to 1 where the family defines it).
    fn importances(&self) -> Option<Vec<f64>> {
        None
    }

    /// The magnitude of each input column's coefficients (linear models: `|coef|`, summed over
    /// classes), which feature selection can rank columns by.
    fn coef_magnitudes(&self) -> Option<Vec<f64>> {
        None
    }

    /// The per-iteration training history, for learning curves.
    fn history(&self) -> Option<TrainingHistory> {
        None
    }

    /// A human-readable summary of the fitted model's structure (layers, trees, coefficients).
    fn summary(&self) -> Option<String> {
        None
    }

    /// Predictions and class probabilities (for classifiers that give them) from a sparse CSR
    /// matrix, for families that fit on one.
    fn predict_sparse(&self, x: &CsMat<f64>) -> Result<(Array1<f64>, Option<Array2<f64>>)> {
        let _ = x;
        Err(Error::InvalidData(
            "this model takes dense input only, and was given sparse text features".into(),
        ))
    }
}

/// Shorthand for the [`FittedFamily::predict_sparse`] of a [`SparsePredictor`].
pub(crate) fn sparse_of<M: SparsePredictor>(
    m: &M,
    x: &CsMat<f64>,
) -> Result<(Array1<f64>, Option<Array2<f64>>)> {
    Ok((m.predict_csr(x)?, m.predict_proba_csr(x)?))
}

macro_rules! models {
    ($( $variant:ident, $name:literal, $params:ty, $fitted:ty; )*) => {
        /// Parameters of every model family, tagged by `kind` in TOML/JSON
        /// (`{"kind": "dummy_classifier", "strategy": "prior"}`).
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "kind", rename_all = "snake_case")]
        pub enum ModelParams {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant($params),
            )*
        }

        /// Every fitted model (externally tagged, as the binary model payload requires).
        #[derive(Debug, Clone, Serialize, Deserialize)]
        pub enum AnyModel {
            $(
                #[doc = concat!("A fitted `", $name, "`.")]
                $variant($fitted),
            )*
        }

        /// Every model kind a pipeline file's `[model] kind = …` accepts.
        pub const MODEL_KINDS: &[&str] = &[$($name),*];

        impl ModelParams {
            /// The family's name as stored in model files.
            pub fn kind(&self) -> &'static str {
                match self { $(ModelParams::$variant(_) => $name,)* }
            }

            /// What the family needs from its input, which picks its automatic preprocessing.
            pub fn input_needs(&self) -> InputNeeds {
                match self { $(ModelParams::$variant(_) => <$params as Family>::NEEDS,)* }
            }

            /// Whether the family learns from sparse input (text features stay sparse for it).
            pub fn takes_sparse(&self) -> bool {
                match self { $(ModelParams::$variant(_) => <$params as Family>::SPARSE,)* }
            }

            fn fit_sparse_any(&self, x: &CsMat<f64>, data: &Dataset) -> Result<AnyModel> {
                match self {
                    $(ModelParams::$variant(p) => Ok(AnyModel::$variant(p.fit_sparse(x, data)?)),)*
                }
            }

            fn role(&self) -> Role {
                match self { $(ModelParams::$variant(_) => <$params as Family>::ROLE,)* }
            }

            fn validate_params(&self) -> Result<()> {
                match self { $(ModelParams::$variant(p) => p.validate(),)* }
            }

            fn fit_any(
                &self,
                data: &Dataset,
                valid: Option<&Dataset>,
                progress: &dyn Progress,
            ) -> Result<AnyModel> {
                match self {
                    $(ModelParams::$variant(p) => {
                        Ok(AnyModel::$variant(p.fit_valid(data, valid, progress)?))
                    })*
                }
            }
        }

        impl AnyModel {
            /// The family's name.
            pub fn kind(&self) -> &'static str {
                match self { $(AnyModel::$variant(_) => $name,)* }
            }

            fn fitted(&self) -> &dyn FittedFamily {
                match self { $(AnyModel::$variant(m) => m,)* }
            }
        }
    };
}

models! {
    DummyClassifier, "dummy_classifier", satori_baseline::DummyClassifierParams, satori_baseline::DummyClassifier;
    DummyRegressor, "dummy_regressor", satori_baseline::DummyRegressorParams, satori_baseline::DummyRegressor;
    LinearRegression, "linear_regression", satori_linear::LinearRegressionParams, satori_linear::LinearRegression;
    Ridge, "ridge", satori_linear::RidgeParams, satori_linear::Ridge;
    Lasso, "lasso", satori_linear::LassoParams, satori_linear::Lasso;
    ElasticNet, "elastic_net", satori_linear::ElasticNetParams, satori_linear::ElasticNet;
    PoissonRegressor, "poisson_regressor", satori_linear::PoissonRegressorParams, satori_linear::PoissonRegressor;
    TweedieRegressor, "tweedie_regressor", satori_linear::TweedieRegressorParams, satori_linear::TweedieRegressor;
    LogisticRegression, "logistic_regression", satori_linear::LogisticRegressionParams, satori_linear::LogisticRegression;
    SgdClassifier, "sgd_classifier", satori_linear::SgdClassifierParams, satori_linear::SgdClassifier;
    SgdRegressor, "sgd_regressor", satori_linear::SgdRegressorParams, satori_linear::SgdRegressor;
    DecisionTreeClassifier, "decision_tree_classifier", satori_tree::DecisionTreeClassifierParams, satori_tree::DecisionTreeClassifier;
    DecisionTreeRegressor, "decision_tree_regressor", satori_tree::DecisionTreeRegressorParams, satori_tree::DecisionTreeRegressor;
    RandomForestClassifier, "random_forest_classifier", satori_tree::RandomForestClassifierParams, satori_tree::ForestClassifier;
    RandomForestRegressor, "random_forest_regressor", satori_tree::RandomForestRegressorParams, satori_tree::ForestRegressor;
    ExtraTreesClassifier, "extra_trees_classifier", satori_tree::ExtraTreesClassifierParams, satori_tree::ForestClassifier;
    ExtraTreesRegressor, "extra_trees_regressor", satori_tree::ExtraTreesRegressorParams, satori_tree::ForestRegressor;
    GbmClassifier, "gbm_classifier", satori_gbm::GbmClassifierParams, satori_gbm::GbmClassifier;
    GbmRegressor, "gbm_regressor", satori_gbm::GbmRegressorParams, satori_gbm::GbmRegressor;
    MlpClassifier, "mlp_classifier", satori_nn::MlpClassifierParams, satori_nn::MlpClassifier;
    MlpRegressor, "mlp_regressor", satori_nn::MlpRegressorParams, satori_nn::MlpRegressor;
}

/// The model names `--model` accepts: short family names that pick the task's variant, and
/// every full kind.
pub const MODEL_NAMES: &[&str] = &[
    "baseline",
    "linear",
    "ridge",
    "lasso",
    "elastic_net",
    "logistic",
    "poisson",
    "tweedie",
    "sgd",
    "tree",
    "forest",
    "extra_trees",
    "gbm",
    "mlp",
];

impl Default for ModelParams {
    fn default() -> Self {
        ModelParams::DummyClassifier(Default::default())
    }
}

/// The kind a short `--model` name stands for, given the task (`None`: not a short name).
fn short_name(name: &str, task: Task) -> Option<&'static str> {
    let classification = task.is_classification();
    Some(match name {
        "baseline" if classification => "dummy_classifier",
        "baseline" => "dummy_regressor",
        "linear" => "linear_regression",
        "logistic" => "logistic_regression",
        "poisson" => "poisson_regressor",
        "tweedie" => "tweedie_regressor",
        "sgd" if classification => "sgd_classifier",
        "sgd" => "sgd_regressor",
        "tree" if classification => "decision_tree_classifier",
        "tree" => "decision_tree_regressor",
        "forest" if classification => "random_forest_classifier",
        "forest" => "random_forest_regressor",
        "extra_trees" if classification => "extra_trees_classifier",
        "extra_trees" => "extra_trees_regressor",
        "gbm" if classification => "gbm_classifier",
        "gbm" => "gbm_regressor",
        "mlp" if classification => "mlp_classifier",
        "mlp" => "mlp_regressor",
        _ => return None,
    })
}

impl ModelParams {
    /// The parameters for a `--model` name and task: a short family name (`baseline`, …) picks
    /// the task's variant; a full kind (`dummy_regressor`, …) is taken as it is.
    pub fn from_name(name: &str, task: Task) -> Result<Self> {
        let kind = short_name(name, task).unwrap_or(name);
        if !MODEL_KINDS.contains(&kind) {
            let candidates = MODEL_NAMES.iter().chain(MODEL_KINDS).copied();
            let near = closest_names(name, candidates, 3);
            let hint = if near.is_empty() {
                String::new()
            } else {
                format!(" (did you mean `{}`?)", near[0])
            };
            return Err(Error::param(
                "--model",
                format!(
                    "unknown model `{name}`{hint}; valid: {}",
                    MODEL_NAMES.join(", ")
                ),
            ));
        }
        serde_json::from_value(serde_json::json!({ "kind": kind }))
            .map_err(|e| Error::Internal(format!("default parameters of `{kind}`: {e}")))
    }

    /// Check the parameters, and that they suit the task.
    pub fn validate_for(&self, task: Task) -> Result<()> {
        self.validate_params()?;
        let kind = self.kind();
        let fits = match self.role() {
            Role::Classifier => task.is_classification(),
            Role::BinaryClassifier => task == Task::Binary,
            Role::Regressor => !task.is_classification(),
        };
        if !fits {
            let needs = match self.role() {
                Role::Classifier => "a classification target",
                Role::BinaryClassifier => "a binary classification target",
                Role::Regressor => "a regression target",
            };
            let other: Vec<&str> = MODEL_KINDS
                .iter()
                .copied()
                .filter(|k| *k != kind && sibling(k) == sibling(kind))
                .collect();
            let hint = match other.first() {
                Some(o) => format!("; use {o} for a {} target", task.name()),
                None => String::new(),
            };
            return Err(Error::param(
                "model.kind",
                format!(
                    "{kind} needs {needs}, and the target is {}{hint}",
                    task.name()
                ),
            ));
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
        let task = data
            .task()
            .ok_or_else(|| Error::InvalidData("training needs a target".into()))?;
        self.validate_for(task)?;
        self.fit_any(data, valid, progress)
    }

    /// Fit on a sparse CSR matrix `x` with the target and weights of `data`; an error for
    /// families that take dense input only (see [`ModelParams::takes_sparse`]).
    pub fn fit_csr(&self, x: &CsMat<f64>, data: &Dataset) -> Result<AnyModel> {
        let task = data
            .task()
            .ok_or_else(|| Error::InvalidData("training needs a target".into()))?;
        self.validate_for(task)?;
        if !self.takes_sparse() {
            return Err(Error::param(
                "model.kind",
                format!(
                    "{} does not learn from sparse input; reduce the text columns with \
                     `--set text.svd_components=100`",
                    self.kind()
                ),
            ));
        }
        self.fit_sparse_any(x, data)
    }
}

/// A kind without its `_classifier` / `_regressor` suffix, to suggest the sibling model.
fn sibling(kind: &str) -> &str {
    kind.trim_end_matches("_classifier")
        .trim_end_matches("_regressor")
}

impl AnyModel {
    /// The number of feature columns it expects.
    pub fn n_features(&self) -> usize {
        self.fitted().n_features()
    }

    /// One prediction per row (class codes as `f64` for classifiers).
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        self.fitted().predict(x)
    }

    /// Predictions and class probabilities (`None` for regressors) from a sparse CSR matrix;
    /// an error for models that take dense input only.
    pub fn predict_csr(&self, x: &CsMat<f64>) -> Result<(Array1<f64>, Option<Array2<f64>>)> {
        self.fitted().predict_sparse(x)
    }

    /// Class probabilities, for classifiers; `None` for regressors.
    pub fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Option<Array2<f64>>> {
        self.fitted().proba(x)
    }

    /// Importance per model input column, where the family defines one.
    pub fn feature_importances(&self) -> Option<Vec<f64>> {
        self.fitted().importances()
    }

    /// Scores to select columns by: feature importances, or else coefficient magnitudes.
    pub fn selection_scores(&self) -> Option<Vec<f64>> {
        let m = self.fitted();
        m.importances().or_else(|| m.coef_magnitudes())
    }

    /// The per-iteration training history of iterative models.
    pub fn training_history(&self) -> Option<TrainingHistory> {
        self.fitted().history()
    }

    /// A summary of the fitted model's structure, where the family gives one.
    pub fn summary(&self) -> Option<String> {
        self.fitted().summary()
    }
}

/// Shorthand for the [`FittedFamily::proba`] of a classifier.
pub(crate) fn proba_of<M: PredictProba>(
    m: &M,
    x: ArrayView2<'_, f64>,
) -> Result<Option<Array2<f64>>> {
    m.predict_proba(x).map(Some)
}
