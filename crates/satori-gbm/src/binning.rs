//! Binning once: every feature is mapped to at most `max_bin` value bins plus one missing-value
//! bin, stored as a column-major `u8` matrix.
//!
//! Numeric features with at most `max_bin` distinct values get one bin per value (bin edges at
//! the midpoints between consecutive values); others get quantile bins, chosen greedily over the
//! sorted distinct values of (a seeded sample of up to 200 000) rows so that each bin holds about
//! the same number of rows. A value `v` falls in the first bin whose upper edge is `>= v`, the
//! same rule a stored threshold split `x <= t` applies, so binned and raw routing agree.
//!
//! Categorical features map their most frequent codes (at most `max_bin`) to bins; rarer codes
//! and NaN share the missing bin, which category splits always send right (as an unseen code).

use std::collections::BTreeMap;

use ndarray::ArrayView2;
use rayon::prelude::*;
use satori_core::collective::{Collective, Spread, agree, allgather_f64, allgather_u64};
use satori_core::rng::{RngExt, sub_rng};
use satori_core::{Error, Result};

/// Rows sampled to find numeric bin edges.
const BIN_SAMPLE: usize = 200_000;

/// How one feature's values map to bins.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FeatureBins {
    /// Upper edges of the value bins (the last is `f64::MAX`).
    Numeric { upper: Vec<f64> },
    /// The category code of each value bin, and the bin of each kept code.
    Categorical {
        codes: Vec<u32>,
        bin_of: BTreeMap<u32, u8>,
    },
}

impl FeatureBins {
    /// The number of value bins; the missing bin's index.
    pub fn n_values(&self) -> usize {
        match self {
            FeatureBins::Numeric { upper } => upper.len(),
            FeatureBins::Categorical { codes, .. } => codes.len(),
        }
    }

    /// Whether the feature is categorical.
    pub fn is_categorical(&self) -> bool {
        matches!(self, FeatureBins::Categorical { .. })
    }

    /// The bin of one value.
    #[inline]
    pub fn bin(&self, v: f64) -> u8 {
        let missing = self.n_values() as u8;
        if v.is_nan() {
            return missing;
        }
        match self {
            FeatureBins::Numeric { upper } => {
                let b = upper.partition_point(|u| *u < v);
                b.min(upper.len() - 1) as u8
            }
            FeatureBins::Categorical { bin_of, .. } => {
                if v >= 0.0 && v.fract() == 0.0 && v < u32::MAX as f64 {
                    bin_of.get(&(v as u32)).copied().unwrap_or(missing)
                } else {
                    missing
                }
            }
        }
    }
}

/// The binned training data: per-feature mappers and the column-major bin matrix.
#[derive(Debug, Clone)]
pub(crate) struct Binned {
    pub n_rows: usize,
    pub features: Vec<FeatureBins>,
    /// `bins[f * n_rows + r]`: the bin of row `r` for feature `f`.
    pub bins: Vec<u8>,
}

impl Binned {
    /// The bins of feature `f`, one per row.
    pub fn column(&self, f: usize) -> &[u8] {
        &self.bins[f * self.n_rows..(f + 1) * self.n_rows]
    }
}

/// The rows whose values choose the numeric bin edges: all, or a seeded draw of `BIN_SAMPLE`
/// among all ranks' rows (sorted global ids), of which this rank holds those in its range.
fn bin_sample(spread: &Spread, seed: u64) -> Option<Vec<usize>> {
    let n = spread.total;
    (n > BIN_SAMPLE).then(|| {
        // A partial Fisher-Yates draw of BIN_SAMPLE rows, sorted back into row order.
        let mut idx: Vec<usize> = (0..n).collect();
        let mut r = sub_rng(seed, 0xB1);
        for i in 0..BIN_SAMPLE {
            let j = r.random_range(i..n);
            idx.swap(i, j);
        }
        idx.truncate(BIN_SAMPLE);
        idx.sort_unstable();
        spread.local(&idx).collect()
    })
}

