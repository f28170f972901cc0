//! # satori-tree
//!
//! Tree models of satori, all stored as one flat tree representation ([`FlatTree`]): node
//! arrays that gradient boosting, forests, isolation forests, SHAP, export and compression share.
//!
//! - [`decision_tree`]: CART trees, [`DecisionTreeClassifierParams`] →
//!   [`DecisionTreeClassifier`] and [`DecisionTreeRegressorParams`] → [`DecisionTreeRegressor`],
//!   scikit-learn's `DecisionTreeClassifier`/`DecisionTreeRegressor` split for split: criteria
//!   `gini`/`entropy`/`log_loss` and `squared_error`/`absolute_error`/`poisson`, splitter
//!   `best`/`random`, `max_depth`, `min_samples_split`, `min_samples_leaf`,
//!   `min_weight_fraction_leaf`, `max_features`, `max_leaf_nodes` (best-first growth),
//!   `min_impurity_decrease`, `ccp_alpha` (minimal cost-complexity pruning, with
//!   `cost_complexity_pruning_path`), `class_weight`, sample weights and missing values (`NaN`,
//!   learned direction per split). Models give `feature_importances`, `get_depth`,
//!   `get_n_leaves`, `apply` and the fitted [`FlatTree`].
//! - [`forest`]: [`RandomForestClassifierParams`], [`RandomForestRegressorParams`],
//!   [`ExtraTreesClassifierParams`], [`ExtraTreesRegressorParams`] → [`ForestClassifier`] /
//!   [`ForestRegressor`]: bootstrap and `max_samples`, `max_features` (scikit-learn's defaults:
//!   `sqrt` for classifiers, all for regressors), `oob_score` with the out-of-bag predictions,
//!   `class_weight` including `balanced_subsample`, impurity importances; trees grown in
//!   parallel, each from a seed derived from `seed` and its index, so the forest is the same at
//!   any thread count.
//! - [`BalancedRandomForestClassifierParams`] → [`ForestClassifier`]: imbalanced-learn's
//!   `BalancedRandomForestClassifier`, each tree grown on a random under-sample that balances
//!   the classes ([`UnderSampling`], `replacement`), then optionally bootstrapped.
//! - [`adaboost`]: [`AdaBoostClassifierParams`] → [`AdaBoostClassifier`] (scikit-learn's SAMME
//!   with trees of `max_depth` 1 by default), [`AdaBoostRegressorParams`] →
//!   [`AdaBoostRegressor`] (AdaBoost.R2, `loss` linear/square/exponential, weighted-median
//!   predictions) and [`RusBoostClassifierParams`] (imbalanced-learn's RUSBoost: SAMME on a
//!   random under-sample each round).
//! - [`isolation`]: anomaly detection with [`IsolationForestParams`] → [`IsolationForest`],
//!   scikit-learn's `IsolationForest` (`n_estimators`, `max_samples`, `max_features`,
//!   `bootstrap`, `contamination`, `seed`): `score_samples` with scikit-learn's definition and
//!   offset, `predict` 1.0 for an anomaly, `flag_rows` for dropping anomalous training rows.
//! - [`packed`]: the prediction layout the ensembles share ([`packed::Packed`]): trees compiled
//!   into 16-byte nodes walked in lockstep, a block of rows per tree.
#![warn(missing_docs)]

pub mod adaboost;
mod builder;
mod criterion;
pub mod decision_tree;
pub mod flat;
pub mod forest;
pub mod isolation;
pub mod packed;
mod params;
mod prune;

pub use adaboost::{
    AdaBoostClassifier, AdaBoostClassifierParams, AdaBoostLoss, AdaBoostRegressor,
    AdaBoostRegressorParams, RusBoostClassifier, RusBoostClassifierParams,
};
pub use criterion::{ClassCriterion, RegCriterion};
pub use decision_tree::{
    DecisionTreeClassifier, DecisionTreeClassifierParams, DecisionTreeRegressor,
    DecisionTreeRegressorParams,
};
pub use flat::{FlatTree, NodeStats, SplitRule, SplitTest};
pub use forest::{
    BalancedRandomForestClassifierParams, ExtraTreesClassifier, ExtraTreesClassifierParams,
    ExtraTreesRegressor, ExtraTreesRegressorParams, ForestClassifier, ForestRegressor, Oob,
    RandomForestClassifier, RandomForestClassifierParams, RandomForestRegressor,
    RandomForestRegressorParams, SampleSize, UnderSampling,
};
pub use isolation::{
    Contamination, IsolationForest, IsolationForestParams, IsolationMaxFeatures,
    IsolationMaxSamples, average_path_length,
};
pub use params::{ClassWeight, FeatureSampling, Splitter};
pub use prune::PruningPath;
