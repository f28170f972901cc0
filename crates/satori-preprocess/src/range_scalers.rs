//! Scalers by range and by quantiles: [`MinMaxScaler`], [`MaxAbsScaler`] and [`RobustScaler`],
//! scikit-learn's classes of the same names.
//!
//! - `MinMaxScaler`: `x · scale + min` with `scale = (hi - lo) / (max - min)` and
//!   `min = lo - data_min · scale`, exactly scikit-learn's two stored arrays, optionally clipped to
//!   `feature_range`.
//! - `MaxAbsScaler`: `x / max|x|`.
//! - `RobustScaler`: `(x - median) / (q_hi - q_lo)`, the quantiles by numpy's `nanpercentile`
//!   (linear interpolation between order statistics).
//!
//! All three ignore NaN when fitting and keep it in transform; a zero (below `10·eps`) range or
//! spread gives scale 1, as scikit-learn's `_handle_zeros_in_scale`; a column with no observed
//! value gets NaN statistics (and NaN output), as in scikit-learn. Sample weights are ignored (the
//! scikit-learn classes take none). ±inf is an error.
//!
//! ```
//! use ndarray::array;
//! use satori_core::{Dataset, Estimator, Transformer};
//! use satori_preprocess::{MaxAbsScalerParams, MinMaxScalerParams, RobustScalerParams};
//!
//! let x = array![[1.0], [2.0], [5.0]];
//! let data = Dataset::new(x.clone(), vec!["a".into()]).unwrap();
//! let minmax = MinMaxScalerParams::default().fit(&data).unwrap();
//! assert_eq!(minmax.transform(x.view()).unwrap().column(0).to_vec(), vec![0.0, 0.25, 1.0]);
//! let maxabs = MaxAbsScalerParams::default().fit(&data).unwrap();
//! assert_eq!(maxabs.transform(x.view()).unwrap()[[1, 0]], 0.4);
//! let robust = RobustScalerParams::default().fit(&data).unwrap();
//! assert_eq!(robust.transform(x.view()).unwrap()[[2, 0]], 1.5); // (5 - 2) / (3.5 - 1.5)
//! ```

use ndarray::{Array2, ArrayView2};
use satori_core::numeric::{median_in_place, percentile_linear_in_place};
use satori_core::{Dataset, Error, Estimator, Params, Progress, Result, Transformer};
use serde::{Deserialize, Serialize};

use crate::util::{
    check_input, check_no_infinity, check_not_empty, handle_zero_scale, map_columns, map_rows,
    present,
};

/// Parameters of a [`MinMaxScaler`], with scikit-learn's names and defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct MinMaxScalerParams {
    /// The `(low, high)` range the training minimum and maximum map to. Default `(0, 1)`; both
    /// finite with `low < high`.
    pub feature_range: (f64, f64),
    /// Clip transformed values to `feature_range` (values outside the training range otherwise
    /// map outside it). Default false.
    pub clip: bool,
}

impl Default for MinMaxScalerParams {
    fn default() -> Self {
        MinMaxScalerParams {
            feature_range: (0.0, 1.0),
            clip: false,
        }
    }
}

impl Params for MinMaxScalerParams {
    fn validate(&self) -> Result<()> {
        let (lo, hi) = self.feature_range;
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(Error::param(
                "feature_range",
                format!("must be two finite numbers with low < high, got ({lo}, {hi})"),
            ));
        }
        Ok(())
    }
}

/// A fitted [`MinMaxScalerParams`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MinMaxScaler {
    #[serde(with = "crate::serde_nan::vec")]
    data_min: Vec<f64>,
    #[serde(with = "crate::serde_nan::vec")]
    data_max: Vec<f64>,
    #[serde(with = "crate::serde_nan::vec")]
    scale: Vec<f64>,
    #[serde(with = "crate::serde_nan::vec")]
    min: Vec<f64>,
    clip: Option<(f64, f64)>,
}

/// The minimum and maximum of the non-NaN values (NaN when there are none).
fn nan_min_max(col: &[f64]) -> (f64, f64) {
    let mut lo = f64::NAN;
    let mut hi = f64::NAN;
    for &v in col.iter().filter(|v| !v.is_nan()) {
        if lo.is_nan() || v < lo {
            lo = v;
        }
        if hi.is_nan() || v > hi {
            hi = v;
        }
    }
    (lo, hi)
}

/// The shared fit preamble: validated params, at least one row, no infinity.
fn fit_checks(params: &impl Params, data: &Dataset, step: &str) -> Result<()> {
    params.validate()?;
    check_not_empty(data.n_samples(), step)?;
    check_no_infinity(data.x(), step)
}

impl Estimator for MinMaxScalerParams {
    type Model = MinMaxScaler;

