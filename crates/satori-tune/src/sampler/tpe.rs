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

use satori_core::rng::{RngExt, SatoriRng};
use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::normal;
use crate::sampler::{Observed, random};
use crate::space::{Distribution, Point, SearchSpace};
use crate::study::{Direction, TrialState};

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

/// How a numeric range is laid out for the kernels.
#[derive(Debug, Clone, Copy)]
struct Numeric {
    low: f64,
    high: f64,
    log: bool,
    /// The spacing of the values of a stepped or integer range.
    step: Option<f64>,
}

impl Numeric {
    fn of(d: &Distribution) -> Option<Numeric> {
        match *d {
            Distribution::Float {
                low,
                high,
                log,
                step,
                ..
            } => Some(Numeric {
                low,
                high,
                log,
                step,
            }),
            Distribution::Int {
                low,
                high,
                log,
                step,
                ..
            } => Some(Numeric {
                low: low as f64,
                high: high as f64,
                log,
                step: Some(step as f64),
            }),
            Distribution::Choice { .. } => None,
        }
    }

    fn t(&self, x: f64) -> f64 {
        if self.log { x.ln() } else { x }
    }

    /// The kernels' domain in transformed space (widened by half a step for stepped ranges).
    fn bounds(&self) -> (f64, f64) {
        let h = self.step.map_or(0.0, |s| s / 2.0);
        (self.t(self.low - h), self.t(self.high + h))
    }

    /// A transformed draw back to a value of the range.
    fn value(&self, t: f64) -> f64 {
        let x = if self.log { t.exp() } else { t };
        match self.step {
            Some(s) => (self.low + ((x - self.low) / s).round() * s).clamp(self.low, self.high),
            None => x.clamp(self.low, self.high),
        }
    }
}

/// A Parzen estimator over one parameter.
#[derive(Debug)]
enum Parzen {
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

/// ln √(2π).
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_7;

/// A kernel further than this many widths from both ends of the domain has all its mass inside
/// (to e⁻⁴⁰).
const INSIDE_Z: f64 = 9.0;

/// Cells narrower than this many kernel widths take the 3-point Gauss–Legendre mass (relative
/// error below 1e-7); wider ones the exact difference of CDFs.
const NARROW_CELL: f64 = 0.4;

fn cumulative(w: &[f64]) -> Vec<f64> {
    let total: f64 = w.iter().sum();
    let mut acc = 0.0;
    w.iter()
        .map(|x| {
            acc += x / total;
            acc
        })
        .collect()
}

fn pick(cum: &[f64], u: f64) -> usize {
    cum.partition_point(|&c| c <= u).min(cum.len() - 1)
}

/// Log-sum-exp in one pass, of terms `e + ln(mult)` given as `(e, mult)` with `mult > 0`.
#[derive(Debug, Clone, Copy)]
struct LogSum {
    max: f64,
    sum: f64,
}

impl LogSum {
    fn new() -> Self {
        LogSum {
            max: f64::NEG_INFINITY,
            sum: 0.0,
        }
    }

    #[inline]
    fn add(&mut self, e: f64, mult: f64) {
        if e > self.max {
            self.sum = self.sum * (self.max - e).exp() + mult;
            self.max = e;
        } else {
            self.sum += (e - self.max).exp() * mult;
        }
    }

