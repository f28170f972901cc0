//! The closed enums of model parameters ([`ModelParams`]) and fitted models ([`AnyModel`]),
//! generated from one list by [`model_list!`]: adding a model is one line there plus its
//! [`Family`] and [`FittedFamily`] implementations in [`families`]. Neither trait has a default
//! method or constant, so the compiler points at every capability a new model must declare.

pub mod capabilities;
pub mod families;

use ndarray::{Array1, Array2, ArrayView2};
use satori_core::{
    CsMat, Dataset, Error, Estimator, Params, Progress, Result, Task, TrainingHistory,
    closest_names,
};
use serde::{Deserialize, Serialize};

pub use capabilities::{Capabilities, InputNeeds, Role};

/// One target's predictions from a model: one value per row (class codes as `f64` for
/// classifiers) and, for classifiers that give them, class probabilities.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// The predictions.
    pub values: Array1<f64>,
    /// Class probabilities (rows × classes), where the model gives them.
    pub proba: Option<Array2<f64>>,
}

/// What the pipeline needs to know of a model family's parameters. Every item is required.
pub trait Family: Estimator {
    /// What the family can do, in one place (see [`Capabilities`]).
    const CAPS: Capabilities;

    /// Fit, with an optional validation set (already preprocessed) that families with early
    /// stopping on one ([`Capabilities::stops_on_validation`]) stop on; the others ignore it.
    fn fit_valid(
        &self,
        data: &Dataset,
        valid: Option<&Dataset>,
        progress: &dyn Progress,
    ) -> Result<Self::Model>;

    /// Fit on a sparse CSR matrix `x` with the target and weights of `data` (whose own feature
    /// matrix is not read); only called when [`Capabilities::sparse_input`] is true.
    fn fit_sparse(&self, x: &CsMat<f64>, data: &Dataset) -> Result<Self::Model>;
}

/// What the pipeline asks of a fitted model. Every method is required: a model without
/// probabilities, importances or a history says so explicitly.
pub trait FittedFamily {
    /// The number of feature columns it takes.
    fn n_features(&self) -> usize;

    /// Predictions for every target it learned (one for single-output models), with class
    /// probabilities where it gives them.
    fn outputs(&self, x: ArrayView2<'_, f64>) -> Result<Vec<Output>>;

    /// [`FittedFamily::outputs`] from a sparse CSR matrix, for families that fit on one; an
    /// error for the others.
    fn outputs_sparse(&self, x: &CsMat<f64>) -> Result<Vec<Output>>;

    /// Importance per input column (normalised to sum to 1 where the family defines it).
    fn importances(&self) -> Option<Vec<f64>>;

    /// The magnitude of each input column's coefficients (linear models: `|coef|`, summed over
    /// classes), which feature selection can rank columns by.
    fn coef_magnitudes(&self) -> Option<Vec<f64>>;

    /// The per-iteration training history, for learning curves.
    fn history(&self) -> Option<TrainingHistory>;

    /// A human-readable summary of the fitted model's structure (layers, trees, coefficients).
    fn summary(&self) -> Option<String>;

    /// Continue training on `data` (already preprocessed, targets coded as the model's) for
    /// `epochs` more epochs or passes; only called when [`Capabilities::continues`] is true.
    fn continue_training(
        &self,
        data: &Dataset,
        epochs: usize,
        progress: &dyn Progress,
    ) -> Result<Self>
    where
        Self: Sized;
}

/// One output, for single-output models.
pub(crate) fn single(values: Array1<f64>, proba: Option<Array2<f64>>) -> Vec<Output> {
    vec![Output { values, proba }]
}

/// The list of model kinds, handed to `$callback!` as
/// `Variant, "kind", ParamsType, FittedType;` rows: the enums below and the model file's readers
/// of older layouts are generated from it.
macro_rules! model_list {
    ($callback:ident) => {
        $callback! {
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
            MultiTaskMlp, "multitask_mlp", satori_nn::MultiTaskMlpParams, satori_nn::MultiTaskMlp;
            VotingClassifier, "voting_classifier", crate::ensemble::VotingClassifierParams, crate::ensemble::FittedVoting;
            VotingRegressor, "voting_regressor", crate::ensemble::VotingRegressorParams, crate::ensemble::FittedVoting;
            StackingClassifier, "stacking_classifier", crate::ensemble::StackingClassifierParams, crate::ensemble::FittedStacking;
            StackingRegressor, "stacking_regressor", crate::ensemble::StackingRegressorParams, crate::ensemble::FittedStacking;
            EnsembleSelectionClassifier, "ensemble_selection_classifier", crate::ensemble::EnsembleSelectionClassifierParams, crate::ensemble::FittedVoting;
            EnsembleSelectionRegressor, "ensemble_selection_regressor", crate::ensemble::EnsembleSelectionRegressorParams, crate::ensemble::FittedVoting;
            BaggingClassifier, "bagging_classifier", crate::ensemble::BaggingClassifierParams, crate::ensemble::FittedBagging;
            BaggingRegressor, "bagging_regressor", crate::ensemble::BaggingRegressorParams, crate::ensemble::FittedBagging;
            BalancedRandomForest, "balanced_random_forest", satori_tree::BalancedRandomForestClassifierParams, satori_tree::ForestClassifier;
            AdaBoostClassifier, "adaboost_classifier", satori_tree::AdaBoostClassifierParams, satori_tree::AdaBoostClassifier;
            AdaBoostRegressor, "adaboost_regressor", satori_tree::AdaBoostRegressorParams, satori_tree::AdaBoostRegressor;
            RusBoostClassifier, "rusboost_classifier", satori_tree::RusBoostClassifierParams, satori_tree::RusBoostClassifier;
            KNeighborsClassifier, "knn_classifier", satori_neighbors::KNeighborsClassifierParams, satori_neighbors::KNeighborsClassifier;
            KNeighborsRegressor, "knn_regressor", satori_neighbors::KNeighborsRegressorParams, satori_neighbors::KNeighborsRegressor;
            FtTransformerClassifier, "ft_transformer_classifier", satori_nn::FtTransformerClassifierParams, satori_nn::FtTransformerClassifier;
            FtTransformerRegressor, "ft_transformer_regressor", satori_nn::FtTransformerRegressorParams, satori_nn::FtTransformerRegressor;
        }
    };
}
pub(crate) use model_list;

macro_rules! model_enums {
    ($( $variant:ident, $name:literal, $params:ty, $fitted:ty; )*) => {
        /// Parameters of every model family, tagged by `kind` in TOML/JSON
        /// (`{"kind": "dummy_classifier", "strategy": "prior"}`).
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "kind")]
        pub enum ModelParams {
            $(
                #[doc = concat!("`", $name, "`")]
                #[serde(rename = $name)]
                $variant($params),
            )*
        }

