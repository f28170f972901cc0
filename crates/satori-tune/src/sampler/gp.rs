//! Gaussian-process Bayesian optimisation with expected improvement, following Optuna's
//! `GPSampler` as the reference behaviour.
//!
//! After `n_startup_trials` complete trials (random search before), each trial:
//!
//! 1. takes the parameters that exist in every complete trial (the intersection space, as
//!    Optuna does for conditional spaces); the others are drawn independently at random;
//! 2. maps them to the unit cube (log ranges in log space, integers and stepped floats relaxed to
//!    their cells and rounded back; see `cube.rs`) — choices stay categorical, at distance 1 from
//!    every other choice;
//! 3. fits a GP with a Matérn-5/2 ARD kernel, `σ_f² m(r) + σ_n² δ`, to the losses standardised
//!    to mean 0 and variance 1, choosing the length scales, `σ_f²` and the noise `σ_n²` by
//!    maximising the log marginal likelihood plus weak log-normal priors (L-BFGS on the log
//!    hyperparameters, inside bounds, from a default start and `n_restarts` random ones);
//! 4. maximises the expected improvement over the best loss: `n_candidates` random points plus
//!    perturbations of the best trials, then a local search (shrinking Gaussian steps, random
//!    switches of choices) from the five best of those.
//!
//! Beyond `max_observations` complete trials the GP is fitted to the best half of that many and
//! the most recent others (the fit is cubic in the trials). Only complete trials are used
//! (pruned and failed ones are not, as in Optuna).

use satori_core::rng::{RngExt, SatoriRng, standard_normal};
use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};

use super::{Observed, cube, linalg, random};
use crate::normal;
use crate::space::{Point, SearchSpace};
use crate::trial::Direction;

/// GP settings; the defaults follow Optuna's `GPSampler` where it has one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GpSampler {
    /// Random trials before the GP starts (complete trials counted). Default 10; at least 1.
    pub n_startup_trials: usize,
    /// Random candidates scored by expected improvement per trial. Default 512; at least 1.
    pub n_candidates: usize,
    /// Random restarts of the hyperparameter fit, besides the default start. Default 2.
    pub n_restarts: usize,
    /// The most complete trials the GP is fitted to. Default 200; at least 2.
    pub max_observations: usize,
}

impl Default for GpSampler {
    fn default() -> Self {
        GpSampler {
            n_startup_trials: 10,
            n_candidates: 512,
            n_restarts: 2,
            max_observations: 200,
        }
    }
}