    fn fit_with_progress(&self, data: &Dataset, _progress: &dyn Progress) -> Result<MinMaxScaler> {
        fit_checks(self, data, "MinMaxScaler")?;
        let (lo, hi) = self.feature_range;
        let stats = map_columns(data.x(), |_, col| nan_min_max(col));
        let data_min: Vec<f64> = stats.iter().map(|s| s.0).collect();
        let data_max: Vec<f64> = stats.iter().map(|s| s.1).collect();
        let scale: Vec<f64> = stats
            .iter()
            .map(|&(a, b)| {
                let range = b - a;
                // NaN ranges stay NaN (`_handle_zeros_in_scale` only replaces small values).
                (hi - lo)
                    / if range.is_nan() {
                        range
                    } else {
                        handle_zero_scale(range)
                    }
            })
            .collect();
        let min = data_min
            .iter()
            .zip(&scale)
            .map(|(m, s)| lo - m * s)
            .collect();
        Ok(MinMaxScaler {
            data_min,
            data_max,
            scale,
            min,
            clip: self.clip.then_some(self.feature_range),
        })
    }
}

impl MinMaxScaler {
    /// The training minimum of each column (`data_min_`).
    pub fn data_min(&self) -> &[f64] {
        &self.data_min
    }

    /// The training maximum of each column (`data_max_`).
    pub fn data_max(&self) -> &[f64] {
        &self.data_max
    }

    /// The multiplier of each column (`scale_`).
    pub fn scale(&self) -> &[f64] {
        &self.scale
    }

    /// The offset of each column (`min_`).
    pub fn min(&self) -> &[f64] {
        &self.min
    }

    /// The `(low, high)` range outputs are clipped to (`clip=True`), if any.
    pub fn clip(&self) -> Option<(f64, f64)> {
        self.clip
    }
}

impl Transformer for MinMaxScaler {
    fn n_features_in(&self) -> usize {
        self.scale.len()
    }

    fn feature_names_out(&self, input: &[String]) -> Vec<String> {
        input.to_vec()
    }

    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let p = self.n_features_in();
        check_input(x, p, "MinMaxScaler")?;
        map_rows(x, p, |row, out| {
            for j in 0..p {
                let mut v = row[j] * self.scale[j] + self.min[j];
                if let Some((lo, hi)) = self.clip {
                    // np.clip keeps NaN.
                    v = if v < lo {
                        lo
                    } else if v > hi {
                        hi
                    } else {
                        v
                    };
                }
                out[j] = v;
            }
        })
    }
}

/// Parameters of a [`MaxAbsScaler`] (scikit-learn's `MaxAbsScaler` has none besides `copy`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct MaxAbsScalerParams {}

impl Params for MaxAbsScalerParams {
    fn validate(&self) -> Result<()> {
        Ok(())
    }
}

/// A fitted [`MaxAbsScalerParams`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaxAbsScaler {
    #[serde(with = "crate::serde_nan::vec")]
    max_abs: Vec<f64>,
    #[serde(with = "crate::serde_nan::vec")]
    scale: Vec<f64>,
}

impl Estimator for MaxAbsScalerParams {
    type Model = MaxAbsScaler;

    fn fit_with_progress(&self, data: &Dataset, _progress: &dyn Progress) -> Result<MaxAbsScaler> {
        fit_checks(self, data, "MaxAbsScaler")?;
        let max_abs = map_columns(data.x(), |_, col| {
            col.iter().filter(|v| !v.is_nan()).fold(f64::NAN, |m, v| {
                if m.is_nan() { v.abs() } else { m.max(v.abs()) }
            })
        });
        let scale = max_abs
            .iter()
            .map(|&m| if m.is_nan() { m } else { handle_zero_scale(m) })
            .collect();
        Ok(MaxAbsScaler { max_abs, scale })
    }
}

impl MaxAbsScaler {
    /// The largest absolute training value of each column (`max_abs_`).
    pub fn max_abs(&self) -> &[f64] {
        &self.max_abs
    }

    /// The divisor of each column (`scale_`).
    pub fn scale(&self) -> &[f64] {
        &self.scale
    }
}

impl Transformer for MaxAbsScaler {
    fn n_features_in(&self) -> usize {
        self.scale.len()
    }

    fn feature_names_out(&self, input: &[String]) -> Vec<String> {
        input.to_vec()
    }

    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let p = self.n_features_in();
        check_input(x, p, "MaxAbsScaler")?;
        map_rows(x, p, |row, out| {
            for j in 0..p {
                out[j] = row[j] / self.scale[j];
            }
        })
    }
}

/// Parameters of a [`RobustScaler`], with scikit-learn's names and defaults (`unit_variance` is
/// not offered).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct RobustScalerParams {
    /// Subtract the column median. Default true.
    pub with_centering: bool,
    /// Divide by the spread between the two quantiles of `quantile_range`. Default true.
    pub with_scaling: bool,
    /// The `(low, high)` percentiles whose difference is the spread. Default `(25, 75)` (the
    /// interquartile range); `0 <= low <= high <= 100`.
    pub quantile_range: (f64, f64),
}