        /// Every fitted model (externally tagged, as the binary model payload requires; new
        /// kinds are appended so that older payloads keep their variant numbers).
        #[derive(Debug, Clone, Serialize, Deserialize)]
        pub enum AnyModel {
            $(
                #[doc = concat!("A fitted `", $name, "`.")]
                $variant($fitted),
            )*
        }

        /// Every model kind a pipeline file's `[model] kind = …` accepts.
        pub const MODEL_KINDS: &[&str] = &[$($name),*];

        /// The capabilities of a model kind (see [`MODEL_KINDS`]).
        pub fn capabilities_of(kind: &str) -> Option<Capabilities> {
            match kind {
                $($name => Some(<$params as Family>::CAPS),)*
                _ => None,
            }
        }

        impl ModelParams {
            /// The family's name as stored in model files.
            pub fn kind(&self) -> &'static str {
                match self { $(ModelParams::$variant(_) => $name,)* }
            }

            /// What the family can do.
            pub fn capabilities(&self) -> Capabilities {
                match self { $(ModelParams::$variant(_) => <$params as Family>::CAPS,)* }
            }

            /// Check the hyperparameters alone (not against a task).
            pub fn validate_params(&self) -> Result<()> {
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

            fn fit_sparse_any(&self, x: &CsMat<f64>, data: &Dataset) -> Result<AnyModel> {
                match self {
                    $(ModelParams::$variant(p) => Ok(AnyModel::$variant(p.fit_sparse(x, data)?)),)*
                }
            }
        }

        impl AnyModel {
            /// The family's name.
            pub fn kind(&self) -> &'static str {
                match self { $(AnyModel::$variant(_) => $name,)* }
            }

            /// What the family can do.
            pub fn capabilities(&self) -> Capabilities {
                match self { $(AnyModel::$variant(_) => <$params as Family>::CAPS,)* }
            }

            fn fitted(&self) -> &dyn FittedFamily {
                match self { $(AnyModel::$variant(m) => m,)* }
            }

            /// Continue training on preprocessed rows (see [`FittedFamily::continue_training`]);
            /// an error naming the kinds that can, for the others.
            pub fn continue_training(
                &self,
                data: &Dataset,
                epochs: usize,
                progress: &dyn Progress,
            ) -> Result<AnyModel> {
                if !self.capabilities().continues {
                    return Err(Error::param(
                        "--continue-from",
                        format!(
                            "a {} has no incremental update; models that continue training: {}",
                            self.kind(),
                            continuable_kinds().join(", ")
                        ),
                    ));
                }
                match self {
                    $(AnyModel::$variant(m) => Ok(AnyModel::$variant(
                        m.continue_training(data, epochs, progress)?,
                    )),)*
                }
            }
        }
    };
}

model_list!(model_enums);

