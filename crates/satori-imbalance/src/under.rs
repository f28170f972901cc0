//! Under-samplers that select rows: random under-sampling and NearMiss.

use satori_core::rng::{RngExt, rng};
use satori_core::{Dataset, Error, Params, Result};
use serde::{Deserialize, Serialize};

use crate::common::{self, Classes, check_finite, index, take};
use crate::strategy::{SamplingKind, SamplingStrategy};
use crate::{Resampled, Resampler, checked};

/// imbalanced-learn's `RandomUnderSampler`: keeps a random subset of each targeted class
/// (missing values allowed). Output rows are grouped by class, in class order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RandomUnderSamplerParams {
    /// Which classes to under-sample and to how many rows. Default `auto` (every class but the
    /// minority, down to the minority's count).
    pub sampling_strategy: SamplingStrategy,
    /// Seed of the draws. Default 0.
    pub seed: u64,
    /// Draw with replacement (a row can be kept several times). Default false.
    pub replacement: bool,
}

impl Params for RandomUnderSamplerParams {
    fn validate(&self) -> Result<()> {
        self.sampling_strategy.validate()
    }
}

impl Resampler for RandomUnderSamplerParams {
    fn name(&self) -> &'static str {
        "random_under_sampler"
    }

    fn fit_resample(&self, data: &Dataset) -> Result<Resampled> {
        checked(self)?;
        let cls = common::classes(data, self.name())?;
        let targets = cls.targets(&self.sampling_strategy, SamplingKind::UnderSampling)?;
        let mut r = rng(self.seed);
        let mut keep = Vec::new();
        for c in cls.present() {
            let rows = cls.rows(c);
            match targets.get(&c) {
                Some(&n) if self.replacement => {
                    keep.extend((0..n).map(|_| rows[r.random_range(0..rows.len())]));
                }
                Some(&n) => {
                    // A partial Fisher-Yates shuffle: `n` distinct rows in random order.
                    let mut pool = rows;
                    for i in 0..n {
                        let j = r.random_range(i..pool.len());
                        pool.swap(i, j);
                    }
                    keep.extend_from_slice(&pool[..n]);
                }
                None => keep.extend(rows),
            }
        }
        selected(data, &cls, keep, self.name())
    }
}

/// The output of a sampler that keeps the rows `keep` (in that order).
pub(crate) fn selected(
    data: &Dataset,
    cls: &Classes,
    keep: Vec<usize>,
    sampler: &str,
) -> Result<Resampled> {
    common::assemble(
        data,
        cls,
        keep.into_iter().map(Some).collect(),
        Vec::new(),
        sampler,
    )
}

/// imbalanced-learn's `NearMiss`: keeps the rows of each targeted class that are nearest to the
/// minority class — version 1: smallest sum of distances to their `n_neighbors` nearest
/// minority rows; version 2: smallest sum of distances to their `n_neighbors` farthest minority
/// rows; version 3: among the rows that are one of the `n_neighbors_ver3` nearest of some
/// minority row, the largest sum of distances to their `n_neighbors` nearest minority rows
/// (version 3 can keep fewer rows than asked). Ties keep row order. Deterministic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NearMissParams {
    /// Which classes to under-sample and to how many rows. Default `auto`.
    pub sampling_strategy: SamplingStrategy,
    /// 1 (default), 2 or 3.
    pub version: u8,
    /// Minority neighbours whose distances are summed. Default 3; ≥ 1.
    pub n_neighbors: usize,
    /// Version 3: nearest rows of the class kept per minority row before the selection.
    /// Default 3; ≥ 1.
    pub n_neighbors_ver3: usize,
}

impl Default for NearMissParams {
    fn default() -> Self {
        NearMissParams {
            sampling_strategy: SamplingStrategy::Auto,
            version: 1,
            n_neighbors: 3,
            n_neighbors_ver3: 3,
        }
    }
}

impl Params for NearMissParams {
    fn validate(&self) -> Result<()> {
        self.sampling_strategy.validate()?;
        if !(1..=3).contains(&self.version) {
            return Err(Error::param(
                "version",
                format!("must be 1, 2 or 3, got {}", self.version),
            ));
        }
        for (name, k) in [
            ("n_neighbors", self.n_neighbors),
            ("n_neighbors_ver3", self.n_neighbors_ver3),
        ] {
            if k == 0 {
                return Err(Error::param(name, "must be ≥ 1, got 0"));
            }
        }
        Ok(())
    }
}

/// The first `n` positions by `score`, ascending or descending, equal scores in position order.
fn best(score: &[f64], n: usize, descending: bool) -> Vec<usize> {
    let mut order: Vec<usize> = (0..score.len()).collect();
    if descending {
        order.sort_by(|&a, &b| score[b].total_cmp(&score[a]));
    } else {
        order.sort_by(|&a, &b| score[a].total_cmp(&score[b]));
    }
    order.truncate(n);
    order
}

impl Resampler for NearMissParams {
    fn name(&self) -> &'static str {
        "near_miss"
    }

    fn fit_resample(&self, data: &Dataset) -> Result<Resampled> {
        checked(self)?;
        let cls = common::classes(data, self.name())?;
        let targets = cls.targets(&self.sampling_strategy, SamplingKind::UnderSampling)?;
        check_finite(data, self.name())?;
        let minority = cls.minority_by_appearance();
        let min_rows = cls.rows(minority);
        let k = self.n_neighbors;
        if min_rows.len() < k {
            return Err(Error::InvalidData(format!(
                "`near_miss`: the minority class `{}` has {} rows, and n_neighbors = {k} needs at \
                 least {k}; lower n_neighbors",
                cls.labels[minority],
                min_rows.len()
            )));
        }
        let x_min = take(data.x(), &min_rows);
        let min_index = index(x_min.view())?;
        let sum_last = |d: &ndarray::Array2<f64>| -> Vec<f64> {
            d.outer_iter()
                .map(|r| r.iter().skip(r.len() - k).fold(0.0, |a, b| a + b))
                .collect()
        };
        let mut keep = Vec::new();
        for c in cls.present() {
            let rows = cls.rows(c);
            let Some(&n) = targets.get(&c) else {
                keep.extend(rows);
                continue;
            };
            let xc = take(data.x(), &rows);
            let chosen: Vec<usize> = match self.version {
                1 => best(
                    &sum_last(&min_index.kneighbors(xc.view(), k)?.distances),
                    n,
                    false,
                ),
                2 => {
                    let d = min_index.kneighbors(xc.view(), min_rows.len())?.distances;
                    best(&sum_last(&d), n, false)
                }
                _ => {
                    let k3 = self.n_neighbors_ver3;
                    if rows.len() < k3 {
                        return Err(Error::InvalidData(format!(
                            "`near_miss`: class `{}` has {} rows, and n_neighbors_ver3 = {k3} \
                             needs at least {k3}; lower n_neighbors_ver3",
                            cls.labels[c],
                            rows.len()
                        )));
                    }
                    let near = index(xc.view())?.kneighbors(x_min.view(), k3)?.indices;
                    let mut cand: Vec<usize> = near.iter().copied().collect();
                    cand.sort_unstable();
                    cand.dedup();
                    let xs = take(xc.view(), &cand);
                    let d = min_index.kneighbors(xs.view(), k)?.distances;
                    best(&sum_last(&d), n, true)
                        .into_iter()
                        .map(|i| cand[i])
                        .collect()
                }
            };
            keep.extend(chosen.into_iter().map(|i| rows[i]));
        }
        selected(data, &cls, keep, self.name())
    }
}
