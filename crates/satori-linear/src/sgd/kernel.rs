//! scikit-learn's `_plain_sgd` for one linear function: the weight vector stored as `wscale · w`
//! (so the L2 shrinkage is one multiplication), the `optimal` schedule started from `optimal_init`,
//! the cumulative L1 penalty of Tsuruoka et al. (`u`, `q`), and the averaged weights in the
//! `average_a`/`average_b` form. Every expression keeps scikit-learn's order of operations, so
//! with the same row order the weights agree with scikit-learn's to rounding.
//!
//! The whole state — `t`, `wscale`, `u`, `q` and the averages included — is kept in the fitted
//! model, so one pass over batch A and then one over batch B is the same computation, bit for
//! bit, as one pass over A followed by B.

use ndarray::ArrayView1;
use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};

use super::{LearningRate, Penalty};
use crate::common::classes::{half_binomial_gradient, half_binomial_loss};
use crate::common::sparse::{XRef, csr_row};

/// The loss functions of scikit-learn's SGD (its Cython loss classes), with `y` in {-1, +1}
/// for the margin losses, {0, 1} for `Log`, real for the regression losses.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) enum Loss {
    Hinge(f64),
    SquaredHinge(f64),
    ModifiedHuber,
    Log,
    SquaredError,
    Huber(f64),
    EpsilonInsensitive(f64),
    SquaredEpsilonInsensitive(f64),
}

impl Loss {
    pub fn loss(self, y: f64, p: f64) -> f64 {
        match self {
            Loss::Hinge(th) => {
                let z = p * y;
                if z <= th { th - z } else { 0.0 }
            }
            Loss::SquaredHinge(th) => {
                let z = th - p * y;
                if z > 0.0 { z * z } else { 0.0 }
            }
            Loss::ModifiedHuber => {
                let z = p * y;
                if z >= 1.0 {
                    0.0
                } else if z >= -1.0 {
                    (1.0 - z) * (1.0 - z)
                } else {
                    -4.0 * z
                }
            }
            Loss::Log => half_binomial_loss(y, p),
            Loss::SquaredError => 0.5 * (p - y) * (p - y),
            Loss::Huber(delta) => {
                let abserr = (y - p).abs();
                if abserr <= delta {
                    0.5 * abserr * abserr
                } else {
                    delta * (abserr - 0.5 * delta)
                }
            }
            Loss::EpsilonInsensitive(eps) => {
                let r = (y - p).abs() - eps;
                if r > 0.0 { r } else { 0.0 }
            }
            Loss::SquaredEpsilonInsensitive(eps) => {
                let r = (y - p).abs() - eps;
                if r > 0.0 { r * r } else { 0.0 }
            }
        }
    }

    pub fn gradient(self, y: f64, p: f64) -> f64 {
        match self {
            Loss::Hinge(th) => {
                if p * y <= th {
                    -y
                } else {
                    0.0
                }
            }
            Loss::SquaredHinge(th) => {
                let z = th - p * y;
                if z > 0.0 { -2.0 * y * z } else { 0.0 }
            }
            Loss::ModifiedHuber => {
                let z = p * y;
                if z >= 1.0 {
                    0.0
                } else if z >= -1.0 {
                    2.0 * (1.0 - z) * -y
                } else {
                    -4.0 * y
                }
            }
            Loss::Log => half_binomial_gradient(y, p),
            Loss::SquaredError => p - y,
            Loss::Huber(delta) => {
                let r = p - y;
                if r.abs() <= delta {
                    r
                } else if r >= 0.0 {
                    delta
                } else {
                    -delta
                }
            }
            Loss::EpsilonInsensitive(eps) => {
                if y - p > eps {
                    -1.0
                } else if p - y > eps {
                    1.0
                } else {
                    0.0
                }
            }
            Loss::SquaredEpsilonInsensitive(eps) => {
                let z = y - p;
                if z > eps {
                    -2.0 * (z - eps)
                } else if z < -eps {
                    2.0 * (-z - eps)
                } else {
                    0.0
                }
            }
        }
    }
}

