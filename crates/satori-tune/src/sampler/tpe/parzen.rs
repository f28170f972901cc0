//! The univariate Parzen estimator of one parameter (Optuna's default, `multivariate = false`).

use satori_core::rng::{RngExt, SatoriRng};

use super::TpeSampler;
use super::default_weights;
use super::kernels::{
    INSIDE_Z, LN_SQRT_2PI, LogSum, NEGLIGIBLE, Numeric, cell_bounds, cell_mass, cumulative,
    exp_nonpositive, kernel_widths, merge_kernels, pick,
};
use crate::normal;
use crate::space::Distribution;

/// A Parzen estimator over one parameter.
#[derive(Debug)]
pub(super) enum Parzen {
    Numeric {
        range: Numeric,
        lo: f64,
        hi: f64,
        mus: Vec<f64>,
        sigmas: Vec<f64>,
        inv_sigmas: Vec<f64>,
        /// ln(1/σ) per kernel.
        ln_inv_sigmas: Vec<f64>,
        /// Cumulative normalised weights, for choosing a kernel.
        cum: Vec<f64>,
        /// ln(weight) − ln(mass of the kernel over the domain), per kernel.
        log_coef: Vec<f64>,
        /// `log_coef` − ln σ − ln √(2π): the log density's constant part, per kernel.
        log_coef_pdf: Vec<f64>,
    },
    Categorical {
        p: Vec<f64>,
        cum: Vec<f64>,
    },
}

impl Parzen {
    pub(super) fn new(s: &TpeSampler, d: &Distribution, obs: &[f64]) -> Parzen {
        let n = obs.len();
        let mut weights = default_weights(n);
        if n == 0 {
            weights.push(1.0);
        } else {
            weights.push(s.prior_weight);
        }
        let total: f64 = weights.iter().sum();
        let Some(range) = Numeric::of(d) else {
            return Parzen::categorical(s, d, obs, &weights);
        };
        let (lo, hi) = range.bounds();
        let width = hi - lo;
        let mut mus: Vec<f64> = obs.iter().map(|&x| range.t(x)).collect();
        let prior_mu = 0.5 * (lo + hi);
        let mut sigmas = kernel_widths(&mus, prior_mu, lo, hi, s.consider_endpoints);
        let min_sigma = if s.consider_magic_clip {
            width / (100f64).min(1.0 + (n + 1) as f64)
        } else {
            1e-12
        };
        for sg in sigmas.iter_mut() {
            *sg = sg.clamp(min_sigma, width);
        }
        mus.push(prior_mu);
        sigmas.push(width);
        if range.step.is_some() {
            // Values on a grid repeat: kernels with the same centre and width are one kernel
            // with their summed weight (the same mixture, far fewer terms).
            (mus, sigmas, weights) = merge_kernels(&mus, &sigmas, &weights);
        }
        let inv_sigmas: Vec<f64> = sigmas.iter().map(|sg| 1.0 / sg).collect();
        // Most widths sit at the clip and most weights are 1: take those logs once.
        let ln_min = -min_sigma.ln();
        let ln_inv_sigmas: Vec<f64> = sigmas
            .iter()
            .map(|&sg| if sg == min_sigma { ln_min } else { -sg.ln() })
            .collect();
        let ln_total = total.ln();
        let log_coef = mus
            .iter()
            .zip(&inv_sigmas)
            .zip(&weights)
            .map(|((m, is), w)| {
                let (a, b) = ((lo - m) * is, (hi - m) * is);
                let log_z = if a < -INSIDE_Z && b > INSIDE_Z {
                    0.0
                } else {
                    normal::mass(a, b).max(1e-300).ln()
                };
                let ln_w = if *w == 1.0 { 0.0 } else { w.ln() };
                ln_w - ln_total - log_z
            })
            .collect::<Vec<f64>>();
        let log_coef_pdf = log_coef
            .iter()
            .zip(&ln_inv_sigmas)
            .map(|(c, lis)| c + lis - LN_SQRT_2PI)
            .collect();
        Parzen::Numeric {
            range,
            lo,
            hi,
            mus,
            sigmas,
            inv_sigmas,
            ln_inv_sigmas,
            cum: cumulative(&weights),
            log_coef,
            log_coef_pdf,
        }
    }

