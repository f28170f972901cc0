//! Over-samplers for categorical columns: SMOTE-NC (mixed) and SMOTE-N (all categorical).

use satori_core::{Dataset, Error, Params, Result};
use serde::{Deserialize, Serialize};

use crate::strategy::SamplingStrategy;
use crate::{Resampled, Resampler, checked};

/// imbalanced-learn's `SMOTENC`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmoteNcParams {
    /// Which classes to over-sample and to how many rows. Default `auto`.
    pub sampling_strategy: SamplingStrategy,
    /// Seed of the draws. Default 0.
    pub seed: u64,
    /// Same-class neighbours. Default 5; ≥ 1.
    pub k_neighbors: usize,
}

impl Default for SmoteNcParams {
    fn default() -> Self {
        SmoteNcParams {
            sampling_strategy: SamplingStrategy::Auto,
            seed: 0,
            k_neighbors: 5,
        }
    }
}

impl Params for SmoteNcParams {
    fn validate(&self) -> Result<()> {
        self.sampling_strategy.validate()?;
        if self.k_neighbors == 0 {
            return Err(Error::param("k_neighbors", "must be ≥ 1, got 0"));
        }
        Ok(())
    }
}

impl Resampler for SmoteNcParams {
    fn name(&self) -> &'static str {
        "smote_nc"
    }

    fn fit_resample(&self, _data: &Dataset) -> Result<Resampled> {
        checked(self)?;
        Err(Error::InvalidData("smote_nc: not implemented yet".into()))
    }
}

/// imbalanced-learn's `SMOTEN`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmotenParams {
    /// Which classes to over-sample and to how many rows. Default `auto`.
    pub sampling_strategy: SamplingStrategy,
    /// Seed of the draws. Default 0.
    pub seed: u64,
    /// Same-class neighbours. Default 5; ≥ 1.
    pub k_neighbors: usize,
}

impl Default for SmotenParams {
    fn default() -> Self {
        SmotenParams {
            sampling_strategy: SamplingStrategy::Auto,
            seed: 0,
            k_neighbors: 5,
        }
    }
}

impl Params for SmotenParams {
    fn validate(&self) -> Result<()> {
        self.sampling_strategy.validate()?;
        if self.k_neighbors == 0 {
            return Err(Error::param("k_neighbors", "must be ≥ 1, got 0"));
        }
        Ok(())
    }
}

impl Resampler for SmotenParams {
    fn name(&self) -> &'static str {
        "smoten"
    }

    fn fit_resample(&self, _data: &Dataset) -> Result<Resampled> {
        checked(self)?;
        Err(Error::InvalidData("smoten: not implemented yet".into()))
    }
}
