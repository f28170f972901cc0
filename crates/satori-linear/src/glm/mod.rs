//! Generalised linear models with Tweedie deviances: [`TweedieRegressor`] and its Poisson
//! special case, as scikit-learn's `TweedieRegressor` and `PoissonRegressor`.
//!
//! The prediction is `μ = h(Xw + b)` with the inverse link `h` (`exp` for the log link, the
//! identity otherwise); the objective is scikit-learn's
//!
//! ```text
//! 1/Σs · Σ s_i · ½ deviance(y_i, μ_i) + α/2 · ‖w‖²        (s: sample weights; b unpenalised)
//! ```
//!
//! with the Tweedie power `p`: 0 normal, 1 Poisson, (1, 2) compound Poisson–gamma, 2 gamma,
//! 3 inverse Gaussian. Targets must lie in the family's range (`y ≥ 0` for `1 ≤ p < 2`, `y > 0`
//! for `p ≥ 2`); others are a clear error. Powers in `(0, 1)` have no Tweedie distribution and
//! are rejected.
//!
//! Solvers: `lbfgs` (scikit-learn's default: the crate's port of scipy's L-BFGS-B, called as
//! scikit-learn calls it, so it stops at `max |∇| ≤ tol` or on scipy's relative-decrease rule)
//! and `newton-cholesky` (Newton steps with a Cholesky solve and scikit-learn's backtracking line
//! search; stops when `max |∇| ≤ tol` and the Newton decrement `½ dᵀHd ≤ tol`). Both start from
//! `w = 0`, `b = link(mean y)`, and report `n_iter` and `converged`.
//!
//! ```
//! use ndarray::array;
//! use satori_core::{Dataset, Estimator, Predictor, Target};
//! use satori_linear::PoissonRegressorParams;
//!
//! let x = array![[0.0], [1.0], [2.0], [3.0]];
//! let data = Dataset::new(x.clone(), vec!["a".into()])
//!     .unwrap()
//!     .with_target(Target::regression(array![1.0, 2.0, 4.0, 9.0]))
//!     .unwrap();
//! let model = PoissonRegressorParams { alpha: 0.0, ..Default::default() }.fit(&data).unwrap();
//! assert!(model.converged());
//! assert!(model.coef()[0] > 0.0); // counts grow with x
//! let mu = model.predict(x.view()).unwrap();
//! assert!(mu.iter().all(|&m| m > 0.0));
//! ```

use ndarray::{Array1, ArrayView1, ArrayView2};
use satori_core::{
    CsMat, Dataset, Error, Estimator, NoProgress, Params, Predictor, Progress, Result,
    SparseEstimator, SparsePredictor, Target,
};
use serde::{Deserialize, Serialize};

mod newton;
mod objective;

use crate::common::data::{LinearFunction, design_from, regression_target, weights};
use crate::glm::newton::newton_cholesky;
use crate::glm::objective::{Family, GlmX, Problem};
use crate::solvers::lbfgs::{LbfgsOptions, minimize};

/// The link function of a [`TweedieRegressor`] (scikit-learn's `link`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Link {
    /// `identity` for `power ≤ 0`, `log` otherwise.
    #[default]
    Auto,
    /// `μ = exp(Xw + b)`.
    Log,
    /// `μ = Xw + b` (for `power > 0` the linear predictor must stay positive).
    Identity,
}

/// The solver of a GLM (scikit-learn's `solver`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GlmSolver {
    /// Limited-memory BFGS (scikit-learn's default).
    #[default]
    Lbfgs,
    /// Newton steps solved by Cholesky: few, exact iterations; best when there are few features.
    /// Written `newton-cholesky`, as in scikit-learn.
    #[serde(rename = "newton-cholesky")]
    NewtonCholesky,
}

