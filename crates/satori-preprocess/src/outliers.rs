//! Outlier clipping: [`OutlierClipper`] learns a lower and an upper bound per column on the
//! training rows and, at transform time, clips values outside them to the bounds (winsorising)
//! or marks them missing (NaN) for a later imputer.
//!
//! The bounds, by `method` (NaN ignored when fitting, as numpy's `nan*` functions):
//! - `quantile`: `[q(lower_quantile), q(upper_quantile)]`, with `q` numpy's
//!   `np.nanquantile(col, p)` (default `method="linear"`: interpolation between order
//!   statistics at the virtual index `(n − 1)·p`). Clipping to them is `np.clip(x, lo, hi)`, the
//!   reference of the golden test. This is *not* `scipy.stats.mstats.winsorize`, which replaces
//!   a fixed count of the smallest and largest values (`floor(p·n)` of each, rounding differently
//!   and never interpolating) by the nearest kept order statistic;
//! - `iqr`: Tukey's fences `[Q1 − k·IQR, Q3 + k·IQR]`, `Q1`, `Q3` the linear 25% and 75%
//!   quantiles and `IQR = Q3 − Q1`;
//! - `zscore`: `[mean − t·std, mean + t·std]`, i.e. `|x − mean| / std > t` is an outlier, with
//!   `mean` and `std` numpy's `np.nanmean` and `np.nanstd` (population, `ddof=0`), computed in
//!   numpy's floating-point order. A constant column has `std = 0` and bounds equal to its value,
//!   which no training value crosses.
//!
//! `action = "clip"` replaces a value below the lower bound by it and one above the upper bound
//! by it; `action = "missing"` replaces both by NaN. NaN passes through either way. A column
//! that is not clipped (not selected by `columns`, or with no observed training value) has NaN
//! bounds and passes through unchanged. Sample weights are ignored (numpy's quantiles, means and
//! standard deviations are unweighted). ±inf is an error, as in every step of this crate.
//!
//! ```
//! use ndarray::array;
//! use satori_core::{Dataset, Estimator, Transformer};
//! use satori_preprocess::{OutlierAction, OutlierClipperParams, OutlierMethod};
//!
//! let x = array![[1.0], [2.0], [3.0], [4.0], [100.0]];
//! let data = Dataset::new(x.clone(), vec!["a".into()]).unwrap();
//! let params = OutlierClipperParams { method: OutlierMethod::Iqr, ..Default::default() };
//! let clipper = params.fit(&data).unwrap();
//! // Q1 = 2, Q3 = 4, IQR = 2: the fences are [-1, 7].
//! assert_eq!(clipper.upper()[0], 7.0);
//! assert_eq!(clipper.transform(x.view()).unwrap()[[4, 0]], 7.0);
//! let params = OutlierClipperParams { action: OutlierAction::Missing, ..params };
//! assert!(params.fit(&data).unwrap().transform(x.view()).unwrap()[[4, 0]].is_nan());
//! ```

use ndarray::{Array2, ArrayView2};
use satori_core::numeric::quantile_linear_sorted;
use satori_core::{ColumnKind, Dataset, Error, Estimator, Params, Progress, Result, Transformer};
use serde::{Deserialize, Serialize};

use crate::util::{
    check_input, check_no_infinity, check_not_empty, map_columns, map_rows, pairwise_sum,
};

/// How the bounds are computed (see the module documentation of `satori_preprocess::outliers`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutlierMethod {
    /// Linear quantiles `lower_quantile` and `upper_quantile` of the training values.
    #[default]
    Quantile,
    /// `k` interquartile ranges beyond the first and third quartiles (Tukey's fences).
    Iqr,
    /// `threshold` standard deviations around the mean.
    Zscore,
}

/// What happens to a value outside the bounds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutlierAction {
    /// Replace it by the nearer bound (winsorising).
    #[default]
    Clip,
    /// Replace it by NaN, for an imputer later in the pipeline.
    Missing,
}

/// Parameters of an [`OutlierClipper`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct OutlierClipperParams {
    /// `quantile`, `iqr` or `zscore`. Default `quantile`.
    pub method: OutlierMethod,
    /// The quantile of the lower bound (`quantile` method). Default 0.01; in [0, 1] and below
    /// `upper_quantile`.
    pub lower_quantile: f64,
    /// The quantile of the upper bound (`quantile` method). Default 0.99; in [0, 1] and above
    /// `lower_quantile`.
    pub upper_quantile: f64,
    /// The number of interquartile ranges beyond the quartiles (`iqr` method). Default 1.5;
    /// finite and at least 0.
    pub k: f64,
    /// The number of standard deviations from the mean (`zscore` method). Default 3; finite and
    /// above 0.
    pub threshold: f64,
    /// `clip` (to the bounds) or `missing` (set to NaN). Default `clip`.
    pub action: OutlierAction,
    /// The indices of the columns to clip, each below the number of columns, listed once, and
    /// not categorical. Default none: every numeric and integer column of the schema.
    pub columns: Option<Vec<usize>>,
}

