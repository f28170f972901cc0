//! [`LinearRegression`]: ordinary least squares, as scikit-learn's `LinearRegression`.
//!
//! The data are centred on their (weighted) means when fitting an intercept and every row is
//! multiplied by the square root of its sample weight (scikit-learn's `_preprocess_data` and
//! `_rescale_data`). The problem is then reduced by a blocked Householder QR (never forming
//! `XᵀX`) and solved by SVD with `scipy.linalg.lstsq`'s rule: singular values at most
//! `tol · s_max` count as zero, which gives the minimum-norm solution on rank-deficient data.
//! With `positive = true` the coefficients are constrained to be non-negative
//! (Lawson–Hanson NNLS, as `scipy.optimize.nnls`).
//!
//! ```
//! use ndarray::array;
//! use satori_core::{Dataset, Estimator, Predictor, Target};
//! use satori_linear::LinearRegressionParams;
//!
//! let x = array![[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 3.0]];
//! let y = array![2.0, 3.0, 6.0, 10.0]; // 1 + 2·x0 + x1
//! let data = Dataset::new(x.clone(), vec!["a".into(), "b".into()])
//!     .unwrap()
//!     .with_target(Target::regression(y))
//!     .unwrap();
//! let model = LinearRegressionParams::default().fit(&data).unwrap();
//! assert!((model.coef()[0] - 2.0).abs() < 1e-12);
//! assert!((model.intercept() - 1.0).abs() < 1e-12);
//! assert!(model.predict(array![[1.0, 1.0]].view()).is_ok());
//! ```

use ndarray::ArrayView1;
use ndarray::{Array1, ArrayView2};
use satori_core::{
    CsMat, Dataset, Error, Estimator, Params, Predictor, Progress, Result, SparseEstimator,
    SparsePredictor, Target,
};
use serde::{Deserialize, Serialize};

use crate::common::data::{LinearFunction, center, regression_target, weights};
use crate::solvers::cgls::fit_sparse_ls;
use crate::solvers::dense::{lstsq, reduce};
use crate::solvers::nnls::nnls;

const NAME: &str = "LinearRegression";

/// Parameters of [`LinearRegression`], with scikit-learn's names and defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct LinearRegressionParams {
    /// Fit a constant term (the data are centred first). Default `true`.
    pub fit_intercept: bool,
    /// Constrain every coefficient to be `≥ 0` (non-negative least squares). Default `false`.
    pub positive: bool,
    /// The relative cut-off of the least-squares SVD (scipy's `cond`): singular values at most
    /// `tol · s_max` are treated as zero. Default `1e-6`; a finite number in `[0, 1)`.
    pub tol: f64,
}

impl Default for LinearRegressionParams {
    fn default() -> Self {
        LinearRegressionParams {
            fit_intercept: true,
            positive: false,
            tol: 1e-6,
        }
    }
}

impl Params for LinearRegressionParams {
    fn validate(&self) -> Result<()> {
        if !(self.tol.is_finite() && (0.0..1.0).contains(&self.tol)) {
            return Err(Error::param(
                "tol",
                format!(
                    "must be a number in [0, 1) (default 1e-6), got {}",
                    self.tol
                ),
            ));
        }
        Ok(())
    }
}

/// A fitted least-squares model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearRegression {
    f: LinearFunction,
    rank: usize,
    singular: Vec<f64>,
}

impl LinearRegression {
    /// The coefficients, one per feature (scikit-learn's `coef_`).
    pub fn coef(&self) -> &[f64] {
        &self.f.coef
    }

    /// The constant term (`intercept_`; 0 without `fit_intercept`).
    pub fn intercept(&self) -> f64 {
        self.f.intercept
    }

    /// The effective rank of the (centred, weighted) design matrix (`rank_`).
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// Its singular values, non-increasing (`singular_`); empty when `positive`.
    pub fn singular_values(&self) -> &[f64] {
        &self.singular
    }
}

impl Estimator for LinearRegressionParams {
    type Model = LinearRegression;

    fn fit_with_progress(
        &self,
        data: &Dataset,
        _progress: &dyn Progress,
    ) -> Result<LinearRegression> {
        self.validate()?;
        let y = regression_target(data, NAME)?;
        let w = weights(data, NAME)?;
        let c = center(data.x(), y.view(), w.as_deref(), self.fit_intercept);
        let (coef, rank, singular) = if self.positive {
            let red = reduce(&c.x, &c.y);
            let coef = nnls(&red.r, &red.z)?;
            let rank = coef.iter().filter(|&&v| v != 0.0).count();
            (coef, rank, Vec::new())
        } else {
            let s = lstsq(&c.x, &c.y, self.tol)?;
            (s.coef, s.rank, s.singular)
        };
        let f = LinearFunction::from_centered(coef, &c);
        if !f.intercept.is_finite() || f.coef.iter().any(|v| !v.is_finite()) {
            return Err(Error::InvalidData(format!(
                "{NAME}: the solution is not finite; the data hold values too large for \
                 double precision (scale them first)"
            )));
        }
        Ok(LinearRegression { f, rank, singular })
    }
}

impl Predictor for LinearRegression {
    fn n_features(&self) -> usize {
        self.f.coef.len()
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        self.f.decision(x, NAME)
    }
}

impl SparseEstimator for LinearRegressionParams {
    /// Least squares on a CSR matrix without densifying: conjugate gradients on the implicitly
    /// centred normal equations from zero (CGLS, the twin of scikit-learn's `lsqr`), which
    /// converges to the minimum-norm solution, to a relative residual of 1e-13. `tol` (the SVD
    /// cut-off of the dense solver) is not used; `rank()` and `singular_values()` are not
    /// computed (0 and empty). `positive` is not available on sparse input (as in
    /// scikit-learn).
    fn fit_csr(
        &self,
        x: &CsMat<f64>,
        target: &Target,
        weights: Option<ArrayView1<'_, f64>>,
    ) -> Result<LinearRegression> {
        self.validate()?;
        if self.positive {
            return Err(Error::param(
                "positive",
                "non-negative least squares needs dense input; set positive = false for a \
                 sparse matrix",
            ));
        }
        let f = fit_sparse_ls(x, target, weights, 0.0, self.fit_intercept, NAME)?;
        Ok(LinearRegression {
            f,
            rank: 0,
            singular: Vec::new(),
        })
    }
}

impl SparsePredictor for LinearRegression {
    fn predict_csr(&self, x: &CsMat<f64>) -> Result<Array1<f64>> {
        self.f.decision_csr(x, NAME)
    }
}
