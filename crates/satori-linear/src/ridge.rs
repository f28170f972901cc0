//! [`Ridge`]: least squares with an L2 penalty, as scikit-learn's `Ridge`:
//! `min ‖y − Xw‖² + α‖w‖²` (the intercept is not penalised).
//!
//! Data preparation is [`crate::LinearRegression`]'s (weighted centring, `√w` row scaling).
//! Solvers, as scikit-learn's for dense data:
//!
//! - `cholesky` (what `auto` picks): `(XᵀX + αI) w = Xᵀy` by Cholesky, or the dual
//!   `(XXᵀ + αI) a = y, w = Xᵀa` when there are more features than rows; a matrix that is not
//!   numerically positive definite (α = 0 on collinear data) falls back to `svd`, as in
//!   scikit-learn.
//! - `svd`: `w = V · diag(s / (s² + α)) · Uᵀ y` over the singular values `s > 1e-15`.
//!
//! ```
//! use ndarray::array;
//! use satori_core::{Dataset, Estimator, Predictor, Target};
//! use satori_linear::RidgeParams;
//!
//! let x = array![[0.0], [1.0], [2.0], [3.0]];
//! let data = Dataset::new(x.clone(), vec!["a".into()])
//!     .unwrap()
//!     .with_target(Target::regression(array![0.0, 2.0, 4.0, 6.0]))
//!     .unwrap();
//! let model = RidgeParams { alpha: 5.0, ..Default::default() }.fit(&data).unwrap();
//! // Σ x_c² = 5, Σ x_c y_c = 10: w = 10 / (5 + 5) = 1.
//! assert!((model.coef()[0] - 1.0).abs() < 1e-12);
//! assert!((model.intercept() - 1.5).abs() < 1e-12);
//! ```

use faer::Mat;
use ndarray::ArrayView1;
use ndarray::{Array1, ArrayView2};
use satori_core::{
    CsMat, Dataset, Error, Estimator, Params, Predictor, Progress, Result, SparseEstimator,
    SparsePredictor, Target,
};
use serde::{Deserialize, Serialize};

use crate::common::data::{
    Centered, LinearFunction, center, gram, regression_target, weights, xt_vec,
};
use crate::solvers::cgls::fit_sparse_ls;
use crate::solvers::dense::{ridge_svd, solve_spd};

const NAME: &str = "Ridge";

/// The solver of [`Ridge`] (scikit-learn's `solver`, the dense direct ones).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RidgeSolver {
    /// `cholesky` (scikit-learn's choice for dense data without `positive`).
    #[default]
    Auto,
    /// Cholesky on the normal equations (or their dual when features outnumber rows).
    Cholesky,
    /// SVD of the design matrix: slower, most stable on ill-conditioned data.
    Svd,
}

/// Parameters of [`Ridge`], with scikit-learn's names and defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct RidgeParams {
    /// The L2 penalty strength `α` of `‖y − Xw‖² + α‖w‖²`. Default `1.0`; a finite number `≥ 0`.
    pub alpha: f64,
    /// Fit an unpenalised constant term. Default `true`.
    pub fit_intercept: bool,
    /// The solver: `auto` (default), `cholesky` or `svd`.
    pub solver: RidgeSolver,
}

impl Default for RidgeParams {
    fn default() -> Self {
        RidgeParams {
            alpha: 1.0,
            fit_intercept: true,
            solver: RidgeSolver::Auto,
        }
    }
}

impl Params for RidgeParams {
    fn validate(&self) -> Result<()> {
        if !(self.alpha.is_finite() && self.alpha >= 0.0) {
            return Err(Error::param(
                "alpha",
                format!(
                    "must be a finite number >= 0 (default 1.0), got {}",
                    self.alpha
                ),
            ));
        }
        Ok(())
    }
}

/// A fitted ridge regression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ridge {
    f: LinearFunction,
    solver: RidgeSolver,
}

