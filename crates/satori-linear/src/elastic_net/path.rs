//! Regularisation paths: lasso or elastic-net coefficients for a decreasing sequence of `α`,
//! each fit warm-started from the previous one (scikit-learn's `enet_path` / `lasso_path`).
//!
//! The default grid is scikit-learn's: `n_alphas` values spaced evenly on a log scale from
//! `α_max = max|Xᵀy| / (n·ρ)` (the smallest `α` at which every coefficient is zero) down to
//! `eps · α_max`. With `fit_intercept = false` the result equals scikit-learn's
//! `enet_path(X, y, …)` on the raw data; with `fit_intercept = true` (the default) the data are
//! centred first, as `ElasticNetCV` does, and an intercept is returned for each `α`.
//!
//! ```
//! use ndarray::array;
//! use satori_core::{Dataset, Target};
//! use satori_linear::{PathParams, enet_path};
//!
//! let x = array![[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]];
//! let data = Dataset::new(x, vec!["a".into(), "b".into()])
//!     .unwrap()
//!     .with_target(Target::regression(array![0.0, 1.0, 2.0, 3.0]))
//!     .unwrap();
//! let path = enet_path(&data, &PathParams { n_alphas: 10, l1_ratio: 1.0, ..Default::default() })
//!     .unwrap();
//! assert_eq!(path.alphas.len(), 10);
//! assert!(path.coefs[0].iter().all(|&c| c == 0.0)); // α_max: everything is zero
//! assert!(path.coefs[9][0] > 0.9);
//! ```

use satori_core::numeric::dot;
use satori_core::{Dataset, Error, NoProgress, Params, Result, rng};
use serde::{Deserialize, Serialize};

use crate::common::data::{center, regression_target, xt_vec};
use crate::elastic_net::{ElasticNetParams, Selection, cd_weights, solve_at, validate_cd};

/// Parameters of [`enet_path`], with scikit-learn's names and defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct PathParams {
    /// The L1 share `ρ` of the penalty. Default `0.5` (`enet_path`; `lasso_path` is 1); in
    /// `(0, 1]` when the grid is computed (the grid divides by it), `[0, 1]` with `alphas`.
    pub l1_ratio: f64,
    /// The grid's length ratio `α_min / α_max`. Default `1e-3`; in `(0, 1]`.
    pub eps: f64,
    /// Number of grid values. Default `100`; `≥ 1`.
    pub n_alphas: usize,
    /// An explicit grid instead (sorted into decreasing order); each value a finite number `≥ 0`.
    /// Default none.
    pub alphas: Option<Vec<f64>>,
    /// Centre the data and return an intercept per `α`. Default `true`.
    pub fit_intercept: bool,
    /// Maximum epochs per `α`. Default `1000`; `≥ 1`.
    pub max_iter: usize,
    /// Duality-gap tolerance relative to `‖y‖²`. Default `1e-4`; a finite number `≥ 0`.
    pub tol: f64,
    /// Constrain the coefficients to be `≥ 0`. Default `false`.
    pub positive: bool,
    /// Coordinate order: `cyclic` (default) or `random`.
    pub selection: Selection,
    /// Seed of the `random` selection. Default `0`.
    pub seed: u64,
}

impl Default for PathParams {
    fn default() -> Self {
        PathParams {
            l1_ratio: 0.5,
            eps: 1e-3,
            n_alphas: 100,
            alphas: None,
            fit_intercept: true,
            max_iter: 1000,
            tol: 1e-4,
            positive: false,
            selection: Selection::Cyclic,
            seed: 0,
        }
    }
}

