//! [`ElasticNet`] and lasso: L1 (and L2) penalised least squares by coordinate descent, as
//! scikit-learn's `ElasticNet` and `Lasso`.
//!
//! The objective, with `n` rows (sample weights are rescaled to sum to `n`, as scikit-learn does):
//!
//! ```text
//! 1/(2n) ‖y − Xw − b‖² + α·ρ·‖w‖₁ + α·(1 − ρ)/2 · ‖w‖²        (ρ = l1_ratio; lasso: ρ = 1)
//! ```
//!
//! The data are centred on their (weighted) means and rows scaled by `√w`, then the kernel of
//! [`cd`] (a port of scikit-learn's Cython coordinate descent with its duality-gap stopping rule
//! and gap-safe screening) runs until the gap is at most `tol · ‖y‖²` or `max_iter` epochs have
//! passed. Non-convergence is recorded (`converged() == false`, `dual_gap()`), not an
//! error. `fit_warm_start` starts from a previous model's coefficients (scikit-learn's
//! `warm_start=True`).
//!
//! ```
//! use ndarray::array;
//! use satori_core::{Dataset, Estimator, Predictor, Target};
//! use satori_linear::LassoParams;
//!
//! let x = array![[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]];
//! let data = Dataset::new(x.clone(), vec!["a".into(), "b".into()])
//!     .unwrap()
//!     .with_target(Target::regression(array![0.0, 1.0, 2.0, 3.0]))
//!     .unwrap();
//! let model = LassoParams { alpha: 0.1, ..Default::default() }.fit(&data).unwrap();
//! assert!(model.converged());
//! assert_eq!(model.coef()[1], 0.0); // the irrelevant feature is dropped
//! assert!(model.predict(x.view()).is_ok());
//! ```

use ndarray::{Array1, ArrayView1, ArrayView2};
use satori_core::numeric::dot;
use satori_core::{
    CsMat, Dataset, Error, Estimator, NoProgress, Params, Predictor, Progress, Result,
    SparseEstimator, SparsePredictor, Target, rng,
};
use serde::{Deserialize, Serialize};

mod cd;
mod path;
mod sparse_cd;

pub use path::{PathParams, RegularizationPath, enet_path, lasso_path};

use crate::common::data::{Centered, LinearFunction, center, regression_target, weights};
use crate::elastic_net::cd::{CdOutcome, CdProblem, enet_cd};
use crate::elastic_net::sparse_cd::SparseCd;

/// How coordinate descent picks the next coordinate (scikit-learn's `selection`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    /// Every coordinate in order, each epoch.
    #[default]
    Cyclic,
    /// A coordinate drawn at random (with replacement) at each step, from `seed`. Often faster
    /// to converge at tight tolerances. (scikit-learn draws from its own generator, so the
    /// steps, though not the optimum, differ from its.)
    Random,
}

/// Parameters of [`ElasticNet`], with scikit-learn's names and defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct ElasticNetParams {
    /// Overall penalty strength `α`. Default `1.0`; a finite number `≥ 0` (0 is least squares,
    /// slow to converge by coordinate descent: prefer `LinearRegression`).
    pub alpha: f64,
    /// The L1 share `ρ` of the penalty: 1 is lasso, 0 is ridge. Default `0.5`; in `[0, 1]`.
    pub l1_ratio: f64,
    /// Fit an unpenalised constant term. Default `true`.
    pub fit_intercept: bool,
    /// Maximum number of epochs (passes over the coordinates). Default `1000`; `≥ 1`.
    pub max_iter: usize,
    /// Tolerance: stop when the duality gap is at most `tol · ‖y‖²`. Default `1e-4`; a finite
    /// number `≥ 0`.
    pub tol: f64,
    /// Constrain the coefficients to be `≥ 0`. Default `false`.
    pub positive: bool,
    /// Coordinate order: `cyclic` (default) or `random`.
    pub selection: Selection,
    /// Seed of the `random` selection. Default `0`.
    pub seed: u64,
}

impl Default for ElasticNetParams {
    fn default() -> Self {
        ElasticNetParams {
            alpha: 1.0,
            l1_ratio: 0.5,
            fit_intercept: true,
            max_iter: 1000,
            tol: 1e-4,
            positive: false,
            selection: Selection::Cyclic,
            seed: 0,
        }
    }
}

