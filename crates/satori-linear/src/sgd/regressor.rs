//! [`SgdRegressorParams`] → [`SgdRegressor`].

use ndarray::{Array1, ArrayView1, ArrayView2};
use satori_core::{
    CsMat, Dataset, Error, Estimator, NoProgress, Params, Predictor, Progress, Result,
    SparseEstimator, SparsePredictor, Target, check_features,
};
use serde::{Deserialize, Serialize};

use super::kernel::{self, Config, Loss, Rows, State};
use super::{
    LearningRate, Penalty, dense_score, epoch_orders, kernel_l1_ratio, validate_common,
    validate_epsilon,
};
use crate::common::classes::{check_finite, regression_target, require_rows};
use crate::common::sparse::{XRef, check_fit_csr, check_predict_csr, csr_matvec};

const NAME: &str = "SgdRegressor";

/// The loss of an [`SgdRegressor`] (scikit-learn's `loss`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SgdRegressorLoss {
    /// `½ (p - y)²`: ordinary least squares (default).
    #[default]
    SquaredError,
    /// Squared within `epsilon` of the target, linear beyond: robust to outliers.
    Huber,
    /// `max(0, |y - p| - epsilon)`: linear support vector regression.
    EpsilonInsensitive,
    /// `max(0, |y - p| - epsilon)²`.
    SquaredEpsilonInsensitive,
}

/// Parameters of an [`SgdRegressor`], with scikit-learn 1.9's names and defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct SgdRegressorParams {
    /// The loss. Default `squared_error`; one of `squared_error`, `huber`,
    /// `epsilon_insensitive`, `squared_epsilon_insensitive`.
    pub loss: SgdRegressorLoss,
    /// The penalty. Default `l2`; one of `none`, `l2`, `l1`, `elasticnet`.
    pub penalty: Penalty,
    /// Penalty strength. Default 1e-4; ≥ 0, and > 0 with `learning_rate = "optimal"`.
    pub alpha: f64,
    /// Elastic-net mixing (used by `elasticnet` only). Default 0.15; in [0, 1].
    pub l1_ratio: f64,
    /// Whether to fit an intercept. Default true.
    pub fit_intercept: bool,
    /// Maximum number of epochs. Default 1000; ≥ 1.
    pub max_iter: usize,
    /// Stopping tolerance on the mean training objective (see [`SgdClassifierParams::tol`]).
    /// Default 1e-3; ≥ 0, or absent for no stopping rule.
    ///
    /// [`SgdClassifierParams::tol`]: crate::SgdClassifierParams::tol
    pub tol: Option<f64>,
    /// Whether to shuffle the rows before each epoch (with `seed`). Default true.
    pub shuffle: bool,
    /// Seed of the shuffling. Any value; default 0.
    pub seed: u64,
    /// Width of the insensitive zone (`huber`, `epsilon_insensitive`,
    /// `squared_epsilon_insensitive`). Default 0.1; ≥ 0.
    pub epsilon: f64,
    /// The learning-rate schedule. Default `invscaling`.
    pub learning_rate: LearningRate,
    /// Initial learning rate. Default 0.01; > 0.
    pub eta0: f64,
    /// Exponent of `invscaling`. Default 0.25; finite.
    pub power_t: f64,
    /// Epochs without improvement before stopping (or, with `adaptive`, dividing the rate by 5).
    /// Default 5; ≥ 1.
    pub n_iter_no_change: usize,
    /// Average the coefficients from update `average` on. Default 0 (no averaging).
    pub average: u64,
}

impl Default for SgdRegressorParams {
    fn default() -> Self {
        SgdRegressorParams {
            loss: SgdRegressorLoss::SquaredError,
            penalty: Penalty::L2,
            alpha: 1e-4,
            l1_ratio: 0.15,
            fit_intercept: true,
            max_iter: 1000,
            tol: Some(1e-3),
            shuffle: true,
            seed: 0,
            epsilon: 0.1,
            learning_rate: LearningRate::Invscaling,
            eta0: 0.01,
            power_t: 0.25,
            n_iter_no_change: 5,
            average: 0,
        }
    }
}

impl Params for SgdRegressorParams {
    fn validate(&self) -> Result<()> {
        validate_common(
            self.penalty,
            self.alpha,
            self.l1_ratio,
            self.learning_rate,
            self.eta0,
            self.power_t,
            self.max_iter,
            self.tol,
            self.n_iter_no_change,
        )?;
        validate_epsilon(self.epsilon)
    }
}

