//! Over-samplers: random over-sampling (with imbalanced-learn's smoothed bootstrap), SMOTE,
//! Borderline-SMOTE and ADASYN.

use std::collections::BTreeMap;

use ndarray::{Array2, Axis};
use rayon::prelude::*;
use satori_core::rng::{RngExt, derive_seed, rng, standard_normal, sub_rng};
use satori_core::{Dataset, Error, Params, Result};
use serde::{Deserialize, Serialize};

use crate::common::{
    self, CHUNK, Classes, Draw, Synthetic, check_class_size, check_finite, check_no_categorical,
    interpolate, knn_self, smote_draws, take, weights_of,
};
use crate::strategy::{SamplingKind, SamplingStrategy};
use crate::{Resampled, Resampler, checked};

const CAT_HINT: &str = "use smote_nc (it votes categorical columns), or one-hot encode them first";

/// `shrinkage` of [`RandomOverSamplerParams`]: one factor for every resampled class, or one per
/// class label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Shrinkage {
    /// The same factor for every resampled class.
    All(f64),
    /// A factor per class label (every resampled class must have one).
    PerClass(BTreeMap<String, f64>),
}

/// imbalanced-learn's `RandomOverSampler`: copies random rows of the small classes (a bootstrap),
/// or with `shrinkage` draws a smoothed bootstrap — each copy moved by Gaussian noise of standard
/// deviation `shrinkage · h · σ_class` per column, with `h = (4 / ((p + 2) n))^(1 / (p + 4))`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RandomOverSamplerParams {
    /// Which classes to over-sample and to how many rows. Default `auto` (every class but the
    /// majority, up to the majority's count).
    pub sampling_strategy: SamplingStrategy,
    /// Seed of the draws. Default 0.
    pub seed: u64,
    /// Smoothed bootstrap: a factor ≥ 0, or a table of class → factor. Default none (plain
    /// copies; missing values allowed). With it, the columns must be finite numbers.
    pub shrinkage: Option<Shrinkage>,
}

impl Params for RandomOverSamplerParams {
    fn validate(&self) -> Result<()> {
        self.sampling_strategy.validate()?;
        let bad = match &self.shrinkage {
            Some(Shrinkage::All(s)) => (!(*s >= 0.0 && s.is_finite())).then(|| s.to_string()),
            Some(Shrinkage::PerClass(m)) => m
                .iter()
                .find(|(_, s)| !(**s >= 0.0 && s.is_finite()))
                .map(|(k, s)| format!("{s} for class `{k}`")),
            None => None,
        };
        if let Some(b) = bad {
            return Err(Error::param(
                "shrinkage",
                format!("must be a finite factor ≥ 0, got {b}"),
            ));
        }
        Ok(())
    }
}

impl Resampler for RandomOverSamplerParams {
    fn name(&self) -> &'static str {
        "random_over_sampler"
    }

    fn fit_resample(&self, data: &Dataset) -> Result<Resampled> {
        checked(self)?;
        let cls = common::classes(data, self.name())?;
        let targets = cls.targets(&self.sampling_strategy, SamplingKind::OverSampling)?;
        let mut r = rng(self.seed);
        if self.shrinkage.is_none() {
            let mut origin: Vec<Option<usize>> = (0..data.n_samples()).map(Some).collect();
            for (&c, &n) in &targets {
                let rows = cls.rows(c);
                origin.extend((0..n).map(|_| Some(rows[r.random_range(0..rows.len())])));
            }
            return common::assemble(data, &cls, origin, Vec::new(), self.name());
        }
        check_finite(data, self.name())?;
        check_no_categorical(
            data,
            self.name(),
            "leave out shrinkage to copy rows as they are",
        )?;
        let (n, p) = data.x().dim();
        let h = (4.0 / ((p as f64 + 2.0) * n as f64)).powf(1.0 / (p as f64 + 4.0));
        let mut synthetic = Vec::new();
        for (&c, &m) in &targets {
            let factor = match &self.shrinkage {
                Some(Shrinkage::All(s)) => *s,
                Some(Shrinkage::PerClass(map)) => *map.get(&cls.labels[c]).ok_or_else(|| {
                    Error::param(
                        "shrinkage",
                        format!(
                            "has no factor for class `{}`, which is over-sampled; give one for \
                             every resampled class",
                            cls.labels[c]
                        ),
                    )
                })?,
                None => unreachable!("handled above"),
            };
            let rows = cls.rows(c);
            let xc = take(data.x(), &rows);
            let sd = xc.std_axis(Axis(0), 0.0);
            let boot: Vec<usize> = (0..m)
                .map(|_| rows[r.random_range(0..rows.len())])
                .collect();
            let mut x = take(data.x(), &boot);
            let stream = derive_seed(self.seed, 1 + c as u64);
            let flat = x.as_slice_mut().expect("a fresh standard-layout matrix");
            flat.par_chunks_mut(CHUNK * p.max(1))
                .enumerate()
                .for_each(|(ci, block)| {
                    let mut g = sub_rng(stream, ci as u64);
                    for row in block.chunks_mut(p.max(1)) {
                        for (v, s) in row.iter_mut().zip(sd.iter()) {
                            *v += standard_normal(&mut g) * factor * h * s;
                        }
                    }
                });
            synthetic.push(Synthetic {
                class: c,
                x,
                weights: weights_of(data, &boot),
            });
        }
        common::append(data, &cls, synthetic, self.name())
    }
}