/// Checks shared by lasso, elastic net and the path.
pub(crate) fn validate_cd(
    alpha: Option<f64>,
    l1_ratio: f64,
    max_iter: usize,
    tol: f64,
) -> Result<()> {
    if let Some(a) = alpha
        && !(a.is_finite() && a >= 0.0)
    {
        return Err(Error::param(
            "alpha",
            format!("must be a finite number >= 0 (default 1.0), got {a}"),
        ));
    }
    if !(0.0..=1.0).contains(&l1_ratio) {
        return Err(Error::param(
            "l1_ratio",
            format!("must be in [0, 1] (1 is lasso, 0 is ridge), got {l1_ratio}"),
        ));
    }
    if max_iter == 0 {
        return Err(Error::param(
            "max_iter",
            "must be at least 1 (default 1000), got 0",
        ));
    }
    if !(tol.is_finite() && tol >= 0.0) {
        return Err(Error::param(
            "tol",
            format!("must be a finite number >= 0 (default 1e-4), got {tol}"),
        ));
    }
    Ok(())
}

impl Params for ElasticNetParams {
    fn validate(&self) -> Result<()> {
        validate_cd(Some(self.alpha), self.l1_ratio, self.max_iter, self.tol)
    }
}

/// Parameters of a lasso ([`ElasticNet`] with `l1_ratio = 1`), with scikit-learn's names and
/// defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct LassoParams {
    /// L1 penalty strength `α` of `1/(2n)‖y − Xw‖² + α‖w‖₁`. Default `1.0`; a finite number
    /// `≥ 0`.
    pub alpha: f64,
    /// Fit an unpenalised constant term. Default `true`.
    pub fit_intercept: bool,
    /// Maximum number of epochs. Default `1000`; `≥ 1`.
    pub max_iter: usize,
    /// Tolerance on the duality gap relative to `‖y‖²`. Default `1e-4`; a finite number `≥ 0`.
    pub tol: f64,
    /// Constrain the coefficients to be `≥ 0`. Default `false`.
    pub positive: bool,
    /// Coordinate order: `cyclic` (default) or `random`.
    pub selection: Selection,
    /// Seed of the `random` selection. Default `0`.
    pub seed: u64,
}

impl Default for LassoParams {
    fn default() -> Self {
        let e = ElasticNetParams::default();
        LassoParams {
            alpha: e.alpha,
            fit_intercept: e.fit_intercept,
            max_iter: e.max_iter,
            tol: e.tol,
            positive: e.positive,
            selection: e.selection,
            seed: e.seed,
        }
    }
}

impl LassoParams {
    /// The same model as elastic-net parameters (`l1_ratio = 1`).
    pub fn to_elastic_net(&self) -> ElasticNetParams {
        ElasticNetParams {
            alpha: self.alpha,
            l1_ratio: 1.0,
            fit_intercept: self.fit_intercept,
            max_iter: self.max_iter,
            tol: self.tol,
            positive: self.positive,
            selection: self.selection,
            seed: self.seed,
        }
    }
}

impl Params for LassoParams {
    fn validate(&self) -> Result<()> {
        self.to_elastic_net().validate()
    }
}

/// A fitted elastic net (or lasso: the same model with `l1_ratio = 1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElasticNet {
    f: LinearFunction,
    n_iter: usize,
    dual_gap: f64,
    converged: bool,
}

/// A fitted lasso: an [`ElasticNet`] with `l1_ratio = 1`.
pub type Lasso = ElasticNet;

impl ElasticNet {
    /// The coefficients, one per feature (`coef_`); exact zeros where the L1 penalty removed a
    /// feature.
    pub fn coef(&self) -> &[f64] {
        &self.f.coef
    }

    /// The constant term (`intercept_`; 0 without `fit_intercept`).
    pub fn intercept(&self) -> f64 {
        self.f.intercept
    }

    /// Epochs run (`n_iter_`).
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// The duality gap at the end, divided by `n` (`dual_gap_`).
    pub fn dual_gap(&self) -> f64 {
        self.dual_gap
    }

