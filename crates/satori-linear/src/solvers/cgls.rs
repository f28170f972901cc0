//! Least squares and ridge on CSR input without densifying: conjugate gradients on the normal
//! equations in factored form (CGLS, the algorithm LSQR is a stabilised twin of) with the
//! centring done implicitly, as scikit-learn's sparse `LinearRegression` (`lsqr`) and `Ridge`
//! (`sparse_cg`/`lsqr`) do.
//!
//! With weights `s_i`, means `x̄ = Σ s_i x_i / Σ s_i` (and `ȳ`) when fitting an intercept, the
//! operator is `A = diag(√s) (X − 1 x̄ᵀ)` and the right-hand side `b = √s ∘ (y − ȳ)`:
//!
//! - `A v = √s ∘ (X v − x̄·v)`,
//! - `Aᵀ u = Xᵀ (√s ∘ u) − x̄ Σ_i √s_i u_i`,
//!
//! and CGLS minimises `‖A v − b‖² + α ‖v‖²` from `v = 0`: for `α = 0` it converges to the
//! minimum-norm least-squares solution (its iterates stay in the row space of `A`). It stops when
//! `‖Aᵀ(b − A v) − α v‖ ≤ tol · ‖Aᵀ b‖`.

use satori_core::CsMat;
use satori_core::numeric::dot;

use crate::common::data::LinearFunction;
use crate::common::sparse::{csr_matvec, csr_t_matvec};

/// Relative tolerance on the normal-equation residual.
pub(crate) const CG_TOL: f64 = 1e-13;

/// The implicitly centred (and square-root-weighted) sparse problem.
pub(crate) struct CenteredCsr<'a> {
    x: &'a CsMat<f64>,
    /// `√s` per row, or `None` for unit weights.
    sw: Option<Vec<f64>>,
    /// The weighted column means (zeros without an intercept).
    pub x_offset: Vec<f64>,
    /// The weighted target mean (zero without an intercept).
    pub y_offset: f64,
    /// `√s ∘ (y − ȳ)`.
    b: Vec<f64>,
}

/// What [`cgls`] found.
pub(crate) struct CgResult {
    pub coef: Vec<f64>,
    /// Whether the residual met the tolerance within the iteration bound.
    pub converged: bool,
}

impl<'a> CenteredCsr<'a> {
    /// Centre implicitly: only the means and the scaled target are computed.
    pub fn new(x: &'a CsMat<f64>, y: &[f64], w: Option<&[f64]>, fit_intercept: bool) -> Self {
        let n = x.rows();
        let (x_offset, y_offset) = if fit_intercept {
            let ones;
            let wv: &[f64] = match w {
                Some(w) => w,
                None => {
                    ones = vec![1.0; n];
                    &ones
                }
            };
            let w_sum: f64 = wv.iter().sum();
            let xo: Vec<f64> = csr_t_matvec(x, wv).iter().map(|v| v / w_sum).collect();
            (xo, dot(wv, y) / w_sum)
        } else {
            (vec![0.0; x.cols()], 0.0)
        };
        let sw: Option<Vec<f64>> = w.map(|w| w.iter().map(|v| v.sqrt()).collect());
        let b = match &sw {
            Some(s) => y.iter().zip(s).map(|(v, s)| (v - y_offset) * s).collect(),
            None => y.iter().map(|v| v - y_offset).collect(),
        };
        CenteredCsr {
            x,
            sw,
            x_offset,
            y_offset,
            b,
        }
    }

    /// `A v`.
    fn apply(&self, v: &[f64]) -> Vec<f64> {
        let shift = dot(&self.x_offset, v);
        let mut out = csr_matvec(self.x, v, -shift);
        if let Some(s) = &self.sw {
            out.iter_mut().zip(s).for_each(|(o, s)| *o *= s);
        }
        out
    }

    /// `Aᵀ u`.
    fn apply_t(&self, u: &[f64]) -> Vec<f64> {
        let scaled;
        let su: &[f64] = match &self.sw {
            Some(s) => {
                scaled = u.iter().zip(s).map(|(u, s)| u * s).collect::<Vec<f64>>();
                &scaled
            }
            None => u,
        };
        let total: f64 = su.iter().sum();
        let mut out = csr_t_matvec(self.x, su);
        if total != 0.0 {
            out.iter_mut()
                .zip(&self.x_offset)
                .for_each(|(o, m)| *o -= m * total);
        }
        out
    }

    /// The fitted function from centred coefficients: `intercept = ȳ − x̄·coef`.
    pub fn function(&self, coef: Vec<f64>) -> LinearFunction {
        let shift = dot(&self.x_offset, &coef);
        LinearFunction {
            intercept: self.y_offset - shift,
            coef,
        }
    }
}

