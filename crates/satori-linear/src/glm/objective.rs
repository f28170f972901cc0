//! The objective of the Tweedie GLMs (scikit-learn's `HalfTweedieLoss` /
//! `HalfTweedieLossIdentity` inside `LinearModelLoss`): the loss, its gradient and its Hessian,
//! for the L-BFGS solver (`crate::solvers::lbfgs`) and Newton–Cholesky (`super::newton`).
//!
//! Row-wise work runs over fixed row blocks whose partial sums are added in block order, so the
//! results do not depend on the number of threads.

use faer::Mat;
use rayon::prelude::*;
use satori_core::{CsMat, Error, Result};

use crate::common::data::{BLOCK_ROWS, Design, gram, xt_vec};
use crate::common::sparse::{csr_matvec, csr_row, csr_t_matvec};

/// The feature matrix of a GLM fit: a column-major dense copy, or the caller's CSR matrix (never
/// densified: `Xw` and `Xᵀg` go through the stored entries).
pub(crate) enum GlmX<'a> {
    /// Dense, column-major.
    Dense(&'a Design),
    /// CSR.
    Csr(&'a CsMat<f64>),
}

impl GlmX<'_> {
    fn n(&self) -> usize {
        match self {
            GlmX::Dense(d) => d.n,
            GlmX::Csr(x) => x.rows(),
        }
    }

    fn p(&self) -> usize {
        match self {
            GlmX::Dense(d) => d.p,
            GlmX::Csr(x) => x.cols(),
        }
    }

    /// `Xᵀ v`.
    fn xt(&self, v: &[f64]) -> Vec<f64> {
        match self {
            GlmX::Dense(d) => xt_vec(d, v),
            GlmX::Csr(x) => csr_t_matvec(x, v),
        }
    }

    /// `Xᵀ diag(h) X`.
    fn gram(&self, h: &[f64]) -> Mat<f64> {
        match self {
            GlmX::Dense(d) => gram(d, Some(h)),
            GlmX::Csr(x) => csr_gram(x, h),
        }
    }
}

/// `Xᵀ diag(h) X` of a CSR matrix as a dense `p × p` matrix: row `j` of the result gathers the
/// rows with an entry in column `j` (from a CSC copy), so each output row is computed by one
/// task, in a fixed order.
fn csr_gram(x: &CsMat<f64>, h: &[f64]) -> Mat<f64> {
    let p = x.cols();
    let csc = x.to_csc();
    let rows: Vec<Vec<f64>> = (0..p)
        .into_par_iter()
        .map(|j| {
            let mut out = vec![0.0; p];
            let (idx, val) = csr_row(&csc, j);
            for (&i, &v) in idx.iter().zip(val) {
                let d = h[i] * v;
                let (ri, rv) = csr_row(x, i);
                for (&k, &u) in ri.iter().zip(rv) {
                    out[k] += d * u;
                }
            }
            out
        })
        .collect();
    Mat::from_fn(p, p, |i, j| rows[i][j])
}

/// A Tweedie family with its link.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Family {
    /// The Tweedie power.
    pub power: f64,
    /// Log link (else identity).
    pub log_link: bool,
}

impl Family {
    /// Whether `y` is in the family's target range.
    pub fn y_in_range(&self, y: f64) -> bool {
        if self.power <= 0.0 {
            true
        } else if self.power < 2.0 {
            y >= 0.0
        } else {
            y > 0.0
        }
    }

