//! Instance hardness threshold: under-sampling by cross-validated class probabilities.

use satori_core::{Dataset, Error, Params, Result};
use serde::{Deserialize, Serialize};

use crate::strategy::SamplingStrategy;
use crate::{Resampled, Resampler, checked};

/// The model whose cross-validated probabilities measure hardness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HardnessEstimator {
    /// A random forest of 100 trees (imbalanced-learn's default).
    #[default]
    RandomForest,
    /// Logistic regression.
    Logistic,
}

/// imbalanced-learn's `InstanceHardnessThreshold`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InstanceHardnessThresholdParams {
    /// Which classes to under-sample and to how many rows. Default `auto`.
    pub sampling_strategy: SamplingStrategy,
    /// Seed. Default 0.
    pub seed: u64,
    /// The model. Default `random_forest`.
    pub estimator: HardnessEstimator,
    /// Folds. Default 5; ≥ 2.
    pub cv: usize,
}

impl Default for InstanceHardnessThresholdParams {
    fn default() -> Self {
        InstanceHardnessThresholdParams {
            sampling_strategy: SamplingStrategy::Auto,
            seed: 0,
            estimator: HardnessEstimator::RandomForest,
            cv: 5,
        }
    }
}

impl Params for InstanceHardnessThresholdParams {
    fn validate(&self) -> Result<()> {
        self.sampling_strategy.validate()
    }
}

impl Resampler for InstanceHardnessThresholdParams {
    fn name(&self) -> &'static str {
        "instance_hardness_threshold"
    }

    fn fit_resample(&self, _data: &Dataset) -> Result<Resampled> {
        checked(self)?;
        Err(Error::InvalidData("instance_hardness_threshold: not implemented yet".into()))
    }
}
