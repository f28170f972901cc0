//! The coordinate-descent kernel of lasso and elastic net: a port of scikit-learn's
//! `enet_coordinate_descent` (`sklearn/linear_model/_cd_fast.pyx`, 1.9.1) with its duality-gap
//! stopping rule and gap-safe screening, so that it takes the same steps and reports the same
//! `n_iter` and gap on cyclic selection.
//!
//! It minimises `½‖y − Xw‖² + l1‖w‖₁ + ½ l2‖w‖²` (scikit-learn's `alpha`, `beta`: the model's
//! `α·ρ·n` and `α·(1−ρ)·n`). After an epoch whose largest coefficient change is at most
//! `tol · max|w|` (or at the last epoch) the duality gap is computed; the fit stops when it is at
//! most `tol · ‖y‖²`. Long columns are processed in fixed row blocks on rayon (dot products add
//! the block sums in block order), so results do not depend on the number of threads.

use rayon::prelude::*;
use satori_core::Progress;
use satori_core::rng::{RngExt, SatoriRng};

use satori_core::numeric::dot_lanes;

use crate::common::data::{BLOCK_ROWS, Design, axpy};

/// Columns at least this long use the parallel block kernels.
const PAR_MIN: usize = 4 * BLOCK_ROWS;

/// `a · b`, in fixed blocks added in order when long.
pub(crate) fn pdot(a: &[f64], b: &[f64]) -> f64 {
    if a.len() < PAR_MIN {
        return dot_lanes::<8>(a, b);
    }
    let parts: Vec<f64> = a
        .par_chunks(BLOCK_ROWS)
        .zip(b.par_chunks(BLOCK_ROWS))
        .map(|(x, y)| dot_lanes::<8>(x, y))
        .collect();
    parts.iter().sum()
}

/// `y += s · x`, in parallel blocks when long (element-wise, so any split gives the same bits).
fn paxpy(s: f64, x: &[f64], y: &mut [f64]) {
    if y.len() < PAR_MIN {
        axpy(s, x, y);
        return;
    }
    y.par_chunks_mut(BLOCK_ROWS)
        .zip(x.par_chunks(BLOCK_ROWS))
        .for_each(|(yb, xb)| axpy(s, xb, yb));
}

/// What a coordinate-descent run reports.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CdOutcome {
    /// The last duality gap computed (on the `½‖·‖²` scale, not divided by `n`).
    pub gap: f64,
    /// Epochs run.
    pub n_iter: usize,
    /// Whether the gap reached the tolerance.
    pub converged: bool,
}

/// The problem: data, penalties and options.
pub(crate) struct CdProblem<'a> {
    /// The (centred, rescaled) design matrix.
    pub x: &'a Design,
    /// The (centred, rescaled) target.
    pub y: &'a [f64],
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
    /// Told of each epoch.
    pub progress: &'a dyn Progress,
}

/// The duality gap of scikit-learn's `gap_enet`, and `‖Xᵀr − l2·w‖∞` (or the largest entry when
/// `positive`). `xta` receives `Xᵀr − l2·w`.
fn gap(pb: &CdProblem<'_>, w: &[f64], r: &[f64], xta: &mut [f64]) -> (f64, f64) {
    let (alpha, beta) = (pb.l1, pb.l2);
    let w_l2 = if beta > 0.0 {
        dot_lanes::<8>(w, w)
    } else {
        0.0
    };
    let r_norm2 = pdot(r, r);
    let ry = if alpha == 0.0 && beta == 0.0 {
        0.0
    } else {
        pdot(r, pb.y)
    };
    let xtr: Vec<f64> = (0..pb.x.p)
        .into_par_iter()
        .map(|j| pdot(pb.x.col(j), r))
        .collect();
    if alpha == 0.0 {
        xta.copy_from_slice(&xtr);
        let norm = dot_lanes::<8>(xta, xta);
        return (l2_gap(beta, norm, (r_norm2, w_l2, ry)), norm);
    }
    for j in 0..xta.len() {
        xta[j] = xtr[j] - beta * w[j];
    }
    l1_gap(xta, w, alpha, beta, pb.positive, (r_norm2, w_l2, ry))
}

/// The end of `gap_enet` for `alpha = 0`: from `norm = ‖xta‖²` and `(‖r‖², ‖w‖², r·y)`, the
/// duality gap (`norm` itself when `beta = 0` too).
pub(crate) fn l2_gap(beta: f64, norm: f64, (r_norm2, w_l2, ry): (f64, f64, f64)) -> f64 {
    if beta == 0.0 {
        return norm;
    }
    r_norm2 + 0.5 * beta * w_l2 - ry + 1.0 / (2.0 * beta) * norm
}

