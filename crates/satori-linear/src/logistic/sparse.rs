//! [`LogisticRegression`] on CSR input: the same objective and solvers as the dense fit, with
//! the rows read through the sparse structure (scikit-learn fits sparse input the same way,
//! without centring).

use ndarray::{Array1, Array2, ArrayView1};
use satori_core::{
    CsMat, NoProgress, Params, Progress, Result, SparseEstimator, SparsePredictor, Target,
};

use super::{LogisticRegression, LogisticRegressionParams, NAME};
use crate::common::classes::csr_class_input;
use crate::common::sparse::{XRef, check_predict_csr, csr_scores};

impl LogisticRegressionParams {
    /// [`SparseEstimator::fit_csr`] with progress reports.
    pub fn fit_csr_with_progress(
        &self,
        x: &CsMat<f64>,
        target: &Target,
        weights: Option<ArrayView1<'_, f64>>,
        progress: &dyn Progress,
    ) -> Result<LogisticRegression> {
        self.validate()?;
        let (codes, labels, w) = csr_class_input(x, target, weights, NAME)?;
        self.fit_rows(
            XRef::Csr(x),
            codes,
            labels,
            w.as_ref().map(|w| w.view()),
            progress,
        )
    }
}

impl SparseEstimator for LogisticRegressionParams {
    /// The fit of [`Estimator::fit`](satori_core::Estimator::fit) on a CSR matrix: the same
    /// objective, solver and stopping rule, so the same coefficients as the dense fit of the
    /// densified matrix to the solver's tolerance.
    fn fit_csr(
        &self,
        x: &CsMat<f64>,
        target: &Target,
        weights: Option<ArrayView1<'_, f64>>,
    ) -> Result<LogisticRegression> {
        self.fit_csr_with_progress(x, target, weights, &NoProgress)
    }
}

impl LogisticRegression {
    /// [`decision_function`](Self::decision_function) for a CSR matrix.
    pub fn decision_function_csr(&self, x: &CsMat<f64>) -> Result<Array2<f64>> {
        check_predict_csr(x, self.n_features_in(), NAME)?;
        self.check_model()?;
        let coefs = (0..self.n_rows()).map(|k| (self.coef_row(k), self.intercept()[k]));
        Ok(csr_scores(x, coefs))
    }
}

impl SparsePredictor for LogisticRegression {
    /// The most probable class's code (as `f64`) per row, as [`Predictor::predict`].
    ///
    /// [`Predictor::predict`]: satori_core::Predictor::predict
    fn predict_csr(&self, x: &CsMat<f64>) -> Result<Array1<f64>> {
        let scores = self.decision_function_csr(x)?;
        Ok(self.labels_of(&scores))
    }

    /// Class probabilities per row, as [`PredictProba::predict_proba`].
    ///
    /// [`PredictProba::predict_proba`]: satori_core::PredictProba::predict_proba
    fn predict_proba_csr(&self, x: &CsMat<f64>) -> Result<Option<Array2<f64>>> {
        let scores = self.decision_function_csr(x)?;
        Ok(Some(self.proba_of(&scores)))
    }
}
