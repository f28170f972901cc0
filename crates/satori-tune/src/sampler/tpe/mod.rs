//! The tree-structured Parzen estimator (Bergstra et al. 2011), following Optuna's
//! `TPESampler` defaults as the reference behaviour.
//!
//! After `n_startup_trials` finished trials (random search before), each trial:
//!
//! 1. splits the finished trials into a good group ("below") of `min(⌈0.1·n⌉, 25)` trials —
//!    complete trials by objective, then pruned ones by how far they got and their last value —
//!    and the rest ("above");
//! 2. for each active parameter, fits a Parzen estimator `l(x)` to the good trials' values and
//!    `g(x)` to the others': one truncated Gaussian per observation plus a prior (the whole
//!    range's midpoint, with the range as width, weight `prior_weight`), in log space for a log
//!    range; each kernel's width is the larger gap to its neighbours among the sorted
//!    observations and the prior, clipped to `[range / min(100, n + 2), range]` (Optuna's
//!    "magic clip"); observations weigh 1, except that beyond 25 the oldest ramp down linearly
//!    (Optuna's default weights). Stepped and integer ranges use the kernels' mass over each
//!    value's cell; choices use weighted counts with the prior spread evenly;
//! 3. draws `n_ei_candidates` values from `l` and keeps the one with the largest `l(x)/g(x)`.
//!
//! Parameters are sampled independently (Optuna's default, `multivariate = false`); a
//! conditional parameter's estimators use the trials in which it existed.

use satori_core::rng::SatoriRng;
use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};

mod joint;
mod kernels;
mod parzen;

use crate::sampler::{Observed, random};
use crate::space::{Distribution, Point, SearchSpace};
use crate::trial::{Direction, TrialState};
use joint::Joint;
use parzen::Parzen;

/// TPE settings; the defaults are Optuna's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TpeSampler {
    /// Random trials before TPE starts (finished trials counted). Default 10; at least 1.
    pub n_startup_trials: usize,
    /// Candidates drawn from `l(x)` per parameter, of which the best `l/g` is kept. Default 24;
    /// at least 1.
    pub n_ei_candidates: usize,
    /// Weight of the prior kernel relative to one observation. Default 1.0; positive.
    pub prior_weight: f64,
    /// Clip kernel widths from below at `range / min(100, n_kernels + 1)`. Default true.
    pub consider_magic_clip: bool,
    /// Let the outermost kernels' widths reach to the range's ends. Default false.
    pub consider_endpoints: bool,
    /// Sample the unconditional parameters jointly from one multivariate Parzen estimator per
    /// group (Optuna's `multivariate = True`: one kernel per trial over all those parameters,
    /// width `0.2·n^(−1/(d+4))·range` per dimension), so correlations between them are learnt;
    /// conditional parameters stay univariate. Default false (Optuna's default).
    pub multivariate: bool,
}

impl Default for TpeSampler {
    fn default() -> Self {
        TpeSampler {
            n_startup_trials: 10,
            n_ei_candidates: 24,
            prior_weight: 1.0,
            consider_magic_clip: true,
            consider_endpoints: false,
            multivariate: false,
        }
    }
}

/// Optuna's default `gamma`: how many finished trials form the good group.
pub fn gamma(n: usize) -> usize {
    n.div_ceil(10).min(25)
}

/// Optuna's default weights for `n` observations in trial order: 1 each up to 25; beyond, the
/// newest 25 weigh 1 and the older ones ramp linearly from `1/n`.
pub fn default_weights(n: usize) -> Vec<f64> {
    if n < 25 {
        return vec![1.0; n];
    }
    let m = n - 25;
    let start = 1.0 / n as f64;
    let mut w: Vec<f64> = (0..m)
        .map(|i| {
            if m == 1 {
                start
            } else {
                start + (1.0 - start) * i as f64 / (m - 1) as f64
            }
        })
        .collect();
    w.extend(std::iter::repeat_n(1.0, 25));
    w
}