impl GpSampler {
    /// Check the settings.
    pub fn validate(&self) -> Result<()> {
        if self.n_startup_trials < 1 {
            return Err(Error::param(
                "n_startup_trials",
                "must be at least 1, got 0",
            ));
        }
        if self.n_candidates < 1 {
            return Err(Error::param("n_candidates", "must be at least 1, got 0"));
        }
        if self.n_restarts > 100 {
            return Err(Error::param(
                "n_restarts",
                format!("must be at most 100, got {}", self.n_restarts),
            ));
        }
        if !(2..=5000).contains(&self.max_observations) {
            return Err(Error::param(
                "max_observations",
                format!("must be between 2 and 5000, got {}", self.max_observations),
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
        let mut done = cube::complete(history, direction);
        if done.len() < self.n_startup_trials.max(2) {
            return random::sample(space, rng);
        }
        let dims: Vec<usize> = (0..space.len())
            .filter(|&i| done.iter().all(|(p, _, _)| p[i].is_some()))
            .collect();
        if dims.is_empty() {
            return random::sample(space, rng);
        }
        if done.len() > self.max_observations {
            // The best half of the cap, then the most recent others, in trial order.
            let keep_best = self.max_observations / 2;
            let mut order: Vec<usize> = (0..done.len()).collect();
            order.sort_by(|&a, &b| done[a].1.total_cmp(&done[b].1).then(a.cmp(&b)));
            let mut keep = vec![false; done.len()];
            for &j in order.iter().take(keep_best) {
                keep[j] = true;
            }
            let mut left = self.max_observations - keep_best;
            for j in (0..done.len()).rev() {
                if left == 0 {
                    break;
                }
                if !keep[j] {
                    keep[j] = true;
                    left -= 1;
                }
            }
            let mut j = 0;
            done.retain(|_| {
                j += 1;
                keep[j - 1]
            });
        }
        let kinds: Vec<Kind> = dims
            .iter()
            .map(|&i| match &space.params()[i].distribution {
                crate::space::Distribution::Choice { choices } => Kind::Choice(choices.len()),
                _ => Kind::Numeric,
            })
            .collect();
        let encode = |p: &Point| -> Vec<f64> {
            dims.iter()
                .zip(&kinds)
                .map(|(&i, k)| {
                    let x = p[i].unwrap_or(0.0);
                    match k {
                        Kind::Choice(_) => x.round(),
                        Kind::Numeric => cube::to_unit(&space.params()[i].distribution, x),
                    }
                })
                .collect()
        };
        let xs: Vec<Vec<f64>> = done.iter().map(|(p, _, _)| encode(p)).collect();
        let losses: Vec<f64> = done.iter().map(|(_, v, _)| *v).collect();
        let mean = losses.iter().sum::<f64>() / losses.len() as f64;
        let var = losses.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / losses.len() as f64;
        let sd = if var.sqrt() > 1e-12 * mean.abs().max(1.0) {
            var.sqrt()
        } else {
            1.0
        };
        let ys: Vec<f64> = losses.iter().map(|v| (v - mean) / sd).collect();
        let Some(gp) = Gp::fit(&kinds, xs, ys, self.n_restarts, rng) else {
            return random::sample(space, rng);
        };
        let x = gp.maximise_ei(self.n_candidates, rng);
        let mut proposal = vec![None; space.len()];
        for ((&i, k), u) in dims.iter().zip(&kinds).zip(x) {
            proposal[i] = Some(match k {
                Kind::Choice(_) => u,
                Kind::Numeric => cube::from_unit(&space.params()[i].distribution, u),
            });
        }
        cube::complete_point(space, &proposal, rng)
    }
}

/// How a GP input dimension measures distance.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// A unit-cube coordinate: squared difference.
    Numeric,
    /// A choice among `k` (index): 0 when equal, else 1.
    Choice(usize),
}

const SQRT5: f64 = 2.236_067_977_499_79;

/// Bounds of the log hyperparameters: length scales, signal variance, noise variance.
const LOG_LS: (f64, f64) = (-4.605_170_185_988_091, 2.995_732_273_553_991); // 0.01 … 20
const LOG_SF: (f64, f64) = (-4.605_170_185_988_091, 4.605_170_185_988_091); // 0.01 … 100
const LOG_SN: (f64, f64) = (-13.815_510_557_964_274, 0.0); // 1e-6 … 1

/// A fitted GP on standardised losses.
struct Gp {
    kinds: Vec<Kind>,
    xs: Vec<Vec<f64>>,
    inv_ls2: Vec<f64>,
    sf2: f64,
    chol: Vec<f64>,
    alpha: Vec<f64>,
    ys: Vec<f64>,
    best: f64,
}

/// The squared per-dimension distances of two inputs.
fn sq_dist(kinds: &[Kind], a: &[f64], b: &[f64], out: &mut [f64]) {
    for (k, ((kind, x), y)) in kinds.iter().zip(a).zip(b).enumerate() {
        out[k] = match kind {
            Kind::Numeric => (x - y) * (x - y),
            Kind::Choice(_) => {
                if x == y {
                    0.0
                } else {
                    1.0
                }
            }
        };
    }
}

fn matern52(r: f64) -> f64 {
    (1.0 + SQRT5 * r + 5.0 / 3.0 * r * r) * (-SQRT5 * r).exp()
}

/// The negative log posterior of the hyperparameters `theta` (log length scales, log σ_f²,
/// log σ_n²) and its gradient, or `None` when the kernel matrix is not positive definite.
fn objective(s: &[Vec<f64>], ys: &[f64], theta: &[f64]) -> Option<(f64, Vec<f64>)> {
    let n = ys.len();
    let d = theta.len() - 2;
    let inv_ls2: Vec<f64> = theta[..d].iter().map(|t| (-2.0 * t).exp()).collect();
    let (sf2, sn2) = (theta[d].exp(), theta[d + 1].exp());
    let mut k = vec![0.0; n * n];
    let mut idx = 0;
    for i in 0..n {
        k[i * n + i] = sf2 + sn2;
        for j in 0..i {
            let r2: f64 = s[idx].iter().zip(&inv_ls2).map(|(a, b)| a * b).sum();
            idx += 1;
            let v = sf2 * matern52(r2.sqrt());
            k[i * n + j] = v;
            k[j * n + i] = v;
        }
    }
    let l = linalg::cholesky(&k, n)?;
    let mut alpha = ys.to_vec();
    linalg::solve_lower(&l, n, &mut alpha);
    let quad: f64 = alpha.iter().map(|a| a * a).sum();
    linalg::solve_upper_t(&l, n, &mut alpha);
    let logdet: f64 = (0..n).map(|i| l[i * n + i].ln()).sum::<f64>();
    let nll = 0.5 * quad + logdet + 0.5 * n as f64 * (2.0 * std::f64::consts::PI).ln();
    // Weak log-normal priors: length scales around 0.5, σ_f² around 1, noise around 1e-3.
    let prior = |t: f64, centre: f64, width: f64| 0.5 * ((t - centre) / width).powi(2);
    let ls_centre = 0.5f64.ln();
    let mut value = nll
        + theta[..d]
            .iter()
            .map(|&t| prior(t, ls_centre, 1.0))
            .sum::<f64>()
        + prior(theta[d], 0.0, 1.0)
        + prior(theta[d + 1], 1e-3f64.ln(), 2.0);
    // Gradient: ∂nll/∂θ = −½ Σ (ααᵀ − K⁻¹) ∂K/∂θ.
    let kinv = linalg::cholesky_inverse(&l, n);
    let mut grad = vec![0.0; d + 2];
    let mut idx = 0;
    for i in 0..n {
        let wii = alpha[i] * alpha[i] - kinv[i * n + i];
        grad[d] -= 0.5 * wii * sf2;
        grad[d + 1] -= 0.5 * wii * sn2;
        for j in 0..i {
            let sij = &s[idx];
            idx += 1;
            let w = alpha[i] * alpha[j] - kinv[i * n + j];
            let r2: f64 = sij.iter().zip(&inv_ls2).map(|(a, b)| a * b).sum();
            let r = r2.sqrt();
            let e = (-SQRT5 * r).exp();
            // Both triangles: the factor ½ cancels.
            grad[d] -= w * sf2 * (1.0 + SQRT5 * r + 5.0 / 3.0 * r2) * e;
            // ∂K/∂log ℓ_k = σ_f² (5/3)(1 + √5 r) e^(−√5 r) s_k / ℓ_k².
            let common = sf2 * 5.0 / 3.0 * (1.0 + SQRT5 * r) * e;
            for kk in 0..d {
                grad[kk] -= w * common * sij[kk] * inv_ls2[kk];
            }
        }
    }
    for kk in 0..d {
        grad[kk] += (theta[kk] - ls_centre) / 1.0;
    }
    grad[d] += theta[d];
    grad[d + 1] += (theta[d + 1] - 1e-3f64.ln()) / 4.0;
    if !value.is_finite() || grad.iter().any(|g| !g.is_finite()) {
        return None;
    }
    if value < -1e15 {
        value = -1e15;
    }
    Some((value, grad))
}

fn clamp_theta(theta: &mut [f64]) {
    let d = theta.len() - 2;
    for t in &mut theta[..d] {
        *t = t.clamp(LOG_LS.0, LOG_LS.1);
    }
    theta[d] = theta[d].clamp(LOG_SF.0, LOG_SF.1);
    theta[d + 1] = theta[d + 1].clamp(LOG_SN.0, LOG_SN.1);
}

/// A function with its gradient, `None` where it cannot be evaluated.
type Differentiable<'a> = &'a dyn Fn(&[f64]) -> Option<(f64, Vec<f64>)>;

/// Minimise `f` from `x0` by L-BFGS (memory 6) with a backtracking line search, projecting
/// onto the bounds after each step. Returns the last point and its value (each step lowers it).
fn lbfgs(f: Differentiable<'_>, x0: Vec<f64>, iterations: usize) -> Option<(Vec<f64>, f64)> {
    let mut x = x0;
    clamp_theta(&mut x);
    let (mut fx, mut g) = f(&x)?;
    let mut mem: Vec<(Vec<f64>, Vec<f64>, f64)> = Vec::new();
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    for _ in 0..iterations {
        // Two-loop recursion for the direction −H g.
        let mut q = g.clone();
        let mut alphas = Vec::with_capacity(mem.len());
        for (s, y, rho) in mem.iter().rev() {
            let a = rho * dot(s, &q);
            for (qi, yi) in q.iter_mut().zip(y) {
                *qi -= a * yi;
            }
            alphas.push(a);
        }
        if let Some((s, y, _)) = mem.last() {
            let gamma = dot(s, y) / dot(y, y).max(1e-300);
            for qi in &mut q {
                *qi *= gamma;
            }
        }
        for ((s, y, rho), a) in mem.iter().zip(alphas.iter().rev()) {
            let b = rho * dot(y, &q);
            for (qi, si) in q.iter_mut().zip(s) {
                *qi += (a - b) * si;
            }
        }
        let mut dir: Vec<f64> = q.iter().map(|v| -v).collect();
        if dot(&dir, &g) >= 0.0 {
            dir = g.iter().map(|v| -v).collect();
            mem.clear();
        }
        // Keep the first step modest in the log parameters.
        let norm = dot(&dir, &dir).sqrt();
        if norm > 2.0 {
            for v in &mut dir {
                *v *= 2.0 / norm;
            }
        }
        let mut step = 1.0;
        let mut next = None;
        for _ in 0..20 {
            let mut xn: Vec<f64> = x.iter().zip(&dir).map(|(a, b)| a + step * b).collect();
            clamp_theta(&mut xn);
            if let Some((fn_, gn)) = f(&xn) {
                let moved: Vec<f64> = xn.iter().zip(&x).map(|(a, b)| a - b).collect();
                if fn_ <= fx + 1e-4 * dot(&g, &moved) {
                    next = Some((xn, fn_, gn, moved));
                    break;
                }
            }
            step *= 0.5;
        }
        let Some((xn, fn_, gn, s)) = next else { break };
        let y: Vec<f64> = gn.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        if sy > 1e-12 {
            mem.push((s, y, 1.0 / sy));
            if mem.len() > 6 {
                mem.remove(0);
            }
        }
        let improvement = fx - fn_;
        x = xn;
        fx = fn_;
        g = gn;
        if improvement.abs() < 1e-5 * fx.abs().max(1.0) || dot(&g, &g).sqrt() < 1e-4 {
            break;
        }
    }
    Some((x, fx))
}

impl Gp {
    fn fit(
        kinds: &[Kind],
        xs: Vec<Vec<f64>>,
        ys: Vec<f64>,
        restarts: usize,
        rng: &mut SatoriRng,
    ) -> Option<Self> {
        let n = ys.len();
        let d = kinds.len();
        // Per pair (i > j, row by row) the per-dimension squared distances.
        let mut s = Vec::with_capacity(n * (n - 1) / 2);
        for i in 0..n {
            for j in 0..i {
                let mut out = vec![0.0; d];
                sq_dist(kinds, &xs[i], &xs[j], &mut out);
                s.push(out);
            }
        }
        let f = |theta: &[f64]| objective(&s, &ys, theta);
        let mut starts = vec![{
            let mut t = vec![0.5f64.ln(); d];
            t.extend([0.0, 1e-3f64.ln()]);
            t
        }];
        for _ in 0..restarts {
            let mut t: Vec<f64> = (0..d)
                .map(|_| rng.random_range(0.05f64.ln()..2.0f64.ln()))
                .collect();
            t.push(rng.random_range(-1.0..1.0));
            t.push(rng.random_range(1e-5f64.ln()..1e-1f64.ln()));
            starts.push(t);
        }
        let mut best: Option<(Vec<f64>, f64)> = None;
        for t in starts {
            if let Some((x, v)) = lbfgs(&f, t, 50)
                && best.as_ref().is_none_or(|b| v < b.1)
            {
                best = Some((x, v));
            }
        }
        // A kernel that never factorised: fall back to a noisy default.
        let theta = match best {
            Some((t, _)) => t,
            None => {
                let mut t = vec![0.5f64.ln(); d];
                t.extend([0.0, 1e-2f64.ln()]);
                t
            }
        };
        let inv_ls2: Vec<f64> = theta[..d].iter().map(|t| (-2.0 * t).exp()).collect();
        let (sf2, sn2) = (theta[d].exp(), theta[d + 1].exp());
        let mut k = vec![0.0; n * n];
        let mut dist = vec![0.0; d];
        for i in 0..n {
            k[i * n + i] = sf2 + sn2;
            for j in 0..i {
                sq_dist(kinds, &xs[i], &xs[j], &mut dist);
                let r2: f64 = dist.iter().zip(&inv_ls2).map(|(a, b)| a * b).sum();
                let v = sf2 * matern52(r2.sqrt());
                k[i * n + j] = v;
                k[j * n + i] = v;
            }
        }
        let chol = linalg::cholesky(&k, n)?;
        let mut alpha = ys.clone();
        linalg::solve_lower(&chol, n, &mut alpha);
        linalg::solve_upper_t(&chol, n, &mut alpha);
        let best = ys.iter().cloned().fold(f64::INFINITY, f64::min);
        Some(Gp {
            kinds: kinds.to_vec(),
            xs,
            inv_ls2,
            sf2,
            chol,
            alpha,
            ys,
            best,
        })
    }

    /// The log expected improvement at `x` (log, so that candidates far from any improvement
    /// still rank).
    fn log_ei(&self, x: &[f64], kstar: &mut [f64], dist: &mut [f64]) -> f64 {
        let n = self.xs.len();
        for (j, xj) in self.xs.iter().enumerate() {
            sq_dist(&self.kinds, x, xj, dist);
            let r2: f64 = dist.iter().zip(&self.inv_ls2).map(|(a, b)| a * b).sum();
            kstar[j] = self.sf2 * matern52(r2.sqrt());
        }
        let mu: f64 = kstar.iter().zip(&self.alpha).map(|(a, b)| a * b).sum();
        linalg::solve_lower(&self.chol, n, kstar);
        let var = (self.sf2 - kstar.iter().map(|v| v * v).sum::<f64>()).max(1e-12);
        let sd = var.sqrt();
        let z = (self.best - mu) / sd;
        sd.ln() + log_h(z)
    }

    /// The point (GP coordinates) with the largest expected improvement found.
    fn maximise_ei(&self, n_candidates: usize, rng: &mut SatoriRng) -> Vec<f64> {
        let n = self.xs.len();
        let d = self.kinds.len();
        let mut kstar = vec![0.0; n];
        let mut dist = vec![0.0; d];
        let random_point = |rng: &mut SatoriRng| -> Vec<f64> {
            self.kinds
                .iter()
                .map(|k| match k {
                    Kind::Numeric => rng.random::<f64>(),
                    Kind::Choice(c) => rng.random_range(0..*c) as f64,
                })
                .collect()
        };
        let mut scored: Vec<(f64, Vec<f64>)> = Vec::with_capacity(n_candidates + 50);
        for _ in 0..n_candidates {
            let x = random_point(rng);
            let v = self.log_ei(&x, &mut kstar, &mut dist);
            scored.push((v, x));
        }
        // Perturbations of the best observations.
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| self.ys[a].total_cmp(&self.ys[b]).then(a.cmp(&b)));
        for &j in order.iter().take(5) {
            for _ in 0..10 {
                let x = self.perturb(&self.xs[j], 0.05, rng);
                let v = self.log_ei(&x, &mut kstar, &mut dist);
                scored.push((v, x));
            }
        }
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut best = scored[0].clone();
        for (v0, x0) in scored.into_iter().take(5) {
            let (mut v, mut x) = (v0, x0);
            let mut scale = 0.1;
            let mut fails = 0;
            for _ in 0..40 {
                let y = self.perturb(&x, scale, rng);
                let w = self.log_ei(&y, &mut kstar, &mut dist);
                if w > v {
                    (v, x) = (w, y);
                    fails = 0;
                } else {
                    fails += 1;
                    if fails >= 4 {
                        scale *= 0.5;
                        fails = 0;
                        if scale < 1e-4 {
                            break;
                        }
                    }
                }
            }
            if v > best.0 {
                best = (v, x);
            }
        }
        best.1
    }

    /// A random neighbour: each numeric coordinate moved by a Gaussian step of `scale`
    /// (clamped), each choice switched to a random value with probability ½ / dimensions.
    fn perturb(&self, x: &[f64], scale: f64, rng: &mut SatoriRng) -> Vec<f64> {
        let p_switch = 0.5 / self.kinds.len() as f64;
        self.kinds
            .iter()
            .zip(x)
            .map(|(k, &v)| match k {
                Kind::Numeric => (v + scale * standard_normal(rng)).clamp(0.0, 1.0),
                Kind::Choice(c) => {
                    if rng.random::<f64>() < p_switch {
                        rng.random_range(0..*c) as f64
                    } else {
                        v
                    }
                }
            })
            .collect()
    }
}

/// `ln(φ(z) + z Φ(z))`, the log of expected improvement per unit standard deviation, stable
/// far into the lower tail (where it is `ln φ(z) − 2 ln|z|` to leading order).
fn log_h(z: f64) -> f64 {
    let log_phi = -0.5 * z * z - 0.5 * (2.0 * std::f64::consts::PI).ln();
    if z > -6.0 {
        let h = log_phi.exp() + z * normal::cdf(z);
        if h > 0.0 {
            return h.ln();
        }
    }
    // Mills-ratio expansion: φ(z) + zΦ(z) ≈ φ(z)/z² (1 − 3/z² + 15/z⁴).
    let z2 = z * z;
    log_phi - z2.ln() + (1.0 - 3.0 / z2 + 15.0 / (z2 * z2)).max(1e-300).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_likelihood_gradient_matches_finite_differences() {
        let kinds = [Kind::Numeric, Kind::Numeric, Kind::Choice(3)];
        let xs = [
            [0.1, 0.9, 0.0],
            [0.4, 0.2, 1.0],
            [0.8, 0.5, 2.0],
            [0.3, 0.3, 1.0],
            [0.6, 0.7, 0.0],
        ];
        let ys = [0.5, -1.0, 1.2, -0.3, 0.1];
        let mut s = Vec::new();
        for i in 0..xs.len() {
            for j in 0..i {
                let mut out = vec![0.0; 3];
                sq_dist(&kinds, &xs[i], &xs[j], &mut out);
                s.push(out);
            }
        }
        let theta = [-0.7, 0.2, -0.4, 0.3, -3.0];
        let (_, g) = objective(&s, &ys, &theta).unwrap();
        for k in 0..theta.len() {
            let h = 1e-6;
            let mut a = theta;
            a[k] += h;
            let mut b = theta;
            b[k] -= h;
            let fd =
                (objective(&s, &ys, &a).unwrap().0 - objective(&s, &ys, &b).unwrap().0) / (2.0 * h);
            assert!(
                (fd - g[k]).abs() < 1e-5 * fd.abs().max(1.0),
                "{k}: {fd} vs {}",
                g[k]
            );
        }
    }

    #[test]
    fn log_h_is_continuous_and_matches_the_closed_form() {
        for &z in &[-3.0f64, -1.0, 0.0, 0.5, 2.0] {
            let direct =
                (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt() + z * normal::cdf(z);
            assert!((log_h(z) - direct.ln()).abs() < 1e-10);
        }
        let (a, b) = (log_h(-5.999_999), log_h(-6.000_001));
        assert!((a - b).abs() < 1e-2, "{a} {b}");
        assert!(log_h(-40.0).is_finite() && log_h(-40.0) < log_h(-39.0));
    }
}