/// The resolved hyperparameters of one SGD run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Config {
    pub loss: Loss,
    pub penalty: Penalty,
    pub alpha: f64,
    /// 0 for L2, 1 for L1, the parameter for elastic net.
    pub l1_ratio: f64,
    pub learning_rate: LearningRate,
    pub eta0: f64,
    pub power_t: f64,
    pub fit_intercept: bool,
    /// Average from update `average` on (0 = no averaging).
    pub average: u64,
    pub tol: Option<f64>,
    pub n_iter_no_change: usize,
}

impl Config {
    /// `optimal_init` of scikit-learn: the `t` offset of the `optimal` schedule.
    fn optimal_init(&self) -> f64 {
        let typw = (1.0 / self.alpha.sqrt()).sqrt();
        let initial_eta0 = typw / 1.0f64.max(self.loss.gradient(1.0, -typw));
        1.0 / (initial_eta0 * self.alpha)
    }
}

/// The state of one linear function under SGD.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct State {
    w: Vec<f64>,
    wscale: f64,
    sq_norm: f64,
    l1_norm: f64,
    intercept: f64,
    /// Averaged weights (empty without averaging).
    aw: Vec<f64>,
    average_a: f64,
    average_b: f64,
    average_intercept: f64,
    /// Cumulative L1 penalty applied to each weight (empty without an L1 part).
    q: Vec<f64>,
    u: f64,
    /// The update counter, starting at 1.
    pub t: f64,
}

/// One row's features: every value of a dense row, or the stored entries of a sparse row.
#[derive(Clone, Copy)]
pub(crate) enum RowX<'a> {
    /// A dense row.
    Dense(ArrayView1<'a, f64>),
    /// A sparse row: column indices and values, in storage order.
    Sparse(&'a [usize], &'a [f64]),
}

/// One row's data for an update.
pub(crate) struct Sample<'a> {
    pub x: RowX<'a>,
    pub y: f64,
    pub weight: f64,
    /// The factor of the intercept update: 1 for dense data, scikit-learn's
    /// `SPARSE_INTERCEPT_DECAY = 0.01` for sparse data.
    pub intercept_decay: f64,
}

impl State {
    pub fn new(n_features: usize, cfg: &Config) -> Self {
        State {
            w: vec![0.0; n_features],
            wscale: 1.0,
            sq_norm: 0.0,
            l1_norm: 0.0,
            intercept: 0.0,
            aw: if cfg.average > 0 {
                vec![0.0; n_features]
            } else {
                Vec::new()
            },
            average_a: 0.0,
            average_b: 1.0,
            average_intercept: 0.0,
            q: if matches!(cfg.penalty, Penalty::L1 | Penalty::Elasticnet) {
                vec![0.0; n_features]
            } else {
                Vec::new()
            },
            u: 0.0,
            t: 1.0,
        }
    }

    /// Whether the state fits `n_features` and `cfg` (a model file could have been altered).
    pub fn consistent(&self, n_features: usize, cfg: &Config) -> bool {
        self.w.len() == n_features
            && (self.aw.is_empty() || self.aw.len() == n_features)
            && (cfg.average == 0 || self.aw.len() == n_features)
            && (self.q.is_empty() || self.q.len() == n_features)
            && (!matches!(cfg.penalty, Penalty::L1 | Penalty::Elasticnet)
                || self.q.len() == n_features)
    }

    fn dot(&self, x: RowX<'_>) -> f64 {
        let mut s = 0.0;
        match x {
            RowX::Dense(x) => {
                for (w, v) in self.w.iter().zip(x) {
                    s += w * v;
                }
            }
            RowX::Sparse(idx, val) => {
                for (&j, v) in idx.iter().zip(val) {
                    s += self.w[j] * v;
                }
            }
        }
        s * self.wscale
    }

    /// `w += c x`; the norms are recomputed over the row's entries (all of a dense row, the
    /// stored ones of a sparse row), as scikit-learn's `WeightVector.add`.
    fn add(&mut self, x: RowX<'_>, c: f64) {
        let (mut l2, mut l1) = (0.0, 0.0);
        let wscale = self.wscale;
        match x {
            RowX::Dense(x) => {
                for (w, v) in self.w.iter_mut().zip(x) {
                    *w += v * (c / wscale);
                    l2 += *w * *w;
                    l1 += w.abs();
                }
            }
            RowX::Sparse(idx, val) => {
                for (&j, v) in idx.iter().zip(val) {
                    let w = &mut self.w[j];
                    *w += v * (c / wscale);
                    l2 += *w * *w;
                    l1 += w.abs();
                }
            }
        }
        self.sq_norm = l2 * (wscale * wscale);
        self.l1_norm = l1 * wscale;
    }

