//! Training reference statistics, kept in the model file for drift monitoring.
//!
//! Every input column keeps its counts, missing values, moments and deciles (the first layout),
//! and — since the drift tests landed — what those tests need:
//!
//! - numeric columns: a [`NumericSketch`]: the 101 percentiles `0, 1, …, 100` (NumPy's linear
//!   method), which the approximate Kolmogorov–Smirnov test reads as the reference's CDF, and the
//!   PSI bins: edges at the reference's deciles (duplicates dropped) with the reference rows in
//!   each bin;
//! - categorical columns: the rows holding each category (`category_counts`), which the χ² test
//!   needs beside the frequencies.
//!
//! The model's own predictions on the holdout (or training) rows are summarised the same way
//! ([`numeric_reference`], [`categorical_reference`]): a predicted value or probability is a
//! numeric column, a predicted class a categorical one.

use satori_core::numeric::quantile_linear_sorted;
use satori_core::{ColumnKind, Dataset};
use serde::{Deserialize, Serialize};

/// Percentiles a [`NumericSketch`] keeps: `0, 1/100, …, 1`.
pub const SKETCH_POINTS: usize = 101;

/// The distribution of a numeric column's non-missing training values, as the drift tests read
/// it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumericSketch {
    /// Non-missing values summarised.
    pub count: u64,
    /// The percentiles at `k / 100`, `k = 0..=100` (NumPy's `method="linear"`): the reference
    /// CDF of the approximate Kolmogorov–Smirnov test, linear between them.
    pub percentiles: Vec<f64>,
    /// The PSI bin edges: the deciles, strictly increasing (repeats dropped). Bin `i` holds the
    /// values `x` with `edges[i-1] < x <= edges[i]` (the first bin everything up to `edges[0]`,
    /// the last everything above the last edge): NumPy's `searchsorted(edges, x, side="left")`.
    pub bin_edges: Vec<f64>,
    /// Training values in each PSI bin (`bin_edges.len() + 1` bins).
    pub bin_counts: Vec<u64>,
}

impl NumericSketch {
    /// The sketch of some values; `None` without a finite one (NaN is missing; infinities count
    /// as values, at the ends of the distribution).
    pub fn new(values: &[f64]) -> Option<Self> {
        let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        Some(Self::from_sorted(&sorted))
    }

    /// The sketch of sorted, non-missing, non-empty values.
    fn from_sorted(sorted: &[f64]) -> Self {
        let percentiles = (0..SKETCH_POINTS)
            .map(|k| quantile_linear_sorted(sorted, k as f64 / 100.0).unwrap_or(f64::NAN))
            .collect();
        let mut bin_edges: Vec<f64> = (1..10)
            .filter_map(|d| quantile_linear_sorted(sorted, d as f64 / 10.0))
            .collect();
        bin_edges.dedup();
        let mut bin_counts = vec![0u64; bin_edges.len() + 1];
        for &v in sorted {
            bin_counts[bin_of(&bin_edges, v)] += 1;
        }
        NumericSketch {
            count: sorted.len() as u64,
            percentiles,
            bin_edges,
            bin_counts,
        }
    }

    /// A coarser sketch from a first-layout reference's deciles, minimum and maximum (model
    /// files written before the sketches): percentiles interpolated between those eleven points,
    /// ten decile bins of a tenth of the rows each.
    pub fn from_deciles(count: u64, min: f64, max: f64, deciles: &[f64]) -> Option<Self> {
        if deciles.len() != 9 || count == 0 || !min.is_finite() || !max.is_finite() {
            return None;
        }
        let mut knots = Vec::with_capacity(11);
        knots.push(min);
        knots.extend_from_slice(deciles);
        knots.push(max);
        let percentiles = (0..SKETCH_POINTS)
            .map(|k| {
                let pos = k as f64 / 10.0;
                let i = (pos.floor() as usize).min(9);
                let t = pos - i as f64;
                knots[i] + (knots[i + 1] - knots[i]) * t
            })
            .collect();
        let mut bin_edges = deciles.to_vec();
        bin_edges.dedup();
        let mut bin_counts = vec![0u64; bin_edges.len() + 1];
        // Each decile's tenth of the rows goes to the bin its upper decile closes.
        let per = count as f64 / 10.0;
        let mut assigned = 0u64;
        let uppers = deciles.iter().copied().chain([f64::INFINITY]);
        for (d, upper) in uppers.enumerate() {
            let b = bin_of(&bin_edges, upper);
            let target = (per * (d + 1) as f64).round() as u64;
            bin_counts[b] += target - assigned;
            assigned = target;
        }
        Some(NumericSketch {
            count,
            percentiles,
            bin_edges,
            bin_counts,
        })
    }

    /// The PSI bin of a value.
    pub fn bin(&self, v: f64) -> usize {
        bin_of(&self.bin_edges, v)
    }

