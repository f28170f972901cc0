//! Coordinate descent for lasso and elastic net on sparse input (scikit-learn's
//! `sparse_enet_coordinate_descent`): the columns are read from a CSC copy of the CSR matrix
//! (the stored entries only, never densified) and the centring is implicit.
//!
//! With sample weights `s` (rescaled to sum to `n`), `√s` per row and weighted column means
//! `m_j`, the centred column is `c_j = √s ∘ (x_j − m_j)`. The residual is kept as
//! `r = r₀ − γ √s`: a coordinate step `r += δ c_j` adds `δ √s ∘ x_j` to `r₀` on the column's
//! stored rows and `δ m_j` to the scalar `γ`, so one step costs the column's stored entries, not
//! `n`. Products `c_j · r = Σ_stored √s_i x_ij r_i − m_j Σ_i √s_i r_i` use the running sum
//! `Σ √s_i r_i`. The stopping rule is the dense kernel's: after an epoch whose largest change is
//! at most `tol · max|w|` the duality gap is computed (on an explicit residual, which also
//! refreshes the running sums); the fit stops when it is at most `tol · ‖y_c‖²`.

use rayon::prelude::*;
use satori_core::numeric::dot;
use satori_core::rng::{RngExt, SatoriRng};
use satori_core::{CsMat, Progress};

use crate::common::sparse::csr_row;
use crate::elastic_net::cd::{CdOutcome, l1_gap, l2_gap};

/// The implicitly centred sparse problem of the coordinate-descent kernel.
pub(crate) struct SparseCd<'a> {
    /// The matrix in CSC storage (columns are outer).
    pub csc: &'a CsMat<f64>,
    /// `√s` per row.
    pub sw: Vec<f64>,
    /// Weighted column means (zeros without an intercept).
    pub means: Vec<f64>,
    /// The centred, rescaled target `√s ∘ (y − ȳ)`.
    pub b: Vec<f64>,
    /// L1 strength (scikit-learn's `alpha` in the kernel).
    pub l1: f64,
    /// L2 strength (`beta`).
    pub l2: f64,
    /// Maximum number of epochs.
    pub max_iter: usize,
    /// Relative tolerance.
    pub tol: f64,
    /// Constrain coefficients to be `≥ 0`.
    pub positive: bool,
}

/// The residual and its running sums.
struct Residual {
    r0: Vec<f64>,
    gamma: f64,
    /// `Σ √s_i r₀_i`.
    t0: f64,
    /// `Σ s_i`.
    s_sum: f64,
}

impl Residual {
    /// `Σ √s_i r_i`.
    fn sw_dot(&self) -> f64 {
        self.t0 - self.gamma * self.s_sum
    }

    /// The explicit residual; resets `γ` to 0 and refreshes `Σ √s r₀`.
    fn materialize(&mut self, sw: &[f64]) -> &[f64] {
        if self.gamma != 0.0 {
            let g = self.gamma;
            self.r0.iter_mut().zip(sw).for_each(|(r, s)| *r -= g * s);
            self.gamma = 0.0;
        }
        self.t0 = dot(&self.r0, sw);
        &self.r0
    }
}