impl Default for OutlierClipperParams {
    fn default() -> Self {
        OutlierClipperParams {
            method: OutlierMethod::Quantile,
            lower_quantile: 0.01,
            upper_quantile: 0.99,
            k: 1.5,
            threshold: 3.0,
            action: OutlierAction::Clip,
            columns: None,
        }
    }
}

impl Params for OutlierClipperParams {
    fn validate(&self) -> Result<()> {
        let (lo, hi) = (self.lower_quantile, self.upper_quantile);
        if !(0.0..=1.0).contains(&lo) {
            return Err(Error::param(
                "lower_quantile",
                format!("must be in [0, 1], got {lo}"),
            ));
        }
        if !(0.0..=1.0).contains(&hi) {
            return Err(Error::param(
                "upper_quantile",
                format!("must be in [0, 1], got {hi}"),
            ));
        }
        if lo >= hi {
            return Err(Error::param(
                "lower_quantile",
                format!("must be below upper_quantile ({hi}), got {lo}"),
            ));
        }
        if !(self.k.is_finite() && self.k >= 0.0) {
            return Err(Error::param(
                "k",
                format!("must be a finite number >= 0, got {}", self.k),
            ));
        }
        if !(self.threshold.is_finite() && self.threshold > 0.0) {
            return Err(Error::param(
                "threshold",
                format!("must be a finite number > 0, got {}", self.threshold),
            ));
        }
        Ok(())
    }
}

/// A fitted [`OutlierClipperParams`]: per-column bounds (NaN for a column left unchanged).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutlierClipper {
    #[serde(with = "crate::serde_nan::vec")]
    lower: Vec<f64>,
    #[serde(with = "crate::serde_nan::vec")]
    upper: Vec<f64>,
    action: OutlierAction,
}

/// `np.nanmean` and `np.nanstd` (ddof 0) of a column in numpy's order: NaN replaced by 0, the
/// whole column summed pairwise, divided by the count of observed values.
fn nan_mean_std(col: &[f64], count: usize) -> (f64, f64) {
    let zeroed: Vec<f64> = col
        .iter()
        .map(|&v| if v.is_nan() { 0.0 } else { v })
        .collect();
    let mean = pairwise_sum(&zeroed) / count as f64;
    let squares: Vec<f64> = col
        .iter()
        .map(|&v| {
            if v.is_nan() {
                0.0
            } else {
                let d = v - mean;
                d * d
            }
        })
        .collect();
    (mean, (pairwise_sum(&squares) / count as f64).sqrt())
}

impl OutlierClipperParams {
    /// The `(lower, upper)` bounds of one column; NaN for a column without observed values.
    fn bounds(&self, col: &[f64]) -> (f64, f64) {
        let mut present: Vec<f64> = col.iter().copied().filter(|v| !v.is_nan()).collect();
        if present.is_empty() {
            return (f64::NAN, f64::NAN);
        }
        // np.nanquantile(col, p): present is non-empty and p in [0, 1] (validated).
        let quantile =
            |sorted: &[f64], p: f64| quantile_linear_sorted(sorted, p).unwrap_or(f64::NAN);
        match self.method {
            OutlierMethod::Quantile => {
                present.sort_unstable_by(f64::total_cmp);
                (
                    quantile(&present, self.lower_quantile),
                    quantile(&present, self.upper_quantile),
                )
            }
            OutlierMethod::Iqr => {
                present.sort_unstable_by(f64::total_cmp);
                let q1 = quantile(&present, 0.25);
                let q3 = quantile(&present, 0.75);
                let iqr = q3 - q1;
                (q1 - self.k * iqr, q3 + self.k * iqr)
            }
            OutlierMethod::Zscore => {
                let (mean, std) = nan_mean_std(col, present.len());
                (mean - self.threshold * std, mean + self.threshold * std)
            }
        }
    }

