//! [`StandardScaler`]: scikit-learn's `StandardScaler`, `(x - mean) / std` per column.
//!
//! Fit follows scikit-learn's `_incremental_mean_and_var` on one batch: NaN values are ignored
//! (per-column counts), the mean is the (weighted) sum over the count, and the variance is the
//! corrected two-pass form `(Σ w (x - m)² - (Σ w (x - m))² / W) / W` (population variance, no
//! Bessel correction). Without weights the sums run row after row as numpy sums axis 0, so the
//! statistics agree with scikit-learn's bit for bit on C-ordered input; with weights scikit-learn
//! uses a BLAS product whose summation order is its own (agreement within 1e-12 relative).
//! Near-constant columns (`var <= n·eps·var + (n·mean·eps)²`, scikit-learn's
//! `_is_constant_feature`) get scale 1, so they are centred but not blown up. NaN stays NaN in
//! transform; ±inf is an error as in scikit-learn.
//!
//! ```
//! use ndarray::array;
//! use satori_core::{Dataset, Estimator, Transformer};
//! use satori_preprocess::StandardScalerParams;
//!
//! let x = array![[1.0, 5.0], [3.0, 5.0], [f64::NAN, 5.0]];
//! let data = Dataset::new(x.clone(), vec!["a".into(), "b".into()]).unwrap();
//! let scaler = StandardScalerParams::default().fit(&data).unwrap();
//! assert_eq!(scaler.mean(), Some(&[2.0, 5.0][..]));
//! let out = scaler.transform(x.view()).unwrap();
//! assert_eq!(out.row(0).to_vec(), vec![-1.0, 0.0]); // constant column: scale 1
//! assert!(out[[2, 0]].is_nan());
//! ```

use ndarray::{Array2, ArrayView2};
use satori_core::{Dataset, Estimator, Params, Progress, Result, Transformer};
use serde::{Deserialize, Serialize};

use crate::util::{check_input, check_no_infinity, check_not_empty, map_column_groups, map_rows};

/// Parameters of a [`StandardScaler`], with scikit-learn's names and defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct StandardScalerParams {
    /// Subtract the column mean. Default true.
    pub with_mean: bool,
    /// Divide by the column standard deviation. Default true.
    pub with_std: bool,
}

impl Default for StandardScalerParams {
    fn default() -> Self {
        StandardScalerParams {
            with_mean: true,
            with_std: true,
        }
    }
}

impl Params for StandardScalerParams {
    fn validate(&self) -> Result<()> {
        Ok(())
    }
}

/// A fitted [`StandardScalerParams`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandardScaler {
    with_mean: bool,
    #[serde(with = "crate::serde_nan::opt_vec")]
    mean: Option<Vec<f64>>,
    #[serde(with = "crate::serde_nan::opt_vec")]
    var: Option<Vec<f64>>,
    #[serde(with = "crate::serde_nan::opt_vec")]
    scale: Option<Vec<f64>>,
    n_samples_seen: Vec<f64>,
}

/// Statistics of columns `cols` of the row-major `rows` (`p` values per row): (mean, variance,
/// weight of non-missing values) per column. Each column's sums run over the rows in order, as
/// numpy reduces axis 0 of a C-ordered matrix: a pass for the (weighted) sum and count, and a
/// second for `Σ w (x - m)` and `Σ w (x - m)²`.
fn group_stats(
    rows: &[f64],
    p: usize,
    cols: std::ops::Range<usize>,
    w: Option<&[f64]>,
) -> Vec<(f64, f64, f64)> {
    let g = cols.len();
    let mut sum = vec![0.0; g];
    let mut count = vec![0.0; g];
    for (i, row) in rows.chunks_exact(p).enumerate() {
        let wi = w.map_or(1.0, |w| w[i]);
        for (k, &v) in row[cols.clone()].iter().enumerate() {
            if !v.is_nan() {
                if w.is_some() {
                    sum[k] += wi * v;
                    count[k] += wi;
                } else {
                    sum[k] += v;
                    count[k] += 1.0;
                }
            }
        }
    }
    let mean: Vec<f64> = sum.iter().zip(&count).map(|(s, c)| s / c).collect();
    let mut correction = vec![0.0; g];
    let mut sq = vec![0.0; g];
    for (i, row) in rows.chunks_exact(p).enumerate() {
        let wi = w.map_or(1.0, |w| w[i]);
        for (k, &v) in row[cols.clone()].iter().enumerate() {
            if !v.is_nan() {
                let d = v - mean[k];
                correction[k] += wi * d;
                sq[k] += wi * (d * d);
            }
        }
    }
    (0..g)
        .map(|k| {
            let unnormalized = sq[k] - correction[k] * correction[k] / count[k];
            (mean[k], unnormalized / count[k], count[k])
        })
        .collect()
}