/// Parameters of a [`TweedieRegressor`], with scikit-learn's names and defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct TweedieRegressorParams {
    /// The Tweedie power `p`: 0 normal, 1 Poisson, (1, 2) compound Poisson–gamma, 2 gamma,
    /// 3 inverse Gaussian. Default `0`; a finite number not in `(0, 1)`.
    pub power: f64,
    /// L2 penalty strength `α` (on the coefficients, not the intercept). Default `1.0`; a finite
    /// number `≥ 0`.
    pub alpha: f64,
    /// Fit an unpenalised constant term. Default `true`.
    pub fit_intercept: bool,
    /// The link: `auto` (default), `log` or `identity`.
    pub link: Link,
    /// The solver: `lbfgs` (default) or `newton-cholesky`.
    pub solver: GlmSolver,
    /// Maximum number of solver iterations. Default `100`; `≥ 1`.
    pub max_iter: usize,
    /// Stopping tolerance on the largest absolute gradient entry. Default `1e-4`; a finite
    /// number `> 0`.
    pub tol: f64,
}

impl Default for TweedieRegressorParams {
    fn default() -> Self {
        TweedieRegressorParams {
            power: 0.0,
            alpha: 1.0,
            fit_intercept: true,
            link: Link::Auto,
            solver: GlmSolver::Lbfgs,
            max_iter: 100,
            tol: 1e-4,
        }
    }
}

fn validate_common(alpha: f64, max_iter: usize, tol: f64) -> Result<()> {
    if !(alpha.is_finite() && alpha >= 0.0) {
        return Err(Error::param(
            "alpha",
            format!("must be a finite number >= 0 (default 1.0), got {alpha}"),
        ));
    }
    if max_iter == 0 {
        return Err(Error::param(
            "max_iter",
            "must be at least 1 (default 100), got 0",
        ));
    }
    if !(tol.is_finite() && tol > 0.0) {
        return Err(Error::param(
            "tol",
            format!("must be a finite number > 0 (default 1e-4), got {tol}"),
        ));
    }
    Ok(())
}

impl Params for TweedieRegressorParams {
    fn validate(&self) -> Result<()> {
        if !self.power.is_finite() || (self.power > 0.0 && self.power < 1.0) {
            return Err(Error::param(
                "power",
                format!(
                    "must be <= 0 or >= 1 (0 normal, 1 Poisson, 1-2 compound Poisson-gamma, 2 \
                     gamma, 3 inverse Gaussian; no Tweedie distribution has a power in (0, 1)), \
                     got {}",
                    self.power
                ),
            ));
        }
        validate_common(self.alpha, self.max_iter, self.tol)
    }
}

/// Parameters of a Poisson regression (a [`TweedieRegressor`] with `power = 1` and the log
/// link), with scikit-learn's names and defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct PoissonRegressorParams {
    /// L2 penalty strength `α`. Default `1.0`; a finite number `≥ 0`.
    pub alpha: f64,
    /// Fit an unpenalised constant term. Default `true`.
    pub fit_intercept: bool,
    /// The solver: `lbfgs` (default) or `newton-cholesky`.
    pub solver: GlmSolver,
    /// Maximum number of solver iterations. Default `100`; `≥ 1`.
    pub max_iter: usize,
    /// Stopping tolerance on the largest absolute gradient entry. Default `1e-4`; `> 0`.
    pub tol: f64,
}

impl Default for PoissonRegressorParams {
    fn default() -> Self {
        PoissonRegressorParams {
            alpha: 1.0,
            fit_intercept: true,
            solver: GlmSolver::Lbfgs,
            max_iter: 100,
            tol: 1e-4,
        }
    }
}

impl PoissonRegressorParams {
    /// The same model as Tweedie parameters.
    pub fn to_tweedie(&self) -> TweedieRegressorParams {
        TweedieRegressorParams {
            power: 1.0,
            alpha: self.alpha,
            fit_intercept: self.fit_intercept,
            link: Link::Log,
            solver: self.solver,
            max_iter: self.max_iter,
            tol: self.tol,
        }
    }
}

