//! The FT-Transformer (satori-nn): scaled numeric input (categories one-hot encoded by the
//! automatic preprocessing, one token per encoded column), a loss curve, early stopping on a
//! validation set, attention maps; no continuation or transfer.

use ndarray::ArrayView2;
use satori_core::{CsMat, Dataset, Predictor, Progress, Result, TrainingHistory};
use satori_nn as nn;

use super::{
    InputNeeds, Role, dense_only, no_continuation, no_sparse_fit, values_only, with_proba,
};
use crate::models::{Capabilities, Family, FittedFamily, Output};

/// The classifier's capabilities.
const FTT: Capabilities = Capabilities {
    role: Role::Classifier,
    needs: InputNeeds::Scaled,
    sparse_input: false,
    probabilities: true,
    importances: false,
    coefficients: false,
    history: true,
    stops_on_validation: true,
    continues: false,
    transfers: false,
};

macro_rules! ftt_family {
    ($params:ty, $caps:expr) => {
        impl Family for $params {
            const CAPS: Capabilities = $caps;

            fn fit_valid(
                &self,
                data: &Dataset,
                valid: Option<&Dataset>,
                progress: &dyn Progress,
            ) -> Result<Self::Model> {
                match valid {
                    Some(v) => self.fit_with_validation(data, v, progress),
                    None => satori_core::Estimator::fit_with_progress(self, data, progress),
                }
            }

            fn fit_sparse(&self, x: &CsMat<f64>, data: &Dataset) -> Result<Self::Model> {
                no_sparse_fit(x, data)
            }
        }
    };
}

ftt_family!(nn::FtTransformerClassifierParams, FTT);
ftt_family!(
    nn::FtTransformerRegressorParams,
    Capabilities {
        role: Role::Regressor,
        probabilities: false,
        ..FTT
    }
);

macro_rules! fitted_ftt {
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
                Some(self.loss_curve().clone())
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

fitted_ftt!(nn::FtTransformerClassifier, with_proba);
fitted_ftt!(nn::FtTransformerRegressor, values_only);
