//! Samplers: how the next trial's parameters are chosen.

pub(crate) mod cmaes;
pub(crate) mod cube;
pub(crate) mod ga;
pub(crate) mod gp;
pub(crate) mod grid;
pub(crate) mod linalg;
pub(crate) mod qmc;
pub(crate) mod random;
pub(crate) mod tpe;

use satori_core::Result;
use serde::{Deserialize, Serialize};

use crate::space::Point;
use crate::trial::TrialRecord;

pub use cmaes::CmaEsSampler;
pub use ga::{Crossover, GaSampler};
pub use gp::GpSampler;
pub use grid::GridSampler;
pub use qmc::{LhsSampler, SOBOL_MAX_DIMS, SobolSampler};
pub use random::RandomSampler;
pub use tpe::TpeSampler;

/// The sampler of a study (a closed list, so a study file can name it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sampler {
    /// Every point of a finite grid, then nothing.
    Grid(GridSampler),
    /// Independent uniform draws (log-uniform for log ranges).
    Random(RandomSampler),
    /// The tree-structured Parzen estimator, with Optuna's defaults.
    Tpe(TpeSampler),
    /// A scrambled Sobol sequence (quasi-random).
    Sobol(SobolSampler),
    /// Latin hypercube sampling over a known number of trials, then random search.
    Lhs(LhsSampler),
    /// Gaussian-process Bayesian optimisation with expected improvement.
    Gp(GpSampler),
    /// CMA-ES on the numeric parameters, choices at random.
    #[serde(rename = "cmaes")]
    CmaEs(CmaEsSampler),
    /// A genetic algorithm.
    Ga(GaSampler),
}

impl Default for Sampler {
    fn default() -> Self {
        Sampler::Tpe(TpeSampler::default())
    }
}

impl Sampler {
    /// Check the sampler's settings.
    pub fn validate(&self) -> Result<()> {
        match self {
            Sampler::Grid(_) | Sampler::Random(_) | Sampler::Sobol(_) => Ok(()),
            Sampler::Tpe(t) => t.validate(),
            Sampler::Lhs(s) => s.validate(),
            Sampler::Gp(s) => s.validate(),
            Sampler::CmaEs(s) => s.validate(),
            Sampler::Ga(s) => s.validate(),
        }
    }
}

impl std::str::FromStr for Sampler {
    type Err = satori_core::Error;

    /// A sampler by name, with its defaults: `grid`, `random`, `tpe`, `tpe-multivariate`,
    /// `sobol`, `lhs`, `gp`, `cmaes` or `ga`.
    fn from_str(name: &str) -> Result<Self> {
        match name {
            "grid" => Ok(Sampler::Grid(GridSampler::default())),
            "random" => Ok(Sampler::Random(RandomSampler::default())),
            "tpe" => Ok(Sampler::Tpe(TpeSampler::default())),
            "tpe-multivariate" => Ok(Sampler::Tpe(TpeSampler {
                multivariate: true,
                ..TpeSampler::default()
            })),
            "sobol" => Ok(Sampler::Sobol(SobolSampler::default())),
            "lhs" => Ok(Sampler::Lhs(LhsSampler::default())),
            "gp" => Ok(Sampler::Gp(GpSampler::default())),
            "cmaes" => Ok(Sampler::CmaEs(CmaEsSampler::default())),
            "ga" => Ok(Sampler::Ga(GaSampler::default())),
            other => Err(satori_core::Error::param(
                "sampler",
                format!(
                    "unknown sampler `{}`; samplers are grid, random, tpe, tpe-multivariate, sobol, lhs, gp, cmaes, ga",
                    satori_core::snippet(other)
                ),
            )),
        }
    }
}

/// A finished trial as a sampler sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Observed<'a> {
    pub record: &'a TrialRecord,
    pub point: &'a Point,
}

/// Whether two points are the same (to a relative 1e-9, so stored values read back match).
pub(crate) fn same_point(a: &[Option<f64>], b: &[Option<f64>]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (x, y) {
            (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1e-300),
            (None, None) => true,
            _ => false,
        })
}
