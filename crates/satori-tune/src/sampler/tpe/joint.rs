//! The multivariate Parzen estimator (Optuna's `multivariate = True`).

use satori_core::rng::{RngExt, SatoriRng};

use super::TpeSampler;
use super::default_weights;
use super::kernels::{LN_SQRT_2PI, LogSum, Numeric, cell_mass, cumulative, pick};
use crate::normal;
use crate::sampler::Observed;
use crate::space::{Distribution, SearchSpace};

/// One dimension of a multivariate Parzen estimator: per kernel (the observations, then the
/// prior), its component in this dimension.
#[derive(Debug)]
pub(super) enum JointDim {
    Numeric {
        range: Numeric,
        lo: f64,
        hi: f64,
        mus: Vec<f64>,
        sigmas: Vec<f64>,
        /// ln of each component's mass over the domain.
        log_z: Vec<f64>,
        /// ln σ per component.
        ln_sigmas: Vec<f64>,
        /// For stepped and integer ranges, whose centres repeat: each component's group of equal
        /// (centre, width), and a component of each group, so a cell's mass is computed once
        /// per group.
        groups: Option<(Vec<usize>, Vec<usize>)>,
    },
    Categorical {
        n_choices: usize,
        /// The observed choice per kernel (`None` for the prior).
        obs: Vec<Option<usize>>,
        /// prior_weight / number of kernels: the mass every choice gets in an observed kernel.
        base: f64,
    },
}

/// A multivariate Parzen estimator over several parameters (Optuna's `multivariate = True`).
#[derive(Debug)]
pub(super) struct Joint {
    dims: Vec<JointDim>,
    log_w: Vec<f64>,
    cum: Vec<f64>,
}