/// The kinds that can continue training on new rows ([`Capabilities::continues`]).
pub fn continuable_kinds() -> Vec<&'static str> {
    kinds_where(|c| c.continues)
}

/// The kinds whose capabilities satisfy `pred`, in list order.
pub fn kinds_where(pred: impl Fn(&Capabilities) -> bool) -> Vec<&'static str> {
    MODEL_KINDS
        .iter()
        .copied()
        .filter(|k| capabilities_of(k).is_some_and(|c| pred(&c)))
        .collect()
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
    "voting",
    "stacking",
    "ensemble_selection",
    "bagging",
    "balanced_bagging",
    "easy_ensemble",
    "adaboost",
    "knn",
    "ft_transformer",
];

impl Default for ModelParams {
    fn default() -> Self {
        ModelParams::DummyClassifier(Default::default())
    }
}

/// The kind a short `--model` name stands for, given the targets' tasks (`None`: not a short
/// name). Several targets make `mlp` the multi-task network; other names keep the first target's
/// kind, which then refuses the other targets with a message saying what learns several.
fn short_name(name: &str, tasks: &[Task]) -> Option<&'static str> {
    let classification = tasks.first().is_some_and(|t| t.is_classification());
    if tasks.len() > 1 && name == "mlp" {
        return Some("multitask_mlp");
    }
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
        "adaboost" if classification => "adaboost_classifier",
        "adaboost" => "adaboost_regressor",
        "mlp" if classification => "mlp_classifier",
        "mlp" => "mlp_regressor",
        "voting" if classification => "voting_classifier",
        "voting" => "voting_regressor",
        "stacking" if classification => "stacking_classifier",
        "stacking" => "stacking_regressor",
        "ensemble_selection" if classification => "ensemble_selection_classifier",
        "ensemble_selection" => "ensemble_selection_regressor",
        "bagging" if classification => "bagging_classifier",
        "bagging" => "bagging_regressor",
        "knn" if classification => "knn_classifier",
        "knn" => "knn_regressor",
        "ft_transformer" if classification => "ft_transformer_classifier",
        "ft_transformer" => "ft_transformer_regressor",
        _ => return None,
    })
}