impl Params for PathParams {
    fn validate(&self) -> Result<()> {
        validate_cd(None, self.l1_ratio, self.max_iter, self.tol)?;
        if !(self.eps > 0.0 && self.eps <= 1.0) {
            return Err(Error::param(
                "eps",
                format!("must be in (0, 1] (default 1e-3), got {}", self.eps),
            ));
        }
        match &self.alphas {
            Some(a) => {
                if a.is_empty() {
                    return Err(Error::param("alphas", "must hold at least one value"));
                }
                if let Some(v) = a.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
                    return Err(Error::param(
                        "alphas",
                        format!("each value must be a finite number >= 0, got {v}"),
                    ));
                }
            }
            None => {
                if self.n_alphas == 0 {
                    return Err(Error::param(
                        "n_alphas",
                        "must be at least 1 (default 100), got 0",
                    ));
                }
                if self.l1_ratio == 0.0 {
                    return Err(Error::param(
                        "l1_ratio",
                        "must be > 0 to compute the alpha grid (or give `alphas`)",
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The coefficients along a regularisation path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegularizationPath {
    /// The `α` values, decreasing.
    pub alphas: Vec<f64>,
    /// The coefficients at each `α` (one vector per `α`, one value per feature).
    pub coefs: Vec<Vec<f64>>,
    /// The intercept at each `α` (zeros without `fit_intercept`).
    pub intercepts: Vec<f64>,
    /// The duality gap at each `α`, divided by `n`.
    pub dual_gaps: Vec<f64>,
    /// Epochs run at each `α`.
    pub n_iters: Vec<usize>,
    /// Whether each fit reached the tolerance.
    pub converged: Vec<bool>,
}

/// `np.geomspace(hi, hi · eps, n)`: log-spaced, both ends exact.
fn geomspace(hi: f64, eps: f64, n: usize) -> Vec<f64> {
    let lo = hi * eps;
    if n == 1 {
        return vec![hi];
    }
    let (a, b) = (hi.log10(), lo.log10());
    let mut out: Vec<f64> = (0..n)
        .map(|i| 10f64.powf(a + (b - a) * i as f64 / (n - 1) as f64))
        .collect();
    out[0] = hi;
    out[n - 1] = lo;
    out
}

/// Lasso or elastic-net coefficients along a path of decreasing `α`, each fit warm-started from
/// the previous (scikit-learn's `enet_path`; `lasso_path` with `l1_ratio = 1`).
pub fn enet_path(data: &Dataset, params: &PathParams) -> Result<RegularizationPath> {
    params.validate()?;
    let y = regression_target(data, "enet_path")?;
    let w = cd_weights(data, "enet_path")?;
    let c = center(data.x(), y.view(), w.as_deref(), params.fit_intercept);
    let n = c.x.n as f64;
    let alphas = match &params.alphas {
        Some(a) => {
            let mut a = a.clone();
            a.sort_by(|u, v| v.total_cmp(u));
            a
        }
        None => {
            let xy = xt_vec(&c.x, &c.y);
            let top = if params.positive {
                xy.iter().copied().fold(0.0f64, f64::max)
            } else {
                xy.iter().fold(0.0f64, |m, v| m.max(v.abs()))
            };
            let alpha_max = top / (n * params.l1_ratio);
            if alpha_max <= 1e-15 {
                vec![1e-15; params.n_alphas]
            } else {
                geomspace(alpha_max, params.eps, params.n_alphas)
            }
        }
    };
    let enet = ElasticNetParams {
        alpha: 0.0,
        l1_ratio: params.l1_ratio,
        fit_intercept: params.fit_intercept,
        max_iter: params.max_iter,
        tol: params.tol,
        positive: params.positive,
        selection: params.selection,
        seed: params.seed,
    };
    let mut r = rng::rng(params.seed);
    let mut coef = vec![0.0; c.x.p];
    let mut out = RegularizationPath {
        alphas: alphas.clone(),
        coefs: Vec::with_capacity(alphas.len()),
        intercepts: Vec::with_capacity(alphas.len()),
        dual_gaps: Vec::with_capacity(alphas.len()),
        n_iters: Vec::with_capacity(alphas.len()),
        converged: Vec::with_capacity(alphas.len()),
    };
    for &alpha in &alphas {
        let rng = (params.selection == Selection::Random).then_some(&mut r);
        let res = solve_at(&c, &enet, alpha, &mut coef, rng, &NoProgress);
        let shift = dot(&c.x_offset, &coef);
        out.coefs.push(coef.clone());
        out.intercepts.push(c.y_offset - shift);
        out.dual_gaps.push(res.gap / n);
        out.n_iters.push(res.n_iter);
        out.converged.push(res.converged);
    }
    Ok(out)
}

/// [`enet_path`] with `l1_ratio = 1` (scikit-learn's `lasso_path`).
pub fn lasso_path(data: &Dataset, params: &PathParams) -> Result<RegularizationPath> {
    enet_path(
        data,
        &PathParams {
            l1_ratio: 1.0,
            ..params.clone()
        },
    )
}
