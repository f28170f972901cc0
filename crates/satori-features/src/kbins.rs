//! [`KBinsDiscretizerParams`] → [`KBinsDiscretizer`]: scikit-learn's `KBinsDiscretizer`, each
//! feature cut into intervals (bins).
//!
//! Bin edges per feature, as scikit-learn 1.9.1 computes them:
//! - `uniform`: `np.linspace(min, max, n_bins + 1)` (edge `i` is `i·step + min`, the last is
//!   `max`);
//! - `quantile` (default): `np.percentile(column, np.linspace(0, 100, n_bins + 1), method=
//!   quantile_method)` with scikit-learn's default `averaged_inverted_cdf` (or `linear`); edges
//!   closer than 1e-8 to the previous one are dropped, so a feature may get fewer bins;
//! - `kmeans`: midpoints between the sorted centres of a 1-D k-means (Lloyd, started at the
//!   uniform bins' midpoints, as scikit-learn's `KMeans(init=…, n_init=1)`), plus the minimum and
//!   maximum; close edges dropped as for `quantile`;
//! - a constant feature gets one bin with edges `[-∞, +∞]` (every value → bin 0).
//!
//! A value's bin is the number of inner edges at or below it (`np.searchsorted(edges[1:-1], x,
//! side="right")`), so values outside the training range fall in the first or last bin. The
//! output is the bin index (`ordinal`) or a dense one-hot block per feature (`onehot_dense`, the
//! default here: scikit-learn's default `onehot` is the same matrix stored sparse).
//!
//! Above `subsample` rows (default 200 000) the edges are computed on a seeded bootstrap sample
//! of that many rows, as scikit-learn does; its sample comes from numpy's generator and ours from
//! satori's, so on such data the edges are close to scikit-learn's, not equal.
//!
//! ```
//! use ndarray::array;
//! use satori_core::{Dataset, Estimator, Transformer};
//! use satori_features::{BinEncode, BinStrategy, KBinsDiscretizerParams};
//!
//! let x = array![[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]];
//! let data = Dataset::new(x.clone(), vec!["a".into()]).unwrap();
//! let params = KBinsDiscretizerParams {
//!     n_bins: 3,
//!     encode: BinEncode::Ordinal,
//!     strategy: BinStrategy::Uniform,
//!     ..Default::default()
//! };
//! let kb = params.fit(&data).unwrap();
//! assert_eq!(kb.bin_edges()[0].to_vec(), vec![0.0, 5.0 / 3.0, 10.0 / 3.0, 5.0]);
//! assert_eq!(kb.transform(x.view()).unwrap().column(0).to_vec(), vec![0.0, 0.0, 1.0, 1.0, 2.0, 2.0]);
//! ```

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use satori_core::numeric::{lerp, percentile_linear_sorted};
use satori_core::rng::{self, RngExt};
use satori_core::{Dataset, Error, Estimator, Params, Progress, Result, Transformer};
use serde::{Deserialize, Serialize};

use crate::check::{check_fit_input, check_transform_input};
use crate::kmeans1d::kmeans_1d;

/// How bins are encoded (scikit-learn's `encode`; its sparse `onehot` is not offered).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BinEncode {
    /// One 0/1 column per bin of each feature.
    #[default]
    OnehotDense,
    /// One column per feature holding the bin index.
    Ordinal,
}

/// How bin edges are placed (scikit-learn's `strategy`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BinStrategy {
    /// Equal widths between the feature's minimum and maximum.
    Uniform,
    /// Equal counts: edges at evenly spaced percentiles.
    #[default]
    Quantile,
    /// Edges midway between the centres of a 1-D k-means started from the uniform bins'
    /// midpoints.
    Kmeans,
}

