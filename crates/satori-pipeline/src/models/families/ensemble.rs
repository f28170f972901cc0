//! Ensembles of pipelines (voting, stacking; see [`crate::ensemble`]): raw input (each member
//! brings its own preprocessing), dense only, no importances, history or continuation.

use ndarray::ArrayView2;
use satori_core::{CsMat, Dataset, Estimator, Progress, Result, TrainingHistory};

use super::{InputNeeds, Role, caps, dense_only, no_continuation, no_sparse_fit};
use crate::ensemble::{self as ens, FittedBagging, FittedStacking, FittedVoting};
use crate::models::{Capabilities, Family, FittedFamily, Output};

/// An ensemble classifier: probabilities where its members (soft voting) or its final
/// estimator (stacking) give them.
const ENSEMBLE_CLASSIFIER: Capabilities = caps(
    Role::Classifier,
    InputNeeds::Raw,
    false,
    true,
    false,
    false,
    false,
    false,
);

/// An ensemble regressor.
const ENSEMBLE_REGRESSOR: Capabilities = caps(
    Role::Regressor,
    InputNeeds::Raw,
    false,
    false,
    false,
    false,
    false,
    false,
);

/// `impl Family` for an ensemble's parameters: dense fits, no validation set.
macro_rules! ensemble_family {
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

ensemble_family!(ens::VotingClassifierParams, ENSEMBLE_CLASSIFIER);
ensemble_family!(ens::VotingRegressorParams, ENSEMBLE_REGRESSOR);
ensemble_family!(ens::StackingClassifierParams, ENSEMBLE_CLASSIFIER);
ensemble_family!(ens::StackingRegressorParams, ENSEMBLE_REGRESSOR);
ensemble_family!(ens::EnsembleSelectionClassifierParams, ENSEMBLE_CLASSIFIER);
ensemble_family!(ens::EnsembleSelectionRegressorParams, ENSEMBLE_REGRESSOR);
ensemble_family!(ens::BaggingClassifierParams, ENSEMBLE_CLASSIFIER);
ensemble_family!(ens::BaggingRegressorParams, ENSEMBLE_REGRESSOR);

/// `impl FittedFamily` for a fitted ensemble.
macro_rules! fitted_ensemble {
    ($fitted:ty) => {
        impl FittedFamily for $fitted {
            fn n_features(&self) -> usize {
                <$fitted>::n_features(self)
            }
            fn outputs(&self, x: ArrayView2<'_, f64>) -> Result<Vec<Output>> {
                Ok(vec![self.output(x)?])
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
                Some(<$fitted>::summary(self))
            }
            fn continue_training(&self, _: &Dataset, _: usize, _: &dyn Progress) -> Result<Self> {
                no_continuation()
            }
        }
    };
}

fitted_ensemble!(FittedVoting);
fitted_ensemble!(FittedStacking);
fitted_ensemble!(FittedBagging);
