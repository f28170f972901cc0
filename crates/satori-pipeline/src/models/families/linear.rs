//! The linear family (satori-linear): every model learns from sparse input and has coefficients;
//! the SGD learners continue training with `partial_fit` passes.

use ndarray::ArrayView2;
use satori_core::{
    CsMat, Dataset, Estimator, Predictor, Progress, Result, SparseEstimator, TrainingHistory,
};
use satori_linear as lin;

use super::{
    InputNeeds, Role, caps, column_magnitudes, no_continuation, sparse_outputs, values_only,
    with_proba,
};
use crate::models::{Capabilities, Family, FittedFamily, Output, single};

/// A one-line account of a fitted linear model: coefficients, and how the solver ended.
fn linear_summary(
    name: &str,
    coef: &[f64],
    intercept: &[f64],
    iters: Option<(usize, bool)>,
) -> String {
    let nonzero = coef.iter().filter(|c| **c != 0.0).count();
    let intercept: Vec<String> = intercept.iter().map(|v| format!("{v:.6}")).collect();
    let solver = match iters {
        Some((n, true)) => format!("; converged in {n} iterations"),
        Some((n, false)) => format!("; NOT converged after {n} iterations (raise max_iter or tol)"),
        None => String::new(),
    };
    format!(
        "{name}: {} coefficients ({nonzero} non-zero), intercept {}{solver}",
        coef.len(),
        intercept.join(", ")
    )
}

/// A linear regressor's capabilities: sparse input, coefficients, nothing else.
const LINEAR_REGRESSOR: Capabilities = caps(
    Role::Regressor,
    InputNeeds::Scaled,
    true,
    false,
    false,
    true,
    false,
    false,
);

/// `impl Family` for a linear parameter type: the capabilities given, a dense fit that ignores a
/// validation set, and the sparse fit of its [`SparseEstimator`].
macro_rules! linear_family {
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
                self.fit_csr(x, data.require_target()?, data.weights())
            }
        }
    };
}

linear_family!(lin::LinearRegressionParams, LINEAR_REGRESSOR);
linear_family!(lin::RidgeParams, LINEAR_REGRESSOR);
linear_family!(lin::LassoParams, LINEAR_REGRESSOR);
linear_family!(lin::ElasticNetParams, LINEAR_REGRESSOR);
linear_family!(lin::PoissonRegressorParams, LINEAR_REGRESSOR);
linear_family!(lin::TweedieRegressorParams, LINEAR_REGRESSOR);
linear_family!(
    lin::SgdRegressorParams,
    Capabilities {
        continues: true,
        ..LINEAR_REGRESSOR
    }
);
linear_family!(
    lin::LogisticRegressionParams,
    Capabilities {
        role: Role::Classifier,
        probabilities: true,
        ..LINEAR_REGRESSOR
    }
);
linear_family!(
    lin::SgdClassifierParams,
    Capabilities {
        role: Role::Classifier,
        // Only with a probabilistic loss (`log_loss`, `modified_huber`): see `outputs`.
        probabilities: true,
        continues: true,
        ..LINEAR_REGRESSOR
    }
);

