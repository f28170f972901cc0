//! Decision trees, random forests, extra trees, the balanced random forest, AdaBoost and
//! RUSBoost (satori-tree): raw input, importances.

use ndarray::ArrayView2;
use satori_core::{CsMat, Dataset, Estimator, Predictor, Progress, Result, TrainingHistory};
use satori_tree as tree;

use super::{
    InputNeeds, Role, caps, dense_only, no_continuation, no_sparse_fit, values_only, with_proba,
};
use crate::models::{Capabilities, Family, FittedFamily, Output};

/// A tree classifier's capabilities: raw input, probabilities, importances.
const TREE_CLASSIFIER: Capabilities = caps(
    Role::Classifier,
    InputNeeds::Raw,
    false,
    true,
    true,
    false,
    false,
    false,
);

/// A tree regressor's capabilities: raw input, importances.
const TREE_REGRESSOR: Capabilities = caps(
    Role::Regressor,
    InputNeeds::Raw,
    false,
    false,
    true,
    false,
    false,
    false,
);

/// `impl Family` for a tree parameter type: dense fits only, no validation set.
macro_rules! tree_family {
    ($params:ty, $caps:expr) => {
        impl Family for $params {
            const CAPS: Capabilities = $caps;

            fn fit_valid(
                &self,
                data: &Dataset,
                _valid: Option<&Dataset>,
                progress: &dyn Progress,
            ) -> Result<Self::Model> {
                self.fit_with_progress(data, progress)
            }

            fn fit_sparse(&self, x: &CsMat<f64>, data: &Dataset) -> Result<Self::Model> {
                no_sparse_fit(x, data)
            }
        }
    };
}

tree_family!(tree::DecisionTreeClassifierParams, TREE_CLASSIFIER);
tree_family!(tree::DecisionTreeRegressorParams, TREE_REGRESSOR);
tree_family!(tree::RandomForestClassifierParams, TREE_CLASSIFIER);
tree_family!(tree::RandomForestRegressorParams, TREE_REGRESSOR);
tree_family!(tree::ExtraTreesClassifierParams, TREE_CLASSIFIER);
tree_family!(tree::ExtraTreesRegressorParams, TREE_REGRESSOR);
tree_family!(tree::BalancedRandomForestClassifierParams, TREE_CLASSIFIER);
tree_family!(tree::AdaBoostClassifierParams, TREE_CLASSIFIER);
tree_family!(tree::AdaBoostRegressorParams, TREE_REGRESSOR);
tree_family!(tree::RusBoostClassifierParams, TREE_CLASSIFIER);

fn forest_summary(trees: &[tree::FlatTree], oob: Option<f64>) -> String {
    let leaves: usize = trees.iter().map(|t| t.n_leaves()).sum();
    let depth = trees.iter().map(|t| t.max_depth()).max().unwrap_or(0);
    let oob = oob
        .map(|s| format!("; out-of-bag score {s:.4}"))
        .unwrap_or_default();
    format!(
        "forest: {} trees, {leaves} leaves in all, deepest {depth}{oob}",
        trees.len()
    )
}

/// `impl FittedFamily` for a fitted tree model: `$outputs` gives (or not) probabilities.
macro_rules! fitted_tree {
    ($fitted:ty, $outputs:ident, $summary:expr) => {
        impl FittedFamily for $fitted {
            fn n_features(&self) -> usize {
                Predictor::n_features(self)
            }
            fn outputs(&self, x: ArrayView2<'_, f64>) -> Result<Vec<Output>> {
                $outputs(self, x)
            }
            fn outputs_sparse(&self, _x: &CsMat<f64>) -> Result<Vec<Output>> {
                Err(dense_only())
            }
            fn importances(&self) -> Option<Vec<f64>> {
                Some(self.feature_importances())
            }
            fn coef_magnitudes(&self) -> Option<Vec<f64>> {
                None
            }
            fn history(&self) -> Option<TrainingHistory> {
                None
            }
            fn summary(&self) -> Option<String> {
                let f: fn(&$fitted) -> String = $summary;
                Some(f(self))
            }
            fn continue_training(&self, _: &Dataset, _: usize, _: &dyn Progress) -> Result<Self> {
                no_continuation()
            }
        }
    };
}

fitted_tree!(tree::DecisionTreeClassifier, with_proba, |m| format!(
    "decision tree: depth {}, {} leaves",
    m.get_depth(),
    m.get_n_leaves()
));
fitted_tree!(tree::DecisionTreeRegressor, values_only, |m| format!(
    "decision tree: depth {}, {} leaves",
    m.get_depth(),
    m.get_n_leaves()
));
fitted_tree!(tree::ForestClassifier, with_proba, |m| forest_summary(
    m.trees(),
    m.oob_score()
));
fitted_tree!(tree::ForestRegressor, values_only, |m| forest_summary(
    m.trees(),
    m.oob_score()
));
fitted_tree!(tree::AdaBoostClassifier, with_proba, |m| boosting_summary(
    m.trees(),
    m.estimator_weights()
));
fitted_tree!(tree::AdaBoostRegressor, values_only, |m| boosting_summary(
    m.trees(),
    m.estimator_weights()
));

fn boosting_summary(trees: &[tree::FlatTree], weights: &[f64]) -> String {
    let leaves: usize = trees.iter().map(|t| t.n_leaves()).sum();
    let depth = trees.iter().map(|t| t.max_depth()).max().unwrap_or(0);
    format!(
        "adaboost: {} trees of {} rounds, {leaves} leaves in all, deepest {depth}",
        trees.len(),
        weights.len()
    )
}