    /// Whether the duality gap reached the tolerance within `max_iter` epochs.
    pub fn converged(&self) -> bool {
        self.converged
    }
}

/// Sample weights rescaled to sum to `n` (scikit-learn's `ElasticNet.fit`).
pub(crate) fn cd_weights(data: &Dataset, model: &str) -> Result<Option<Vec<f64>>> {
    let w = weights(data, model)?;
    Ok(w.map(|w| {
        let s = satori_core::numeric::pairwise_sum(&w);
        let n = w.len() as f64;
        w.iter().map(|v| v * (n / s)).collect()
    }))
}

/// One coordinate-descent fit at `alpha` on prepared data, from `coef`.
pub(crate) fn solve_at(
    c: &Centered,
    p: &ElasticNetParams,
    alpha: f64,
    coef: &mut [f64],
    rng: Option<&mut rng::SatoriRng>,
    progress: &dyn Progress,
) -> CdOutcome {
    let n = c.x.n as f64;
    let pb = CdProblem {
        x: &c.x,
        y: &c.y,
        l1: alpha * p.l1_ratio * n,
        l2: alpha * (1.0 - p.l1_ratio) * n,
        max_iter: p.max_iter,
        tol: p.tol,
        positive: p.positive,
        progress,
    };
    enet_cd(&pb, coef, rng)
}

impl ElasticNetParams {
    /// Fit starting from `init`'s coefficients (scikit-learn's `warm_start=True`): after a small
    /// change of `alpha` this takes far fewer epochs. `init` must have as many features.
    pub fn fit_warm_start(&self, data: &Dataset, init: &ElasticNet) -> Result<ElasticNet> {
        self.fit_from(data, Some(init.coef()), &NoProgress)
    }

    fn fit_from(
        &self,
        data: &Dataset,
        init: Option<&[f64]>,
        progress: &dyn Progress,
    ) -> Result<ElasticNet> {
        self.validate()?;
        let y = regression_target(data, "ElasticNet")?;
        let w = cd_weights(data, "ElasticNet")?;
        let c = center(data.x(), y.view(), w.as_deref(), self.fit_intercept);
        let mut coef = match init {
            Some(i) if i.len() != c.x.p => {
                return Err(Error::ShapeMismatch {
                    context: "warm-start coefficients (one per feature)".into(),
                    expected: c.x.p,
                    got: i.len(),
                });
            }
            Some(i) => i.to_vec(),
            None => vec![0.0; c.x.p],
        };
        let mut r = rng::rng(self.seed);
        let rng = (self.selection == Selection::Random).then_some(&mut r);
        progress.start("coordinate descent (epochs)", Some(self.max_iter as u64));
        let out = solve_at(&c, self, self.alpha, &mut coef, rng, progress);
        if !out.converged {
            progress.note(&format!(
                "coordinate descent did not converge in {} epochs (duality gap {:.3e}); raise \
                 max_iter or tol",
                out.n_iter,
                out.gap / c.x.n as f64
            ));
        }
        progress.finish();
        let f = LinearFunction::from_centered(coef, &c);
        ElasticNet::from_outcome(f, out, c.x.n)
    }
}

impl ElasticNet {
    /// The fitted model from a run's function and outcome on `n` rows (the gap divided by `n`),
    /// or an error when the coefficients are not finite.
    fn from_outcome(f: LinearFunction, out: CdOutcome, n: usize) -> Result<Self> {
        if !f.intercept.is_finite() || f.coef.iter().any(|v| !v.is_finite()) {
            return Err(Error::InvalidData(
                "coordinate descent gave non-finite coefficients; the data hold values too \
                 large for it (scale them first)"
                    .into(),
            ));
        }
        Ok(ElasticNet {
            f,
            n_iter: out.n_iter,
            dual_gap: out.gap / n as f64,
            converged: out.converged,
        })
    }
}

impl Estimator for ElasticNetParams {
    type Model = ElasticNet;

    fn fit_with_progress(&self, data: &Dataset, progress: &dyn Progress) -> Result<ElasticNet> {
        self.fit_from(data, None, progress)
    }
}