    /// The reference CDF at `t`: its right limit `F(t)` and left limit `F(t−)`, linear between
    /// the percentiles (a jump where percentiles repeat).
    pub fn cdf(&self, t: f64) -> (f64, f64) {
        let q = &self.percentiles;
        let n = q.len();
        let hi = q.partition_point(|&x| x <= t);
        let lo = q.partition_point(|&x| x < t);
        let step = 1.0 / (n - 1) as f64;
        let right = if hi == 0 {
            0.0
        } else if hi == n {
            1.0
        } else {
            let k = hi - 1;
            let span = q[k + 1] - q[k];
            let frac = if span > 0.0 && span.is_finite() {
                (t - q[k]) / span
            } else {
                0.0
            };
            (k as f64 + frac) * step
        };
        let left = if hi > lo { lo as f64 * step } else { right };
        (right, left)
    }
}

/// `searchsorted(edges, v, side="left")`: edges strictly below `v`.
pub(crate) fn bin_of(edges: &[f64], v: f64) -> usize {
    edges.partition_point(|&e| e < v)
}

/// Summary statistics of one training column, kept for drift monitoring.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnReference {
    /// The column.
    pub name: String,
    /// Rows seen.
    pub count: u64,
    /// Missing values seen.
    pub missing: u64,
    /// Mean of the non-missing values (numeric columns).
    pub mean: Option<f64>,
    /// Population standard deviation of the non-missing values (numeric columns).
    pub std: Option<f64>,
    /// Minimum (numeric columns).
    pub min: Option<f64>,
    /// Maximum (numeric columns).
    pub max: Option<f64>,
    /// Deciles 0.1..0.9 of the non-missing values (numeric columns), NumPy's linear method.
    pub deciles: Vec<f64>,
    /// Frequency of each category (categorical columns), in category order.
    pub category_frequencies: Vec<f64>,
    /// The distribution the numeric drift tests compare with (absent in files written before
    /// it; [`ColumnReference::numeric_sketch`] then rebuilds a coarser one from the deciles).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sketch: Option<NumericSketch>,
    /// Rows holding each category (categorical columns), in category order (absent in older
    /// files: the frequencies then stand in).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category_counts: Vec<u64>,
    /// The category labels, for a column that is not a model input (a predicted class); input
    /// columns take theirs from the model's input schema.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
}

impl ColumnReference {
    fn empty(name: &str, count: u64, missing: u64) -> Self {
        ColumnReference {
            name: name.to_string(),
            count,
            missing,
            mean: None,
            std: None,
            min: None,
            max: None,
            deciles: Vec::new(),
            category_frequencies: Vec::new(),
            sketch: None,
            category_counts: Vec::new(),
            categories: Vec::new(),
        }
    }

    /// The numeric sketch: the stored one, or one rebuilt from the deciles of an older file.
    pub fn numeric_sketch(&self) -> Option<NumericSketch> {
        if let Some(s) = &self.sketch {
            return Some(s.clone());
        }
        NumericSketch::from_deciles(
            self.count - self.missing,
            self.min?,
            self.max?,
            &self.deciles,
        )
    }

    /// Rows per category: the stored counts, or the frequencies times the non-missing rows
    /// (older files).
    pub fn category_weights(&self) -> Vec<f64> {
        if !self.category_counts.is_empty() {
            return self.category_counts.iter().map(|&c| c as f64).collect();
        }
        let n = (self.count - self.missing) as f64;
        self.category_frequencies.iter().map(|f| f * n).collect()
    }

    /// The share of missing values.
    pub fn missing_rate(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.missing as f64 / self.count as f64
        }
    }
}

/// The reference of a numeric column (NaN is missing): moments, deciles and the sketch.
pub fn numeric_reference(name: &str, values: &[f64]) -> ColumnReference {
    let mut present: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    let count = values.len() as u64;
    let mut r = ColumnReference::empty(name, count, count - present.len() as u64);
    if present.is_empty() {
        return r;
    }
    let n = present.len() as f64;
    let mean = present.iter().sum::<f64>() / n;
    let var = present.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    present.sort_by(f64::total_cmp);
    r.mean = Some(mean);
    r.std = Some(var.sqrt());
    r.min = present.first().copied();
    r.max = present.last().copied();
    r.deciles = (1..10)
        .map(|d| quantile_linear_sorted(&present, d as f64 / 10.0).unwrap_or(f64::NAN))
        .collect();
    r.sketch = Some(NumericSketch::from_sorted(&present));
    r
}

/// The reference of a categorical column of `n_categories` codes (NaN is missing; a code out of
/// range is counted as a row but in no category). `labels`, when given, are stored with it (for
/// a column that is not a model input).
pub fn categorical_reference(
    name: &str,
    codes: &[f64],
    n_categories: usize,
    labels: Option<&[String]>,
) -> ColumnReference {
    let count = codes.len() as u64;
    let mut counts = vec![0u64; n_categories];
    let mut missing = 0u64;
    for &v in codes {
        if v.is_nan() {
            missing += 1;
        } else if v >= 0.0
            && let Some(c) = counts.get_mut(v as usize)
        {
            *c += 1;
        }
    }
    let mut r = ColumnReference::empty(name, count, missing);
    let n = (count - missing).max(1) as f64;
    r.category_frequencies = counts.iter().map(|&c| c as f64 / n).collect();
    r.category_counts = counts;
    if let Some(labels) = labels {
        r.categories = labels.to_vec();
    }
    r
}