    fn value(self) -> f64 {
        if self.sum > 0.0 {
            self.max + self.sum.ln()
        } else {
            f64::NEG_INFINITY
        }
    }
}

/// ln of the standard normal's mass over `[zm − h, zm + h]`, as `(e, mult)` with the mass equal to
/// `exp(e) · mult`: 3-point Gauss–Legendre where the cell is narrow and the density nearly flat
/// over it (`h ≤ NARROW_CELL/2` and `h·|zm| ≤ 0.5`; relative error under 1e-7), else the exact
/// difference of CDFs.
#[inline]
fn cell_mass(zm: f64, h: f64, ln_h: f64) -> (f64, f64) {
    if h <= NARROW_CELL / 2.0 && h * zm.abs() <= 0.5 {
        // ∫ φ over the cell ≈ h·φ(zm)·[8/9 + 5/9·e^{−δ²/2}(e^{zm·δ} + e^{−zm·δ})], δ = h√0.6,
        // written with s = |zm|·δ factored out.
        let d = h * 0.774_596_669_241_483_4;
        let u = 0.5 * d * d;
        let e_u = 1.0 - u + u * u / 2.0 - u * u * u / 6.0;
        let s = zm.abs() * d;
        let es = (-s).exp();
        let mult = (8.0 / 9.0) * es + (5.0 / 9.0) * e_u * (1.0 + es * es);
        (ln_h - 0.5 * zm * zm - LN_SQRT_2PI + s, mult)
    } else {
        (normal::mass(zm - h, zm + h).max(1e-300).ln(), 1.0)
    }
}

/// Bounds on ln of the standard normal's mass over `[zm − h, zm + h]` from the density's extremes
/// over the cell: `(lower, upper)`; `ln_h` is ln h.
#[inline]
fn cell_bounds(zm: f64, h: f64, ln_h: f64) -> (f64, f64) {
    let base = std::f64::consts::LN_2 + ln_h - LN_SQRT_2PI;
    let near = (zm.abs() - h).max(0.0);
    let far = zm.abs() + h;
    (base - 0.5 * far * far, base - 0.5 * near * near)
}

/// Kernels whose log term is this far below the largest (or the largest lower bound of one) are
/// left out of a mixture's sum: each is under e⁻⁴⁰ of it, so even a few thousand change the sum
/// by less than 1e-14 relative.
const NEGLIGIBLE: f64 = 40.0;

impl Parzen {
    fn new(s: &TpeSampler, d: &Distribution, obs: &[f64]) -> Parzen {
        let n = obs.len();
        let mut weights = default_weights(n);
        if n == 0 {
            weights.push(1.0);
        } else {
            weights.push(s.prior_weight);
        }
        let total: f64 = weights.iter().sum();
        let Some(range) = Numeric::of(d) else {
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
            return Parzen::Categorical { p, cum };
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

    /// A draw, as an internal coordinate.
    fn sample(&self, rng: &mut SatoriRng) -> f64 {
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
    fn log_pdf_batch(&self, xs: &[f64], out: &mut [f64]) {
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
    fn log_pdf(&self, x: f64) -> f64 {
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

/// One dimension of a multivariate Parzen estimator: per kernel (the observations, then the
/// prior), its component in this dimension.
#[derive(Debug)]
enum JointDim {
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
struct Joint {
    dims: Vec<JointDim>,
    log_w: Vec<f64>,
    cum: Vec<f64>,
}

impl Joint {
    fn new(s: &TpeSampler, space: &SearchSpace, params: &[usize], group: &[Observed<'_>]) -> Joint {
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
                        let log_z = mus
                            .iter()
                            .zip(&sigmas)
                            .map(|(m, sg)| {
                                normal::mass((lo - m) / sg, (hi - m) / sg).max(1e-300).ln()
                            })
                            .collect();
                        let ln_sigmas = sigmas.iter().map(|sg| sg.ln()).collect();
                        JointDim::Numeric {
                            range,
                            lo,
                            hi,
                            mus,
                            sigmas,
                            log_z,
                            ln_sigmas,
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

    fn sample(&self, rng: &mut SatoriRng) -> Vec<f64> {
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

    fn log_pdf(&self, x: &[f64]) -> f64 {
        let mut acc = LogSum::new();
        for (k, lw) in self.log_w.iter().enumerate() {
            let mut e = *lw;
            for (d, &xd) in self.dims.iter().zip(x) {
                e += match d {
                    JointDim::Numeric {
                        range,
                        mus,
                        sigmas,
                        log_z,
                        ln_sigmas,
                        ..
                    } => {
                        let (m, sg, lsg) = (mus[k], sigmas[k], ln_sigmas[k]);
                        match range.step {
                            None => {
                                let z = (range.t(xd) - m) / sg;
                                -0.5 * z * z - lsg - LN_SQRT_2PI - log_z[k]
                            }
                            Some(step) => {
                                let (a, b) = (range.t(xd - step / 2.0), range.t(xd + step / 2.0));
                                let half = 0.5 * (b - a);
                                let (zm, h) = ((0.5 * (a + b) - m) / sg, half / sg);
                                let (le, mult) = cell_mass(zm, h, half.ln() - lsg);
                                le + mult.ln() - log_z[k]
                            }
                        }
                    }
                    JointDim::Categorical {
                        n_choices,
                        obs,
                        base,
                    } => match obs[k] {
                        None => -(*n_choices as f64).ln(),
                        Some(c) => {
                            let row = base * *n_choices as f64 + 1.0;
                            let own = if xd as usize == c { 1.0 } else { 0.0 };
                            ((base + own) / row).ln()
                        }
                    },
                };
            }
            acc.add(e, 1.0);
        }
        acc.value()
    }
}

/// `exp(x)` for `x ≤ 0`, branch-free so that loops over it vectorise: Cody–Waite reduction to
/// `r` in [−½ ln 2, ½ ln 2] and a degree-12 Taylor polynomial (relative error under 4e-15);
/// arguments below −708 give 0-ish subnormal-free results (e^−708).
#[inline]
fn exp_nonpositive(x: f64) -> f64 {
    const LN2_HI: f64 = 6.931_471_803_691_238e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    const MAGIC: f64 = 6_755_399_441_055_744.0; // 1.5·2^52: adding it rounds to an integer
    let x = x.clamp(-708.0, 0.0);
    let shifted = x * std::f64::consts::LOG2_E + MAGIC;
    let n = shifted - MAGIC;
    let r = x - n * LN2_HI - n * LN2_LO;
    let mut p = 1.0 / 479_001_600.0;
    for c in [
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ] {
        p = p * r + c;
    }
    // 2^n from the low bits of the shifted value (n in −1022..=0).
    let n_int = (shifted.to_bits() as i64).wrapping_sub(MAGIC.to_bits() as i64);
    p * f64::from_bits(((n_int + 1023) as u64) << 52)
}

/// Kernels with equal centre and width merged, their weights summed (first-seen order kept).
fn merge_kernels(mus: &[f64], sigmas: &[f64], weights: &[f64]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut idx: Vec<usize> = (0..mus.len()).collect();
    idx.sort_by(|&a, &b| {
        mus[a]
            .total_cmp(&mus[b])
            .then(sigmas[a].total_cmp(&sigmas[b]))
            .then(a.cmp(&b))
    });
    let mut first = vec![usize::MAX; mus.len()];
    let mut rep = idx[0];
    for &i in &idx {
        if mus[i] != mus[rep] || sigmas[i] != sigmas[rep] {
            rep = i;
        }
        first[i] = rep;
    }
    let (mut m, mut s, mut w) = (Vec::new(), Vec::new(), Vec::new());
    let mut slot = vec![usize::MAX; mus.len()];
    for i in 0..mus.len() {
        let r = first[i];
        if slot[r] == usize::MAX {
            slot[r] = m.len();
            m.push(mus[i]);
            s.push(sigmas[i]);
            w.push(0.0);
        }
        w[slot[r]] += weights[i];
    }
    (m, s, w)
}

/// Each observation's kernel width: the larger gap to its neighbours among the sorted
/// observations and the prior's midpoint, the range's ends standing beyond them; unless
/// `consider_endpoints`, the outermost kernels take their inner gap instead.
fn kernel_widths(mus: &[f64], prior_mu: f64, lo: f64, hi: f64, endpoints: bool) -> Vec<f64> {
    let n = mus.len();
    // (centre, index) pairs sorted by centre, ties by index: the prior is index n.
    let mut pairs: Vec<(f64, usize)> = mus.iter().copied().zip(0..n).collect();
    pairs.push((prior_mu, n));
    pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let idx: Vec<usize> = pairs.iter().map(|p| p.1).collect();
    let mut s = Vec::with_capacity(n + 3);
    s.push(lo);
    s.extend(pairs.iter().map(|p| p.0));
    s.push(hi);
    let m = s.len();
    let mut sorted: Vec<f64> = (1..m - 1)
        .map(|j| (s[j] - s[j - 1]).max(s[j + 1] - s[j]))
        .collect();
    if !endpoints && m >= 4 {
        sorted[0] = s[2] - s[1];
        let last = sorted.len() - 1;
        sorted[last] = s[m - 2] - s[m - 3];
    }
    let mut out = vec![0.0; n];
    for (pos, &i) in idx.iter().enumerate() {
        if i < n {
            out[i] = sorted[pos];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn widths_follow_the_neighbour_rule() {
        // Range 0..10, prior at 5, observations 1, 2, 8: sorted 1, 2, 5, 8.
        let w = kernel_widths(&[8.0, 1.0, 2.0], 5.0, 0.0, 10.0, false);
        // 8: gaps 3 (to 5) and 2 (to 10), but as the outermost it takes its inner gap: 3.
        // 1: outermost on the left: inner gap 1.   2: max(1, 3) = 3.
        assert_eq!(w, vec![3.0, 1.0, 3.0]);
        let w = kernel_widths(&[8.0, 1.0, 2.0], 5.0, 0.0, 10.0, true);
        assert_eq!(w, vec![3.0, 1.0, 3.0]);
        let w = kernel_widths(&[9.5, 0.2], 5.0, 0.0, 10.0, true);
        assert_eq!(w, vec![4.5, 4.8]);
    }

    #[test]
    fn narrow_cells_match_the_exact_mass() {
        for &zm in &[0.0, 0.3, -1.7, 3.0, 8.0, -30.0, 50.0] {
            for &h in &[1e-4, 0.01, 0.1, 0.2, 0.25, 1.0] {
                let (e, mult) = cell_mass(zm, h, h.ln());
                let exact = normal::mass(zm - h, zm + h);
                if exact <= 1e-250 {
                    continue; // beyond what the exact CDF difference resolves
                }
                let (lower, upper) = cell_bounds(zm, h, h.ln());
                if exact > 1e-250 {
                    let l = exact.ln();
                    assert!(lower <= l + 1e-12 && l <= upper + 1e-12, "zm={zm} h={h}");
                }
                if h > NARROW_CELL / 2.0 || h * zm.abs() > 0.5 {
                    let rel = (e.exp() * mult / exact - 1.0).abs();
                    assert!(rel < 1e-12, "wide cells are exact: {rel}");
                }
                if exact > 1e-250 {
                    let rel = ((e.exp() * mult) / exact - 1.0).abs();
                    assert!(rel < 1e-7, "zm={zm} h={h}: rel {rel}");
                }
            }
        }
        let mut acc = LogSum::new();
        for (e, m) in [(-3.0, 2.0), (1.0, 0.5), (-700.0, 1.0), (0.5, 1.0)] {
            acc.add(e, m);
        }
        let naive = (2.0 * (-3.0f64).exp() + 0.5 * 1f64.exp() + 0.5f64.exp()).ln();
        assert!((acc.value() - naive).abs() < 1e-14);
    }

    #[test]
    fn fast_exp_matches_exp() {
        for i in 0..=20_000 {
            let x = -(i as f64) * 0.0354;
            let (a, b) = (exp_nonpositive(x), x.exp());
            assert!((a / b - 1.0).abs() < 4e-15, "x={x}: {a} vs {b}");
        }
        assert_eq!(exp_nonpositive(0.0), 1.0);
    }

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