    /// The half deviance (without constant terms, as scikit-learn) at raw prediction `r`, with
    /// its first and second derivative in `r`. Non-finite outside the link's domain.
    pub fn loss_grad_hess(&self, y: f64, r: f64) -> (f64, f64, f64) {
        let p = self.power;
        if self.log_link {
            if p == 0.0 {
                let mu = r.exp();
                (
                    0.5 * (mu - y) * (mu - y),
                    mu * (mu - y),
                    mu * (2.0 * mu - y),
                )
            } else if p == 1.0 {
                let mu = r.exp();
                (mu - y * r, mu - y, mu)
            } else if p == 2.0 {
                let e = (-r).exp();
                (r + y * e, 1.0 - y * e, y * e)
            } else {
                let e1 = ((1.0 - p) * r).exp();
                let e2 = ((2.0 - p) * r).exp();
                (
                    e2 / (2.0 - p) - y * e1 / (1.0 - p),
                    e2 - y * e1,
                    (2.0 - p) * e2 - (1.0 - p) * y * e1,
                )
            }
        } else if p == 0.0 {
            (0.5 * (r - y) * (r - y), r - y, 1.0)
        } else if r.is_nan() || r <= 0.0 {
            (f64::INFINITY, f64::NAN, f64::NAN)
        } else if p == 1.0 {
            let l = if y == 0.0 { r } else { r - y * r.ln() };
            (l, 1.0 - y / r, y / (r * r))
        } else if p == 2.0 {
            (
                r.ln() + y / r,
                (r - y) / (r * r),
                (2.0 * y - r) / (r * r * r),
            )
        } else {
            let l = r.powf(2.0 - p) / (2.0 - p) - y * r.powf(1.0 - p) / (1.0 - p);
            let g = r.powf(1.0 - p) - y * r.powf(-p);
            let h = (1.0 - p) * r.powf(-p) + p * y * r.powf(-p - 1.0);
            (l, g, h)
        }
    }

    fn link(&self, mu: f64) -> f64 {
        if self.log_link { mu.ln() } else { mu }
    }
}

/// A GLM fitting problem. The parameter vector is `[w; b]` (`b` only with an intercept).
pub(crate) struct Problem<'a> {
    x: GlmX<'a>,
    y: &'a [f64],
    sw: Option<&'a [f64]>,
    sw_sum: f64,
    family: Family,
    alpha: f64,
    fit_intercept: bool,
}

/// Fixed row blocks `[a, b)` of `0..n`.
fn blocks(n: usize) -> Vec<(usize, usize)> {
    (0..n.div_ceil(BLOCK_ROWS))
        .map(|k| (k * BLOCK_ROWS, ((k + 1) * BLOCK_ROWS).min(n)))
        .collect()
}

impl<'a> Problem<'a> {
    /// The problem on raw (uncentred) data.
    pub fn new(
        x: GlmX<'a>,
        y: &'a [f64],
        sw: Option<&'a [f64]>,
        family: Family,
        alpha: f64,
        fit_intercept: bool,
    ) -> Self {
        let sw_sum = sw.map_or(y.len() as f64, |w| w.iter().sum());
        Problem {
            x,
            y,
            sw,
            sw_sum,
            family,
            alpha,
            fit_intercept,
        }
    }

    fn dim(&self) -> usize {
        self.x.p() + usize::from(self.fit_intercept)
    }

    fn weight(&self, i: usize) -> f64 {
        self.sw.map_or(1.0, |w| w[i])
    }

    /// scikit-learn's start: `w = 0`, `b = link(weighted mean of y)`.
    pub fn initial(&self) -> Result<Vec<f64>> {
        let mut beta = vec![0.0; self.dim()];
        if self.fit_intercept {
            let mean: f64 = (0..self.y.len())
                .map(|i| self.weight(i) * self.y[i])
                .sum::<f64>()
                / self.sw_sum;
            let b = self.family.link(mean);
            if !b.is_finite() {
                return Err(Error::InvalidData(format!(
                    "the target's mean is {mean}, outside the domain of the link function (the \
                     log link needs a positive mean); check the target column"
                )));
            }
            beta[self.x.p()] = b;
        }
        Ok(beta)
    }

    /// The raw predictions `Xw + b`.
    pub fn raw(&self, beta: &[f64]) -> Vec<f64> {
        let p = self.x.p();
        let b = if self.fit_intercept { beta[p] } else { 0.0 };
        let x = match self.x {
            GlmX::Dense(x) => x,
            GlmX::Csr(x) => return csr_matvec(x, &beta[..p], b),
        };
        let mut out = vec![b; self.x.n()];
        out.par_chunks_mut(BLOCK_ROWS)
            .enumerate()
            .for_each(|(k, chunk)| {
                let a = k * BLOCK_ROWS;
                for (j, &wj) in beta[..p].iter().enumerate() {
                    if wj != 0.0 {
                        let col = &x.col(j)[a..a + chunk.len()];
                        chunk.iter_mut().zip(col).for_each(|(o, v)| *o += wj * v);
                    }
                }
            });
        out
    }

