//! # satori-imbalance
//!
//! imbalanced-learn's resamplers, with its names, parameters and semantics (0.14.2): they
//! change the training rows of a classification dataset — add synthetic or copied rows to small
//! classes, remove rows from large ones, or clean away rows that a neighbour rule flags — and
//! act at fit time only. In a pipeline (`[[preprocessing]] step = "smote"`) the step resamples
//! the rows the model learns from and passes every row through unchanged at predict time, as
//! imbalanced-learn's `Pipeline` does; cross-validation fits the pipeline inside each fold, so
//! only the training folds are resampled.
//!
//! | kind | samplers |
//! |---|---|
//! | over-sampling | [`RandomOverSamplerParams`] (with a smoothed bootstrap), [`SmoteParams`], [`BorderlineSmoteParams`], [`AdasynParams`], [`SmoteNcParams`], [`SmotenParams`], [`KMeansSmoteParams`] |
//! | under-sampling | [`RandomUnderSamplerParams`], [`NearMissParams`], [`ClusterCentroidsParams`], [`InstanceHardnessThresholdParams`] |
//! | cleaning | [`TomekLinksParams`], [`EditedNearestNeighboursParams`], [`RepeatedEditedNearestNeighboursParams`], [`AllKnnParams`], [`OneSidedSelectionParams`], [`NeighbourhoodCleaningRuleParams`] |
//! | combined | [`SmoteEnnParams`], [`SmoteTomekParams`] |
//!
//! Every sampler takes [`SamplingStrategy`] (`sampling_strategy`); the stochastic ones take
//! `seed`. Synthetic rows are generated in parallel in fixed chunks, each from its own generator
//! derived from the seed, so the same seed gives the same rows at any thread count.
//!
//! ```
//! use ndarray::{Array1, Array2};
//! use satori_core::{Dataset, Target};
//! use satori_imbalance::{Resampler, SmoteParams};
//!
//! let x = Array2::from_shape_fn((40, 2), |(i, j)| (i * (j + 1)) as f64 % 7.0 + i as f64 / 40.0);
//! let codes: Array1<usize> = (0..40).map(|i| usize::from(i % 5 == 0)).collect();
//! let data = Dataset::new(x, vec!["a".into(), "b".into()])
//!     .unwrap()
//!     .with_target(Target::classes(codes, vec!["no".into(), "yes".into()]).unwrap())
//!     .unwrap();
//! let out = SmoteParams::default().fit_resample(&data).unwrap();
//! assert_eq!(out.data.n_samples(), 64); // 32 "no", 8 + 24 synthetic "yes"
//! assert_eq!(out.n_synthetic(), 24);
//! ```
//!
//! **Sample weights.** A copied row keeps its weight. A row interpolated between two rows
//! (SMOTE and its variants) gets the same mix of their weights; a smoothed-bootstrap row, a
//! SMOTE-N or SMOTE-NC row gets its seed row's weight (the categorical vote aside, SMOTE-NC
//! interpolates like SMOTE); a cluster centroid gets the mean weight of its cluster. The
//! neighbour searches and clusterings themselves ignore weights, as in imbalanced-learn.
#![warn(missing_docs)]

mod clean;
mod cluster;
mod combine;
mod common;
mod iht;
mod nominal;
mod over;
mod strategy;
mod under;

use ndarray::{Array2, ArrayView2};
use satori_core::{Dataset, Estimator, Params, Progress, Result, Transformer, check_features};
use serde::{Deserialize, Serialize};

pub use clean::{
    AllKnnParams, EditedNearestNeighboursParams, KindSel, NeighbourhoodCleaningRuleParams,
    OneSidedSelectionParams, RepeatedEditedNearestNeighboursParams, TomekLinksParams,
};
pub use cluster::{ClusterCentroidsParams, KMeansSmoteParams, Voting};
pub use combine::{SmoteEnnParams, SmoteTomekParams};
pub use iht::{HardnessEstimator, InstanceHardnessThresholdParams};
pub use nominal::{SmoteNcParams, SmotenParams};
pub use over::{
    AdasynParams, BorderlineKind, BorderlineSmoteParams, RandomOverSamplerParams, Shrinkage,
    SmoteParams,
};
pub use strategy::{SamplingKind, SamplingStrategy};
pub use under::{NearMissParams, RandomUnderSamplerParams};

/// A resampler's output: the new dataset and where each of its rows came from.
#[derive(Debug, Clone)]
pub struct Resampled {
    /// The resampled rows, with targets and weights (text columns and a sparse block follow
    /// copied rows; a sampler that makes new rows refuses data that has them).
    pub data: Dataset,
    /// For each output row, the input row it copies, or `None` for a synthetic row.
    pub origin: Vec<Option<usize>>,
}

impl Resampled {
    /// imbalanced-learn's `sample_indices_`: the input row of every output row, when every
    /// output row is a copy (under-samplers, cleaning samplers, random over-sampling without
    /// shrinkage); `None` when the sampler made new rows.
    pub fn sample_indices(&self) -> Option<Vec<usize>> {
        self.origin.iter().copied().collect()
    }

