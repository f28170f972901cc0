//! A genetic algorithm: evolutionary search over generations of trials.
//!
//! Trials are grouped into generations by number: trial `n` belongs to generation
//! `⌊n / population_size⌋`. Generation 0 is random search. For a trial of generation `g > 0`,
//! the population is the best `population_size` complete trials among all earlier generations
//! (elitist, (μ+λ) survival: a good trial survives until better ones displace it) — of those
//! told before the trial was asked, so the study's determinism rule holds. Two parents are
//! chosen by tournament (the best of `tournament_size` random members), their genes crossed
//! (with probability `crossover_prob`: simulated binary crossover, SBX, for numeric parameters
//! in the unit cube, or uniform crossover; a choice takes either parent's value) and each gene
//! mutated with probability `mutation_prob` (numeric: a Gaussian step of `mutation_scale` in the
//! unit cube; a choice: a random value). Conditional parameters follow their parent gene: a gene
//! that exists in the child but in neither parent is drawn at random.

use satori_core::rng::{RngExt, SatoriRng, standard_normal};
use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};

use super::{Observed, cube, random};
use crate::space::{Distribution, Point, SearchSpace};
use crate::trial::Direction;

/// How two parents' numeric genes are crossed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Crossover {
    /// Simulated binary crossover (Deb and Agrawal), distribution index 15.
    #[default]
    Sbx,
    /// Each gene from either parent with equal odds.
    Uniform,
}

/// Genetic-algorithm settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GaSampler {
    /// Trials per generation, and the population kept. Default 20; at least 2.
    pub population_size: usize,
    /// Members per tournament. Default 2; at least 1.
    pub tournament_size: usize,
    /// How numeric genes are crossed. Default SBX.
    pub crossover: Crossover,
    /// The probability that a child is crossed rather than a copy of its first parent (then
    /// mutated). Default 0.9; in `[0, 1]`.
    pub crossover_prob: f64,
    /// The probability that each gene mutates. Default `None`: 1 / the number of parameters.
    pub mutation_prob: Option<f64>,
    /// The standard deviation of a numeric gene's mutation in the unit cube. Default 0.1;
    /// positive.
    pub mutation_scale: f64,
}

impl Default for GaSampler {
    fn default() -> Self {
        GaSampler {
            population_size: 20,
            tournament_size: 2,
            crossover: Crossover::Sbx,
            crossover_prob: 0.9,
            mutation_prob: None,
            mutation_scale: 0.1,
        }
    }
}

/// SBX's distribution index: larger keeps children closer to their parents.
const SBX_ETA: f64 = 15.0;

impl GaSampler {
    /// Check the settings.
    pub fn validate(&self) -> Result<()> {
        if self.population_size < 2 {
            return Err(Error::param(
                "population_size",
                format!("must be at least 2, got {}", self.population_size),
            ));
        }
        if self.tournament_size < 1 {
            return Err(Error::param("tournament_size", "must be at least 1, got 0"));
        }
        if !(0.0..=1.0).contains(&self.crossover_prob) {
            return Err(Error::param(
                "crossover_prob",
                format!("must be in [0, 1], got {}", self.crossover_prob),
            ));
        }
        if let Some(p) = self.mutation_prob
            && !(0.0..=1.0).contains(&p)
        {
            return Err(Error::param(
                "mutation_prob",
                format!("must be in [0, 1], got {p}"),
            ));
        }
        if !(self.mutation_scale.is_finite() && self.mutation_scale > 0.0) {
            return Err(Error::param(
                "mutation_scale",
                format!("must be positive, got {}", self.mutation_scale),
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
        let size = self.population_size as u64;
        let generation = number / size;
        if generation == 0 {
            return random::sample(space, rng);
        }
        let mut pool: Vec<(&Point, f64, u64)> = cube::complete(history, direction)
            .into_iter()
            .filter(|(_, _, n)| *n < generation * size)
            .collect();
        pool.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.2.cmp(&b.2)));
        pool.truncate(self.population_size);
        if pool.is_empty() {
            return random::sample(space, rng);
        }
        let mut tournament = || {
            (0..self.tournament_size)
                .map(|_| rng.random_range(0..pool.len()))
                .min()
                .unwrap_or(0)
        };
        let first = tournament();
        let mut second = tournament();
        if pool.len() > 1 {
            // A different second parent where the population allows (a few tries).
            for _ in 0..4 {
                if second != first {
                    break;
                }
                second = tournament();
            }
        }
        let (a, b) = (pool[first].0, pool[second].0);
        let cross = rng.random::<f64>() < self.crossover_prob;
        let pm = self
            .mutation_prob
            .unwrap_or(1.0 / space.len().max(1) as f64);
        let mut child: Point = vec![None; space.len()];
        for i in 0..space.len() {
            if !space.is_active(i, &child) {
                continue;
            }
            let d = &space.params()[i].distribution;
            let unit = |x: Option<f64>| x.map(|x| cube::to_unit(d, x));
            let gene = match (unit(a[i]), unit(b[i])) {
                (Some(x), Some(y)) if cross => self.cross(d, x, y, rng),
                (Some(x), _) => x,
                (None, Some(y)) => y,
                (None, None) => cube::to_unit(d, random::draw(d, rng)),
            };
            let gene = if rng.random::<f64>() < pm {
                if cube::is_choice(d) {
                    cube::to_unit(d, random::draw(d, rng))
                } else {
                    reflect(gene + self.mutation_scale * standard_normal(rng))
                }
            } else {
                gene
            };
            child[i] = Some(cube::from_unit(d, gene));
        }
        child
    }

    /// One gene of a child of genes `x` and `y` (unit coordinates).
    fn cross(&self, d: &Distribution, x: f64, y: f64, rng: &mut SatoriRng) -> f64 {
        let either = |rng: &mut SatoriRng| if rng.random::<bool>() { x } else { y };
        if cube::is_choice(d) || self.crossover == Crossover::Uniform {
            return either(rng);
        }
        // SBX on this gene with probability ½ (Deb's per-variable rule), else either parent.
        if !rng.random::<bool>() || (x - y).abs() < 1e-14 {
            return either(rng);
        }
        let u: f64 = rng.random();
        let beta = if u <= 0.5 {
            (2.0 * u).powf(1.0 / (SBX_ETA + 1.0))
        } else {
            (1.0 / (2.0 * (1.0 - u)).max(1e-300)).powf(1.0 / (SBX_ETA + 1.0))
        };
        let c = if rng.random::<bool>() {
            0.5 * ((1.0 + beta) * x + (1.0 - beta) * y)
        } else {
            0.5 * ((1.0 - beta) * x + (1.0 + beta) * y)
        };
        reflect(c)
    }
}

/// Fold a coordinate back into `[0, 1]` at the walls.
fn reflect(u: f64) -> f64 {
    if !u.is_finite() {
        return 0.5;
    }
    let t = u.rem_euclid(2.0);
    if t > 1.0 { 2.0 - t } else { t }
}