/// CGLS for `min ‖A v − b‖² + α ‖v‖²` from zero, at most `max_iter` iterations.
pub(crate) fn cgls(c: &CenteredCsr<'_>, alpha: f64, tol: f64, max_iter: usize) -> CgResult {
    let p = c.x_offset.len();
    let mut v = vec![0.0; p];
    let mut r = c.b.clone();
    let mut s = c.apply_t(&r);
    let norm0 = dot(&s, &s).sqrt();
    if norm0 == 0.0 {
        return CgResult {
            coef: v,
            converged: true,
        };
    }
    let mut dir = s.clone();
    let mut gamma = dot(&s, &s);
    for _ in 0..max_iter {
        let q = c.apply(&dir);
        let delta = dot(&q, &q) + alpha * dot(&dir, &dir);
        if !(delta > 0.0 && delta.is_finite()) {
            return CgResult {
                coef: v,
                converged: delta == 0.0,
            };
        }
        let a = gamma / delta;
        v.iter_mut().zip(&dir).for_each(|(v, d)| *v += a * d);
        r.iter_mut().zip(&q).for_each(|(r, q)| *r -= a * q);
        s = c.apply_t(&r);
        if alpha > 0.0 {
            s.iter_mut().zip(&v).for_each(|(s, v)| *s -= alpha * v);
        }
        let gamma_new = dot(&s, &s);
        if gamma_new.sqrt() <= tol * norm0 {
            return CgResult {
                coef: v,
                converged: true,
            };
        }
        let beta = gamma_new / gamma;
        dir.iter_mut().zip(&s).for_each(|(d, s)| *d = s + beta * *d);
        gamma = gamma_new;
    }
    CgResult {
        coef: v,
        converged: false,
    }
}

/// The iteration bound of the sparse solvers: enough for CG to finish in exact arithmetic
/// (`p` steps) with room for rounding.
pub(crate) fn cg_max_iter(p: usize) -> usize {
    (2 * p).max(1000)
}

/// The continuous target and weights of a sparse regression fit, checked.
pub(crate) fn csr_regression_target(
    x: &CsMat<f64>,
    target: &satori_core::Target,
    weights: Option<ndarray::ArrayView1<'_, f64>>,
    model: &str,
) -> satori_core::Result<(Vec<f64>, Option<Vec<f64>>)> {
    use satori_core::{Error, Target};
    let y = match target {
        Target::Continuous(y) => y.to_vec(),
        Target::Classes { .. } => {
            return Err(Error::InvalidData(format!(
                "{model} needs a continuous target, and this target holds class labels (use \
                 logistic regression for classification)"
            )));
        }
    };
    let w = crate::common::sparse::check_fit_csr(x, target, weights, model)?;
    if let Some(v) = y.iter().find(|v| !v.is_finite()) {
        return Err(Error::InvalidData(format!(
            "{model} needs a finite target, found {v}; drop or impute those rows"
        )));
    }
    Ok((y, w))
}

/// Fit `min ‖√s (y − Xw − b)‖² + α‖w‖²` on CSR input; an error when the solution is not finite.
pub(crate) fn fit_sparse_ls(
    x: &CsMat<f64>,
    target: &satori_core::Target,
    weights: Option<ndarray::ArrayView1<'_, f64>>,
    alpha: f64,
    fit_intercept: bool,
    model: &str,
) -> satori_core::Result<LinearFunction> {
    let (y, w) = csr_regression_target(x, target, weights, model)?;
    let c = CenteredCsr::new(x, &y, w.as_deref(), fit_intercept);
    let r = cgls(&c, alpha, CG_TOL, cg_max_iter(x.cols()));
    // Not converging to 1e-13 within the bound leaves a solution accurate to rounding on
    // ill-conditioned data (the residual stalls there); it is kept, as scikit-learn keeps lsqr's.
    let _ = r.converged;
    let f = c.function(r.coef);
    if !f.intercept.is_finite() || f.coef.iter().any(|v| !v.is_finite()) {
        return Err(satori_core::Error::InvalidData(format!(
            "{model}: the solution is not finite; the data hold values too large for double \
             precision (scale them first)"
        )));
    }
    Ok(f)
}

impl LinearFunction {
    /// `x · coef + intercept` per row of a CSR matrix.
    pub(crate) fn decision_csr(
        &self,
        x: &CsMat<f64>,
        model: &str,
    ) -> satori_core::Result<ndarray::Array1<f64>> {
        crate::common::sparse::check_predict_csr(x, self.coef.len(), model)?;
        Ok(csr_matvec(x, &self.coef, self.intercept).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cgls_solves_a_small_centred_ridge() {
        // x = [[1, 0], [0, 2], [3, 0], [0, 0]], y = [1, 2, 4, 0], no weights, with intercept.
        let x = CsMat::new(
            (4, 2),
            vec![0, 1, 2, 3, 3],
            vec![0, 1, 0],
            vec![1.0, 2.0, 3.0],
        );
        let y = [1.0, 2.0, 4.0, 0.0];
        let c = CenteredCsr::new(&x, &y, None, true);
        assert_eq!(c.x_offset, vec![1.0, 0.5]);
        assert_eq!(c.y_offset, 1.75);
        // Centred columns a = [0, -1, 2, -1], b = [-0.5, 1.5, -0.5, -0.5], centred y
        // r = [-0.75, 0.25, 2.25, -1.75]: (AᵀA + I) w = Aᵀr with AᵀA + I = [[7, -2], [-2, 4]],
        // Aᵀr = [6, 0.5], so w = [[4, 2], [2, 7]] / 24 · [6, 0.5] = [25, 15.5] / 24.
        let out = cgls(&c, 1.0, 1e-14, 100);
        assert!(out.converged);
        let expect = [25.0 / 24.0, 15.5 / 24.0];
        for (a, b) in out.coef.iter().zip(expect) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
        let f = c.function(out.coef.clone());
        let shift = 1.0 * out.coef[0] + 0.5 * out.coef[1];
        assert!((f.intercept - (1.75 - shift)).abs() < 1e-14);
    }
}