impl Estimator for StandardScalerParams {
    type Model = StandardScaler;

    fn fit_with_progress(
        &self,
        data: &Dataset,
        _progress: &dyn Progress,
    ) -> Result<StandardScaler> {
        self.validate()?;
        let x = data.x();
        check_not_empty(x.nrows(), "StandardScaler")?;
        check_no_infinity(x, "StandardScaler")?;
        let w = data.weights().map(|w| w.to_vec());
        let stats = map_column_groups(x, |rows, p, cols| group_stats(rows, p, cols, w.as_deref()));
        let n_samples_seen: Vec<f64> = stats.iter().map(|s| s.2).collect();
        if !self.with_mean && !self.with_std {
            return Ok(StandardScaler {
                with_mean: false,
                mean: None,
                var: None,
                scale: None,
                n_samples_seen,
            });
        }
        // scikit-learn reduces n_samples_seen_ to one number when every column has the same.
        let same = n_samples_seen.windows(2).all(|p| p[0] == p[1]);
        let mean: Vec<f64> = stats.iter().map(|s| s.0).collect();
        let var: Vec<f64> = stats.iter().map(|s| s.1).collect();
        let scale = self.with_std.then(|| {
            (0..var.len())
                .map(|j| {
                    let n = if same {
                        n_samples_seen[0]
                    } else {
                        n_samples_seen[j]
                    };
                    let eps = f64::EPSILON;
                    let bound = n * eps * var[j] + (n * mean[j] * eps).powi(2);
                    if var[j] <= bound { 1.0 } else { var[j].sqrt() }
                })
                .collect()
        });
        Ok(StandardScaler {
            with_mean: self.with_mean,
            mean: Some(mean),
            var: self.with_std.then_some(var),
            scale,
            n_samples_seen,
        })
    }
}

impl StandardScaler {
    /// The column means (scikit-learn's `mean_`); `None` when neither centring nor scaling.
    pub fn mean(&self) -> Option<&[f64]> {
        self.mean.as_deref()
    }

    /// The column variances (`var_`); `None` without `with_std`.
    pub fn var(&self) -> Option<&[f64]> {
        self.var.as_deref()
    }

    /// The divisors (`scale_`): standard deviations, 1 for near-constant columns; `None` without
    /// `with_std`.
    pub fn scale(&self) -> Option<&[f64]> {
        self.scale.as_deref()
    }

    /// Whether `transform` subtracts the means (`with_mean`).
    pub fn with_mean(&self) -> bool {
        self.with_mean
    }

    /// The (weighted) number of non-missing values of each column (`n_samples_seen_`).
    pub fn n_samples_seen(&self) -> &[f64] {
        &self.n_samples_seen
    }
}

impl Transformer for StandardScaler {
    fn n_features_in(&self) -> usize {
        self.n_samples_seen.len()
    }

    fn feature_names_out(&self, input: &[String]) -> Vec<String> {
        input.to_vec()
    }

    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let p = self.n_features_in();
        check_input(x, p, "StandardScaler")?;
        let mean = self.mean.as_deref().filter(|_| self.with_mean);
        let scale = self.scale.as_deref();
        map_rows(x, p, |row, out| {
            for j in 0..p {
                let mut v = row[j];
                if let Some(m) = mean {
                    v -= m[j];
                }
                if let Some(s) = scale {
                    v /= s[j];
                }
                out[j] = v;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn weighted_statistics() {
        let x = array![[1.0], [2.0], [4.0]];
        let d = Dataset::new(x.clone(), vec!["a".into()])
            .unwrap()
            .with_weights(array![1.0, 0.0, 3.0])
            .unwrap();
        let m = StandardScalerParams::default().fit(&d).unwrap();
        assert_eq!(m.mean().unwrap()[0], 13.0 / 4.0);
        let var = (1.0 * (1.0f64 - 3.25).powi(2) + 3.0 * (4.0f64 - 3.25).powi(2)) / 4.0;
        assert!((m.var().unwrap()[0] - var).abs() < 1e-15);
        assert_eq!(m.n_samples_seen(), &[4.0]);
    }

    #[test]
    fn options() {
        let x = array![[1.0], [3.0]];
        let d = Dataset::new(x.clone(), vec!["a".into()]).unwrap();
        let no_mean = StandardScalerParams {
            with_mean: false,
            with_std: true,
        };
        let out = no_mean.fit(&d).unwrap().transform(x.view()).unwrap();
        assert_eq!(out.column(0).to_vec(), vec![1.0, 3.0]);
        let none = StandardScalerParams {
            with_mean: false,
            with_std: false,
        }
        .fit(&d)
        .unwrap();
        assert_eq!(none.transform(x.view()).unwrap(), x);
        assert!(none.mean().is_none());
    }
}