impl Default for RobustScalerParams {
    fn default() -> Self {
        RobustScalerParams {
            with_centering: true,
            with_scaling: true,
            quantile_range: (25.0, 75.0),
        }
    }
}

impl Params for RobustScalerParams {
    fn validate(&self) -> Result<()> {
        let (lo, hi) = self.quantile_range;
        if !(0.0 <= lo && lo <= hi && hi <= 100.0) {
            return Err(Error::param(
                "quantile_range",
                format!("must satisfy 0 <= low <= high <= 100, got ({lo}, {hi})"),
            ));
        }
        Ok(())
    }
}

/// A fitted [`RobustScalerParams`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RobustScaler {
    #[serde(with = "crate::serde_nan::opt_vec")]
    center: Option<Vec<f64>>,
    #[serde(with = "crate::serde_nan::opt_vec")]
    scale: Option<Vec<f64>>,
    n_features_in: usize,
}

impl Estimator for RobustScalerParams {
    type Model = RobustScaler;

    fn fit_with_progress(&self, data: &Dataset, _progress: &dyn Progress) -> Result<RobustScaler> {
        fit_checks(self, data, "RobustScaler")?;
        let (lo, hi) = self.quantile_range;
        let stats = map_columns(data.x(), |_, col| {
            let mut v = present(col);
            let median = median_in_place(&mut v).unwrap_or(f64::NAN);
            let q_lo = percentile_linear_in_place(&mut v, lo).unwrap_or(f64::NAN);
            let q_hi = percentile_linear_in_place(&mut v, hi).unwrap_or(f64::NAN);
            let spread = q_hi - q_lo;
            let scale = if spread.is_nan() {
                spread
            } else {
                handle_zero_scale(spread)
            };
            (median, scale)
        });
        Ok(RobustScaler {
            center: self
                .with_centering
                .then(|| stats.iter().map(|s| s.0).collect()),
            scale: self
                .with_scaling
                .then(|| stats.iter().map(|s| s.1).collect()),
            n_features_in: data.n_features(),
        })
    }
}

impl RobustScaler {
    /// The median of each column (`center_`); `None` without `with_centering`.
    pub fn center(&self) -> Option<&[f64]> {
        self.center.as_deref()
    }

    /// The quantile spread of each column (`scale_`); `None` without `with_scaling`.
    pub fn scale(&self) -> Option<&[f64]> {
        self.scale.as_deref()
    }
}

impl Transformer for RobustScaler {
    fn n_features_in(&self) -> usize {
        self.n_features_in
    }

    fn feature_names_out(&self, input: &[String]) -> Vec<String> {
        input.to_vec()
    }

    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let p = self.n_features_in;
        check_input(x, p, "RobustScaler")?;
        map_rows(x, p, |row, out| {
            for j in 0..p {
                let mut v = row[j];
                if let Some(c) = &self.center {
                    v -= c[j];
                }
                if let Some(s) = &self.scale {
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

    fn data(x: Array2<f64>) -> Dataset {
        let names = (0..x.ncols()).map(|j| format!("c{j}")).collect();
        Dataset::new(x, names).unwrap()
    }

    #[test]
    fn min_max_range_and_clip() {
        let x = array![[0.0, 3.0], [10.0, 3.0]];
        let p = MinMaxScalerParams {
            feature_range: (-1.0, 1.0),
            clip: true,
        };
        let m = p.fit(&data(x)).unwrap();
        let out = m
            .transform(array![[5.0, 3.0], [20.0, f64::NAN]].view())
            .unwrap();
        assert_eq!(out.row(0).to_vec(), vec![0.0, -1.0]); // constant column: scale 2/1
        assert_eq!(out[[1, 0]], 1.0);
        assert!(out[[1, 1]].is_nan());
        let bad = MinMaxScalerParams {
            feature_range: (1.0, 1.0),
            clip: false,
        };
        assert!(bad.validate().is_err());
    }

    #[test]
    fn robust_with_nan_and_options() {
        let x = array![[1.0], [f64::NAN], [2.0], [3.0], [4.0]];
        let m = RobustScalerParams::default().fit(&data(x)).unwrap();
        assert_eq!(m.center().unwrap()[0], 2.5);
        assert_eq!(m.scale().unwrap()[0], 3.25 - 1.75);
        let p = RobustScalerParams {
            quantile_range: (80.0, 20.0),
            ..Default::default()
        };
        assert!(p.validate().is_err());
    }

    #[test]
    fn max_abs_all_missing_column() {
        let x = array![[-4.0, f64::NAN], [2.0, f64::NAN]];
        let m = MaxAbsScalerParams::default().fit(&data(x)).unwrap();
        assert_eq!(m.max_abs()[0], 4.0);
        assert!(m.max_abs()[1].is_nan());
        let out = m.transform(array![[1.0, 1.0]].view()).unwrap();
        assert_eq!(out[[0, 0]], 0.25);
        assert!(out[[0, 1]].is_nan());
    }
}