impl TpeSampler {
    /// Check the settings.
    pub fn validate(&self) -> Result<()> {
        if self.n_startup_trials < 1 {
            return Err(Error::param(
                "n_startup_trials",
                "must be at least 1, got 0",
            ));
        }
        if self.n_ei_candidates < 1 {
            return Err(Error::param("n_ei_candidates", "must be at least 1, got 0"));
        }
        if !(self.prior_weight.is_finite() && self.prior_weight > 0.0) {
            return Err(Error::param(
                "prior_weight",
                format!("must be positive, got {}", self.prior_weight),
            ));
        }
        Ok(())
    }

    /// The next point, given the finished trials in number order.
    pub(crate) fn sample(
        &self,
        space: &SearchSpace,
        direction: Direction,
        history: &[Observed<'_>],
        rng: &mut SatoriRng,
    ) -> Point {
        if history.len() < self.n_startup_trials {
            return random::sample(space, rng);
        }
        let (below, above) = split(history, direction);
        let mut point: Point = vec![None; space.len()];
        let joint: Vec<usize> = if self.multivariate {
            (0..space.len())
                .filter(|&i| space.params()[i].condition.is_none())
                .collect()
        } else {
            Vec::new()
        };
        if joint.len() > 1 {
            let l = Joint::new(self, space, &joint, &below);
            let g = Joint::new(self, space, &joint, &above);
            let mut best = (f64::NEG_INFINITY, None);
            for _ in 0..self.n_ei_candidates {
                let x = l.sample(rng);
                let score = l.log_pdf(&x) - g.log_pdf(&x);
                if best.1.is_none() || score > best.0 {
                    best = (score, Some(x));
                }
            }
            if let Some(x) = best.1 {
                for (&i, v) in joint.iter().zip(x) {
                    point[i] = Some(v);
                }
            }
        }
        for i in 0..space.len() {
            if point[i].is_some() || !space.is_active(i, &point) {
                continue;
            }
            let obs = |group: &[Observed<'_>]| -> Vec<f64> {
                group.iter().filter_map(|o| o.point[i]).collect()
            };
            let d = &space.params()[i].distribution;
            let l = Parzen::new(self, d, &obs(&below));
            let g = Parzen::new(self, d, &obs(&above));
            let candidates: Vec<f64> = (0..self.n_ei_candidates).map(|_| l.sample(rng)).collect();
            let scores = if matches!(d, Distribution::Float { step: None, .. }) {
                let (mut sl, mut sg) = (vec![0.0; candidates.len()], vec![0.0; candidates.len()]);
                l.log_pdf_batch(&candidates, &mut sl);
                g.log_pdf_batch(&candidates, &mut sg);
                sl.iter().zip(&sg).map(|(a, b)| a - b).collect::<Vec<f64>>()
            } else {
                // Discrete candidates repeat; score each value once.
                let mut seen: Vec<(f64, f64)> = Vec::new();
                candidates
                    .iter()
                    .map(|&x| match seen.iter().find(|(v, _)| *v == x) {
                        Some(&(_, sc)) => sc,
                        None => {
                            let sc = l.log_pdf(x) - g.log_pdf(x);
                            seen.push((x, sc));
                            sc
                        }
                    })
                    .collect()
            };
            let mut best = (f64::NEG_INFINITY, None);
            for (&x, &score) in candidates.iter().zip(&scores) {
                if best.1.is_none() || score > best.0 {
                    best = (score, Some(x));
                }
            }
            point[i] = best.1;
        }
        point
    }
}

/// The good and bad groups, each in trial-number order.
fn split<'a>(
    history: &[Observed<'a>],
    direction: Direction,
) -> (Vec<Observed<'a>>, Vec<Observed<'a>>) {
    let n_below = gamma(history.len());
    let key = |v: Option<f64>| v.map(|v| direction.loss(v)).filter(|l| !l.is_nan());
    let mut complete: Vec<(f64, u64, usize)> = Vec::new();
    let mut pruned: Vec<(u64, f64, u64, usize)> = Vec::new();
    for (j, o) in history.iter().enumerate() {
        match o.record.state {
            TrialState::Complete => complete.push((
                key(o.record.value).unwrap_or(f64::INFINITY),
                o.record.number,
                j,
            )),
            TrialState::Pruned => {
                let (step, v) = o
                    .record
                    .last_intermediate()
                    .map_or((0, None), |(s, v)| (s, Some(v)));
                pruned.push((step, key(v).unwrap_or(f64::INFINITY), o.record.number, j));
            }
            _ => {}
        }
    }
    complete.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    // Pruned trials that got further rank first, then by their last value.
    pruned.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
    let order: Vec<usize> = complete
        .iter()
        .map(|c| c.2)
        .chain(pruned.iter().map(|p| p.3))
        .collect();
    let mut is_below = vec![false; history.len()];
    for &j in order.iter().take(n_below) {
        is_below[j] = true;
    }
    let mut below = Vec::with_capacity(n_below);
    let mut above = Vec::with_capacity(history.len() - n_below.min(history.len()));
    for (j, o) in history.iter().enumerate() {
        if is_below[j] {
            below.push(*o);
        } else {
            above.push(*o);
        }
    }
    (below, above)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::trial::TrialRecord;

    fn record(
        number: u64,
        state: TrialState,
        value: Option<f64>,
        steps: &[(u64, f64)],
    ) -> TrialRecord {
        TrialRecord {
            number,
            state,
            params: BTreeMap::new(),
            value,
            intermediate_values: steps.iter().copied().collect(),
            duration_s: None,
            fail_reason: None,
        }
    }

    #[test]
    fn split_ranks_complete_trials_then_pruned_ones_by_progress() {
        // 20 finished trials: γ(20) = 2 go below.
        let mut records: Vec<TrialRecord> = (0..16)
            .map(|i| record(i, TrialState::Complete, Some(10.0 + i as f64), &[]))
            .collect();
        records.push(record(16, TrialState::Pruned, None, &[(0, 0.1)]));
        records.push(record(17, TrialState::Pruned, None, &[(0, 5.0), (3, 9.0)]));
        records.push(record(18, TrialState::Complete, Some(1.0), &[]));
        records.push(record(19, TrialState::Pruned, None, &[(0, 0.5), (3, 2.0)]));
        let point: Point = vec![];
        let history: Vec<Observed<'_>> = records
            .iter()
            .map(|record| Observed {
                record,
                point: &point,
            })
            .collect();
        let numbers = |g: &[Observed<'_>]| g.iter().map(|o| o.record.number).collect::<Vec<_>>();
        let (below, above) = split(&history, Direction::Minimize);
        assert_eq!(numbers(&below), vec![0, 18]);
        assert_eq!(above.len(), 18);
        // Maximising: the largest values are best.
        let (below, _) = split(&history, Direction::Maximize);
        assert_eq!(numbers(&below), vec![14, 15]);
        // With only pruned trials beyond γ: the one that got furthest, then the better value.
        let pruned: Vec<Observed<'_>> = history
            .iter()
            .filter(|o| o.record.state == TrialState::Pruned)
            .copied()
            .collect();
        assert_eq!(gamma(pruned.len()), 1);
        let (below, _) = split(&pruned, Direction::Minimize);
        assert_eq!(numbers(&below), vec![19]);
    }

    #[test]
    fn gamma_and_weights_match_optuna() {
        assert_eq!(
            [0, 1, 10, 11, 100, 250, 251, 1000].map(gamma),
            [0, 1, 1, 2, 10, 25, 25, 25]
        );
        assert_eq!(default_weights(3), vec![1.0; 3]);
        let w = default_weights(27);
        assert_eq!(w.len(), 27);
        assert!((w[0] - 1.0 / 27.0).abs() < 1e-15 && (w[1] - 1.0).abs() < 1e-15);
        assert!(w[2..].iter().all(|&x| x == 1.0));
    }
}
