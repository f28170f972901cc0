//! Samplers built on k-means: cluster centroids (under-sampling) and k-means SMOTE.

use satori_core::{Dataset, Error, Params, Result};
use serde::{Deserialize, Serialize};

use crate::strategy::SamplingStrategy;
use crate::{Resampled, Resampler, checked};

/// `voting` of [`ClusterCentroidsParams`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Voting {
    /// `soft` (the data is dense).
    #[default]
    Auto,
    /// The nearest real row to each centroid.
    Hard,
    /// The centroids themselves.
    Soft,
}

/// imbalanced-learn's `ClusterCentroids`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClusterCentroidsParams {
    /// Which classes to under-sample and to how many rows. Default `auto`.
    pub sampling_strategy: SamplingStrategy,
    /// Seed of the k-means starts. Default 0.
    pub seed: u64,
    /// `auto` (default), `hard` or `soft`.
    pub voting: Voting,
}

impl Params for ClusterCentroidsParams {
    fn validate(&self) -> Result<()> {
        self.sampling_strategy.validate()
    }
}

impl Resampler for ClusterCentroidsParams {
    fn name(&self) -> &'static str {
        "cluster_centroids"
    }

    fn fit_resample(&self, _data: &Dataset) -> Result<Resampled> {
        checked(self)?;
        Err(Error::InvalidData("cluster_centroids: not implemented yet".into()))
    }
}

/// imbalanced-learn's `KMeansSMOTE`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KMeansSmoteParams {
    /// Which classes to over-sample and to how many rows. Default `auto`.
    pub sampling_strategy: SamplingStrategy,
    /// Seed. Default 0.
    pub seed: u64,
    /// Same-class neighbours. Default 2; ≥ 1.
    pub k_neighbors: usize,
}

impl Default for KMeansSmoteParams {
    fn default() -> Self {
        KMeansSmoteParams {
            sampling_strategy: SamplingStrategy::Auto,
            seed: 0,
            k_neighbors: 2,
        }
    }
}

impl Params for KMeansSmoteParams {
    fn validate(&self) -> Result<()> {
        self.sampling_strategy.validate()
    }
}

impl Resampler for KMeansSmoteParams {
    fn name(&self) -> &'static str {
        "kmeans_smote"
    }

    fn fit_resample(&self, _data: &Dataset) -> Result<Resampled> {
        checked(self)?;
        Err(Error::InvalidData("kmeans_smote: not implemented yet".into()))
    }
}