/// Find every feature's bins and bin the matrix. `categorical[j]` marks category columns.
/// With several ranks, the bins are those of all ranks' rows in rank order (the numeric
/// sample's values and the category counts are gathered), so every rank bins alike.
pub(crate) fn bin_data(
    x: ArrayView2<'_, f64>,
    categorical: &[bool],
    max_bin: usize,
    seed: u64,
    comm: &dyn Collective,
    spread: &Spread,
) -> Result<Binned> {
    let n = x.nrows();
    let sample = bin_sample(spread, seed);
    let numeric_values = |j: usize| -> Vec<f64> {
        let col = x.column(j);
        match &sample {
            Some(rows) => rows.iter().map(|&r| col[r]).collect(),
            None => col.to_vec(),
        }
    };
    let features: Vec<FeatureBins> = if comm.size() == 1 {
        (0..x.ncols())
            .into_par_iter()
            .map(|j| {
                if categorical[j] {
                    count_codes(x.column(j).iter().copied(), j)
                        .map(|c| choose_categories(c, max_bin))
                } else {
                    let mut vals = numeric_values(j);
                    vals.retain(|v| !v.is_nan());
                    Ok(numeric_bins(vals, max_bin))
                }
            })
            .collect::<Result<_>>()?
    } else {
        gathered_bins(x, categorical, max_bin, comm, &numeric_values)?
    };
    let mut bins = vec![0u8; n * x.ncols()];
    if n > 0 {
        bins.par_chunks_mut(n)
            .zip(features.par_iter())
            .enumerate()
            .for_each(|(j, (out, fb))| {
                for (o, &v) in out.iter_mut().zip(x.column(j).iter()) {
                    *o = fb.bin(v);
                }
            });
    }
    Ok(Binned {
        n_rows: n,
        features,
        bins,
    })
}

/// Bins from every rank's values: one gather of the numeric features' sampled values (each
/// rank's block feature-major) and one of the category counts.
fn gathered_bins(
    x: ArrayView2<'_, f64>,
    categorical: &[bool],
    max_bin: usize,
    comm: &dyn Collective,
    numeric_values: &(dyn Fn(usize) -> Vec<f64> + Sync),
) -> Result<Vec<FeatureBins>> {
    let p = x.ncols();
    let numeric: Vec<usize> = (0..p).filter(|&j| !categorical[j]).collect();
    let cats: Vec<usize> = (0..p).filter(|&j| categorical[j]).collect();
    let local: Vec<f64> = numeric
        .par_iter()
        .flat_map_iter(|&j| numeric_values(j))
        .collect();
    let counted: Result<Vec<BTreeMap<u32, usize>>> = cats
        .par_iter()
        .map(|&j| count_codes(x.column(j).iter().copied(), j))
        .collect();
    let counted = agree(comm, counted)?;
    let mut words: Vec<u64> = Vec::new();
    for c in &counted {
        words.push(c.len() as u64);
        for (&code, &count) in c {
            words.push(u64::from(code));
            words.push(count as u64);
        }
    }
    let values = allgather_f64(comm, &local)?;
    let counts = allgather_u64(comm, &words)?;
    let mut out: Vec<Option<FeatureBins>> = vec![None; p];
    let mut per_feature: Vec<Vec<f64>> = vec![Vec::new(); numeric.len()];
    for part in &values {
        if numeric.is_empty() {
            break;
        }
        let m = part.len() / numeric.len();
        for (i, pf) in per_feature.iter_mut().enumerate() {
            pf.extend_from_slice(&part[i * m..(i + 1) * m]);
        }
    }
    let fitted: Vec<FeatureBins> = per_feature
        .into_par_iter()
        .map(|mut vals| {
            vals.retain(|v| !v.is_nan());
            numeric_bins(vals, max_bin)
        })
        .collect();
    for (&j, fb) in numeric.iter().zip(fitted) {
        out[j] = Some(fb);
    }
    let mut merged: Vec<BTreeMap<u32, usize>> = vec![BTreeMap::new(); cats.len()];
    for part in &counts {
        let mut at = 0;
        for m in merged.iter_mut() {
            let len = *part
                .get(at)
                .ok_or_else(|| Error::Internal("short category counts".into()))?
                as usize;
            let pairs = part
                .get(at + 1..at + 1 + 2 * len)
                .ok_or_else(|| Error::Internal("short category counts".into()))?;
            for c in pairs.chunks_exact(2) {
                *m.entry(c[0] as u32).or_insert(0) += c[1] as usize;
            }
            at += 1 + 2 * len;
        }
    }
    for (&j, c) in cats.iter().zip(merged) {
        out[j] = Some(choose_categories(c, max_bin));
    }
    out.into_iter()
        .map(|f| f.ok_or_else(|| Error::Internal("a feature without bins".into())))
        .collect()
}

fn midpoint(a: f64, b: f64) -> f64 {
    let m = a + (b - a) / 2.0;
    if m.is_finite() { m } else { a / 2.0 + b / 2.0 }
}

