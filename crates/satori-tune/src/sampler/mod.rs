//! Samplers: how the next trial's parameters are chosen.

pub(crate) mod grid;
pub(crate) mod random;
pub(crate) mod tpe;

use satori_core::Result;
use serde::{Deserialize, Serialize};

use crate::space::Point;
use crate::trial::TrialRecord;

pub use grid::GridSampler;
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
            Sampler::Grid(_) | Sampler::Random(_) => Ok(()),
            Sampler::Tpe(t) => t.validate(),
        }
    }
}

impl std::str::FromStr for Sampler {
    type Err = satori_core::Error;

    /// A sampler by name, with its defaults: `grid`, `random`, `tpe`, or `tpe-multivariate`.
    fn from_str(name: &str) -> Result<Self> {
        match name {
            "grid" => Ok(Sampler::Grid(GridSampler::default())),
            "random" => Ok(Sampler::Random(RandomSampler::default())),
            "tpe" => Ok(Sampler::Tpe(TpeSampler::default())),
            "tpe-multivariate" => Ok(Sampler::Tpe(TpeSampler {
                multivariate: true,
                ..TpeSampler::default()
            })),
            other => Err(satori_core::Error::param(
                "sampler",
                format!(
                    "unknown sampler `{}`; samplers are grid, random, tpe, tpe-multivariate",
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
