//! What every sampler shares: the class view of a dataset, the input checks, neighbour
//! searches, seeded interpolation in fixed chunks, and assembling the resampled dataset.

use ndarray::{Array2, ArrayView2, Axis};
use rayon::prelude::*;
use satori_core::rng::{RngExt, sub_rng};
use satori_core::{ColumnKind, Dataset, Error, Result, Target};
use satori_neighbors::{IndexOptions, KnnIndex, Neighbors};

use crate::Resampled;
use crate::strategy::{SamplingKind, SamplingStrategy};

/// Synthetic rows generated per parallel task (fixed, so the split does not depend on the
/// thread count).
pub(crate) const CHUNK: usize = 2048;

/// The classification target of a dataset, as codes with their counts.
#[derive(Debug, Clone)]
pub(crate) struct Classes {
    pub codes: Vec<usize>,
    pub labels: Vec<String>,
    pub counts: Vec<usize>,
}

impl Classes {
    /// The rows of class `c`, in order.
    pub fn rows(&self, c: usize) -> Vec<usize> {
        (0..self.codes.len())
            .filter(|&i| self.codes[i] == c)
            .collect()
    }

    /// The present classes, in code order.
    pub fn present(&self) -> Vec<usize> {
        (0..self.counts.len())
            .filter(|&c| self.counts[c] > 0)
            .collect()
    }

    /// The minority class as imbalanced-learn's `Counter`-based samplers find it: the class with
    /// the fewest rows, the first to appear in the rows on a tie.
    pub fn minority_by_appearance(&self) -> usize {
        let mut seen: Vec<usize> = Vec::new();
        for &c in &self.codes {
            if !seen.contains(&c) {
                seen.push(c);
            }
        }
        seen.into_iter()
            .reduce(|a, b| {
                if self.counts[b] < self.counts[a] {
                    b
                } else {
                    a
                }
            })
            .unwrap_or(0)
    }

    /// The view of rows `rows` (counts recomputed).
    pub fn select(&self, rows: &[usize]) -> Classes {
        let codes: Vec<usize> = rows.iter().map(|&i| self.codes[i]).collect();
        let mut counts = vec![0; self.labels.len()];
        for &c in &codes {
            counts[c] += 1;
        }
        Classes {
            codes,
            labels: self.labels.clone(),
            counts,
        }
    }

    /// The targeted classes of `strategy` as a mask by code, with the resolved numbers.
    pub fn targets(
        &self,
        strategy: &SamplingStrategy,
        kind: SamplingKind,
    ) -> Result<std::collections::BTreeMap<usize, usize>> {
        strategy.resolve(&self.counts, &self.labels, kind)
    }
}

/// The single classification target of `data`, or an error naming the sampler.
pub(crate) fn classes(data: &Dataset, sampler: &str) -> Result<Classes> {
    if data.n_targets() > 1 {
        return Err(Error::InvalidData(format!(
            "`{sampler}` resamples one classification target, and the data has {}",
            data.n_targets()
        )));
    }
    let target = data.target().ok_or_else(|| {
        Error::InvalidData(format!(
            "`{sampler}` resamples by class and the data has no target"
        ))
    })?;
    match target {
        Target::Continuous(_) => Err(Error::InvalidData(format!(
            "`{sampler}` resamples classes, and the target{} is continuous (a regression \
             target); resampling needs a classification target",
            data.target_name()
                .map(|n| format!(" `{n}`"))
                .unwrap_or_default()
        ))),
        Target::Classes { codes, labels } => {
            let mut counts = vec![0; labels.len()];
            for &c in codes {
                counts[c] += 1;
            }
            Ok(Classes {
                codes: codes.to_vec(),
                labels: labels.clone(),
                counts,
            })
        }
    }
}

/// Refuse missing or infinite values: neighbour searches and interpolation need numbers.
pub(crate) fn check_finite(data: &Dataset, sampler: &str) -> Result<()> {
    if let Some(((i, j), v)) = data.x().indexed_iter().find(|(_, v)| !v.is_finite()) {
        let col = data.features().columns[j].name.clone();
        let what = if v.is_nan() {
            "a missing value"
        } else {
            "an infinite value"
        };
        return Err(Error::InvalidData(format!(
            "`{sampler}` needs finite numbers, and column `{col}` holds {what} (row {}); impute \
             first (a simple_imputer step before it)",
            i + 1
        )));
    }
    Ok(())
}