impl ModelParams {
    /// The parameters for a `--model` name and the targets' tasks (one per target): a short
    /// family name (`baseline`, …) picks the variant for the task (with several targets, `mlp`
    /// is the multi-task network); a full kind (`dummy_regressor`, …) is taken as it is.
    pub fn from_name(name: &str, tasks: &[Task]) -> Result<Self> {
        if let Some(recipe) = crate::ensemble::recipe(name, tasks)? {
            return Ok(recipe);
        }
        let kind = short_name(name, tasks).unwrap_or(name);
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

    /// Check the parameters, and that they suit the targets' tasks (one per target).
    pub fn validate_for(&self, tasks: &[Task]) -> Result<()> {
        self.validate_params()?;
        let kind = self.kind();
        let role = self.capabilities().role;
        if tasks.len() > 1 && role != Role::MultiOutput {
            let multi = kinds_where(|c| c.role == Role::MultiOutput);
            return Err(Error::param(
                "model.kind",
                format!(
                    "{kind} learns one target, and {} were given; several targets are learned \
                     together by {} (`--model mlp`), or train one model per target",
                    tasks.len(),
                    multi.join(", ")
                ),
            ));
        }
        let Some(&task) = tasks.first() else {
            return Err(Error::InvalidData("training needs a target".into()));
        };
        let fits = match role {
            Role::Classifier => task.is_classification(),
            Role::BinaryClassifier => task == Task::Binary,
            Role::Regressor => !task.is_classification(),
            Role::MultiOutput => true,
        };
        if !fits {
            let needs = match role {
                Role::Classifier => "a classification target",
                Role::BinaryClassifier => "a binary classification target",
                _ => "a regression target",
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

    /// Fit on a dataset (one target, or several for a multi-output model); `valid` (already
    /// preprocessed) is the validation set of models that stop early on one, ignored by the
    /// others.
    pub fn fit(
        &self,
        data: &Dataset,
        valid: Option<&Dataset>,
        progress: &dyn Progress,
    ) -> Result<AnyModel> {
        self.validate_for(&target_tasks(data)?)?;
        self.fit_any(data, valid, progress)
    }

    /// Fit data-parallel over the ranks of `comm`, each passing its own rows: gradient
    /// boosting (LightGBM's data-parallel learner, the one-process model bit for bit); other
    /// families are an error that says so.
    pub fn fit_distributed(
        &self,
        data: &Dataset,
        comm: &dyn satori_core::collective::Collective,
        progress: &dyn Progress,
    ) -> Result<AnyModel> {
        self.validate_for(&target_tasks(data)?)?;
        match self {
            ModelParams::GbmClassifier(p) => Ok(AnyModel::GbmClassifier(
                p.fit_distributed(data, comm, progress)?,
            )),
            ModelParams::GbmRegressor(p) => Ok(AnyModel::GbmRegressor(
                p.fit_distributed(data, comm, progress)?,
            )),
            other => Err(Error::param(
                "--distributed",
                format!(
                    "trains gradient boosting (--model gbm) for now; `{}` trains on one machine \
                     (see docs/distributed.md for what runs distributed)",
                    other.kind()
                ),
            )),
        }
    }

    /// Fit on a sparse CSR matrix `x` with the target and weights of `data`; an error for
    /// families that take dense input only (see [`Capabilities::sparse_input`]).
    pub fn fit_csr(&self, x: &CsMat<f64>, data: &Dataset) -> Result<AnyModel> {
        self.validate_for(&target_tasks(data)?)?;
        if !self.capabilities().sparse_input {
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

/// A model that needs imputed input (linear models, networks) and a column that still holds
/// missing values after the steps: an error naming the column, rather than the model's own,
/// which can only number the columns of its matrix.
pub(crate) fn check_no_missing_left(current: &Dataset, model: &ModelParams) -> Result<()> {
    if model.capabilities().needs != InputNeeds::Scaled {
        return Ok(());
    }
    let x = current.x();
    for (j, col) in current.features().columns.iter().enumerate() {
        if x.column(j).iter().any(|v| v.is_nan()) {
            let hint = if matches!(col.kind, satori_core::ColumnKind::Categorical { .. }) {
                format!(
                    "encode it (e.g. add `{}` to a one_hot_encoder's columns; missing values \
                     become their own category)",
                    col.name
                )
            } else {
                "impute it (e.g. a simple_imputer step)".to_string()
            };
            return Err(Error::InvalidData(format!(
                "column `{}` still has missing values after the preprocessing steps, and {} \
                 takes none: {hint}, or leave the column out with --drop {}",
                col.name,
                model.kind(),
                col.name
            )));
        }
    }
    Ok(())
}

/// The task of each of a dataset's targets (an error without one).
pub(crate) fn target_tasks(data: &Dataset) -> Result<Vec<Task>> {
    if data.n_targets() == 0 {
        return Err(Error::InvalidData("training needs a target".into()));
    }
    Ok(data.targets().iter().map(|t| t.task()).collect())
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

    /// Predictions (and class probabilities, where the model gives them) for every target it
    /// learned: one [`Output`] for single-output models.
    pub fn outputs(&self, x: ArrayView2<'_, f64>) -> Result<Vec<Output>> {
        self.fitted().outputs(x)
    }

    /// [`AnyModel::outputs`] from a sparse CSR matrix; an error for models that take dense input
    /// only.
    pub fn outputs_csr(&self, x: &CsMat<f64>) -> Result<Vec<Output>> {
        self.fitted().outputs_sparse(x)
    }

    /// One prediction per row of a single-output model (class codes as `f64` for classifiers).
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        Ok(self.single_output(x)?.values)
    }

    /// Class probabilities of a single-output classifier that gives them; `None` otherwise.
    pub fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Option<Array2<f64>>> {
        Ok(self.single_output(x)?.proba)
    }

    fn single_output(&self, x: ArrayView2<'_, f64>) -> Result<Output> {
        let mut outputs = self.outputs(x)?;
        if outputs.len() != 1 {
            return Err(Error::InvalidData(format!(
                "a {} predicts {} targets; use its outputs per target",
                self.kind(),
                outputs.len()
            )));
        }
        Ok(outputs.remove(0))
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

    /// An ensemble's fitted members (voting, stacking); empty for every other model.
    pub fn members(&self) -> &[crate::ensemble::FittedMember] {
        match self {
            AnyModel::VotingClassifier(m)
            | AnyModel::VotingRegressor(m)
            | AnyModel::EnsembleSelectionClassifier(m)
            | AnyModel::EnsembleSelectionRegressor(m) => &m.members,
            AnyModel::StackingClassifier(m) | AnyModel::StackingRegressor(m) => &m.members,
            _ => &[],
        }
    }

    /// The number of targets it predicts (several for a multi-output model).
    pub fn n_outputs(&self) -> usize {
        match self {
            AnyModel::MultiTaskMlp(m) => m.tasks().len(),
            _ => 1,
        }
    }

    /// The network of a neural-network model (for exporting its weights); `None` for the other
    /// families.
    pub fn network(&self) -> Option<&satori_nn::Network> {
        use satori_nn::NeuralNet;
        match self {
            AnyModel::MlpClassifier(m) => Some(m.network()),
            AnyModel::MlpRegressor(m) => Some(m.network()),
            AnyModel::MultiTaskMlp(m) => Some(m.network()),
            _ => None,
        }
    }
}