impl Ridge {
    /// The coefficients, one per feature (`coef_`).
    pub fn coef(&self) -> &[f64] {
        &self.f.coef
    }

    /// The constant term (`intercept_`; 0 without `fit_intercept`).
    pub fn intercept(&self) -> f64 {
        self.f.intercept
    }

    /// The solver that produced the coefficients (`cholesky` or `svd`; `svd` also after a
    /// Cholesky fallback; `auto` after a sparse fit, which uses conjugate gradients).
    pub fn solver(&self) -> RidgeSolver {
        self.solver
    }
}

/// Cholesky ridge, primal or dual; `None` when the system is not positive definite.
fn cholesky(c: &Centered, alpha: f64) -> Option<Vec<f64>> {
    let (n, p) = (c.x.n, c.x.p);
    if p > n {
        // Dual: K = X Xᵀ + αI.
        let xf = c.x.faer();
        let mut k = Mat::<f64>::zeros(n, n);
        faer::linalg::matmul::matmul(
            k.as_mut(),
            faer::Accum::Replace,
            xf,
            xf.transpose(),
            1.0,
            faer::Par::Seq,
        );
        for i in 0..n {
            k[(i, i)] += alpha;
        }
        let dual = solve_spd(&k, &c.y)?;
        Some(xt_vec(&c.x, &dual))
    } else {
        let mut a = gram(&c.x, None);
        for j in 0..p {
            a[(j, j)] += alpha;
        }
        solve_spd(&a, &xt_vec(&c.x, &c.y))
    }
}

impl Estimator for RidgeParams {
    type Model = Ridge;

    fn fit_with_progress(&self, data: &Dataset, _progress: &dyn Progress) -> Result<Ridge> {
        self.validate()?;
        let y = regression_target(data, NAME)?;
        let w = weights(data, NAME)?;
        let c = center(data.x(), y.view(), w.as_deref(), self.fit_intercept);
        let chol = match self.solver {
            RidgeSolver::Auto | RidgeSolver::Cholesky => cholesky(&c, self.alpha),
            RidgeSolver::Svd => None,
        };
        let (coef, solver) = match chol {
            Some(coef) => (coef, RidgeSolver::Cholesky),
            None => (ridge_svd(&c.x, &c.y, self.alpha)?, RidgeSolver::Svd),
        };
        let f = LinearFunction::from_centered(coef, &c);
        if !f.intercept.is_finite() || f.coef.iter().any(|v| !v.is_finite()) {
            return Err(Error::InvalidData(format!(
                "{NAME}: the solution is not finite; the data hold values too large for \
                 double precision (scale them first)"
            )));
        }
        Ok(Ridge { f, solver })
    }
}

impl Predictor for Ridge {
    fn n_features(&self) -> usize {
        self.f.coef.len()
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        self.f.decision(x, NAME)
    }
}

impl SparseEstimator for RidgeParams {
    /// Ridge on a CSR matrix without densifying: conjugate gradients on the implicitly centred
    /// normal equations (scikit-learn's `sparse_cg`), to a relative residual of 1e-13; the
    /// same solution as the dense fit to about 1e-10. `solver` must be `auto`.
    fn fit_csr(
        &self,
        x: &CsMat<f64>,
        target: &Target,
        weights: Option<ArrayView1<'_, f64>>,
    ) -> Result<Ridge> {
        self.validate()?;
        if self.solver != RidgeSolver::Auto {
            return Err(Error::param(
                "solver",
                format!(
                    "sparse input is solved by conjugate gradients; set solver = \"auto\" \
                     (got {:?})",
                    self.solver
                ),
            ));
        }
        let f = fit_sparse_ls(x, target, weights, self.alpha, self.fit_intercept, NAME)?;
        Ok(Ridge {
            f,
            solver: RidgeSolver::Auto,
        })
    }
}

impl SparsePredictor for Ridge {
    fn predict_csr(&self, x: &CsMat<f64>) -> Result<Array1<f64>> {
        self.f.decision_csr(x, NAME)
    }
}