/// Summary statistics of every feature column of `data`.
pub fn reference_stats(data: &Dataset) -> Vec<ColumnReference> {
    let x = data.x();
    data.features()
        .columns
        .iter()
        .enumerate()
        .map(|(j, col)| {
            let column: Vec<f64> = x.column(j).to_vec();
            match &col.kind {
                ColumnKind::Categorical { categories } => {
                    categorical_reference(&col.name, &column, categories.len(), None)
                }
                _ => numeric_reference(&col.name, &column),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;
    use satori_core::{ColumnSchema, Schema};

    #[test]
    fn numeric_and_categorical_statistics() {
        let schema = Schema::new(vec![
            ColumnSchema {
                name: "a".into(),
                kind: ColumnKind::Numeric,
            },
            ColumnSchema {
                name: "c".into(),
                kind: ColumnKind::Categorical {
                    categories: vec!["x".into(), "y".into()],
                },
            },
        ])
        .unwrap();
        let d = Dataset::with_schema(
            array![[1.0, 0.0], [f64::NAN, 1.0], [3.0, 1.0], [4.0, f64::NAN]],
            schema,
        )
        .unwrap();
        let r = reference_stats(&d);
        assert_eq!((r[0].count, r[0].missing), (4, 1));
        assert_eq!(r[0].min, Some(1.0));
        assert_eq!(r[0].max, Some(4.0));
        assert_eq!(r[0].deciles[4], 3.0);
        assert_eq!(r[1].category_frequencies, vec![1.0 / 3.0, 2.0 / 3.0]);
        assert_eq!(r[1].category_counts, vec![1, 2]);
        assert!(r[1].deciles.is_empty());
        let sketch = r[0].sketch.as_ref().unwrap();
        assert_eq!(sketch.count, 3);
        assert_eq!(sketch.percentiles.len(), SKETCH_POINTS);
        assert_eq!(sketch.percentiles[0], 1.0);
        assert_eq!(sketch.percentiles[50], 3.0);
        assert_eq!(sketch.percentiles[100], 4.0);
        assert_eq!(sketch.bin_counts.iter().sum::<u64>(), 3);
        let json = serde_json::to_string(&r).unwrap();
        let back: Vec<ColumnReference> = serde_json::from_str(&json).unwrap();
        // serde_json without `float_roundtrip` may read a number back an ulp away.
        assert_eq!(back[1], r[1]);
        let (a, b) = (back[0].sketch.as_ref().unwrap(), sketch);
        assert_eq!((&a.bin_edges, &a.bin_counts), (&b.bin_edges, &b.bin_counts));
        for (x, y) in a.percentiles.iter().zip(&b.percentiles) {
            assert!((x - y).abs() <= 1e-12 * y.abs());
        }
    }

    #[test]
    fn a_first_layout_reference_still_loads_and_gives_a_coarse_sketch() {
        let old = r#"{"name":"a","count":11,"missing":1,"mean":5.5,"std":2.9,"min":1.0,
            "max":10.0,"deciles":[1.9,2.8,3.7,4.6,5.5,6.4,7.3,8.2,9.1],
            "category_frequencies":[]}"#;
        let r: ColumnReference = serde_json::from_str(old).unwrap();
        assert!(r.sketch.is_none());
        let s = r.numeric_sketch().unwrap();
        assert_eq!(s.percentiles[0], 1.0);
        assert!((s.percentiles[10] - 1.9).abs() < 1e-12);
        assert_eq!(s.percentiles[100], 10.0);
        assert_eq!(s.bin_counts.iter().sum::<u64>(), 10);
        assert_eq!(s.bin_counts.len(), 10);
    }

    #[test]
    fn the_sketch_cdf_is_linear_between_percentiles_and_jumps_at_ties() {
        let values: Vec<f64> = (0..=100).map(f64::from).collect();
        let s = NumericSketch::new(&values).unwrap();
        assert_eq!(s.cdf(-1.0), (0.0, 0.0));
        assert_eq!(s.cdf(100.0).0, 1.0);
        assert!((s.cdf(25.5).0 - 0.255).abs() < 1e-12);
        let tied = NumericSketch::new(&[0.0, 1.0, 1.0, 1.0, 2.0]).unwrap();
        let (right, left) = tied.cdf(1.0);
        assert!(left < right, "{left} {right}");
        assert_eq!(tied.bin(1.0), tied.bin_edges.partition_point(|&e| e < 1.0));
    }
}