/// Bin edges of a numeric feature from its non-missing values.
pub(crate) fn numeric_bins(mut vals: Vec<f64>, max_bin: usize) -> FeatureBins {
    vals.sort_unstable_by(f64::total_cmp);
    let mut distinct: Vec<f64> = Vec::new();
    let mut counts: Vec<usize> = Vec::new();
    for v in vals {
        // -0.0 and 0.0 are one value.
        if distinct.last().is_some_and(|&d| d == v) {
            if let Some(c) = counts.last_mut() {
                *c += 1;
            }
        } else {
            distinct.push(v);
            counts.push(1);
        }
    }
    let mut upper = Vec::new();
    if distinct.len() <= max_bin {
        for w in distinct.windows(2) {
            upper.push(midpoint(w[0], w[1]));
        }
    } else {
        let mut rest: usize = counts.iter().sum();
        let mut bins_left = max_bin;
        let mut acc = 0usize;
        for i in 0..distinct.len() - 1 {
            acc += counts[i];
            let target = rest as f64 / bins_left as f64;
            if acc as f64 >= target {
                upper.push(midpoint(distinct[i], distinct[i + 1]));
                rest -= acc;
                acc = 0;
                bins_left -= 1;
                if bins_left == 1 {
                    break;
                }
            }
        }
    }
    upper.push(f64::MAX);
    FeatureBins::Numeric { upper }
}

/// How often each category code occurs (NaN, missing, is not counted).
fn count_codes(vals: impl Iterator<Item = f64>, feature: usize) -> Result<BTreeMap<u32, usize>> {
    let mut counts: BTreeMap<u32, usize> = BTreeMap::new();
    for v in vals {
        if v.is_nan() {
            continue;
        }
        if !(v >= 0.0 && v.fract() == 0.0 && v < u32::MAX as f64) {
            return Err(Error::InvalidData(format!(
                "categorical feature {feature} holds {v}; category codes must be non-negative \
                 integers below 2^32 (or NaN for missing)"
            )));
        }
        *counts.entry(v as u32).or_insert(0) += 1;
    }
    Ok(counts)
}

/// Bins of a categorical feature: the `max_bin` most frequent codes, most frequent first.
fn choose_categories(counts: BTreeMap<u32, usize>, max_bin: usize) -> FeatureBins {
    let mut by_count: Vec<(u32, usize)> = counts.into_iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    by_count.truncate(max_bin);
    // At least one value bin, so that the missing bin has a valid index above it.
    if by_count.is_empty() {
        by_count.push((0, 0));
    }
    let codes: Vec<u32> = by_count.iter().map(|c| c.0).collect();
    let bin_of = codes
        .iter()
        .enumerate()
        .map(|(b, &c)| (c, b as u8))
        .collect();
    FeatureBins::Categorical { codes, bin_of }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;
    use satori_core::collective::Single;

    fn one(n: usize) -> Spread {
        Spread {
            offset: 0,
            n,
            total: n,
        }
    }

    #[test]
    fn few_distinct_values_get_one_bin_each() {
        let FeatureBins::Numeric { upper } = numeric_bins(vec![3.0, 1.0, 2.0, 1.0], 255) else {
            panic!("numeric expected");
        };
        assert_eq!(upper, vec![1.5, 2.5, f64::MAX]);
    }

    #[test]
    fn quantile_bins_are_balanced() {
        let vals: Vec<f64> = (0..1000).map(f64::from).collect();
        let fb = numeric_bins(vals, 10);
        assert_eq!(fb.n_values(), 10);
        let mut counts = [0usize; 10];
        for v in 0..1000 {
            counts[fb.bin(f64::from(v)) as usize] += 1;
        }
        assert!(counts.iter().all(|&c| c == 100), "{counts:?}");
    }

    #[test]
    fn matrix_is_column_major_with_missing_bin() {
        let x = array![[1.0, 0.0], [f64::NAN, 2.0], [3.0, 2.0], [1.0, f64::NAN]];
        let b = bin_data(x.view(), &[false, true], 255, 0, &Single, &one(4)).unwrap();
        assert_eq!(b.column(0), &[0, 2, 1, 0]);
        // Code 2 is the most frequent: bin 0; code 0: bin 1; NaN: the missing bin 2.
        assert_eq!(b.column(1), &[1, 0, 0, 2]);
        assert_eq!(b.features[1].bin(7.0), 2);
        assert!(bin_data(array![[0.5]].view(), &[true], 255, 0, &Single, &one(1)).is_err());
    }
}