    /// The columns to clip: the given ones (checked), or every numeric and integer column.
    fn selected(&self, data: &Dataset) -> Result<Vec<bool>> {
        let schema = data.features();
        let p = data.n_features();
        let Some(cols) = &self.columns else {
            return Ok(schema
                .columns
                .iter()
                .map(|c| matches!(c.kind, ColumnKind::Numeric | ColumnKind::Integer))
                .collect());
        };
        let mut chosen = vec![false; p];
        for &j in cols {
            if j >= p {
                return Err(Error::param(
                    "columns",
                    format!(
                        "column index {j} is out of range: the data has {p} columns (0 to {})",
                        p.saturating_sub(1)
                    ),
                ));
            }
            if chosen[j] {
                return Err(Error::param(
                    "columns",
                    format!("column index {j} is listed twice"),
                ));
            }
            if let Some(c) = schema.columns.get(j)
                && matches!(c.kind, ColumnKind::Categorical { .. })
            {
                return Err(Error::param(
                    "columns",
                    format!(
                        "column {j} (`{}`) is categorical: its values are category codes, which \
                         have no outliers; list numeric columns only",
                        c.name
                    ),
                ));
            }
            chosen[j] = true;
        }
        Ok(chosen)
    }
}

impl Estimator for OutlierClipperParams {
    type Model = OutlierClipper;

    fn fit_with_progress(
        &self,
        data: &Dataset,
        _progress: &dyn Progress,
    ) -> Result<OutlierClipper> {
        self.validate()?;
        check_not_empty(data.n_samples(), "OutlierClipper")?;
        check_no_infinity(data.x(), "OutlierClipper")?;
        let selected = self.selected(data)?;
        let bounds = map_columns(data.x(), |j, col| {
            if selected[j] {
                self.bounds(col)
            } else {
                (f64::NAN, f64::NAN)
            }
        });
        Ok(OutlierClipper {
            lower: bounds.iter().map(|b| b.0).collect(),
            upper: bounds.iter().map(|b| b.1).collect(),
            action: self.action,
        })
    }
}

impl OutlierClipper {
    /// The lower bound of each column (NaN: the column is not clipped).
    pub fn lower(&self) -> &[f64] {
        &self.lower
    }

    /// The upper bound of each column (NaN: the column is not clipped).
    pub fn upper(&self) -> &[f64] {
        &self.upper
    }

    /// What happens to a value outside the bounds.
    pub fn action(&self) -> OutlierAction {
        self.action
    }

    /// The number of values of each column of `x` outside the bounds (what a transform changes).
    pub fn count_outliers(&self, x: ArrayView2<'_, f64>) -> Result<Vec<usize>> {
        check_input(x, self.n_features_in(), "OutlierClipper")?;
        let mut counts = vec![0; self.lower.len()];
        for row in x.rows() {
            for (j, &v) in row.iter().enumerate() {
                counts[j] += usize::from(v < self.lower[j] || v > self.upper[j]);
            }
        }
        Ok(counts)
    }
}

impl Transformer for OutlierClipper {
    fn n_features_in(&self) -> usize {
        self.lower.len()
    }

    fn feature_names_out(&self, input: &[String]) -> Vec<String> {
        input.to_vec()
    }

    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let p = self.n_features_in();
        check_input(x, p, "OutlierClipper")?;
        let (lower, upper) = (&self.lower, &self.upper);
        match self.action {
            // np.clip: NaN stays NaN, and a NaN bound compares false (the column passes through).
            OutlierAction::Clip => map_rows(x, p, |row, out| {
                for j in 0..p {
                    let v = row[j];
                    out[j] = if v < lower[j] {
                        lower[j]
                    } else if v > upper[j] {
                        upper[j]
                    } else {
                        v
                    };
                }
            }),
            OutlierAction::Missing => map_rows(x, p, |row, out| {
                for j in 0..p {
                    let v = row[j];
                    out[j] = if v < lower[j] || v > upper[j] {
                        f64::NAN
                    } else {
                        v
                    };
                }
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_follow_numpy() {
        let (m, s) = nan_mean_std(&[1.0, f64::NAN, 3.0], 2);
        assert_eq!((m, s), (2.0, 1.0));
    }

    #[test]
    fn validate_names_the_parameter_and_range() {
        let bad = |p: OutlierClipperParams, what: &str| {
            let e = p.validate().unwrap_err().to_string();
            assert!(e.contains(what), "{e}");
        };
        let d = OutlierClipperParams::default;
        bad(
            OutlierClipperParams {
                lower_quantile: -0.1,
                ..d()
            },
            "lower_quantile",
        );
        bad(
            OutlierClipperParams {
                upper_quantile: 1.5,
                ..d()
            },
            "upper_quantile",
        );
        bad(
            OutlierClipperParams {
                lower_quantile: 0.6,
                upper_quantile: 0.4,
                ..d()
            },
            "below upper_quantile",
        );
        bad(OutlierClipperParams { k: -1.0, ..d() }, "k");
        bad(
            OutlierClipperParams {
                threshold: 0.0,
                ..d()
            },
            "threshold",
        );
        bad(
            OutlierClipperParams {
                threshold: f64::NAN,
                ..d()
            },
            "threshold",
        );
    }
}