/// Refuse categorical columns for samplers that make rows by arithmetic on the values.
pub(crate) fn check_no_categorical(data: &Dataset, sampler: &str, hint: &str) -> Result<()> {
    if let Some(c) = data
        .features()
        .columns
        .iter()
        .find(|c| matches!(c.kind, ColumnKind::Categorical { .. }))
    {
        return Err(Error::InvalidData(format!(
            "`{sampler}` makes new rows by arithmetic on the values, and column `{}` is \
             categorical (its codes are not quantities); {hint}",
            c.name
        )));
    }
    Ok(())
}

/// Refuse a class with too few rows for `k` neighbours besides each row itself.
pub(crate) fn check_class_size(
    cls: &Classes,
    c: usize,
    n: usize,
    k: usize,
    param: &str,
    sampler: &str,
) -> Result<()> {
    if n < k + 1 {
        return Err(Error::InvalidData(format!(
            "`{sampler}`: class `{}` has {n} rows, and {param} = {k} needs at least {} (each row \
             and {k} neighbours of its class); lower {param}",
            cls.labels[c],
            k + 1
        )));
    }
    Ok(())
}

/// An exact index over `x`.
pub(crate) fn index(x: ArrayView2<'_, f64>) -> Result<KnnIndex> {
    KnnIndex::build(x, &IndexOptions::default())
}

/// The `k` nearest other rows of each row of `x`.
pub(crate) fn knn_self(x: ArrayView2<'_, f64>, k: usize) -> Result<Neighbors> {
    index(x)?.kneighbors_self(k)
}

/// The rows `rows` of `x`.
pub(crate) fn take(x: ArrayView2<'_, f64>, rows: &[usize]) -> Array2<f64> {
    x.select(Axis(0), rows)
}

/// Rows made by a sampler, with the class they belong to and their weights (when the data has
/// weights).
pub(crate) struct Synthetic {
    pub class: usize,
    pub x: Array2<f64>,
    pub weights: Option<Vec<f64>>,
}

/// Rows of a sampler's output: copies of input rows (`Some(row)`) or the next synthetic row
/// (`None`), in output order.
pub(crate) fn assemble(
    data: &Dataset,
    cls: &Classes,
    origin: Vec<Option<usize>>,
    synthetic: Vec<Synthetic>,
    sampler: &str,
) -> Result<Resampled> {
    let n_new: usize = synthetic.iter().map(|s| s.x.nrows()).sum();
    if n_new == 0 {
        let rows: Vec<usize> = origin.iter().map(|o| o.expect("a copied row")).collect();
        return Ok(Resampled {
            data: data.select_rows(&rows)?,
            origin,
        });
    }
    if let Some(t) = data.text().first() {
        return Err(Error::InvalidData(format!(
            "`{sampler}` makes new rows, and the data has the text column `{}`, which a new row \
             cannot have; use random_over_sampler or an under-sampler (they copy rows), or drop \
             the text columns",
            t.name
        )));
    }
    if data.sparse().is_some() {
        return Err(Error::InvalidData(format!(
            "`{sampler}` makes new rows, and the data has a sparse feature block; use \
             random_over_sampler or an under-sampler (they copy rows)"
        )));
    }
    let p = data.n_features();
    let mut x = Array2::<f64>::zeros((origin.len(), p));
    let mut codes = Vec::with_capacity(origin.len());
    let w_in = data.weights();
    let mut weights = w_in.map(|_| Vec::with_capacity(origin.len()));
    let mut new_rows = synthetic
        .iter()
        .flat_map(|s| (0..s.x.nrows()).map(move |i| (s, i)));
    for (o, slot) in origin.iter().zip(x.outer_iter_mut()) {
        let mut slot = slot;
        match o {
            Some(r) => {
                slot.assign(&data.x().row(*r));
                codes.push(cls.codes[*r]);
                if let (Some(w), Some(win)) = (weights.as_mut(), w_in) {
                    w.push(win[*r]);
                }
            }
            None => {
                let (s, i) = new_rows
                    .next()
                    .ok_or_else(|| Error::Internal("fewer synthetic rows than slots".into()))?;
                slot.assign(&s.x.row(i));
                codes.push(s.class);
                if let Some(w) = weights.as_mut() {
                    w.push(s.weights.as_ref().map_or(1.0, |sw| sw[i]));
                }
            }
        }
    }
    let target = Target::classes(codes.into(), cls.labels.clone())?;
    let mut out = Dataset::with_schema(x, data.features().clone())?.with_target(target)?;
    if let Some(name) = data.target_name() {
        out = out.with_target_name(name);
    }
    if let Some(w) = weights {
        out = out.with_weights(w.into())?;
    }
    Ok(Resampled { data: out, origin })
}

