//! The k-nearest-neighbours models (satori-neighbors): scaled input (distances mean something
//! only on comparable columns), probabilities for the classifier, nothing else.

use ndarray::ArrayView2;
use satori_core::{CsMat, Dataset, Estimator, Predictor, Progress, Result, TrainingHistory};
use satori_neighbors as nb;

use super::{
    InputNeeds, Role, caps, dense_only, no_continuation, no_sparse_fit, values_only, with_proba,
};
use crate::models::{Capabilities, Family, FittedFamily, Output};

/// `impl Family` for a knn parameter type: dense fits only, no validation set.
macro_rules! knn_family {
    ($params:ty, $role:expr, $proba:expr) => {
        impl Family for $params {
            const CAPS: Capabilities = caps(
                $role,
                InputNeeds::Scaled,
                false,
                $proba,
                false,
                false,
                false,
                false,
            );

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

knn_family!(nb::KNeighborsClassifierParams, Role::Classifier, true);
knn_family!(nb::KNeighborsRegressorParams, Role::Regressor, false);

/// `impl FittedFamily` for a fitted knn model: `$outputs` gives (or not) probabilities.
macro_rules! fitted_knn {
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
                None
            }
            fn coef_magnitudes(&self) -> Option<Vec<f64>> {
                None
            }
            fn history(&self) -> Option<TrainingHistory> {
                None
            }
            fn summary(&self) -> Option<String> {
                let index = self.index();
                Some(format!(
                    "k-nearest neighbours: {} neighbours among {} training rows of {} columns \
                     ({} search)",
                    self.n_neighbors(),
                    index.n_samples(),
                    index.n_features(),
                    index.algorithm_for(self.n_neighbors()).name()
                ))
            }
            fn continue_training(&self, _: &Dataset, _: usize, _: &dyn Progress) -> Result<Self> {
                no_continuation()
            }
        }
    };
}

fitted_knn!(nb::KNeighborsClassifier, with_proba);
fitted_knn!(nb::KNeighborsRegressor, values_only);