/// The percentile definition of the `quantile` strategy (scikit-learn's `quantile_method`,
/// numpy's `method`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuantileMethod {
    /// numpy's `averaged_inverted_cdf`: at a rank that falls exactly on an observation, the
    /// mean of it and the next; otherwise the next observation. scikit-learn 1.9's default.
    #[default]
    AveragedInvertedCdf,
    /// numpy's default `linear` interpolation between order statistics.
    Linear,
}

/// Parameters of [`KBinsDiscretizer`], with scikit-learn's names and defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct KBinsDiscretizerParams {
    /// The number of bins per feature, at least 2 (fewer may remain for the `quantile` strategy
    /// or a constant feature). Default 5.
    pub n_bins: usize,
    /// `onehot_dense` (default) or `ordinal`.
    pub encode: BinEncode,
    /// `uniform`, `quantile` (default) or `kmeans`.
    pub strategy: BinStrategy,
    /// The percentile definition of the `quantile` strategy: `averaged_inverted_cdf` (default)
    /// or `linear`.
    pub quantile_method: QuantileMethod,
    /// Compute the edges on a bootstrap sample of this many rows when there are more (at least
    /// 1); none uses every row. Default 200 000.
    pub subsample: Option<usize>,
    /// Seed of the subsample (any value). Default 0.
    pub seed: u64,
}

impl Default for KBinsDiscretizerParams {
    fn default() -> Self {
        KBinsDiscretizerParams {
            n_bins: 5,
            encode: BinEncode::OnehotDense,
            strategy: BinStrategy::Quantile,
            quantile_method: QuantileMethod::AveragedInvertedCdf,
            subsample: Some(200_000),
            seed: 0,
        }
    }
}

impl Params for KBinsDiscretizerParams {
    fn validate(&self) -> Result<()> {
        if self.n_bins < 2 {
            return Err(Error::param(
                "n_bins",
                format!("must be at least 2, got {}", self.n_bins),
            ));
        }
        if self.subsample == Some(0) {
            return Err(Error::param("subsample", "must be at least 1 (or none)"));
        }
        Ok(())
    }
}

/// One feature's bin edges (may start with −∞ and end with +∞ for a constant feature).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Edges(#[serde(with = "crate::nonfinite")] Array1<f64>);

/// A fitted discretizer: the bin edges of each feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KBinsDiscretizer {
    bin_edges: Vec<Edges>,
    encode: BinEncode,
}

/// `np.linspace(start, stop, num)` for `num ≥ 2`.
fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    let step = (stop - start) / (num - 1) as f64;
    let mut v: Vec<f64> = (0..num).map(|i| i as f64 * step + start).collect();
    if let Some(last) = v.last_mut() {
        *last = stop;
    }
    v
}

/// `np.percentile(sorted, q, method="averaged_inverted_cdf")` of ascending `sorted` (non-empty).
fn percentile_averaged_inverted_cdf(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    let vi = n as f64 * (q / 100.0) - 1.0;
    let (prev, next) = if vi >= (n - 1) as f64 {
        (n - 1, n - 1)
    } else if vi < 0.0 {
        (0, 0)
    } else {
        let p = vi.floor() as usize;
        (p, p + 1)
    };
    let gamma = if vi - vi.floor() == 0.0 { 0.5 } else { 1.0 };
    lerp(sorted[prev], sorted[next], gamma)
}