/// imbalanced-learn's `SMOTE`: each new row lies on the segment between a random row of its
/// class and one of that row's `k_neighbors` nearest rows of the same class, at a uniform
/// random position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmoteParams {
    /// Which classes to over-sample and to how many rows. Default `auto`.
    pub sampling_strategy: SamplingStrategy,
    /// Seed of the draws. Default 0.
    pub seed: u64,
    /// Same-class neighbours a new row may be drawn towards. Default 5; ≥ 1, and every
    /// over-sampled class needs more rows than this.
    pub k_neighbors: usize,
}

impl Default for SmoteParams {
    fn default() -> Self {
        SmoteParams {
            sampling_strategy: SamplingStrategy::Auto,
            seed: 0,
            k_neighbors: 5,
        }
    }
}

fn check_k(name: &str, k: usize) -> Result<()> {
    if k == 0 {
        return Err(Error::param(name, "must be ≥ 1, got 0"));
    }
    Ok(())
}

impl Params for SmoteParams {
    fn validate(&self) -> Result<()> {
        self.sampling_strategy.validate()?;
        check_k("k_neighbors", self.k_neighbors)
    }
}

/// SMOTE's new rows for class `c`: `n` draws among the class's rows and their `k` neighbours.
pub(crate) fn smote_class(
    data: &Dataset,
    cls: &Classes,
    c: usize,
    n: usize,
    k: usize,
    seed: u64,
    sampler: &str,
) -> Result<Synthetic> {
    let rows = cls.rows(c);
    check_class_size(cls, c, rows.len(), k, "k_neighbors", sampler)?;
    let xc = take(data.x(), &rows);
    let nn = knn_self(xc.view(), k)?.indices;
    let draws = smote_draws(&nn, n, derive_seed(seed, c as u64));
    let w = weights_of(data, &rows);
    let (x, weights) = interpolate(xc.view(), w.as_deref(), xc.view(), w.as_deref(), &draws);
    Ok(Synthetic {
        class: c,
        x,
        weights,
    })
}

impl Resampler for SmoteParams {
    fn name(&self) -> &'static str {
        "smote"
    }

    fn fit_resample(&self, data: &Dataset) -> Result<Resampled> {
        checked(self)?;
        let cls = common::classes(data, self.name())?;
        let targets = cls.targets(&self.sampling_strategy, SamplingKind::OverSampling)?;
        check_finite(data, self.name())?;
        check_no_categorical(data, self.name(), CAT_HINT)?;
        let mut synthetic = Vec::new();
        for (&c, &n) in &targets {
            if n > 0 {
                synthetic.push(smote_class(
                    data,
                    &cls,
                    c,
                    n,
                    self.k_neighbors,
                    self.seed,
                    self.name(),
                )?);
            }
        }
        common::append(data, &cls, synthetic, self.name())
    }
}

/// `kind` of [`BorderlineSmoteParams`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum BorderlineKind {
    /// New rows towards same-class neighbours of the rows in danger.
    #[default]
    #[serde(rename = "borderline-1")]
    Borderline1,
    /// New rows towards any neighbours of the rows in danger; towards another class's row, at
    /// most half-way.
    #[serde(rename = "borderline-2")]
    Borderline2,
}

