//! CMA-ES: Hansen's (μ/μ_w, λ) covariance matrix adaptation evolution strategy, with Optuna's
//! `CmaEsSampler` as the reference behaviour.
//!
//! The numeric unconditional parameters are searched jointly in the unit cube (see `cube.rs`:
//! log ranges in log space, integers and stepped floats relaxed and rounded); choices and
//! conditional parameters are drawn independently at random, as Optuna does. The strategy
//! starts at the cube's centre (or at the best start-up trial, with `n_startup_trials`) with
//! `σ = sigma0` and the default population `λ = 4 + ⌊3 ln N⌋`.
//!
//! A study asks trial by trial, so the strategy keeps no state between asks: at each ask it is
//! rebuilt by replaying the history. The complete trials past the start-up ones, in trial-number
//! order, form generations of `λ` consecutive trials; each full generation updates the mean, the
//! evolution paths, the covariance and the step size, and a trailing partial generation waits.
//! The new trial is a draw from the resulting `N(m, σ²C)` (redrawn up to 100 times to fall in
//! the cube, then clipped). So trial `n` depends only on the seed, `n` and the trials told
//! before it was asked — the study's determinism rule.

use satori_core::rng::{SatoriRng, standard_normal};
use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};

use super::{Observed, cube, linalg, random};
use crate::space::{Point, SearchSpace};
use crate::trial::Direction;

/// CMA-ES settings; the defaults are Optuna's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CmaEsSampler {
    /// The population `λ`. Default `None`: `4 + ⌊3 ln N⌋` for `N` searched parameters; at least
    /// 2 when given.
    pub popsize: Option<usize>,
    /// The initial step size in the unit cube. Default 1/6 (Optuna's `min range / 6`); in
    /// `(0, 1]`.
    pub sigma0: f64,
    /// Random trials first; the strategy then starts from the best of them (a warm start).
    /// Default 0: start at the centre.
    pub n_startup_trials: usize,
}

impl Default for CmaEsSampler {
    fn default() -> Self {
        CmaEsSampler {
            popsize: None,
            sigma0: 1.0 / 6.0,
            n_startup_trials: 0,
        }
    }
}

