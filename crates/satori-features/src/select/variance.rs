//! [`VarianceThresholdParams`] → [`VarianceThreshold`]: drop the features whose training
//! variance is at most `threshold` (scikit-learn's `VarianceThreshold`).

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use satori_core::{Dataset, Error, Estimator, Params, Progress, Result, Transformer};
use serde::{Deserialize, Serialize};

use crate::check::check_fit_input;

/// Parameters of [`VarianceThreshold`], with scikit-learn's names and defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct VarianceThresholdParams {
    /// Keep the features whose variance (ddof = 0) is strictly above this; a finite number
    /// ≥ 0. At 0, a feature's variance is taken as the smaller of its variance and its range, so
    /// constant features are dropped despite rounding. Default 0.
    pub threshold: f64,
}

impl Params for VarianceThresholdParams {
    fn validate(&self) -> Result<()> {
        if !(self.threshold >= 0.0 && self.threshold.is_finite()) {
            return Err(Error::param(
                "threshold",
                format!("must be a finite number ≥ 0, got {}", self.threshold),
            ));
        }
        Ok(())
    }
}

/// A fitted variance filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VarianceThreshold {
    #[serde(with = "crate::nonfinite")]
    variances: Array1<f64>,
    threshold: f64,
    support: Vec<bool>,
}

impl VarianceThreshold {
    /// `variances_`: each feature's training variance (at threshold 0: the smaller of variance
    /// and range).
    pub fn variances(&self) -> ArrayView1<'_, f64> {
        self.variances.view()
    }

    /// `get_support()`: whether each input column is kept.
    pub fn support(&self) -> &[bool] {
        &self.support
    }
}

/// numpy's `var(axis=0)` (ddof 0) of a C-ordered matrix: column sums and sums of squared
/// deviations accumulated row by row.
fn column_variances(x: ArrayView2<'_, f64>) -> Array1<f64> {
    let n = x.nrows() as f64;
    let mut sums = Array1::<f64>::zeros(x.ncols());
    for row in x.rows() {
        sums += &row;
    }
    let mean = sums / n;
    let mut ss = Array1::<f64>::zeros(x.ncols());
    for row in x.rows() {
        for ((s, &v), m) in ss.iter_mut().zip(row).zip(&mean) {
            let d = v - m;
            *s += d * d;
        }
    }
    ss / n
}

impl Estimator for VarianceThresholdParams {
    type Model = VarianceThreshold;

    fn fit_with_progress(&self, data: &Dataset, _: &dyn Progress) -> Result<VarianceThreshold> {
        self.validate()?;
        let x = data.x();
        check_fit_input(x, "VarianceThreshold", 1)?;
        let mut variances = column_variances(x);
        if self.threshold == 0.0 {
            for (j, v) in variances.iter_mut().enumerate() {
                let col = x.column(j);
                let max = col.fold(f64::NEG_INFINITY, |m, &c| m.max(c));
                let min = col.fold(f64::INFINITY, |m, &c| m.min(c));
                *v = v.min(max - min);
            }
        }
        let support: Vec<bool> = variances.iter().map(|v| *v > self.threshold).collect();
        if !support.iter().any(|k| *k) {
            return Err(Error::InvalidData(format!(
                "no feature has a variance above the threshold {}{}; lower the threshold",
                self.threshold,
                if x.nrows() == 1 {
                    " (the data hold only one row)"
                } else {
                    ""
                }
            )));
        }
        Ok(VarianceThreshold {
            variances,
            threshold: self.threshold,
            support,
        })
    }
}

impl Transformer for VarianceThreshold {
    fn n_features_in(&self) -> usize {
        self.support.len()
    }

    fn feature_names_out(&self, input: &[String]) -> Vec<String> {
        super::selected_names(input, &self.support)
    }

    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        super::select_columns(x, &self.support, "VarianceThreshold")
    }
}