    fn add_average(&mut self, x: RowX<'_>, c: f64, num_iter: f64) {
        let mu = 1.0 / num_iter;
        let (a, wscale) = (self.average_a, self.wscale);
        match x {
            RowX::Dense(x) => {
                for (aw, v) in self.aw.iter_mut().zip(x) {
                    *aw += a * v * (-c / wscale);
                }
            }
            RowX::Sparse(idx, val) => {
                for (&j, v) in idx.iter().zip(val) {
                    self.aw[j] += a * v * (-c / wscale);
                }
            }
        }
        if num_iter > 1.0 {
            self.average_b /= 1.0 - mu;
        }
        self.average_a += mu * self.average_b * wscale;
    }

    fn scale(&mut self, c: f64) {
        self.wscale *= c;
        self.sq_norm *= c * c;
        self.l1_norm *= c.abs();
        if self.wscale < 1e-9 {
            self.reset_wscale();
        }
    }

    fn reset_wscale(&mut self) {
        if !self.aw.is_empty() {
            let inv_b = 1.0 / self.average_b;
            for (aw, w) in self.aw.iter_mut().zip(&self.w) {
                // BLAS daxpy, which fuses the multiply-add.
                *aw = self.average_a.mul_add(*w, *aw);
                *aw *= inv_b;
            }
            self.average_a = 0.0;
            self.average_b = 1.0;
        }
        for w in &mut self.w {
            *w *= self.wscale;
        }
        self.wscale = 1.0;
    }

    /// The cumulative L1 penalty on the row's features (all of a dense row, the stored ones of
    /// a sparse row, as scikit-learn's `l1penalty`).
    fn l1_penalty(&mut self, x: RowX<'_>) {
        let (u, wscale) = (self.u, self.wscale);
        let one = |w: &mut f64, q: &mut f64| {
            let z = *w;
            if wscale * z > 0.0 {
                *w = 0.0f64.max(*w - (u + *q) / wscale);
            } else if wscale * z < 0.0 {
                *w = 0.0f64.min(*w + (u - *q) / wscale);
            }
            *q += wscale * (*w - z);
        };
        match x {
            RowX::Dense(_) => {
                for (w, q) in self.w.iter_mut().zip(self.q.iter_mut()) {
                    one(w, q);
                }
            }
            RowX::Sparse(idx, _) => {
                for &j in idx {
                    if let (Some(w), Some(q)) = (self.w.get_mut(j), self.q.get_mut(j)) {
                        one(w, q);
                    }
                }
            }
        }
    }

    /// One SGD update; returns the sample's loss plus penalty (for the stopping rule).
    pub fn update(
        &mut self,
        cfg: &Config,
        s: &Sample<'_>,
        eta: &mut f64,
        optimal_init: f64,
    ) -> f64 {
        let p = self.dot(s.x) + self.intercept;
        match cfg.learning_rate {
            LearningRate::Optimal => *eta = 1.0 / (cfg.alpha * (optimal_init + self.t - 1.0)),
            LearningRate::Invscaling => *eta = cfg.eta0 / self.t.powf(cfg.power_t),
            LearningRate::Constant | LearningRate::Adaptive => {}
        }
        let mut objective = cfg.loss.loss(s.y, p);
        if cfg.penalty != Penalty::None {
            let norm = self.sq_norm.sqrt();
            objective += cfg.alpha
                * ((1.0 - cfg.l1_ratio) * 0.5 * (norm * norm) + cfg.l1_ratio * self.l1_norm);
        }
        let dloss = cfg.loss.gradient(s.y, p).clamp(-1e12, 1e12);
        let mut update = -*eta * dloss;
        update *= s.weight;
        if matches!(cfg.penalty, Penalty::L2 | Penalty::Elasticnet) {
            self.scale(0.0f64.max(1.0 - (1.0 - cfg.l1_ratio) * *eta * cfg.alpha));
        }
        if update != 0.0 {
            self.add(s.x, update);
            if cfg.fit_intercept {
                self.intercept += update * s.intercept_decay;
            }
        }
        let average = cfg.average as f64;
        if cfg.average > 0 && average <= self.t {
            let num_iter = self.t - average + 1.0;
            self.add_average(s.x, update, num_iter);
            self.average_intercept += (self.intercept - self.average_intercept) / num_iter;
        }
        if matches!(cfg.penalty, Penalty::L1 | Penalty::Elasticnet) {
            self.u += cfg.l1_ratio * *eta * cfg.alpha;
            self.l1_penalty(s.x);
        }
        self.t += 1.0;
        objective
    }