    fn penalty(&self, beta: &[f64]) -> f64 {
        let w = &beta[..self.x.p()];
        0.5 * self.alpha * w.iter().map(|v| v * v).sum::<f64>()
    }

    /// Objective and pointwise `s·g/Σs`, `s·|h|/Σs` at raw predictions `raw`.
    fn pointwise(&self, raw: &[f64], with_hess: bool) -> (f64, Vec<f64>, Vec<f64>) {
        let n = self.x.n();
        let parts: Vec<(f64, Vec<f64>, Vec<f64>)> = blocks(n)
            .into_par_iter()
            .map(|(a, b)| {
                let mut loss = 0.0;
                let mut g = Vec::with_capacity(b - a);
                let mut h = Vec::with_capacity(if with_hess { b - a } else { 0 });
                for (i, (&yi, &ri)) in self.y[a..b].iter().zip(&raw[a..b]).enumerate() {
                    let s = self.weight(a + i) / self.sw_sum;
                    let (l, gi, hi) = self.family.loss_grad_hess(yi, ri);
                    loss += s * l;
                    g.push(s * gi);
                    if with_hess {
                        h.push(s * hi.abs());
                    }
                }
                (loss, g, h)
            })
            .collect();
        let mut loss = 0.0;
        let mut g = Vec::with_capacity(n);
        let mut h = Vec::with_capacity(if with_hess { n } else { 0 });
        for (l, gb, hb) in parts {
            loss += l;
            g.extend(gb);
            h.extend(hb);
        }
        (loss, g, h)
    }

    fn full_gradient(&self, beta: &[f64], gp: &[f64]) -> Vec<f64> {
        let mut grad = self.x.xt(gp);
        for (gj, wj) in grad.iter_mut().zip(&beta[..self.x.p()]) {
            *gj += self.alpha * wj;
        }
        if self.fit_intercept {
            grad.push(gp.iter().sum());
        }
        grad
    }

    /// The objective and its gradient (infinite objective outside the link's domain).
    pub fn loss_gradient(&self, beta: &[f64]) -> (f64, Vec<f64>) {
        let raw = self.raw(beta);
        let (loss, gp, _) = self.pointwise(&raw, false);
        (loss + self.penalty(beta), self.full_gradient(beta, &gp))
    }

    /// The gradient and the Hessian.
    pub fn gradient_hessian(&self, beta: &[f64]) -> (Vec<f64>, Mat<f64>) {
        let raw = self.raw(beta);
        let (_, gp, hp) = self.pointwise(&raw, true);
        let grad = self.full_gradient(beta, &gp);
        let p = self.x.p();
        let d = self.dim();
        let hx = self.x.gram(&hp);
        let mut hess = Mat::<f64>::zeros(d, d);
        for i in 0..p {
            for j in 0..p {
                hess[(i, j)] = hx[(i, j)];
            }
            hess[(i, i)] += self.alpha;
        }
        if self.fit_intercept {
            let col = self.x.xt(&hp);
            for j in 0..p {
                hess[(j, p)] = col[j];
                hess[(p, j)] = col[j];
            }
            hess[(p, p)] = hp.iter().sum();
        }
        (grad, hess)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivatives_match_finite_differences() {
        for (power, log_link) in [
            (0.0, true),
            (1.0, true),
            (1.5, true),
            (2.0, true),
            (3.0, true),
            (0.0, false),
            (1.0, false),
            (1.5, false),
            (2.0, false),
        ] {
            let f = Family { power, log_link };
            let (y, r) = (1.7, 0.8);
            let h = 1e-6;
            let (_, g, hh) = f.loss_grad_hess(y, r);
            let (lp, gp, _) = f.loss_grad_hess(y, r + h);
            let (lm, gm, _) = f.loss_grad_hess(y, r - h);
            assert!(
                ((lp - lm) / (2.0 * h) - g).abs() < 1e-6,
                "grad p={power} log={log_link}"
            );
            assert!(
                ((gp - gm) / (2.0 * h) - hh).abs() < 1e-6,
                "hess p={power} log={log_link}"
            );
        }
    }
}
