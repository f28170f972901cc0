//! The logistic regression objective scikit-learn's `LinearModelLoss` defines:
//!
//! `f(w) = Σ_i s_i · loss_i(w) / Σ_i s_i + ½ λ₂ ‖W‖² (+ λ₁ ‖W‖₁ for the proximal solver)`
//!
//! with `s_i` the sample weight times the class weight, the half binomial loss (binary, one
//! coefficient vector) or the multinomial loss `logsumexp(raw) - raw[y]` (one vector per class),
//! `λ₂ = (1 - l1_ratio) / (C Σ s_i)`, `λ₁ = l1_ratio / (C Σ s_i)`; intercepts are not penalised.
//!
//! Rows are processed in fixed chunks on rayon and the chunk results summed in chunk order, so
//! the value and gradient are identical at any thread count.

use rayon::prelude::*;
use satori_core::numeric::dot_lanes;

use crate::common::classes::{half_binomial_gradient, half_binomial_loss};
use crate::common::sparse::{XRef, csr_row, sparse_axpy, sparse_dot};

/// Rows per parallel chunk (fixed, so reductions do not depend on the thread count).
const CHUNK: usize = 4096;

/// A logistic regression problem: data, weights and the layout of the parameter vector.
///
/// Parameters are `k` blocks of `stride = p + fit_intercept` values: block `c` holds class `c`'s
/// coefficients followed by its intercept. Binary problems have `k = 1` and `y` in {0, 1};
/// multinomial ones `k ≥ 3` and `y` the class index.
pub(crate) struct Problem<'a> {
    /// The features: dense rows, or CSR rows (used as stored, never densified or centred).
    pub x: XRef<'a>,
    pub y: Vec<usize>,
    pub sw: Vec<f64>,
    pub sw_sum: f64,
    pub k: usize,
    pub p: usize,
    pub fit_intercept: bool,
}

impl Problem<'_> {
    /// Values per class block.
    pub fn stride(&self) -> usize {
        self.p + usize::from(self.fit_intercept)
    }

    /// Length of the parameter vector.
    pub fn n_params(&self) -> usize {
        self.k * self.stride()
    }

    /// Whether parameter `i` is an intercept (not penalised).
    pub fn is_intercept(&self, i: usize) -> bool {
        self.fit_intercept && i % self.stride() == self.p
    }

    /// ½ Σ w² over the coefficients (not the intercepts).
    pub fn half_sq_norm(&self, w: &[f64]) -> f64 {
        0.5 * w
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.is_intercept(*i))
            .map(|(_, v)| v * v)
            .sum::<f64>()
    }

    /// Σ |w| over the coefficients (not the intercepts).
    pub fn l1_norm(&self, w: &[f64]) -> f64 {
        w.iter()
            .enumerate()
            .filter(|(i, _)| !self.is_intercept(*i))
            .map(|(_, v)| v.abs())
            .sum::<f64>()
    }

    /// The weighted mean loss and its gradient (written into `grad`) without any penalty.
    pub fn loss_grad(&self, w: &[f64], grad: &mut [f64]) -> f64 {
        let n = self.x.nrows();
        let n_chunks = n.div_ceil(CHUNK).max(1);
        let parts: Vec<(f64, Vec<f64>)> = (0..n_chunks)
            .into_par_iter()
            .map(|c| {
                let rows = c * CHUNK..((c + 1) * CHUNK).min(n);
                if self.k == 1 {
                    self.chunk_binary(w, rows)
                } else {
                    self.chunk_multinomial(w, rows)
                }
            })
            .collect();
        grad.iter_mut().for_each(|g| *g = 0.0);
        let mut loss = 0.0;
        for (l, g) in parts {
            loss += l;
            for (a, b) in grad.iter_mut().zip(&g) {
                *a += b;
            }
        }
        let inv = 1.0 / self.sw_sum;
        grad.iter_mut().for_each(|g| *g *= inv);
        loss / self.sw_sum
    }

    /// The objective with the L2 part of the penalty, and its gradient.
    pub fn objective(&self, w: &[f64], grad: &mut [f64], l2: f64) -> f64 {
        let loss = self.loss_grad(w, grad);
        if l2 > 0.0 {
            for (i, (g, v)) in grad.iter_mut().zip(w).enumerate() {
                if !self.is_intercept(i) {
                    *g += l2 * v;
                }
            }
            loss + l2 * self.half_sq_norm(w)
        } else {
            loss
        }
    }

    fn chunk_binary(&self, w: &[f64], rows: std::ops::Range<usize>) -> (f64, Vec<f64>) {
        let p = self.p;
        let b = if self.fit_intercept { w[p] } else { 0.0 };
        let coef = &w[..p];
        let mut grad = vec![0.0; self.stride()];
        let mut loss = 0.0;
        for i in rows {
            let z = self.x.row_dot(i, coef) + b;
            let yi = self.y[i] as f64;
            let s = self.sw[i];
            let (l, g) = binomial_loss_gradient(yi, z);
            loss += s * l;
            let d = s * g;
            self.x.row_axpy(&mut grad[..p], d, i);
            if self.fit_intercept {
                grad[p] += d;
            }
        }
        (loss, grad)
    }

    fn chunk_multinomial(&self, w: &[f64], rows: std::ops::Range<usize>) -> (f64, Vec<f64>) {
        let (p, k, stride) = (self.p, self.k, self.stride());
        let mut grad = vec![0.0; w.len()];
        let mut raw = vec![0.0; k];
        let mut loss = 0.0;
        for i in rows {
            for (c, r) in raw.iter_mut().enumerate() {
                let block = &w[c * stride..(c + 1) * stride];
                *r = self.x.row_dot(i, &block[..p])
                    + if self.fit_intercept { block[p] } else { 0.0 };
            }
            let max = raw.iter().fold(f64::NEG_INFINITY, |m, v| m.max(*v));
            let yi = self.y[i];
            let ry = raw[yi] - max;
            let mut sum = 0.0;
            for r in raw.iter_mut() {
                *r = (*r - max).exp();
                sum += *r;
            }
            let s = self.sw[i];
            // raw now holds exp(raw - max); loss = log Σ exp(raw) - raw[y].
            loss += s * (sum.ln() - ry);
            for (c, e) in raw.iter().enumerate() {
                let prob = e / sum;
                let d = s * (prob - if c == yi { 1.0 } else { 0.0 });
                let block = &mut grad[c * stride..(c + 1) * stride];
                self.x.row_axpy(&mut block[..p], d, i);
                if self.fit_intercept {
                    block[p] += d;
                }
            }
        }
        (loss, grad)
    }
}

