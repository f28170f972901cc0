//! Objectives: the initial score, gradients and hessians, the loss recorded in the training
//! history, and the leaf refits of the absolute-error and quantile losses.
//!
//! Raw scores of `K` output groups are stored group-major: `scores[k * n + i]`.

use rayon::prelude::*;
use satori_core::collective::ExactSum;
#[cfg(test)]
use satori_core::collective::exact_sum;
use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::kernels::GradPair;
use crate::params::RegressionLoss;

/// Probabilities are clipped to `[EPS, 1 - EPS]` for the initial score and the log-loss.
const EPS: f64 = 1e-15;
/// Rows per chunk of the parallel loss sum.
const LOSS_CHUNK: usize = 16_384;
/// LightGBM's `poisson_max_delta_step`: the Poisson hessian is `exp(score + 0.7)`.
const POISSON_MAX_DELTA: f64 = 0.7;

/// What the booster minimises (stored in the model).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) enum Objective {
    /// Binary log-loss on the logit.
    Binary,
    /// Softmax over this many classes.
    Multiclass(usize),
    /// A regression loss with its parameter (`huber_alpha` or `quantile_alpha`).
    Regression(RegressionLoss, f64),
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Every part's terms in one sum.
fn merge_sums(parts: Vec<ExactSum>) -> ExactSum {
    let mut total = ExactSum::new();
    parts.iter().for_each(|p| total.merge(p));
    total
}

/// A loss sum over a weight sum, 0 when there is no weight.
pub(crate) fn mean_of(sum: f64, wsum: f64) -> f64 {
    if wsum > 0.0 { sum / wsum } else { 0.0 }
}

pub(crate) fn weighted_quantile(pairs: &mut [(f64, f64)], alpha: f64) -> f64 {
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = pairs.iter().map(|p| p.1).sum();
    if pairs.is_empty() || total <= 0.0 {
        return 0.0;
    }
    let target = alpha * total;
    let mut acc = 0.0;
    for p in pairs.iter() {
        acc += p.1;
        if acc >= target {
            return p.0;
        }
    }
    pairs[pairs.len() - 1].0
}

impl Objective {
    /// Output groups (trees per round).
    pub fn n_groups(&self) -> usize {
        match self {
            Objective::Multiclass(k) => *k,
            _ => 1,
        }
    }