impl SgdRegressorParams {
    fn config(&self) -> Config {
        Config {
            loss: match self.loss {
                SgdRegressorLoss::SquaredError => Loss::SquaredError,
                SgdRegressorLoss::Huber => Loss::Huber(self.epsilon),
                SgdRegressorLoss::EpsilonInsensitive => Loss::EpsilonInsensitive(self.epsilon),
                SgdRegressorLoss::SquaredEpsilonInsensitive => {
                    Loss::SquaredEpsilonInsensitive(self.epsilon)
                }
            },
            penalty: self.penalty,
            alpha: self.alpha,
            l1_ratio: kernel_l1_ratio(self.penalty, self.l1_ratio),
            learning_rate: self.learning_rate,
            eta0: self.eta0,
            power_t: self.power_t,
            fit_intercept: self.fit_intercept,
            average: self.average,
            tol: self.tol,
            n_iter_no_change: self.n_iter_no_change,
        }
    }

    /// A validated model before its first pass: zero weights.
    fn start_online(&self, n_features: usize) -> Result<SgdRegressor> {
        self.validate()?;
        let cfg = self.config();
        Ok(SgdRegressor {
            state: State::new(n_features, &cfg),
            cfg,
            n_features,
            n_iter: 0,
            converged: false,
        })
    }

    /// A new model from one pass over `data`, in row order (a first `partial_fit`). Continue it
    /// with [`SgdRegressor::partial_fit`].
    pub fn partial_fit(&self, data: &Dataset) -> Result<SgdRegressor> {
        let mut model = self.start_online(data.n_features())?;
        model.partial_fit(data)?;
        Ok(model)
    }

    /// [`partial_fit`](Self::partial_fit) on a CSR matrix (a first pass, in row order); continue
    /// with [`SgdRegressor::partial_fit_csr`].
    pub fn partial_fit_csr(
        &self,
        x: &CsMat<f64>,
        target: &Target,
        weights: Option<ArrayView1<'_, f64>>,
    ) -> Result<SgdRegressor> {
        let mut model = self.start_online(x.cols())?;
        model.partial_fit_csr(x, target, weights)?;
        Ok(model)
    }
}

impl Estimator for SgdRegressorParams {
    type Model = SgdRegressor;

    fn fit_with_progress(&self, data: &Dataset, progress: &dyn Progress) -> Result<SgdRegressor> {
        self.validate()?;
        let y = regression_target(data, NAME)?;
        require_rows(y.len(), NAME)?;
        check_finite(data.x(), NAME)?;
        let weight: Vec<f64> = data.weights_or_ones().to_vec();
        self.fit_rows(XRef::Dense(data.x()), y.to_vec(), weight, progress)
    }
}

impl SgdRegressorParams {
    /// The fit on checked features (dense or CSR), targets and per-row weights.
    fn fit_rows(
        &self,
        x: XRef<'_>,
        y: Vec<f64>,
        weight: Vec<f64>,
        progress: &dyn Progress,
    ) -> Result<SgdRegressor> {
        let n_features = x.ncols();
        let cfg = self.config();
        let mut state = State::new(n_features, &cfg);
        let rows = Rows {
            x,
            y: &y,
            weight: &weight,
        };
        progress.start("SGD regressor", None);
        let orders = epoch_orders(y.len(), self.shuffle, self.seed);
        let n_iter = kernel::run(&mut state, &cfg, &rows, self.max_iter, true, orders)?;
        progress.finish();
        let converged = n_iter < self.max_iter;
        if !converged {
            progress.note(&format!(
                "SgdRegressor ran all {} epochs without meeting tol; increase max_iter",
                self.max_iter
            ));
        }
        Ok(SgdRegressor {
            cfg,
            state,
            n_features,
            n_iter,
            converged,
        })
    }
}

/// A fitted SGD regressor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SgdRegressor {
    cfg: Config,
    state: State,
    n_features: usize,
    n_iter: usize,
    converged: bool,
}

impl SgdRegressor {
    /// One more pass over `data`, in row order, continuing from the current state.
    pub fn partial_fit(&mut self, data: &Dataset) -> Result<()> {
        let y = regression_target(data, NAME)?;
        require_rows(y.len(), NAME)?;
        check_features(data.x(), self.n_features)?;
        check_finite(data.x(), NAME)?;
        let weight: Vec<f64> = data.weights_or_ones().to_vec();
        self.partial_fit_rows(XRef::Dense(data.x()), y.to_vec(), weight)
    }