    /// The number of synthetic rows.
    pub fn n_synthetic(&self) -> usize {
        self.origin.iter().filter(|o| o.is_none()).count()
    }
}

/// A sampler: parameters that resample a classification dataset.
pub trait Resampler {
    /// The sampler's snake_case name (its pipeline step name).
    fn name(&self) -> &'static str;

    /// Resample `data` (one classification target).
    fn fit_resample(&self, data: &Dataset) -> Result<Resampled>;

    /// Resample `data` and summarise what changed, for a pipeline step.
    fn fit_step(&self, data: &Dataset) -> Result<(FittedResampler, Dataset)> {
        let before = class_counts(data);
        let out = self.fit_resample(data)?;
        let fitted = FittedResampler {
            sampler: self.name().to_string(),
            n_features: data.n_features(),
            classes: data
                .target()
                .and_then(|t| t.labels())
                .map(<[String]>::to_vec)
                .unwrap_or_default(),
            counts_before: before,
            counts_after: class_counts(&out.data),
            n_synthetic: out.n_synthetic() as u64,
        };
        Ok((fitted, out.data))
    }
}

fn class_counts(data: &Dataset) -> Vec<u64> {
    match data.target() {
        Some(satori_core::Target::Classes { codes, labels }) => {
            let mut counts = vec![0u64; labels.len()];
            for &c in codes {
                counts[c] += 1;
            }
            counts
        }
        _ => Vec::new(),
    }
}

/// A resampling pipeline step after fitting: what it did to the training rows. At predict time
/// it is the identity (a model answers for every row it is given).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedResampler {
    /// The sampler's name.
    pub sampler: String,
    n_features: usize,
    /// The class labels, in code order.
    pub classes: Vec<String>,
    /// Training rows per class before resampling.
    pub counts_before: Vec<u64>,
    /// Training rows per class after resampling.
    pub counts_after: Vec<u64>,
    /// Synthetic rows among them.
    pub n_synthetic: u64,
}

impl Transformer for FittedResampler {
    fn n_features_in(&self) -> usize {
        self.n_features
    }

    fn feature_names_out(&self, input: &[String]) -> Vec<String> {
        input.to_vec()
    }

    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_features(x, self.n_features)?;
        Ok(x.to_owned())
    }
}

/// The sampler names, as pipeline steps and `--resample` take them.
pub const SAMPLER_NAMES: &[&str] = &[
    "random_over_sampler",
    "smote",
    "random_under_sampler",
    "tomek_links",
    "edited_nearest_neighbours",
    "repeated_edited_nearest_neighbours",
    "all_knn",
    "near_miss",
    "borderline_smote",
    "adasyn",
    "smote_enn",
    "smote_tomek",
    "one_sided_selection",
    "neighbourhood_cleaning_rule",
    "smote_nc",
    "smoten",
    "cluster_centroids",
    "instance_hardness_threshold",
    "kmeans_smote",
];

/// Implements [`Resampler::name`] and [`Estimator`] (fitting = resampling, summarised) for each
/// sampler's parameters.
macro_rules! samplers {
    ($($params:ty, $name:literal;)*) => {
        $(
            impl Estimator for $params {
                type Model = FittedResampler;

                fn fit_with_progress(
                    &self,
                    data: &Dataset,
                    _progress: &dyn Progress,
                ) -> Result<FittedResampler> {
                    Ok(self.fit_step(data)?.0)
                }
            }
        )*

        /// Check that every sampler's name is listed (a test keeps the two lists equal).
        #[cfg(test)]
        pub(crate) const IMPLEMENTED: &[&str] = &[$($name),*];
    };
}

samplers! {
    RandomOverSamplerParams, "random_over_sampler";
    SmoteParams, "smote";
    RandomUnderSamplerParams, "random_under_sampler";
    TomekLinksParams, "tomek_links";
    EditedNearestNeighboursParams, "edited_nearest_neighbours";
    RepeatedEditedNearestNeighboursParams, "repeated_edited_nearest_neighbours";
    AllKnnParams, "all_knn";
    NearMissParams, "near_miss";
    BorderlineSmoteParams, "borderline_smote";
    AdasynParams, "adasyn";
    SmoteEnnParams, "smote_enn";
    SmoteTomekParams, "smote_tomek";
    OneSidedSelectionParams, "one_sided_selection";
    NeighbourhoodCleaningRuleParams, "neighbourhood_cleaning_rule";
    SmoteNcParams, "smote_nc";
    SmotenParams, "smoten";
    ClusterCentroidsParams, "cluster_centroids";
    InstanceHardnessThresholdParams, "instance_hardness_threshold";
    KMeansSmoteParams, "kmeans_smote";
}

/// Check parameters and run a sampler: the shared first lines of every `fit_resample`.
pub(crate) fn checked<P: Params>(p: &P) -> Result<()> {
    p.validate()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_sampler_is_listed_once() {
        assert_eq!(super::IMPLEMENTED, super::SAMPLER_NAMES);
    }
}
