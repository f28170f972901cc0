//! Histogram gradient boosting (satori-gbm): raw input, gain importances, a training history,
//! early stopping on a validation set.

use ndarray::ArrayView2;
use satori_core::{CsMat, Dataset, Estimator, Predictor, Progress, Result, TrainingHistory};
use satori_gbm as gbm;

use super::{
    InputNeeds, Role, caps, dense_only, no_continuation, no_sparse_fit, normalised, values_only,
    with_proba,
};
use crate::models::{Capabilities, Family, FittedFamily, Output};

/// `impl Family` for a boosting parameter type: a validation set, when given, is what early
/// stopping watches.
macro_rules! gbm_family {
    ($params:ty, $role:expr, $proba:expr) => {
        impl Family for $params {
            const CAPS: Capabilities = caps(
                $role,
                InputNeeds::Raw,
                false,
                $proba,
                true,
                false,
                true,
                true,
            );

            fn fit_valid(
                &self,
                data: &Dataset,
                valid: Option<&Dataset>,
                progress: &dyn Progress,
            ) -> Result<Self::Model> {
                match valid {
                    Some(v) => self.fit_with_validation(data, v),
                    None => self.fit_with_progress(data, progress),
                }
            }

            fn fit_sparse(&self, x: &CsMat<f64>, data: &Dataset) -> Result<Self::Model> {
                no_sparse_fit(x, data)
            }
        }
    };
}

gbm_family!(gbm::GbmClassifierParams, Role::Classifier, true);
gbm_family!(gbm::GbmRegressorParams, Role::Regressor, false);

fn gbm_summary(trees: &[satori_tree::FlatTree], n_iter: usize, per_round: usize) -> String {
    let leaves: usize = trees.iter().map(|t| t.n_leaves()).sum();
    format!(
        "gradient boosting: {n_iter} rounds × {per_round} tree(s) = {} trees, {leaves} leaves in all",
        trees.len()
    )
}

/// `impl FittedFamily` for a fitted booster: `$outputs` gives (or not) probabilities.
macro_rules! fitted_gbm {
    ($fitted:ty, $outputs:ident) => {
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
                Some(normalised(
                    self.feature_importances(gbm::ImportanceKind::Gain),
                ))
            }
            fn coef_magnitudes(&self) -> Option<Vec<f64>> {
                None
            }
            fn history(&self) -> Option<TrainingHistory> {
                Some(self.training_history().clone())
            }
            fn summary(&self) -> Option<String> {
                let per_round = (self.trees().len() / self.n_iter().max(1)).max(1);
                Some(gbm_summary(self.trees(), self.n_iter(), per_round))
            }
            fn continue_training(&self, _: &Dataset, _: usize, _: &dyn Progress) -> Result<Self> {
                no_continuation()
            }
        }
    };
}

fitted_gbm!(gbm::GbmClassifier, with_proba);
fitted_gbm!(gbm::GbmRegressor, values_only);