    /// The name of the loss recorded in the training history.
    pub fn metric(&self) -> &'static str {
        match self {
            Objective::Binary | Objective::Multiclass(_) => "log_loss",
            Objective::Regression(l, _) => match l {
                RegressionLoss::SquaredError => "squared_error",
                RegressionLoss::AbsoluteError => "absolute_error",
                RegressionLoss::Huber => "huber",
                RegressionLoss::Quantile => "pinball_loss",
                RegressionLoss::Poisson => "poisson_deviance",
            },
        }
    }

    /// Check the target against the loss's domain.
    pub fn check_target(&self, y: &[f64]) -> Result<()> {
        if let Objective::Regression(RegressionLoss::Poisson, _) = self {
            if let Some(v) = y.iter().find(|v| **v < 0.0) {
                return Err(Error::InvalidData(format!(
                    "the poisson loss needs a non-negative target, found {v}"
                )));
            }
            if y.iter().sum::<f64>() <= 0.0 {
                return Err(Error::InvalidData(
                    "the poisson loss needs a target with a positive sum, got all zeros".into(),
                ));
            }
        }
        Ok(())
    }

    /// The starting raw score of each group (LightGBM's `boost_from_average`).
    pub fn init_score(&self, y: &[f64], w: &[f64]) -> Vec<f64> {
        let wsum: f64 = w.iter().sum();
        let mean = |f: &dyn Fn(f64) -> f64| -> f64 {
            if wsum > 0.0 {
                y.iter().zip(w).map(|(&v, &wi)| f(v) * wi).sum::<f64>() / wsum
            } else {
                0.0
            }
        };
        match *self {
            Objective::Binary => {
                let p = mean(&|v| v).clamp(EPS, 1.0 - EPS);
                vec![(p / (1.0 - p)).ln()]
            }
            Objective::Multiclass(k) => (0..k)
                .map(|c| {
                    mean(&|v| f64::from(u8::from(v as usize == c)))
                        .max(EPS)
                        .ln()
                })
                .collect(),
            Objective::Regression(loss, alpha) => {
                let mut pairs: Vec<(f64, f64)> = y.iter().copied().zip(w.iter().copied()).collect();
                vec![match loss {
                    RegressionLoss::SquaredError | RegressionLoss::Huber => mean(&|v| v),
                    RegressionLoss::AbsoluteError => weighted_quantile(&mut pairs, 0.5),
                    RegressionLoss::Quantile => weighted_quantile(&mut pairs, alpha),
                    RegressionLoss::Poisson => mean(&|v| v).max(EPS).ln(),
                }]
            }
        }
    }

    /// Gradient pairs of group `k` for every row into `out` (in parallel over fixed chunks;
    /// rows are independent); `probs` holds the softmax probabilities (group-major) for
    /// multiclass. For group 0 it also returns the exact weighted loss sum of `scores` (all
    /// groups, group-major), the terms [`Objective::loss_sum`] adds, so the training history
    /// costs no extra pass; for other groups the sum is empty.
    pub fn gradients(
        &self,
        y: &[f64],
        w: &[f64],
        scores: &[f64],
        probs: &[f64],
        k: usize,
        out: &mut [GradPair],
    ) -> ExactSum {
        let n = y.len();
        let with_loss = k == 0;
        let parts: Vec<ExactSum> = out
            .par_chunks_mut(LOSS_CHUNK)
            .enumerate()
            .map(|(c, o)| {
                let mut loss = ExactSum::new();
                for (j, slot) in o.iter_mut().enumerate() {
                    let i = c * LOSS_CHUNK + j;
                    let ([g, h], l) = self.grad_row(y[i], scores, probs, n, k, i, with_loss);
                    *slot = [g * w[i], h * w[i]];
                    if with_loss {
                        loss.add(l * w[i]);
                    }
                }
                loss
            })
            .collect();
        merge_sums(parts)
    }

    /// The unweighted gradient pair of row `i` for group `k`, and its loss when `with_loss`
    /// (the same value as [`Objective::row_loss`], sharing the sigmoid for binary).
    #[inline]
    #[allow(clippy::too_many_arguments)]
    fn grad_row(
        &self,
        y: f64,
        scores: &[f64],
        probs: &[f64],
        n: usize,
        k: usize,
        i: usize,
        with_loss: bool,
    ) -> (GradPair, f64) {
        match *self {
            Objective::Binary => {
                let p = sigmoid(scores[i]);
                let loss = if with_loss {
                    let pc = p.clamp(EPS, 1.0 - EPS);
                    if y > 0.5 { -pc.ln() } else { -(1.0 - pc).ln() }
                } else {
                    0.0
                };
                ([p - y, (p * (1.0 - p)).max(EPS)], loss)
            }
            Objective::Multiclass(nk) => {
                let factor = nk as f64 / (nk as f64 - 1.0);
                let p = probs[k * n + i];
                let t = f64::from(u8::from(y as usize == k));
                let loss = if with_loss {
                    // The softmax of row_loss, bit for bit (same shift, sum order and division).
                    let c = (y as usize).min(nk - 1);
                    -probs[c * n + i].clamp(EPS, 1.0).ln()
                } else {
                    0.0
                };
                ([p - t, (factor * p * (1.0 - p)).max(EPS)], loss)
            }
            Objective::Regression(loss, alpha) => {
                let d = scores[i] - y;
                let gh = match loss {
                    RegressionLoss::SquaredError => [d, 1.0],
                    RegressionLoss::AbsoluteError => [
                        if d > 0.0 {
                            1.0
                        } else if d < 0.0 {
                            -1.0
                        } else {
                            0.0
                        },
                        1.0,
                    ],
                    RegressionLoss::Huber => [d.clamp(-alpha, alpha), 1.0],
                    RegressionLoss::Quantile => [if d >= 0.0 { 1.0 - alpha } else { -alpha }, 1.0],
                    RegressionLoss::Poisson => {
                        [scores[i].exp() - y, (scores[i] + POISSON_MAX_DELTA).exp()]
                    }
                };
                let l = if with_loss {
                    self.regression_loss(y, scores[i])
                } else {
                    0.0
                };
                (gh, l)
            }
        }
    }

    /// Softmax probabilities (group-major) of multiclass scores; empty for other objectives.
    pub fn softmax(&self, scores: &[f64], n: usize) -> Vec<f64> {
        let Objective::Multiclass(k) = *self else {
            return Vec::new();
        };
        let mut p = vec![0.0; n * k];
        for i in 0..n {
            let m = (0..k)
                .map(|c| scores[c * n + i])
                .fold(f64::NEG_INFINITY, f64::max);
            let mut s = 0.0;
            for c in 0..k {
                let e = (scores[c * n + i] - m).exp();
                p[c * n + i] = e;
                s += e;
            }
            for c in 0..k {
                p[c * n + i] /= s;
            }
        }
        p
    }

    /// The loss of row `i` (unweighted) given raw scores `scores` (group-major, `n` rows).
    fn row_loss(&self, y: f64, scores: &[f64], n: usize, i: usize) -> f64 {
        match *self {
            Objective::Binary => {
                let p = sigmoid(scores[i]).clamp(EPS, 1.0 - EPS);
                if y > 0.5 { -p.ln() } else { -(1.0 - p).ln() }
            }
            Objective::Multiclass(k) => {
                let m = (0..k)
                    .map(|c| scores[c * n + i])
                    .fold(f64::NEG_INFINITY, f64::max);
                let s: f64 = (0..k).map(|c| (scores[c * n + i] - m).exp()).sum();
                let c = (y as usize).min(k - 1);
                let p = ((scores[c * n + i] - m).exp() / s).clamp(EPS, 1.0);
                -p.ln()
            }
            Objective::Regression(..) => self.regression_loss(y, scores[i]),
        }
    }

    /// The loss of a regression row with target `t` and raw score `s`.
    fn regression_loss(&self, t: f64, s: f64) -> f64 {
        let Objective::Regression(loss, alpha) = *self else {
            return 0.0;
        };
        let d = t - s;
        match loss {
            RegressionLoss::SquaredError => d * d,
            RegressionLoss::AbsoluteError => d.abs(),
            RegressionLoss::Huber => {
                if d.abs() <= alpha {
                    0.5 * d * d
                } else {
                    alpha * (d.abs() - 0.5 * alpha)
                }
            }
            RegressionLoss::Quantile => {
                if d >= 0.0 {
                    alpha * d
                } else {
                    (alpha - 1.0) * d
                }
            }
            RegressionLoss::Poisson => {
                let log_term = if t > 0.0 { t * (t.ln() - s) } else { 0.0 };
                2.0 * (log_term - t + s.exp())
            }
        }
    }

    /// The exact weighted loss sum of raw scores `scores` (group-major), in parallel over
    /// fixed chunks; exact, so the same at any thread count and on any split of the rows.
    pub fn loss_sum(&self, y: &[f64], w: &[f64], scores: &[f64]) -> ExactSum {
        let n = y.len();
        let parts: Vec<ExactSum> = (0..n.div_ceil(LOSS_CHUNK))
            .into_par_iter()
            .map(|c| {
                let mut s = ExactSum::new();
                (c * LOSS_CHUNK..((c + 1) * LOSS_CHUNK).min(n))
                    .for_each(|i| s.add(self.row_loss(y[i], scores, n, i) * w[i]));
                s
            })
            .collect();
        merge_sums(parts)
    }

    /// The weighted mean loss of raw scores `scores` (group-major): [`Objective::loss_sum`]
    /// over the exact weight sum (0 without weight).
    #[cfg(test)]
    pub fn loss(&self, y: &[f64], w: &[f64], scores: &[f64]) -> f64 {
        mean_of(
            self.loss_sum(y, w, scores).value(),
            exact_sum(w.iter().copied()),
        )
    }

    /// The quantile that leaves are refitted to (absolute error: the median), if any.
    pub fn refit_quantile(&self) -> Option<f64> {
        match *self {
            Objective::Regression(RegressionLoss::AbsoluteError, _) => Some(0.5),
            Objective::Regression(RegressionLoss::Quantile, a) => Some(a),
            _ => None,
        }
    }

    /// The refitted leaf value: the weighted quantile of the residuals `y - score` of its rows.
    pub fn refit(&self, q: f64, rows: &[u32], y: &[f64], w: &[f64], scores: &[f64]) -> f64 {
        let mut pairs = residuals(rows, y, w, scores);
        weighted_quantile(&mut pairs, q)
    }
}