impl KBinsDiscretizerParams {
    /// The edges of one (finite) column.
    fn edges(&self, column: ArrayView1<'_, f64>) -> Array1<f64> {
        let min = column.fold(f64::INFINITY, |m, &v| m.min(v));
        let max = column.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        if min == max {
            return Array1::from(vec![f64::NEG_INFINITY, f64::INFINITY]);
        }
        let edges = match self.strategy {
            BinStrategy::Uniform => return Array1::from(linspace(min, max, self.n_bins + 1)),
            BinStrategy::Kmeans => {
                let uniform = linspace(min, max, self.n_bins + 1);
                let init: Vec<f64> = uniform.windows(2).map(|w| (w[1] + w[0]) * 0.5).collect();
                let centers = kmeans_1d(&column.to_vec(), &init);
                let mut e = vec![min];
                e.extend(centers.windows(2).map(|w| (w[1] + w[0]) * 0.5));
                e.push(max);
                e
            }
            BinStrategy::Quantile => {
                let mut sorted = column.to_vec();
                sorted.sort_by(f64::total_cmp);
                linspace(0.0, 100.0, self.n_bins + 1)
                    .into_iter()
                    .map(|q| match self.quantile_method {
                        QuantileMethod::AveragedInvertedCdf => {
                            percentile_averaged_inverted_cdf(&sorted, q)
                        }
                        QuantileMethod::Linear => {
                            percentile_linear_sorted(&sorted, q).unwrap_or(min)
                        }
                    })
                    .collect::<Vec<f64>>()
            }
        };
        // Drop edges within 1e-8 of their predecessor (np.ediff1d(to_begin=inf) > 1e-8).
        let kept: Vec<f64> = edges
            .iter()
            .enumerate()
            .filter(|&(i, e)| i == 0 || e - edges[i - 1] > 1e-8)
            .map(|(_, e)| *e)
            .collect();
        if kept.len() < 2 {
            // A range of at most 1e-8: one bin (scikit-learn keeps the lone edge and reports
            // zero bins; every value lands in bin 0 either way).
            return Array1::from(vec![min, max]);
        }
        Array1::from(kept)
    }
}

impl Estimator for KBinsDiscretizerParams {
    type Model = KBinsDiscretizer;

    fn fit_with_progress(&self, data: &Dataset, _: &dyn Progress) -> Result<KBinsDiscretizer> {
        self.validate()?;
        let x = data.x();
        check_fit_input(x, "KBinsDiscretizer", 1)?;
        let sample;
        let x = match self.subsample {
            Some(m) if x.nrows() > m => {
                let mut r = rng::rng(self.seed);
                let rows: Vec<usize> = (0..m).map(|_| r.random_range(0..x.nrows())).collect();
                sample = x.select(Axis(0), &rows);
                sample.view()
            }
            _ => x,
        };
        let bin_edges = x
            .columns()
            .into_iter()
            .map(|c| Edges(self.edges(c)))
            .collect();
        Ok(KBinsDiscretizer {
            bin_edges,
            encode: self.encode,
        })
    }
}

impl KBinsDiscretizer {
    /// `bin_edges_`: each feature's edges, ascending (`n_bins_[j] + 1` of them).
    pub fn bin_edges(&self) -> Vec<ArrayView1<'_, f64>> {
        self.bin_edges.iter().map(|e| e.0.view()).collect()
    }

    /// `n_bins_`: the number of bins of each feature.
    pub fn n_bins(&self) -> Vec<usize> {
        self.bin_edges.iter().map(|e| e.0.len() - 1).collect()
    }

    /// The encoding of the output.
    pub fn encode(&self) -> BinEncode {
        self.encode
    }

    /// The bin of `v` for feature `j`: the number of inner edges at or below it.
    fn bin(&self, j: usize, v: f64) -> usize {
        let e = &self.bin_edges[j].0;
        if e.len() < 3 {
            return 0;
        }
        let inner = e.slice(ndarray::s![1..e.len() - 1]);
        inner.iter().take_while(|&&edge| edge <= v).count()
    }

    /// Map bins back to the centres of their intervals (scikit-learn's `inverse_transform`):
    /// ordinal input holds bin indices, one-hot input one 1 per feature block. A constant
    /// feature's centre is NaN, as in scikit-learn.
    pub fn inverse_transform(&self, z: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let n_bins = self.n_bins();
        let width = match self.encode {
            BinEncode::Ordinal => n_bins.len(),
            BinEncode::OnehotDense => n_bins.iter().sum(),
        };
        check_transform_input(z, width, "KBinsDiscretizer inverse_transform")?;
        let mut out = Array2::<f64>::zeros((z.nrows(), n_bins.len()));
        for (zr, mut o) in z.rows().into_iter().zip(out.rows_mut()) {
            let mut offset = 0;
            for (j, &nb) in n_bins.iter().enumerate() {
                let b = match self.encode {
                    BinEncode::Ordinal => {
                        let v = zr[j];
                        (v >= 0.0 && v.fract() == 0.0 && v < nb as f64).then_some(v as usize)
                    }
                    BinEncode::OnehotDense => {
                        let block = zr.slice(ndarray::s![offset..offset + nb]);
                        offset += nb;
                        block.iter().position(|&v| v == 1.0)
                    }
                };
                let b = b.ok_or_else(|| {
                    Error::InvalidData(format!(
                        "feature {j} does not hold a valid bin of {nb} (ordinal codes 0..{nb}, \
                         or one 1 per one-hot block)"
                    ))
                })?;
                let e = &self.bin_edges[j].0;
                o[j] = (e[b + 1] + e[b]) * 0.5;
            }
        }
        Ok(out)
    }
}