/// imbalanced-learn's `BorderlineSMOTE`: SMOTE from the rows "in danger" only — those of which
/// at least half, but not all, of the `m_neighbors` nearest rows belong to other classes. A
/// class without such rows gets no new rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BorderlineSmoteParams {
    /// Which classes to over-sample and to how many rows. Default `auto`.
    pub sampling_strategy: SamplingStrategy,
    /// Seed of the draws. Default 0.
    pub seed: u64,
    /// Neighbours a new row may be drawn towards. Default 5; ≥ 1.
    pub k_neighbors: usize,
    /// Neighbours (of any class) that decide whether a row is in danger. Default 10; ≥ 1.
    pub m_neighbors: usize,
    /// `borderline-1` (default) or `borderline-2`.
    pub kind: BorderlineKind,
}

impl Default for BorderlineSmoteParams {
    fn default() -> Self {
        BorderlineSmoteParams {
            sampling_strategy: SamplingStrategy::Auto,
            seed: 0,
            k_neighbors: 5,
            m_neighbors: 10,
            kind: BorderlineKind::Borderline1,
        }
    }
}

impl Params for BorderlineSmoteParams {
    fn validate(&self) -> Result<()> {
        self.sampling_strategy.validate()?;
        check_k("k_neighbors", self.k_neighbors)?;
        check_k("m_neighbors", self.m_neighbors)
    }
}

fn check_total(data: &Dataset, k: usize, param: &str, sampler: &str) -> Result<()> {
    if data.n_samples() < k + 1 {
        return Err(Error::InvalidData(format!(
            "`{sampler}`: {param} = {k} needs at least {} rows, and the data has {}; lower {param}",
            k + 1,
            data.n_samples()
        )));
    }
    Ok(())
}

impl Resampler for BorderlineSmoteParams {
    fn name(&self) -> &'static str {
        "borderline_smote"
    }

    fn fit_resample(&self, data: &Dataset) -> Result<Resampled> {
        checked(self)?;
        let cls = common::classes(data, self.name())?;
        let targets = cls.targets(&self.sampling_strategy, SamplingKind::OverSampling)?;
        check_finite(data, self.name())?;
        check_no_categorical(data, self.name(), CAT_HINT)?;
        let (m, k) = (self.m_neighbors, self.k_neighbors);
        check_total(data, m, "m_neighbors", self.name())?;
        let all_nn = knn_self(data.x(), m)?.indices;
        let mut full_k: Option<Array2<usize>> = None;
        let mut synthetic = Vec::new();
        for (&c, &n) in &targets {
            if n == 0 {
                continue;
            }
            let rows = cls.rows(c);
            // In danger: at least half, but not all, of the m neighbours are of other classes.
            let danger: Vec<usize> = (0..rows.len())
                .filter(|&i| {
                    let n_other = all_nn
                        .row(rows[i])
                        .iter()
                        .filter(|&&j| cls.codes[j] != c)
                        .count();
                    n_other as f64 >= m as f64 / 2.0 && n_other < m
                })
                .collect();
            if danger.is_empty() {
                continue;
            }
            let seed = derive_seed(self.seed, c as u64);
            let syn = match self.kind {
                BorderlineKind::Borderline1 => {
                    check_class_size(&cls, c, rows.len(), k, "k_neighbors", self.name())?;
                    let xc = take(data.x(), &rows);
                    let nn = knn_self(xc.view(), k)?.indices.select(Axis(0), &danger);
                    let draws: Vec<Draw> = smote_draws(&nn, n, seed)
                        .into_iter()
                        .map(|d| Draw {
                            row: danger[d.row],
                            ..d
                        })
                        .collect();
                    let w = weights_of(data, &rows);
                    interpolate(xc.view(), w.as_deref(), xc.view(), w.as_deref(), &draws)
                }
                BorderlineKind::Borderline2 => {
                    check_total(data, k, "k_neighbors", self.name())?;
                    if full_k.is_none() {
                        full_k = Some(knn_self(data.x(), k)?.indices);
                    }
                    let seeds: Vec<usize> = danger.iter().map(|&i| rows[i]).collect();
                    let nn = full_k.as_ref().expect("computed").select(Axis(0), &seeds);
                    let mut damp = sub_rng(seed, u64::MAX);
                    let draws: Vec<Draw> = smote_draws(&nn, n, seed)
                        .into_iter()
                        .map(|d| {
                            let step = if cls.codes[d.nb] != c {
                                d.step * damp.random::<f64>() * 0.5
                            } else {
                                d.step
                            };
                            Draw {
                                row: seeds[d.row],
                                nb: d.nb,
                                step,
                            }
                        })
                        .collect();
                    let w = data.weights().map(|w| w.to_vec());
                    interpolate(data.x(), w.as_deref(), data.x(), w.as_deref(), &draws)
                }
            };
            synthetic.push(Synthetic {
                class: c,
                x: syn.0,
                weights: syn.1,
            });
        }
        common::append(data, &cls, synthetic, self.name())
    }
}