/// The residuals `y - score` of `rows`, with their weights.
pub(crate) fn residuals(rows: &[u32], y: &[f64], w: &[f64], scores: &[f64]) -> Vec<(f64, f64)> {
    rows.iter()
        .map(|&r| (y[r as usize] - scores[r as usize], w[r as usize]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_init_and_gradients() {
        let y = [0.0, 1.0, 1.0, 1.0];
        let w = [1.0; 4];
        let o = Objective::Binary;
        let init = o.init_score(&y, &w)[0];
        assert!((init - 3f64.ln()).abs() < 1e-12);
        let mut gh = [[0.0; 2]; 4];
        let l0 = o.gradients(&y, &w, &[init; 4], &[], 0, &mut gh);
        assert_eq!(
            mean_of(l0.value(), 4.0).to_bits(),
            o.loss(&y, &w, &[init; 4]).to_bits()
        );
        assert!((gh[0][0] - 0.75).abs() < 1e-12 && (gh[1][0] + 0.25).abs() < 1e-12);
        assert!((gh[0][1] - 0.1875).abs() < 1e-12);
        let l = o.loss(&y, &w, &[init; 4]);
        let expect = -(0.25f64.ln() + 3.0 * 0.75f64.ln()) / 4.0;
        assert!((l - expect).abs() < 1e-12);
    }

    #[test]
    fn quantile_init_and_refit() {
        let y = [1.0, 2.0, 3.0, 4.0, 100.0];
        let w = [1.0; 5];
        let o = Objective::Regression(RegressionLoss::AbsoluteError, 0.0);
        assert_eq!(o.init_score(&y, &w), vec![3.0]);
        assert_eq!(o.refit(0.5, &[0, 1, 4], &y, &w, &[0.0; 5]), 2.0);
        let q = Objective::Regression(RegressionLoss::Quantile, 0.9);
        assert_eq!(q.init_score(&y, &w), vec![100.0]);
        assert!(o.check_target(&y).is_ok());
        let p = Objective::Regression(RegressionLoss::Poisson, 0.0);
        assert!(p.check_target(&[-1.0, 2.0]).is_err());
        assert!(p.check_target(&[0.0, 0.0]).is_err());
    }

    #[test]
    fn softmax_rows_sum_to_one() {
        let o = Objective::Multiclass(3);
        let scores = [0.0, 1.0, 2.0, 0.0, -1.0, 5.0];
        let p = o.softmax(&scores, 2);
        for i in 0..2 {
            let s: f64 = (0..3).map(|c| p[c * 2 + i]).sum();
            assert!((s - 1.0).abs() < 1e-12);
        }
    }
}