impl CmaEsSampler {
    /// Check the settings.
    pub fn validate(&self) -> Result<()> {
        if let Some(p) = self.popsize
            && !(2..=100_000).contains(&p)
        {
            return Err(Error::param(
                "popsize",
                format!("must be between 2 and 100000, got {p}"),
            ));
        }
        if !(self.sigma0.is_finite() && self.sigma0 > 0.0 && self.sigma0 <= 1.0) {
            return Err(Error::param(
                "sigma0",
                format!("must be in (0, 1] (the unit cube), got {}", self.sigma0),
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
        number: u64,
        rng: &mut SatoriRng,
    ) -> Point {
        let dims: Vec<usize> = (0..space.len())
            .filter(|&i| {
                let p = &space.params()[i];
                p.condition.is_none() && !cube::is_choice(&p.distribution)
            })
            .collect();
        if dims.is_empty() || number < self.n_startup_trials as u64 {
            return random::sample(space, rng);
        }
        let unit = |p: &Point| -> Option<Vec<f64>> {
            dims.iter()
                .map(|&i| p[i].map(|x| cube::to_unit(&space.params()[i].distribution, x)))
                .collect()
        };
        let done = cube::complete(history, direction);
        let start = self.n_startup_trials as u64;
        let mean = done
            .iter()
            .filter(|(_, _, n)| *n < start)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .and_then(|(p, _, _)| unit(p))
            .unwrap_or_else(|| vec![0.5; dims.len()]);
        let lambda = self
            .popsize
            .unwrap_or(4 + (3.0 * (dims.len() as f64).ln()).floor() as usize);
        let mut cma = Cma::new(mean, self.sigma0, lambda);
        let solutions: Vec<(Vec<f64>, f64)> = done
            .iter()
            .filter(|(_, _, n)| *n >= start)
            .filter_map(|(p, v, _)| unit(p).map(|x| (x, *v)))
            .collect();
        for generation in solutions.chunks_exact(lambda) {
            cma.tell(generation);
        }
        let x = cma.ask(rng);
        let mut proposal = vec![None; space.len()];
        for (&i, u) in dims.iter().zip(x) {
            proposal[i] = Some(cube::from_unit(&space.params()[i].distribution, u));
        }
        cube::complete_point(space, &proposal, rng)
    }
}

/// The strategy's state (Hansen's tutorial, "The CMA Evolution Strategy", 2016, with positive
/// recombination weights).
struct Cma {
    n: usize,
    weights: Vec<f64>,
    mueff: f64,
    cs: f64,
    ds: f64,
    cc: f64,
    c1: f64,
    cmu: f64,
    chi_n: f64,
    mean: Vec<f64>,
    sigma: f64,
    /// Covariance, row-major.
    c: Vec<f64>,
    /// Its eigenvectors (columns) and the square roots of its eigenvalues.
    b: Vec<f64>,
    d: Vec<f64>,
    ps: Vec<f64>,
    pc: Vec<f64>,
    generation: u32,
}

impl Cma {
    fn new(mean: Vec<f64>, sigma: f64, lambda: usize) -> Self {
        let n = mean.len();
        let nf = n as f64;
        let mu = (lambda / 2).max(1);
        let raw: Vec<f64> = (0..mu)
            .map(|i| ((lambda as f64 + 1.0) / 2.0).ln() - ((i + 1) as f64).ln())
            .map(|w| w.max(0.0))
            .collect();
        let total: f64 = raw.iter().sum::<f64>().max(f64::MIN_POSITIVE);
        let weights: Vec<f64> = raw.iter().map(|w| w / total).collect();
        let mueff = 1.0 / weights.iter().map(|w| w * w).sum::<f64>();
        let cs = (mueff + 2.0) / (nf + mueff + 5.0);
        let ds = 1.0 + 2.0 * (((mueff - 1.0) / (nf + 1.0)).sqrt() - 1.0).max(0.0) + cs;
        let cc = (4.0 + mueff / nf) / (nf + 4.0 + 2.0 * mueff / nf);
        let c1 = 2.0 / ((nf + 1.3).powi(2) + mueff);
        let cmu = (1.0 - c1).min(2.0 * (mueff - 2.0 + 1.0 / mueff) / ((nf + 2.0).powi(2) + mueff));
        let chi_n = nf.sqrt() * (1.0 - 1.0 / (4.0 * nf) + 1.0 / (21.0 * nf * nf));
        let mut c = vec![0.0; n * n];
        for i in 0..n {
            c[i * n + i] = 1.0;
        }
        let b = c.clone();
        Cma {
            n,
            weights,
            mueff,
            cs,
            ds,
            cc,
            c1,
            cmu,
            chi_n,
            mean,
            sigma,
            c,
            b,
            d: vec![1.0; n],
            ps: vec![0.0; n],
            pc: vec![0.0; n],
            generation: 0,
        }
    }

    /// One draw of `N(m, σ²C)` in the unit cube.
    fn ask(&self, rng: &mut SatoriRng) -> Vec<f64> {
        let n = self.n;
        let mut x = vec![0.0; n];
        for _ in 0..100 {
            let z: Vec<f64> = (0..n).map(|k| self.d[k] * standard_normal(rng)).collect();
            for (i, xi) in x.iter_mut().enumerate() {
                let bz: f64 = (0..n).map(|k| self.b[i * n + k] * z[k]).sum();
                *xi = self.mean[i] + self.sigma * bz;
            }
            if x.iter().all(|v| (0.0..=1.0).contains(v)) {
                return x;
            }
        }
        x.iter().map(|v| v.clamp(0.0, 1.0)).collect()
    }

    /// Update with one generation of `(x, loss)` (any order; sorted here, ties by position).
    fn tell(&mut self, generation: &[(Vec<f64>, f64)]) {
        let backup = (
            self.mean.clone(),
            self.sigma,
            self.c.clone(),
            self.ps.clone(),
            self.pc.clone(),
        );
        if !self.try_tell(generation) {
            (self.mean, self.sigma, self.c, self.ps, self.pc) = backup;
            self.decompose();
        }
    }

    fn try_tell(&mut self, generation: &[(Vec<f64>, f64)]) -> bool {
        let n = self.n;
        let mut order: Vec<usize> = (0..generation.len()).collect();
        order.sort_by(|&a, &b| generation[a].1.total_cmp(&generation[b].1).then(a.cmp(&b)));
        let ys: Vec<Vec<f64>> = order
            .iter()
            .take(self.weights.len())
            .map(|&k| {
                generation[k]
                    .0
                    .iter()
                    .zip(&self.mean)
                    .map(|(x, m)| (x - m) / self.sigma)
                    .collect()
            })
            .collect();
        let mut yw = vec![0.0; n];
        for (w, y) in self.weights.iter().zip(&ys) {
            for (a, b) in yw.iter_mut().zip(y) {
                *a += w * b;
            }
        }
        for (m, y) in self.mean.iter_mut().zip(&yw) {
            *m += self.sigma * y;
        }
        // C^(−1/2) y_w = B D⁻¹ Bᵀ y_w.
        let bty: Vec<f64> = (0..n)
            .map(|k| (0..n).map(|i| self.b[i * n + k] * yw[i]).sum::<f64>() / self.d[k])
            .collect();
        let cs_term = (self.cs * (2.0 - self.cs) * self.mueff).sqrt();
        for i in 0..n {
            let v: f64 = (0..n).map(|k| self.b[i * n + k] * bty[k]).sum();
            self.ps[i] = (1.0 - self.cs) * self.ps[i] + cs_term * v;
        }
        self.generation += 1;
        let ps_norm = self.ps.iter().map(|v| v * v).sum::<f64>().sqrt();
        let decay = 1.0 - (1.0 - self.cs).powi(2 * self.generation as i32);
        let hsig = ps_norm / decay.max(1e-300).sqrt() < (1.4 + 2.0 / (n as f64 + 1.0)) * self.chi_n;
        let hsig = if hsig { 1.0 } else { 0.0 };
        let cc_term = (self.cc * (2.0 - self.cc) * self.mueff).sqrt();
        for (p, y) in self.pc.iter_mut().zip(&yw) {
            *p = (1.0 - self.cc) * *p + hsig * cc_term * y;
        }
        let keep = 1.0 - self.c1 - self.cmu + (1.0 - hsig) * self.c1 * self.cc * (2.0 - self.cc);
        for i in 0..n {
            for j in 0..n {
                let rank_mu: f64 = self
                    .weights
                    .iter()
                    .zip(&ys)
                    .map(|(w, y)| w * y[i] * y[j])
                    .sum();
                self.c[i * n + j] = keep * self.c[i * n + j]
                    + self.c1 * self.pc[i] * self.pc[j]
                    + self.cmu * rank_mu;
            }
        }
        self.sigma *= ((self.cs / self.ds) * (ps_norm / self.chi_n - 1.0)).exp();
        self.sigma = self.sigma.min(1.0);
        let finite = self.sigma.is_finite()
            && self.sigma > 1e-12
            && self.mean.iter().chain(&self.c).all(|v| v.is_finite());
        finite && self.decompose()
    }

    /// Refresh B and D from C; false when C is no longer positive definite.
    fn decompose(&mut self) -> bool {
        let n = self.n;
        let (w, v) = linalg::symmetric_eigen(&self.c, n);
        if w.iter().any(|&e| !(e.is_finite() && e > 0.0)) {
            return false;
        }
        // Keep the condition number sane (as pycma does at 1e14).
        let max = w.iter().cloned().fold(0.0, f64::max);
        self.d = w.iter().map(|e| e.max(max * 1e-14).sqrt()).collect();
        self.b = v;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_strategy_converges_on_a_sphere() {
        let mut rng = satori_core::rng::rng(1);
        let mut cma = Cma::new(vec![0.5; 4], 1.0 / 6.0, 8);
        let target = [0.2, 0.7, 0.4, 0.9];
        for _ in 0..60 {
            let generation: Vec<(Vec<f64>, f64)> = (0..8)
                .map(|_| {
                    let x = cma.ask(&mut rng);
                    let f = x.iter().zip(target).map(|(a, b)| (a - b).powi(2)).sum();
                    (x, f)
                })
                .collect();
            cma.tell(&generation);
        }
        let err: f64 = cma
            .mean
            .iter()
            .zip(target)
            .map(|(a, b)| (a - b).powi(2))
            .sum();
        assert!(err < 1e-6, "{err} {:?} σ {}", cma.mean, cma.sigma);
    }
}