/// imbalanced-learn's `ADASYN`: SMOTE with more new rows from the rows whose `n_neighbors`
/// nearest rows (of any class) are mostly of other classes — row `i` of the class seeds
/// `round(r_i / Σr · n)` new rows, `r_i` its share of other-class neighbours (so the total can
/// differ from the asked number by rounding).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdasynParams {
    /// Which classes to over-sample and to how many rows. Default `auto`.
    pub sampling_strategy: SamplingStrategy,
    /// Seed of the draws. Default 0.
    pub seed: u64,
    /// Neighbours that weigh each row and that new rows are drawn towards. Default 5; ≥ 1.
    pub n_neighbors: usize,
}

impl Default for AdasynParams {
    fn default() -> Self {
        AdasynParams {
            sampling_strategy: SamplingStrategy::Auto,
            seed: 0,
            n_neighbors: 5,
        }
    }
}

impl Params for AdasynParams {
    fn validate(&self) -> Result<()> {
        self.sampling_strategy.validate()?;
        check_k("n_neighbors", self.n_neighbors)
    }
}

impl Resampler for AdasynParams {
    fn name(&self) -> &'static str {
        "adasyn"
    }

    fn fit_resample(&self, data: &Dataset) -> Result<Resampled> {
        checked(self)?;
        let cls = common::classes(data, self.name())?;
        let targets = cls.targets(&self.sampling_strategy, SamplingKind::OverSampling)?;
        check_finite(data, self.name())?;
        check_no_categorical(data, self.name(), CAT_HINT)?;
        let k = self.n_neighbors;
        check_total(data, k, "n_neighbors", self.name())?;
        let all_nn = knn_self(data.x(), k)?.indices;
        let mut synthetic = Vec::new();
        for (&c, &n) in &targets {
            if n == 0 {
                continue;
            }
            let rows = cls.rows(c);
            let ratio: Vec<f64> = rows
                .iter()
                .map(|&r| {
                    all_nn.row(r).iter().filter(|&&j| cls.codes[j] != c).count() as f64 / k as f64
                })
                .collect();
            let sum: f64 = ratio.iter().sum();
            if sum == 0.0 {
                return Err(Error::InvalidData(format!(
                    "`adasyn`: no row of class `{}` has a neighbour of another class, so ADASYN \
                     has nothing to weigh its rows by; use smote",
                    cls.labels[c]
                )));
            }
            let per_row: Vec<usize> = ratio
                .iter()
                .map(|r| (r / sum * n as f64).round_ties_even() as usize)
                .collect();
            let total: usize = per_row.iter().sum();
            if total == 0 {
                return Err(Error::InvalidData(format!(
                    "`adasyn`: no row is generated for class `{}` with these settings",
                    cls.labels[c]
                )));
            }
            check_class_size(&cls, c, rows.len(), k, "n_neighbors", self.name())?;
            let xc = take(data.x(), &rows);
            let nn = knn_self(xc.view(), k)?.indices;
            let seq: Vec<usize> = per_row
                .iter()
                .enumerate()
                .flat_map(|(i, &m)| std::iter::repeat_n(i, m))
                .collect();
            let seed = derive_seed(self.seed, c as u64);
            let draws: Vec<Draw> = seq
                .par_chunks(CHUNK)
                .enumerate()
                .flat_map_iter(|(ci, block)| {
                    let mut g = sub_rng(seed, ci as u64);
                    block
                        .iter()
                        .map(|&row| {
                            let col = g.random_range(0..k);
                            let step: f64 = g.random();
                            Draw {
                                row,
                                nb: nn[[row, col]],
                                step,
                            }
                        })
                        .collect::<Vec<_>>()
                })
                .collect();
            let w = weights_of(data, &rows);
            let (x, weights) =
                interpolate(xc.view(), w.as_deref(), xc.view(), w.as_deref(), &draws);
            synthetic.push(Synthetic {
                class: c,
                x,
                weights,
            });
        }
        common::append(data, &cls, synthetic, self.name())
    }
}