/// The end of `gap_enet` for `alpha > 0`, shared by the dense and the sparse kernel: from
/// `xta = Xᵀr − beta·w`, the coefficients `w` and `(‖r‖², ‖w‖², r·y)`, the duality gap and the
/// dual norm `‖xta‖∞` (the largest entry when `positive`).
pub(crate) fn l1_gap(
    xta: &[f64],
    w: &[f64],
    alpha: f64,
    beta: f64,
    positive: bool,
    (r_norm2, w_l2, ry): (f64, f64, f64),
) -> (f64, f64) {
    let dual_norm = if positive {
        xta.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    } else {
        xta.iter().fold(0.0f64, |m, v| m.max(v.abs()))
    };
    let l1_norm: f64 = w.iter().map(|v| v.abs()).sum();
    let primal = 0.5 * (r_norm2 + beta * w_l2) + alpha * l1_norm;
    let scale = if dual_norm > alpha {
        alpha / dual_norm
    } else {
        1.0
    };
    let dual = -0.5 * scale * scale * (r_norm2 + beta * w_l2) + scale * ry;
    (primal - dual, dual_norm)
}

/// The working state of a run: residual, column norms, `Xᵀr − l2·w`, active set.
struct State<'w> {
    w: &'w mut [f64],
    r: Vec<f64>,
    norm2: Vec<f64>,
    xta: Vec<f64>,
    active: Vec<usize>,
    excluded: Vec<bool>,
}

impl State<'_> {
    /// Gap-safe screening (Ndiaye et al. 2018, eq. 11): rebuild the active set, zeroing
    /// excluded coefficients (and restoring their share of the residual).
    fn screen(&mut self, pb: &CdProblem<'_>, dual_norm: f64, g: f64) {
        let alpha = pb.l1;
        self.active.clear();
        let radius = (2.0 * g).sqrt() / alpha;
        for j in 0..pb.x.p {
            if self.excluded[j] {
                continue;
            }
            if self.norm2[j] == 0.0 {
                self.w[j] = 0.0;
                self.excluded[j] = true;
                continue;
            }
            let xj_theta = self.xta[j] / alpha.max(dual_norm);
            let d_j = (1.0 - xj_theta.abs()) / (self.norm2[j] + pb.l2).sqrt();
            if d_j <= radius {
                self.active.push(j);
            } else {
                if self.w[j] != 0.0 {
                    paxpy(self.w[j], pb.x.col(j), &mut self.r);
                    self.w[j] = 0.0;
                }
                self.excluded[j] = true;
            }
        }
    }

    /// One pass over the active coordinates: `(max |w|, max |Δw|)`.
    fn epoch(&mut self, pb: &CdProblem<'_>, mut rng: Option<&mut SatoriRng>) -> (f64, f64) {
        let mut w_max = 0.0f64;
        let mut d_w_max = 0.0f64;
        for f in 0..self.active.len() {
            let k = match rng.as_deref_mut() {
                Some(r) => r.random_range(0..self.active.len()),
                None => f,
            };
            let j = self.active[k];
            if self.norm2[j] == 0.0 {
                continue;
            }
            let w_j = self.w[j];
            let col = pb.x.col(j);
            let tmp = pdot(col, &self.r) + w_j * self.norm2[j];
            let new = if pb.positive && tmp < 0.0 {
                0.0
            } else {
                tmp.signum() * (tmp.abs() - pb.l1).max(0.0) / (self.norm2[j] + pb.l2)
            };
            self.w[j] = new;
            if new != w_j {
                paxpy(w_j - new, col, &mut self.r);
            }
            d_w_max = d_w_max.max((new - w_j).abs());
            w_max = w_max.max(new.abs());
        }
        (w_max, d_w_max)
    }
}

/// Run coordinate descent from `w` (updated in place). `rng` selects coordinates at random
/// (with replacement, as scikit-learn's `selection="random"`) when given.
pub(crate) fn enet_cd(
    pb: &CdProblem<'_>,
    w: &mut [f64],
    mut rng: Option<&mut SatoriRng>,
) -> CdOutcome {
    let p = pb.x.p;
    let norm2: Vec<f64> = (0..p)
        .into_par_iter()
        .map(|j| pdot(pb.x.col(j), pb.x.col(j)))
        .collect();
    let mut r = pb.y.to_vec();
    for (j, &wj) in w.iter().enumerate() {
        if wj != 0.0 {
            paxpy(-wj, pb.x.col(j), &mut r);
        }
    }
    let tol = pb.tol * pdot(pb.y, pb.y);
    let mut st = State {
        w,
        r,
        norm2,
        xta: vec![0.0; p],
        active: (0..p).collect(),
        excluded: vec![false; p],
    };
    let (mut g, dual_norm) = gap(pb, st.w, &st.r, &mut st.xta);
    if g <= tol {
        return CdOutcome {
            gap: g,
            n_iter: 0,
            converged: true,
        };
    }
    let screening = pb.l1 != 0.0;
    if screening {
        st.screen(pb, dual_norm, g);
    }
    for it in 0..pb.max_iter {
        pb.progress.advance(1);
        let (w_max, d_w_max) = st.epoch(pb, rng.as_deref_mut());
        if w_max == 0.0 || d_w_max / w_max <= pb.tol || it + 1 == pb.max_iter {
            let dual_norm;
            (g, dual_norm) = gap(pb, st.w, &st.r, &mut st.xta);
            if g <= tol {
                return CdOutcome {
                    gap: g,
                    n_iter: it + 1,
                    converged: true,
                };
            }
            if screening {
                st.screen(pb, dual_norm, g);
            }
        }
    }
    CdOutcome {
        gap: g,
        n_iter: pb.max_iter,
        converged: false,
    }
}