    /// The estimator of a choice: per kernel `prior_weight/(n+1)` on every choice and +1 on its
    /// own, rows normalised, mixed with the weights; collapsed into one probability per choice.
    fn categorical(s: &TpeSampler, d: &Distribution, obs: &[f64], weights: &[f64]) -> Parzen {
        let n = obs.len();
        let total: f64 = weights.iter().sum();
        let n_choices = match d {
            Distribution::Choice { choices } => choices.len(),
            _ => 1,
        };
        let mut p = vec![0.0; n_choices];
        if n == 0 {
            p.iter_mut().for_each(|x| *x = 1.0 / n_choices as f64);
        } else {
            // Each kernel: prior_weight/(n+1) on every choice, +1 on its own; rows normalised.
            let base = s.prior_weight / (n + 1) as f64;
            let obs_row = base * n_choices as f64 + 1.0;
            let prior_row = base * n_choices as f64;
            for (k, &c) in obs.iter().enumerate() {
                let w = weights[k] / total;
                for x in p.iter_mut() {
                    *x += w * base / obs_row;
                }
                p[c as usize] += w / obs_row;
            }
            let w = weights[n] / total;
            for x in p.iter_mut() {
                *x += w * base / prior_row;
            }
        }
        let cum = cumulative(&p);
        Parzen::Categorical { p, cum }
    }

    /// A draw, as an internal coordinate.
    pub(super) fn sample(&self, rng: &mut SatoriRng) -> f64 {
        match self {
            Parzen::Categorical { cum, .. } => pick(cum, rng.random()) as f64,
            Parzen::Numeric {
                range,
                lo,
                hi,
                mus,
                sigmas,
                cum,
                ..
            } => {
                let k = pick(cum, rng.random());
                let (m, sg) = (mus[k], sigmas[k]);
                let z = normal::truncated((lo - m) / sg, (hi - m) / sg, rng.random());
                range.value((m + sg * z).clamp(*lo, *hi))
            }
        }
    }

    /// The log densities at several points of a continuous range, into `out` (other kinds: one
    /// by one). Kernels outer, points inner, so the work vectorises.
    pub(super) fn log_pdf_batch(&self, xs: &[f64], out: &mut [f64]) {
        let Parzen::Numeric {
            range: range @ Numeric { step: None, .. },
            mus,
            inv_sigmas,
            log_coef_pdf,
            ..
        } = self
        else {
            for (o, &x) in out.iter_mut().zip(xs) {
                *o = self.log_pdf(x);
            }
            return;
        };
        let ts: Vec<f64> = xs.iter().map(|&x| range.t(x)).collect();
        // One pass, relative to the largest kernel peak: the prior kernel (the whole range as
        // width) is within a few nats of it everywhere in the domain, so the sum never
        // underflows, and nothing can exceed it.
        let top = log_coef_pdf
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        let mut sum = vec![0.0; ts.len()];
        for ((m, is), c) in mus.iter().zip(inv_sigmas).zip(log_coef_pdf) {
            let c = c - top;
            for (sm, t) in sum.iter_mut().zip(&ts) {
                let z = (t - m) * is;
                *sm += exp_nonpositive(c - 0.5 * z * z);
            }
        }
        for (o, sm) in out.iter_mut().zip(&sum) {
            *o = top + sm.ln();
        }
    }