impl XRef<'_> {
    /// `x_i · coef`: [`dot_row`] on a dense row, the stored entries in order on a CSR row.
    #[inline]
    pub fn row_dot(&self, i: usize, coef: &[f64]) -> f64 {
        match self {
            XRef::Dense(x) => dot_row(x.row(i), coef),
            XRef::Csr(x) => {
                let (idx, val) = csr_row(x, i);
                sparse_dot(idx, val, coef)
            }
        }
    }

    /// `out += d · x_i`.
    #[inline]
    pub fn row_axpy(&self, out: &mut [f64], d: f64, i: usize) {
        match self {
            XRef::Dense(x) => axpy_row(out, d, x.row(i)),
            XRef::Csr(x) => {
                let (idx, val) = csr_row(x, i);
                sparse_axpy(out, d, idx, val);
            }
        }
    }

    /// `‖x_i‖²`.
    pub fn row_sq_norm(&self, i: usize) -> f64 {
        match self {
            XRef::Dense(x) => x.row(i).iter().map(|v| v * v).sum::<f64>(),
            XRef::Csr(x) => csr_row(x, i).1.iter().map(|v| v * v).sum::<f64>(),
        }
    }
}

/// The half binomial loss `log(1 + exp(z)) - y z` and its derivative `expit(z) - y` from one
/// exponential (scikit-learn's formulas, which take two, agree to rounding).
fn binomial_loss_gradient(y: f64, z: f64) -> (f64, f64) {
    if z <= -37.0 {
        return (half_binomial_loss(y, z), half_binomial_gradient(y, z));
    }
    let e = (-z).exp();
    let log1pexp = if z >= 0.0 {
        z + e.ln_1p()
    } else {
        (1.0 / e).ln_1p()
    };
    (log1pexp - y * z, ((1.0 - y) - y * e) / (1.0 + e))
}

/// `row · coef` with four accumulators ([`dot_lanes`]; rows are short, and this keeps the loop
/// vectorisable). The same summation order whatever the row's memory layout, so a prediction
/// does not depend on how the input matrix is stored.
pub(crate) fn dot_row(row: ndarray::ArrayView1<'_, f64>, coef: &[f64]) -> f64 {
    match row.as_slice() {
        Some(r) => dot_lanes::<4>(r, coef),
        None => dot_lanes::<4>(&row.to_vec(), coef),
    }
}

fn axpy_row(out: &mut [f64], d: f64, row: ndarray::ArrayView1<'_, f64>) {
    match row.as_slice() {
        Some(r) => {
            for (o, v) in out.iter_mut().zip(r) {
                *o += d * v;
            }
        }
        None => {
            for (o, v) in out.iter_mut().zip(row.iter()) {
                *o += d * v;
            }
        }
    }
}