    /// [`partial_fit`](Self::partial_fit) on checked features (dense or CSR).
    fn partial_fit_rows(&mut self, x: XRef<'_>, y: Vec<f64>, weight: Vec<f64>) -> Result<()> {
        self.check_model()?;
        let rows = Rows {
            x,
            y: &y,
            weight: &weight,
        };
        kernel::run(
            &mut self.state,
            &self.cfg,
            &rows,
            1,
            false,
            epoch_orders(y.len(), false, 0),
        )?;
        self.n_iter = 1;
        Ok(())
    }

    /// The coefficients (scikit-learn's `coef_`; the averaged ones when averaging applies).
    pub fn coef(&self) -> Vec<f64> {
        self.state.coef(&self.cfg).0
    }

    /// The intercept.
    pub fn intercept(&self) -> f64 {
        self.state.coef(&self.cfg).1
    }

    /// Epochs of the last fit; 1 after `partial_fit`.
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// Whether the stopping rule ended the fit before `max_iter` epochs.
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// Updates done so far plus one (scikit-learn's `t_`).
    pub fn t(&self) -> f64 {
        self.state.t
    }

    fn check_model(&self) -> Result<()> {
        if self.state.consistent(self.n_features, &self.cfg) {
            Ok(())
        } else {
            Err(Error::InvalidData(
                "this SgdRegressor is inconsistent (weights and feature count disagree); was the \
                 model file altered?"
                    .into(),
            ))
        }
    }
}

impl Predictor for SgdRegressor {
    fn n_features(&self) -> usize {
        self.n_features
    }

    /// `x · coef + intercept` per row.
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_features(x, self.n_features)?;
        check_finite(x, NAME)?;
        self.check_model()?;
        let (w, b) = self.state.coef(&self.cfg);
        Ok(x.outer_iter().map(|row| dense_score(row, &w, b)).collect())
    }
}

/// The continuous target and per-row weights of a sparse fit, checked.
fn csr_target(
    x: &CsMat<f64>,
    target: &Target,
    weights: Option<ArrayView1<'_, f64>>,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let y = match target {
        Target::Continuous(y) => y.to_vec(),
        Target::Classes { .. } => {
            return Err(Error::InvalidData(format!(
                "{NAME} needs a continuous target, and this target holds class labels (use a \
                 classifier)"
            )));
        }
    };
    if let Some(v) = y.iter().find(|v| !v.is_finite()) {
        return Err(Error::InvalidData(format!(
            "{NAME} needs a finite target, found {v}; drop or impute those rows"
        )));
    }
    let w = check_fit_csr(x, target, weights, NAME)?;
    let n = y.len();
    Ok((y, w.unwrap_or_else(|| vec![1.0; n])))
}

impl SparseEstimator for SgdRegressorParams {
    /// [`Estimator::fit`] on a CSR matrix, with scikit-learn's sparse SGD (see
    /// [`SgdClassifierParams`]'s `fit_csr`: updates through the stored entries, intercept
    /// updates scaled by 0.01).
    ///
    /// [`SgdClassifierParams`]: crate::SgdClassifierParams
    fn fit_csr(
        &self,
        x: &CsMat<f64>,
        target: &Target,
        weights: Option<ArrayView1<'_, f64>>,
    ) -> Result<SgdRegressor> {
        self.validate()?;
        let (y, w) = csr_target(x, target, weights)?;
        self.fit_rows(XRef::Csr(x), y, w, &NoProgress)
    }
}

impl SgdRegressor {
    /// [`partial_fit`](Self::partial_fit) on a CSR matrix: one more pass in row order with the
    /// sparse updates.
    pub fn partial_fit_csr(
        &mut self,
        x: &CsMat<f64>,
        target: &Target,
        weights: Option<ArrayView1<'_, f64>>,
    ) -> Result<()> {
        let (y, w) = csr_target(x, target, weights)?;
        check_predict_csr(x, self.n_features, NAME)?;
        self.partial_fit_rows(XRef::Csr(x), y, w)
    }
}

impl SparsePredictor for SgdRegressor {
    /// `x · coef + intercept` per row (the same values as the dense prediction).
    fn predict_csr(&self, x: &CsMat<f64>) -> Result<Array1<f64>> {
        check_predict_csr(x, self.n_features, NAME)?;
        self.check_model()?;
        let (w, b) = self.state.coef(&self.cfg);
        Ok(Array1::from(csr_matvec(x, &w, b)))
    }
}