impl Params for PoissonRegressorParams {
    fn validate(&self) -> Result<()> {
        validate_common(self.alpha, self.max_iter, self.tol)
    }
}

/// A fitted Tweedie GLM (Poisson regression included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TweedieRegressor {
    f: LinearFunction,
    log_link: bool,
    n_iter: usize,
    converged: bool,
}

/// A fitted Poisson regression: a [`TweedieRegressor`] with `power = 1` and the log link.
pub type PoissonRegressor = TweedieRegressor;

impl TweedieRegressor {
    /// The coefficients, one per feature (`coef_`), on the link scale.
    pub fn coef(&self) -> &[f64] {
        &self.f.coef
    }

    /// The constant term on the link scale (`intercept_`; 0 without `fit_intercept`).
    pub fn intercept(&self) -> f64 {
        self.f.intercept
    }

    /// Whether the link is the log (the prediction is `exp` of the linear term), else identity.
    pub fn log_link(&self) -> bool {
        self.log_link
    }

    /// Solver iterations run (`n_iter_`).
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// Whether the solver met its stopping rule within `max_iter`.
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// The linear predictor `Xw + b` (before the inverse link).
    pub fn linear_predictor(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        self.f.decision(x, "TweedieRegressor")
    }
}

/// Check the target range of the family, naming the first bad value.
fn check_target(family: &Family, y: &[f64]) -> Result<()> {
    if let Some((i, v)) = y.iter().enumerate().find(|(_, v)| !family.y_in_range(**v)) {
        let need = if family.power >= 2.0 { "> 0" } else { ">= 0" };
        return Err(Error::InvalidData(format!(
            "a Tweedie regression with power {} needs targets {need}; row {i} has {v}",
            family.power
        )));
    }
    Ok(())
}

impl Estimator for TweedieRegressorParams {
    type Model = TweedieRegressor;

    fn fit_with_progress(
        &self,
        data: &Dataset,
        progress: &dyn Progress,
    ) -> Result<TweedieRegressor> {
        self.validate()?;
        let y = regression_target(data, NAME)?;
        let sw = weights(data, NAME)?;
        let x = design_from(data.x());
        self.fit_glm(GlmX::Dense(&x), y.to_vec(), sw, progress)
    }
}

const NAME: &str = "TweedieRegressor";

impl TweedieRegressorParams {
    /// The fit on dense or CSR features, targets and weights (checked but for the target range).
    fn fit_glm(
        &self,
        x: GlmX<'_>,
        y: Vec<f64>,
        sw: Option<Vec<f64>>,
        progress: &dyn Progress,
    ) -> Result<TweedieRegressor> {
        let name = NAME;
        let log_link = match self.link {
            Link::Auto => self.power > 0.0,
            Link::Log => true,
            Link::Identity => false,
        };
        let family = Family {
            power: self.power,
            log_link,
        };
        check_target(&family, &y)?;
        let p = match &x {
            GlmX::Dense(d) => d.p,
            GlmX::Csr(m) => m.cols(),
        };
        let pb = Problem::new(x, &y, sw.as_deref(), family, self.alpha, self.fit_intercept);
        let init = pb.initial()?;
        progress.start("GLM solver (iterations)", Some(self.max_iter as u64));
        let (beta, n_iter, converged) = match self.solver {
            GlmSolver::NewtonCholesky => {
                let (beta, n_iter, converged) = newton_cholesky(&pb, init, self.max_iter, self.tol);
                progress.advance(n_iter as u64);
                (beta, n_iter, converged)
            }
            GlmSolver::Lbfgs => {
                // scikit-learn's call: L-BFGS-B with gtol = tol, ftol = 64 eps, maxls = 50.
                let opts = LbfgsOptions {
                    max_iter: self.max_iter,
                    gtol: self.tol,
                    ..Default::default()
                };
                let objective = |b: &[f64], g: &mut [f64]| {
                    let (loss, grad) = pb.loss_gradient(b);
                    g.copy_from_slice(&grad);
                    loss
                };
                let out = minimize(objective, init, opts, || progress.advance(1));
                (out.x, out.n_iter, out.converged)
            }
        };
        if !converged {
            progress.note(&format!(
                "{name} did not converge in {n_iter} iterations; raise max_iter or tol"
            ));
        }
        progress.finish();
        let f = LinearFunction {
            coef: beta[..p].to_vec(),
            intercept: if self.fit_intercept { beta[p] } else { 0.0 },
        };
        if !f.intercept.is_finite() || f.coef.iter().any(|v| !v.is_finite()) {
            return Err(Error::InvalidData(format!(
                "{name}: the solver diverged (non-finite coefficients); scale the features or \
                 increase alpha"
            )));
        }
        Ok(TweedieRegressor {
            f,
            log_link,
            n_iter,
            converged,
        })
    }
}