impl Transformer for KBinsDiscretizer {
    fn n_features_in(&self) -> usize {
        self.bin_edges.len()
    }

    /// The input names (`ordinal`), or `name_bin.0` per one-hot column (scikit-learn's names:
    /// its one-hot categories are the floats 0.0, 1.0, …).
    fn feature_names_out(&self, input: &[String]) -> Vec<String> {
        let name = |j: usize| input.get(j).cloned().unwrap_or_else(|| format!("x{j}"));
        match self.encode {
            BinEncode::Ordinal => (0..self.bin_edges.len()).map(name).collect(),
            BinEncode::OnehotDense => self
                .n_bins()
                .iter()
                .enumerate()
                .flat_map(|(j, &nb)| (0..nb).map(move |b| (j, b)))
                .map(|(j, b)| format!("{}_{b}.0", name(j)))
                .collect(),
        }
    }

    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_transform_input(x, self.bin_edges.len(), "KBinsDiscretizer")?;
        let n_bins = self.n_bins();
        let width = match self.encode {
            BinEncode::Ordinal => n_bins.len(),
            BinEncode::OnehotDense => n_bins.iter().sum(),
        };
        let mut out = Array2::<f64>::zeros((x.nrows(), width));
        for (row, mut o) in x.rows().into_iter().zip(out.rows_mut()) {
            let mut offset = 0;
            for (j, &v) in row.iter().enumerate() {
                let b = self.bin(j, v);
                match self.encode {
                    BinEncode::Ordinal => o[j] = b as f64,
                    BinEncode::OnehotDense => {
                        o[offset + b] = 1.0;
                        offset += n_bins[j];
                    }
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averaged_inverted_cdf_matches_numpy() {
        // np.percentile([1, 2, 3, 4], [0, 25, 50, 75, 100], method="averaged_inverted_cdf")
        // = [1, 1.5, 2.5, 3.5, 4].
        let s = [1.0, 2.0, 3.0, 4.0];
        let got: Vec<f64> = [0.0, 25.0, 50.0, 75.0, 100.0]
            .iter()
            .map(|&q| percentile_averaged_inverted_cdf(&s, q))
            .collect();
        assert_eq!(got, vec![1.0, 1.5, 2.5, 3.5, 4.0]);
        // [1..5] at 30%: n·q − 1 = 0.5, not on an observation → the next one, 2.
        assert_eq!(
            percentile_averaged_inverted_cdf(&[1.0, 2.0, 3.0, 4.0, 5.0], 30.0),
            2.0
        );
    }

    #[test]
    fn linspace_matches_numpy() {
        assert_eq!(
            linspace(0.0, 100.0, 4),
            vec![0.0, 100.0 / 3.0, 200.0 / 3.0, 100.0]
        );
    }
}