    /// The log density (log mass for discrete values) at an internal coordinate.
    pub(super) fn log_pdf(&self, x: f64) -> f64 {
        match self {
            Parzen::Categorical { p, .. } => p[x as usize].ln(),
            Parzen::Numeric {
                range,
                mus,
                inv_sigmas,
                ln_inv_sigmas,
                log_coef,
                log_coef_pdf,
                ..
            } => {
                let mut acc = LogSum::new();
                match range.step {
                    None => {
                        let t = range.t(x);
                        let terms = || {
                            mus.iter()
                                .zip(inv_sigmas)
                                .zip(log_coef_pdf)
                                .map(move |((m, is), c)| {
                                    let z = (t - m) * is;
                                    c - 0.5 * z * z
                                })
                        };
                        // The largest term first (no exp), then exp only the terms within
                        // NEGLIGIBLE of it.
                        let top = terms().fold(f64::NEG_INFINITY, f64::max);
                        for e in terms() {
                            if e >= top - NEGLIGIBLE {
                                acc.add(e, 1.0);
                            }
                        }
                    }
                    Some(step) => {
                        let (a, b) = (range.t(x - step / 2.0), range.t(x + step / 2.0));
                        let (mid, half) = (0.5 * (a + b), 0.5 * (b - a));
                        let ln_half = half.ln();
                        let kernels = || {
                            mus.iter()
                                .zip(inv_sigmas)
                                .zip(ln_inv_sigmas)
                                .zip(log_coef)
                                .map(move |(((m, is), lis), c)| {
                                    ((mid - m) * is, half * is, ln_half + lis, *c)
                                })
                        };
                        // First the largest lower bound of a term, then only the terms whose
                        // upper bound comes within NEGLIGIBLE of it.
                        let floor = kernels()
                            .map(|(zm, h, ln_h, c)| c + cell_bounds(zm, h, ln_h).0)
                            .fold(f64::NEG_INFINITY, f64::max);
                        for (zm, h, ln_h, c) in kernels() {
                            if c + cell_bounds(zm, h, ln_h).1 < floor - NEGLIGIBLE {
                                continue;
                            }
                            let (e, mult) = cell_mass(zm, h, ln_h);
                            acc.add(c + e, mult);
                        }
                    }
                }
                acc.value()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_log_pdf_matches_one_by_one() {
        let d = Distribution::Float {
            low: 1e-3,
            high: 10.0,
            log: true,
            step: None,
            grid: None,
        };
        let obs: Vec<f64> = (1..200).map(|i| 1e-3 * 1.04f64.powi(i)).collect();
        let e = Parzen::new(&TpeSampler::default(), &d, &obs);
        let xs = [1e-3, 0.0123, 0.5, 3.3, 10.0];
        let mut out = [0.0; 5];
        e.log_pdf_batch(&xs, &mut out);
        for (x, b) in xs.iter().zip(out) {
            assert!((e.log_pdf(*x) - b).abs() < 1e-12, "{x}");
        }
    }

    #[test]
    fn categorical_estimator_is_a_distribution_leaning_to_observations() {
        let d = Distribution::Choice {
            choices: vec!["a".into(), "b".into(), "c".into()],
        };
        let p = Parzen::new(&TpeSampler::default(), &d, &[0.0, 0.0, 2.0]);
        let Parzen::Categorical { p, .. } = p else {
            panic!("not categorical")
        };
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(p[0] > p[2] && p[2] > p[1], "{p:?}");
    }

    #[test]
    fn discrete_estimator_masses_sum_to_one() {
        let d = Distribution::Int {
            low: 1,
            high: 9,
            log: false,
            step: 2,
            grid: None,
        };
        let e = Parzen::new(&TpeSampler::default(), &d, &[3.0, 5.0, 9.0]);
        let total: f64 = [1.0, 3.0, 5.0, 7.0, 9.0]
            .iter()
            .map(|&x| e.log_pdf(x).exp())
            .sum();
        // Narrow cells take a quadrature with relative error under 1e-7.
        assert!((total - 1.0).abs() < 1e-7, "{total}");
        let d = Distribution::Int {
            low: 1,
            high: 100,
            log: true,
            step: 1,
            grid: None,
        };
        let e = Parzen::new(&TpeSampler::default(), &d, &[3.0, 50.0]);
        let total: f64 = (1..=100).map(|x| e.log_pdf(x as f64).exp()).sum();
        assert!((total - 1.0).abs() < 1e-7, "{total}");
    }
}