impl Estimator for PoissonRegressorParams {
    type Model = PoissonRegressor;

    fn fit_with_progress(
        &self,
        data: &Dataset,
        progress: &dyn Progress,
    ) -> Result<PoissonRegressor> {
        self.validate()?;
        self.to_tweedie().fit_with_progress(data, progress)
    }
}

impl Predictor for TweedieRegressor {
    fn n_features(&self) -> usize {
        self.f.coef.len()
    }

    /// The predicted mean `μ = h(Xw + b)`.
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        let eta = self.f.decision(x, "TweedieRegressor")?;
        Ok(if self.log_link {
            eta.mapv(f64::exp)
        } else {
            eta
        })
    }
}

/// The largest feature count for which `newton-cholesky` forms the dense `p × p` Hessian of a
/// sparse fit (about 200 MB); wider sparse matrices need `lbfgs`.
const SPARSE_NEWTON_MAX_FEATURES: usize = 5000;

impl SparseEstimator for TweedieRegressorParams {
    /// The GLM on a CSR matrix without densifying: the same objective and solvers as the dense
    /// fit (`Xw` and `Xᵀg` through the stored entries; `newton-cholesky` forms the `p × p`
    /// Hessian from them, up to 5000 features), so the same solution to the solver tolerance.
    fn fit_csr(
        &self,
        x: &CsMat<f64>,
        target: &Target,
        weights: Option<ArrayView1<'_, f64>>,
    ) -> Result<TweedieRegressor> {
        self.validate()?;
        let (y, w) = crate::solvers::cgls::csr_regression_target(x, target, weights, NAME)?;
        if self.solver == GlmSolver::NewtonCholesky && x.cols() > SPARSE_NEWTON_MAX_FEATURES {
            return Err(Error::param(
                "solver",
                format!(
                    "newton-cholesky forms a dense p × p Hessian; with {} sparse features use \
                     solver = \"lbfgs\" (newton-cholesky takes at most \
                     {SPARSE_NEWTON_MAX_FEATURES})",
                    x.cols()
                ),
            ));
        }
        self.fit_glm(GlmX::Csr(x), y, w, &NoProgress)
    }
}

impl SparseEstimator for PoissonRegressorParams {
    /// [`TweedieRegressorParams`]'s `fit_csr` with `power = 1` and the log link.
    fn fit_csr(
        &self,
        x: &CsMat<f64>,
        target: &Target,
        weights: Option<ArrayView1<'_, f64>>,
    ) -> Result<PoissonRegressor> {
        self.validate()?;
        self.to_tweedie().fit_csr(x, target, weights)
    }
}

impl SparsePredictor for TweedieRegressor {
    /// The predicted mean `μ = h(Xw + b)` per row.
    fn predict_csr(&self, x: &CsMat<f64>) -> Result<Array1<f64>> {
        let eta = self.f.decision_csr(x, NAME)?;
        Ok(if self.log_link {
            eta.mapv(f64::exp)
        } else {
            eta
        })
    }
}