    /// The coefficients and intercept a prediction uses: the averaged ones once `average`
    /// updates are done (scikit-learn's `average <= t_ - 1`), else the plain ones.
    pub fn coef(&self, cfg: &Config) -> (Vec<f64>, f64) {
        if cfg.average > 0 && cfg.average as f64 <= self.t - 1.0 && !self.aw.is_empty() {
            let inv_b = 1.0 / self.average_b;
            let coef = self
                .aw
                .iter()
                .zip(&self.w)
                .map(|(aw, w)| self.average_a.mul_add(*w, *aw) * inv_b)
                .collect();
            (coef, self.average_intercept)
        } else {
            (
                self.w.iter().map(|w| w * self.wscale).collect(),
                self.intercept,
            )
        }
    }

    fn is_finite(&self) -> bool {
        self.intercept.is_finite() && self.w.iter().all(|w| w.is_finite())
    }
}

/// scikit-learn's factor of the intercept updates on sparse data (`SPARSE_INTERCEPT_DECAY`).
pub(crate) const SPARSE_INTERCEPT_DECAY: f64 = 0.01;

/// The training rows of one run: features, targets in the loss's encoding, and per-row weights
/// (sample weight times class weight).
pub(crate) struct Rows<'a, 'x> {
    /// Dense rows, or CSR rows (then the intercept updates decay by 0.01, as scikit-learn's).
    pub x: XRef<'x>,
    pub y: &'a [f64],
    pub weight: &'a [f64],
}

/// Runs epochs over `rows` in the orders `order(epoch)` gives, with scikit-learn's stopping rule
/// when `stop` is set (and `cfg.tol` is some); returns the number of epochs done.
pub(crate) fn run(
    state: &mut State,
    cfg: &Config,
    rows: &Rows<'_, '_>,
    max_epochs: usize,
    stop: bool,
    mut order: impl FnMut(usize) -> Vec<usize>,
) -> Result<usize> {
    let optimal_init = if cfg.learning_rate == LearningRate::Optimal {
        cfg.optimal_init()
    } else {
        0.0
    };
    let mut eta = cfg.eta0;
    let n = rows.x.nrows() as f64;
    let mut best = f64::INFINITY;
    let mut no_improvement = 0;
    for epoch in 0..max_epochs {
        let mut objective_sum = 0.0;
        for i in order(epoch) {
            let sample = match &rows.x {
                XRef::Dense(x) => Sample {
                    x: RowX::Dense(x.row(i)),
                    y: rows.y[i],
                    weight: rows.weight[i],
                    intercept_decay: 1.0,
                },
                XRef::Csr(x) => {
                    let (idx, val) = csr_row(x, i);
                    Sample {
                        x: RowX::Sparse(idx, val),
                        y: rows.y[i],
                        weight: rows.weight[i],
                        intercept_decay: SPARSE_INTERCEPT_DECAY,
                    }
                }
            };
            objective_sum += state.update(cfg, &sample, &mut eta, optimal_init);
        }
        if !state.is_finite() {
            return Err(Error::InvalidData(format!(
                "SGD overflowed to non-finite weights at epoch {}; scale the features (e.g. a \
                 StandardScaler step) or lower eta0/alpha",
                epoch + 1
            )));
        }
        if !stop {
            continue;
        }
        let mean = objective_sum / n;
        if let Some(tol) = cfg.tol {
            if mean > best - tol {
                no_improvement += 1;
            } else {
                no_improvement = 0;
            }
        }
        if mean < best {
            best = mean;
        }
        if no_improvement >= cfg.n_iter_no_change {
            if cfg.learning_rate == LearningRate::Adaptive && eta > 1e-6 {
                eta /= 5.0;
                no_improvement = 0;
            } else {
                return Ok(epoch + 1);
            }
        }
    }
    Ok(max_epochs)
}