impl LassoParams {
    /// [`ElasticNetParams::fit_warm_start`] for a lasso.
    pub fn fit_warm_start(&self, data: &Dataset, init: &Lasso) -> Result<Lasso> {
        self.to_elastic_net().fit_warm_start(data, init)
    }
}

impl Estimator for LassoParams {
    type Model = Lasso;

    fn fit_with_progress(&self, data: &Dataset, progress: &dyn Progress) -> Result<Lasso> {
        self.to_elastic_net().fit_with_progress(data, progress)
    }
}

impl Predictor for ElasticNet {
    fn n_features(&self) -> usize {
        self.f.coef.len()
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        self.f.decision(x, "ElasticNet")
    }
}

impl ElasticNetParams {
    /// [`SparseEstimator::fit_csr`] with progress reports (one step per epoch).
    pub fn fit_csr_with_progress(
        &self,
        x: &CsMat<f64>,
        target: &Target,
        weights: Option<ArrayView1<'_, f64>>,
        progress: &dyn Progress,
    ) -> Result<ElasticNet> {
        self.validate()?;
        let (y, w) = crate::solvers::cgls::csr_regression_target(x, target, weights, "ElasticNet")?;
        let n = y.len();
        // Weights rescaled to sum to n, as the dense fit.
        let s: Vec<f64> = match w {
            Some(w) => {
                let total: f64 = satori_core::numeric::pairwise_sum(&w);
                w.iter().map(|v| v * (n as f64 / total)).collect()
            }
            None => vec![1.0; n],
        };
        let s_sum: f64 = s.iter().sum();
        let (means, y_mean) = if self.fit_intercept {
            let m = crate::common::sparse::csr_t_matvec(x, &s);
            let y_mean = dot(&y, &s) / s_sum;
            (m.iter().map(|v| v / s_sum).collect(), y_mean)
        } else {
            (vec![0.0; x.cols()], 0.0)
        };
        let sw: Vec<f64> = s.iter().map(|v| v.sqrt()).collect();
        let b = y.iter().zip(&sw).map(|(v, r)| (v - y_mean) * r).collect();
        let csc = x.to_csc();
        let pb = SparseCd {
            csc: &csc,
            sw,
            means,
            b,
            l1: self.alpha * self.l1_ratio * n as f64,
            l2: self.alpha * (1.0 - self.l1_ratio) * n as f64,
            max_iter: self.max_iter,
            tol: self.tol,
            positive: self.positive,
        };
        let mut coef = vec![0.0; x.cols()];
        let mut r = rng::rng(self.seed);
        let rng = (self.selection == Selection::Random).then_some(&mut r);
        progress.start("coordinate descent (epochs)", Some(self.max_iter as u64));
        let out = pb.run(&mut coef, rng, progress);
        progress.finish();
        let shift = dot(&pb.means, &coef);
        let f = LinearFunction {
            intercept: y_mean - shift,
            coef,
        };
        ElasticNet::from_outcome(f, out, n)
    }
}

impl SparseEstimator for ElasticNetParams {
    /// Coordinate descent on a CSR matrix without densifying (a CSC copy of the stored entries,
    /// implicit centring; see the crate docs): the same objective and duality-gap rule as the
    /// dense fit, so the same solution to `tol`.
    fn fit_csr(
        &self,
        x: &CsMat<f64>,
        target: &Target,
        weights: Option<ArrayView1<'_, f64>>,
    ) -> Result<ElasticNet> {
        self.fit_csr_with_progress(x, target, weights, &NoProgress)
    }
}

impl SparseEstimator for LassoParams {
    /// [`ElasticNetParams`]'s `fit_csr` with `l1_ratio = 1`.
    fn fit_csr(
        &self,
        x: &CsMat<f64>,
        target: &Target,
        weights: Option<ArrayView1<'_, f64>>,
    ) -> Result<Lasso> {
        self.to_elastic_net().fit_csr(x, target, weights)
    }
}

impl SparsePredictor for ElasticNet {
    fn predict_csr(&self, x: &CsMat<f64>) -> Result<Array1<f64>> {
        self.f.decision_csr(x, "ElasticNet")
    }
}