/// The output of an over-sampler: every input row, then the synthetic rows in order.
pub(crate) fn append(
    data: &Dataset,
    cls: &Classes,
    synthetic: Vec<Synthetic>,
    sampler: &str,
) -> Result<Resampled> {
    let n_new: usize = synthetic.iter().map(|s| s.x.nrows()).sum();
    let origin = (0..data.n_samples())
        .map(Some)
        .chain(std::iter::repeat_n(None, n_new))
        .collect();
    assemble(data, cls, origin, synthetic, sampler)
}

/// Chain two resamplings: `second` ran on `first`'s output.
pub(crate) fn compose(first: &Resampled, second: Resampled) -> Resampled {
    let origin = second
        .origin
        .iter()
        .map(|o| o.and_then(|r| first.origin[r]))
        .collect();
    Resampled {
        data: second.data,
        origin,
    }
}

/// Where a synthetic row comes from: seed row `row` of the seeds, moved `step` of the way to row
/// `nb` of the neighbour pool.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Draw {
    pub row: usize,
    pub nb: usize,
    pub step: f64,
}

/// Interpolate `draws` in parallel chunks: each new row is `seeds[row] + step · (pool[nb] −
/// seeds[row])`, its weight the same mix of the two rows' weights.
pub(crate) fn interpolate(
    seeds: ArrayView2<'_, f64>,
    seed_w: Option<&[f64]>,
    pool: ArrayView2<'_, f64>,
    pool_w: Option<&[f64]>,
    draws: &[Draw],
) -> (Array2<f64>, Option<Vec<f64>>) {
    let p = seeds.ncols();
    let mut out = vec![0.0; draws.len() * p];
    out.par_chunks_mut(CHUNK * p.max(1))
        .zip(draws.par_chunks(CHUNK))
        .for_each(|(block, ds)| {
            for (d, row) in ds.iter().zip(block.chunks_mut(p.max(1))) {
                let (a, b) = (seeds.row(d.row), pool.row(d.nb));
                for ((r, x), y) in row.iter_mut().zip(a.iter()).zip(b.iter()) {
                    *r = x + d.step * (y - x);
                }
            }
        });
    let x = Array2::from_shape_vec((draws.len(), p), out).expect("the shape of the new rows");
    let w = match (seed_w, pool_w) {
        (Some(sw), Some(pw)) => Some(
            draws
                .iter()
                .map(|d| sw[d.row] + d.step * (pw[d.nb] - sw[d.row]))
                .collect(),
        ),
        _ => None,
    };
    (x, w)
}

/// SMOTE's draws: `n` times a (seed row, one of its neighbours) pair uniformly among the
/// `nn` table's entries and a step uniform in [0, 1), from per-chunk generators of `seed`.
pub(crate) fn smote_draws(nn: &Array2<usize>, n: usize, seed: u64) -> Vec<Draw> {
    let (rows, k) = nn.dim();
    let total = rows * k;
    (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .flat_map_iter(|c| {
            let mut rng = sub_rng(seed, c as u64);
            let len = CHUNK.min(n - c * CHUNK);
            (0..len)
                .map(|_| {
                    let flat = rng.random_range(0..total);
                    let step: f64 = rng.random();
                    let (row, col) = (flat / k, flat % k);
                    Draw {
                        row,
                        nb: nn[[row, col]],
                        step,
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A class's weights (the rows `rows` of the data's weights), if the data has weights.
pub(crate) fn weights_of(data: &Dataset, rows: &[usize]) -> Option<Vec<f64>> {
    data.weights().map(|w| rows.iter().map(|&r| w[r]).collect())
}

/// The most frequent value of `values` (class codes), the smallest on a tie (scipy's `mode`).
pub(crate) fn mode(values: impl Iterator<Item = usize>, n_classes: usize) -> usize {
    let mut counts = vec![0usize; n_classes];
    for v in values {
        counts[v] += 1;
    }
    let mut best = 0;
    for (c, &n) in counts.iter().enumerate().skip(1) {
        if n > counts[best] {
            best = c;
        }
    }
    best
}
