//! Neural networks (satori-nn): scaled input, a loss curve, continuation (`fit_more`), transfer
//! learning; the multi-task network learns several targets at once.

use ndarray::{Array1, Array2, ArrayView2, Axis};
use satori_core::{CsMat, Dataset, Estimator, Predictor, Progress, Result, TrainingHistory};
use satori_nn as nn;

use super::{
    InputNeeds, Role, dense_only, no_continuation, no_sparse_fit, values_only, with_proba,
};
use crate::models::{Capabilities, Family, FittedFamily, Output};

/// A single-target network's capabilities.
const MLP: Capabilities = Capabilities {
    role: Role::Classifier,
    needs: InputNeeds::Scaled,
    sparse_input: false,
    probabilities: true,
    importances: false,
    coefficients: false,
    history: true,
    stops_on_validation: true,
    continues: true,
    transfers: true,
};

/// `impl Family` for a network parameter type (its own `early_stopping` holds out a fraction of
/// the training rows; a validation file replaces that fraction where `$valid` says the network
/// takes one).
macro_rules! nn_family {
    (@impl $params:ty, $caps:expr, $fit:expr) => {
        impl Family for $params {
            const CAPS: Capabilities = $caps;

            fn fit_valid(
                &self,
                data: &Dataset,
                valid: Option<&Dataset>,
                progress: &dyn Progress,
            ) -> Result<Self::Model> {
                let fit = $fit;
                fit(self, data, valid, progress)
            }

            fn fit_sparse(&self, x: &CsMat<f64>, data: &Dataset) -> Result<Self::Model> {
                no_sparse_fit(x, data)
            }
        }
    };
    ($params:ty, $caps:expr, valid) => {
        nn_family!(@impl $params, $caps, |p: &$params,
                                       data: &Dataset,
                                       valid: Option<&Dataset>,
                                       progress: &dyn Progress| match valid {
            Some(v) => p.fit_with_validation(data, v, progress),
            None => p.fit_with_progress(data, progress),
        });
    };
    ($params:ty, $caps:expr) => {
        nn_family!(@impl $params, $caps, |p: &$params,
                                       data: &Dataset,
                                       _valid: Option<&Dataset>,
                                       progress: &dyn Progress| p
            .fit_with_progress(data, progress));
    };

}

nn_family!(nn::MlpClassifierParams, MLP, valid);
nn_family!(
    nn::MlpRegressorParams,
    Capabilities {
        role: Role::Regressor,
        probabilities: false,
        ..MLP
    },
    valid
);
nn_family!(
    nn::MultiTaskMlpParams,
    Capabilities {
        role: Role::MultiOutput,
        stops_on_validation: false,
        continues: false,
        transfers: false,
        ..MLP
    }
);

/// `impl FittedFamily` for a single-target network: `$outputs` gives (or not) probabilities.
macro_rules! fitted_mlp {
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
            /// `epochs` more epochs from the current weights (`fit_more`).
            fn continue_training(
                &self,
                data: &Dataset,
                epochs: usize,
                progress: &dyn Progress,
            ) -> Result<Self> {
                self.fit_more_with_progress(data, epochs, progress)
            }
        }
    };
}

fitted_mlp!(nn::MlpClassifier, with_proba);
fitted_mlp!(nn::MlpRegressor, values_only);

/// Class codes from probabilities: the first largest per row.
fn argmax_rows(p: &Array2<f64>) -> Array1<f64> {
    p.axis_iter(Axis(0))
        .map(|row| {
            let mut best = 0;
            for (j, &v) in row.iter().enumerate() {
                if v > row[best] {
                    best = j;
                }
            }
            best as f64
        })
        .collect()
}

impl FittedFamily for nn::MultiTaskMlp {
    fn n_features(&self) -> usize {
        nn::MultiTaskMlp::n_features(self)
    }
    /// One output per task: class probabilities and their first-largest class for a
    /// classification task, values for a regression task.
    fn outputs(&self, x: ArrayView2<'_, f64>) -> Result<Vec<Output>> {
        self.tasks()
            .iter()
            .enumerate()
            .map(|(t, task)| {
                Ok(if task.labels.is_some() {
                    let proba = self.predict_proba_task(t, x)?;
                    Output {
                        values: argmax_rows(&proba),
                        proba: Some(proba),
                    }
                } else {
                    Output {
                        values: self.predict_task(t, x)?,
                        proba: None,
                    }
                })
            })
            .collect()
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
        Some(nn::MultiTaskMlp::summary(self))
    }
    fn continue_training(&self, _: &Dataset, _: usize, _: &dyn Progress) -> Result<Self> {
        no_continuation()
    }
}