impl Joint {
    pub(super) fn new(
        s: &TpeSampler,
        space: &SearchSpace,
        params: &[usize],
        group: &[Observed<'_>],
    ) -> Joint {
        // Trials in which every parameter of the group was set (all, for unconditional ones).
        let rows: Vec<Vec<f64>> = group
            .iter()
            .filter_map(|o| {
                params
                    .iter()
                    .map(|&i| o.point[i])
                    .collect::<Option<Vec<f64>>>()
            })
            .collect();
        let n = rows.len();
        let mut weights = default_weights(n);
        weights.push(if n == 0 { 1.0 } else { s.prior_weight });
        let total: f64 = weights.iter().sum();
        let n_kernels = n + 1;
        let dims = params
            .iter()
            .enumerate()
            .map(|(j, &i)| {
                let d = &space.params()[i].distribution;
                match Numeric::of(d) {
                    None => JointDim::Categorical {
                        n_choices: match d {
                            Distribution::Choice { choices } => choices.len(),
                            _ => 1,
                        },
                        obs: rows
                            .iter()
                            .map(|r| Some(r[j] as usize))
                            .chain([None])
                            .collect(),
                        base: s.prior_weight / n_kernels as f64,
                    },
                    Some(range) => {
                        let (lo, hi) = range.bounds();
                        let width = hi - lo;
                        let sigma = 0.2
                            * (n.max(1) as f64).powf(-1.0 / (params.len() as f64 + 4.0))
                            * width;
                        let min_sigma = if s.consider_magic_clip {
                            width / (100f64).min(1.0 + n_kernels as f64)
                        } else {
                            1e-12
                        };
                        let sigma = sigma.clamp(min_sigma, width);
                        let mut mus: Vec<f64> = rows.iter().map(|r| range.t(r[j])).collect();
                        let mut sigmas = vec![sigma; n];
                        mus.push(0.5 * (lo + hi));
                        sigmas.push(width);
                        let groups = range.step.map(|_| group_kernels(&mus, &sigmas));
                        let log_z_of = |m: f64, sg: f64| {
                            normal::mass((lo - m) / sg, (hi - m) / sg).max(1e-300).ln()
                        };
                        let log_z = match &groups {
                            Some((of, reps)) => {
                                let per_group: Vec<f64> =
                                    reps.iter().map(|&r| log_z_of(mus[r], sigmas[r])).collect();
                                of.iter().map(|&g| per_group[g]).collect()
                            }
                            None => mus
                                .iter()
                                .zip(&sigmas)
                                .map(|(m, sg)| log_z_of(*m, *sg))
                                .collect(),
                        };
                        let ln_sigmas = sigmas.iter().map(|sg| sg.ln()).collect();
                        JointDim::Numeric {
                            range,
                            lo,
                            hi,
                            mus,
                            sigmas,
                            log_z,
                            ln_sigmas,
                            groups,
                        }
                    }
                }
            })
            .collect();
        Joint {
            dims,
            log_w: weights.iter().map(|w| (w / total).ln()).collect(),
            cum: cumulative(&weights),
        }
    }

    pub(super) fn sample(&self, rng: &mut SatoriRng) -> Vec<f64> {
        let k = pick(&self.cum, rng.random());
        self.dims
            .iter()
            .map(|d| match d {
                JointDim::Numeric {
                    range,
                    lo,
                    hi,
                    mus,
                    sigmas,
                    ..
                } => {
                    let (m, sg) = (mus[k], sigmas[k]);
                    let z = normal::truncated((lo - m) / sg, (hi - m) / sg, rng.random());
                    range.value((m + sg * z).clamp(*lo, *hi))
                }
                JointDim::Categorical {
                    n_choices,
                    obs,
                    base,
                } => {
                    let u: f64 = rng.random();
                    match obs[k] {
                        None => ((u * *n_choices as f64) as usize).min(n_choices - 1) as f64,
                        Some(c) => {
                            // base on every choice, +1 on c, normalised.
                            let row = base * *n_choices as f64 + 1.0;
                            let mut acc = 0.0;
                            let mut pick_c = n_choices - 1;
                            for ch in 0..*n_choices {
                                acc += (base + if ch == c { 1.0 } else { 0.0 }) / row;
                                if u < acc {
                                    pick_c = ch;
                                    break;
                                }
                            }
                            pick_c as f64
                        }
                    }
                }
            })
            .collect()
    }

    pub(super) fn log_pdf(&self, x: &[f64]) -> f64 {
        // What each dimension needs of the point, computed once rather than per kernel.
        let at: Vec<At> = self
            .dims
            .iter()
            .zip(x)
            .map(|(d, &xd)| match d {
                JointDim::Numeric { range, .. } => match range.step {
                    None => At::Point(range.t(xd)),
                    Some(step) => {
                        let (a, b) = (range.t(xd - step / 2.0), range.t(xd + step / 2.0));
                        let half = 0.5 * (b - a);
                        At::Cell(0.5 * (a + b), half, half.ln())
                    }
                },
                JointDim::Categorical {
                    n_choices, base, ..
                } => {
                    let row = base * *n_choices as f64 + 1.0;
                    At::Choice(
                        xd as usize,
                        ((base + 1.0) / row).ln(),
                        (base / row).ln(),
                        -(*n_choices as f64).ln(),
                    )
                }
            })
            .collect();
        // Cell masses per group of equal kernels, once per point: (ln part, factor).
        let cells: Vec<Vec<(f64, f64)>> = self
            .dims
            .iter()
            .zip(&at)
            .map(|(d, a)| match (d, *a) {
                (
                    JointDim::Numeric {
                        mus,
                        sigmas,
                        log_z,
                        ln_sigmas,
                        groups: Some((_, reps)),
                        ..
                    },
                    At::Cell(mid, half, ln_half),
                ) => reps
                    .iter()
                    .map(|&r| {
                        let sg = sigmas[r];
                        let (le, mult) =
                            cell_mass((mid - mus[r]) / sg, half / sg, ln_half - ln_sigmas[r]);
                        (le - log_z[r], mult)
                    })
                    .collect(),
                _ => Vec::new(),
            })
            .collect();
        let mut acc = LogSum::new();
        for (k, lw) in self.log_w.iter().enumerate() {
            let mut e = *lw;
            let mut mult = 1.0;
            for ((d, a), cell) in self.dims.iter().zip(&at).zip(&cells) {
                e += match (d, *a) {
                    (
                        JointDim::Numeric {
                            mus,
                            sigmas,
                            log_z,
                            ln_sigmas,
                            ..
                        },
                        At::Point(t),
                    ) => {
                        let z = (t - mus[k]) / sigmas[k];
                        -0.5 * z * z - ln_sigmas[k] - LN_SQRT_2PI - log_z[k]
                    }
                    (
                        JointDim::Numeric {
                            groups: Some((of, _)),
                            ..
                        },
                        At::Cell(..),
                    ) => {
                        let (le, m) = cell[of[k]];
                        mult *= m;
                        le
                    }
                    (JointDim::Categorical { obs, .. }, At::Choice(c, own, other, prior)) => {
                        match obs[k] {
                            None => prior,
                            Some(o) if o == c => own,
                            Some(_) => other,
                        }
                    }
                    _ => f64::NEG_INFINITY,
                };
            }
            acc.add(e, mult);
        }
        acc.value()
    }
}

/// Components grouped by equal (centre, width): each component's group, and the first component
/// of each group.
fn group_kernels(mus: &[f64], sigmas: &[f64]) -> (Vec<usize>, Vec<usize>) {
    let mut order: Vec<usize> = (0..mus.len()).collect();
    order.sort_unstable_by(|&a, &b| {
        mus[a]
            .total_cmp(&mus[b])
            .then(sigmas[a].total_cmp(&sigmas[b]))
            .then(a.cmp(&b))
    });
    let mut of = vec![0; mus.len()];
    let mut reps: Vec<usize> = Vec::new();
    for (pos, &k) in order.iter().enumerate() {
        let new = pos == 0 || {
            let prev = order[pos - 1];
            mus[prev] != mus[k] || sigmas[prev] != sigmas[k]
        };
        if new {
            reps.push(k);
        }
        of[k] = reps.len() - 1;
    }
    (of, reps)
}

/// A point's coordinate as one dimension needs it: a transformed value, a cell (midpoint,
/// half-width, ln half-width), or a choice (index, and the logs of an observed kernel's mass on
/// its own choice, on another, and the prior's).
#[derive(Debug, Clone, Copy)]
enum At {
    Point(f64),
    Cell(f64, f64, f64),
    Choice(usize, f64, f64, f64),
}