/// The [`FittedFamily`] items every linear regressor shares: dense and sparse predictions
/// without probabilities, `|coef|`, no importances or history, no continuation unless given.
macro_rules! linear_regressor {
    ($fitted:ty, $summary:expr) => {
        impl FittedFamily for $fitted {
            fn n_features(&self) -> usize {
                Predictor::n_features(self)
            }
            fn outputs(&self, x: ArrayView2<'_, f64>) -> Result<Vec<Output>> {
                values_only(self, x)
            }
            fn outputs_sparse(&self, x: &CsMat<f64>) -> Result<Vec<Output>> {
                sparse_outputs(self, x)
            }
            fn importances(&self) -> Option<Vec<f64>> {
                None
            }
            fn coef_magnitudes(&self) -> Option<Vec<f64>> {
                Some(self.coef().iter().map(|c| c.abs()).collect())
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

linear_regressor!(lin::LinearRegression, |m| linear_summary(
    &format!("least squares (rank {})", m.rank()),
    m.coef(),
    &[m.intercept()],
    None,
));
linear_regressor!(lin::Ridge, |m| linear_summary(
    "ridge",
    m.coef(),
    &[m.intercept()],
    None
));
linear_regressor!(lin::ElasticNet, |m| linear_summary(
    &format!("coordinate descent (dual gap {:.3e})", m.dual_gap()),
    m.coef(),
    &[m.intercept()],
    Some((m.n_iter(), m.converged())),
));
linear_regressor!(lin::TweedieRegressor, |m| linear_summary(
    "generalised linear model",
    m.coef(),
    &[m.intercept()],
    Some((m.n_iter(), m.converged())),
));

impl FittedFamily for lin::SgdRegressor {
    fn n_features(&self) -> usize {
        Predictor::n_features(self)
    }
    fn outputs(&self, x: ArrayView2<'_, f64>) -> Result<Vec<Output>> {
        values_only(self, x)
    }
    fn outputs_sparse(&self, x: &CsMat<f64>) -> Result<Vec<Output>> {
        sparse_outputs(self, x)
    }
    fn importances(&self) -> Option<Vec<f64>> {
        None
    }
    fn coef_magnitudes(&self) -> Option<Vec<f64>> {
        Some(self.coef().iter().map(|c| c.abs()).collect())
    }
    fn history(&self) -> Option<TrainingHistory> {
        None
    }
    fn summary(&self) -> Option<String> {
        Some(linear_summary(
            "SGD",
            &self.coef(),
            &[self.intercept()],
            Some((self.n_iter(), self.converged())),
        ))
    }
    /// `epochs` passes of scikit-learn's `partial_fit` over the rows in order.
    fn continue_training(&self, data: &Dataset, epochs: usize, _: &dyn Progress) -> Result<Self> {
        let mut m = self.clone();
        (0..epochs).try_for_each(|_| m.partial_fit(data))?;
        Ok(m)
    }
}

impl FittedFamily for lin::LogisticRegression {
    fn n_features(&self) -> usize {
        Predictor::n_features(self)
    }
    fn outputs(&self, x: ArrayView2<'_, f64>) -> Result<Vec<Output>> {
        with_proba(self, x)
    }
    fn outputs_sparse(&self, x: &CsMat<f64>) -> Result<Vec<Output>> {
        sparse_outputs(self, x)
    }
    fn importances(&self) -> Option<Vec<f64>> {
        None
    }
    fn coef_magnitudes(&self) -> Option<Vec<f64>> {
        Some(column_magnitudes(&self.coef()))
    }
    fn history(&self) -> Option<TrainingHistory> {
        None
    }
    fn summary(&self) -> Option<String> {
        let coef = self.coef();
        Some(linear_summary(
            &format!(
                "logistic regression ({} × {} coefficients)",
                coef.nrows(),
                coef.ncols()
            ),
            coef.as_slice().unwrap_or(&[]),
            self.intercept(),
            Some((self.n_iter(), self.converged())),
        ))
    }
    fn continue_training(&self, _: &Dataset, _: usize, _: &dyn Progress) -> Result<Self> {
        no_continuation()
    }
}

impl FittedFamily for lin::SgdClassifier {
    fn n_features(&self) -> usize {
        Predictor::n_features(self)
    }
    /// Probabilities only with a loss that gives them (`log_loss`, `modified_huber`).
    fn outputs(&self, x: ArrayView2<'_, f64>) -> Result<Vec<Output>> {
        if self.gives_probabilities() {
            with_proba(self, x)
        } else {
            Ok(single(self.predict(x)?, None))
        }
    }
    fn outputs_sparse(&self, x: &CsMat<f64>) -> Result<Vec<Output>> {
        sparse_outputs(self, x)
    }
    fn importances(&self) -> Option<Vec<f64>> {
        None
    }
    fn coef_magnitudes(&self) -> Option<Vec<f64>> {
        Some(column_magnitudes(&self.coef()))
    }
    fn history(&self) -> Option<TrainingHistory> {
        None
    }
    fn summary(&self) -> Option<String> {
        let coef = self.coef();
        Some(linear_summary(
            &format!("SGD classifier, loss {:?}", self.loss()),
            &coef.iter().copied().collect::<Vec<_>>(),
            &self.intercept(),
            Some((self.n_iter(), self.converged())),
        ))
    }
    /// `epochs` passes of scikit-learn's `partial_fit` over the rows in order.
    fn continue_training(&self, data: &Dataset, epochs: usize, _: &dyn Progress) -> Result<Self> {
        let mut m = self.clone();
        (0..epochs).try_for_each(|_| m.partial_fit(data))?;
        Ok(m)
    }
}