impl SparseCd<'_> {
    /// Column `j`'s stored rows and values.
    fn col(&self, j: usize) -> (&[usize], &[f64]) {
        csr_row(self.csc, j)
    }

    /// `c_j · r` from the stored entries and the running sum.
    fn col_dot(&self, j: usize, res: &Residual) -> f64 {
        let (idx, val) = self.col(j);
        let mut s = 0.0;
        for (&i, &v) in idx.iter().zip(val) {
            s += self.sw[i] * v * (res.r0[i] - res.gamma * self.sw[i]);
        }
        s - self.means[j] * res.sw_dot()
    }

    /// `r += δ c_j`.
    fn col_axpy(&self, j: usize, delta: f64, res: &mut Residual) {
        let (idx, val) = self.col(j);
        let mut t = 0.0;
        for (&i, &v) in idx.iter().zip(val) {
            let add = delta * self.sw[i] * v;
            res.r0[i] += add;
            t += self.sw[i] * add;
        }
        res.t0 += t;
        res.gamma += delta * self.means[j];
    }

    /// `‖c_j‖²` per column.
    fn norms(&self) -> Vec<f64> {
        let s_sum: f64 = self.sw.iter().map(|s| s * s).sum();
        (0..self.means.len())
            .into_par_iter()
            .map(|j| {
                let (idx, val) = self.col(j);
                let (mut sq, mut lin) = (0.0, 0.0);
                for (&i, &v) in idx.iter().zip(val) {
                    let s = self.sw[i] * self.sw[i];
                    sq += s * v * v;
                    lin += s * v;
                }
                let m = self.means[j];
                (sq - 2.0 * m * lin + m * m * s_sum).max(0.0)
            })
            .collect()
    }

    /// The duality gap (scikit-learn's `gap_enet`) at `w` with the explicit residual `r`.
    fn gap(&self, w: &[f64], r: &[f64], r_sw: f64) -> f64 {
        let (alpha, beta) = (self.l1, self.l2);
        let w_l2: f64 = if beta > 0.0 {
            w.iter().map(|v| v * v).sum()
        } else {
            0.0
        };
        let r_norm2: f64 = r.iter().map(|v| v * v).sum();
        let ry = dot(r, &self.b);
        let xta: Vec<f64> = (0..w.len())
            .into_par_iter()
            .map(|j| {
                let (idx, val) = self.col(j);
                let mut s = 0.0;
                for (&i, &v) in idx.iter().zip(val) {
                    s += self.sw[i] * v * r[i];
                }
                s - self.means[j] * r_sw - beta * w[j]
            })
            .collect();
        if alpha == 0.0 {
            let norm: f64 = xta.iter().map(|v| v * v).sum();
            return l2_gap(beta, norm, (r_norm2, w_l2, ry));
        }
        l1_gap(&xta, w, alpha, beta, self.positive, (r_norm2, w_l2, ry)).0
    }

    /// Run coordinate descent from `w` (updated in place); `rng` picks coordinates at random
    /// (with replacement) when given.
    pub fn run(
        &self,
        w: &mut [f64],
        mut rng: Option<&mut SatoriRng>,
        progress: &dyn Progress,
    ) -> CdOutcome {
        let p = w.len();
        let norm2 = self.norms();
        let s_sum: f64 = self.sw.iter().map(|s| s * s).sum();
        let mut res = Residual {
            r0: self.b.clone(),
            gamma: 0.0,
            t0: 0.0,
            s_sum,
        };
        for (j, &wj) in w.iter().enumerate() {
            if wj != 0.0 {
                self.col_axpy(j, -wj, &mut res);
            }
        }
        let tol = self.tol * self.b.iter().map(|v| v * v).sum::<f64>();
        let r = res.materialize(&self.sw).to_vec();
        let mut g = self.gap(w, &r, res.t0);
        if g <= tol {
            return CdOutcome {
                gap: g,
                n_iter: 0,
                converged: true,
            };
        }
        for it in 0..self.max_iter {
            progress.advance(1);
            let (mut w_max, mut d_w_max) = (0.0f64, 0.0f64);
            for f in 0..p {
                let j = match rng.as_deref_mut() {
                    Some(r) => r.random_range(0..p),
                    None => f,
                };
                if norm2[j] == 0.0 {
                    continue;
                }
                let w_j = w[j];
                let tmp = self.col_dot(j, &res) + w_j * norm2[j];
                let new = if self.positive && tmp < 0.0 {
                    0.0
                } else {
                    tmp.signum() * (tmp.abs() - self.l1).max(0.0) / (norm2[j] + self.l2)
                };
                w[j] = new;
                if new != w_j {
                    self.col_axpy(j, w_j - new, &mut res);
                }
                d_w_max = d_w_max.max((new - w_j).abs());
                w_max = w_max.max(new.abs());
            }
            if w_max == 0.0 || d_w_max / w_max <= self.tol || it + 1 == self.max_iter {
                let r = res.materialize(&self.sw).to_vec();
                g = self.gap(w, &r, res.t0);
                if g <= tol {
                    return CdOutcome {
                        gap: g,
                        n_iter: it + 1,
                        converged: true,
                    };
                }
            }
        }
        CdOutcome {
            gap: g,
            n_iter: self.max_iter,
            converged: false,
        }
    }
}
