//! [`DummyRegressor`]: scikit-learn's `DummyRegressor`, one constant prediction for every row.
//!
//! The constant is computed exactly as scikit-learn 1.9 computes `constant_`, to the last bit:
//!
//! | strategy | without weights | with sample weights |
//! |---|---|---|
//! | `mean` (default) | `np.mean(y)` (numpy's pairwise sum / n) | `np.average(y, weights=w)`: `Σ y·w / Σ w`, both pairwise sums |
//! | `median` | `np.median(y)` (mean of the two middle values for an even count) | `_weighted_percentile(y, w, 50)` ("inverted_cdf": the value where the cumulative weight reaches half) |
//! | `quantile` | `np.percentile(y, 100·q)` (linear interpolation) | `_weighted_percentile(y, w, 100·q)` |
//! | `constant` | `constant` | `constant` |
//!
//! Note what scikit-learn's choice implies: with unit weights the weighted median of an even
//! count is the lower middle value, not the average of the two (so `[1, 2, 3, 4]` gives 2 with
//! weights of one and 2.5 without weights). A constant that overflows (a mean beyond `f64`) is an
//! error, not an infinite prediction.
//!
//! ```
//! use ndarray::array;
//! use satori_baseline::{DummyRegressorParams, RegressorStrategy};
//! use satori_core::{Dataset, Estimator, Predictor, Target};
//!
//! let x = array![[1.0], [2.0], [3.0], [4.0]];
//! let y = Target::regression(array![2.0, 3.0, 5.0, 10.0]);
//! let data = Dataset::new(x.clone(), vec!["f".into()]).unwrap().with_target(y).unwrap();
//!
//! let mean = DummyRegressorParams::default().fit(&data).unwrap();
//! assert_eq!(mean.predict(x.view()).unwrap().to_vec(), vec![5.0; 4]);
//!
//! let q = DummyRegressorParams {
//!     strategy: RegressorStrategy::Quantile,
//!     quantile: Some(0.25),
//!     ..Default::default()
//! };
//! assert_eq!(q.fit(&data).unwrap().constant(), 2.75);
//! assert!(mean.predict(array![[1.0, 2.0]].view()).is_err()); // wrong column count
//! ```

use std::borrow::Cow;

use ndarray::{Array1, ArrayView1, ArrayView2};
use satori_core::{
    Dataset, Error, Estimator, Params, Predictor, Progress, Result, Target, check_features,
};
use serde::{Deserialize, Serialize};

use crate::stats::{median, pairwise_dot, pairwise_sum, percentile_linear, weighted_percentile};

/// The values as a slice, borrowed when they are contiguous.
fn contiguous<'a>(v: ArrayView1<'a, f64>) -> Cow<'a, [f64]> {
    match v.to_slice() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(v.to_vec()),
    }
}

/// How a [`DummyRegressor`] picks its constant (scikit-learn's `strategy`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegressorStrategy {
    /// The (weighted) mean of the training target.
    #[default]
    Mean,
    /// The (weighted) median of the training target.
    Median,
    /// The (weighted) `quantile` of the training target.
    Quantile,
    /// The value given by `constant`.
    Constant,
}

/// Parameters of a [`DummyRegressor`], with scikit-learn's names and defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct DummyRegressorParams {
    /// The rule for the constant. Default `mean`; one of `mean`, `median`, `quantile`,
    /// `constant`.
    pub strategy: RegressorStrategy,
    /// The quantile for the `quantile` strategy (required there), in `[0, 1]`: 0 is the minimum,
    /// 0.5 the median, 1 the maximum. Checked whenever given, as scikit-learn does. Default none.
    pub quantile: Option<f64>,
    /// The prediction of the `constant` strategy (required there, ignored by the others); a finite
    /// number. Default none.
    pub constant: Option<f64>,
}

impl Params for DummyRegressorParams {
    fn validate(&self) -> Result<()> {
        if let Some(q) = self.quantile
            && !(0.0..=1.0).contains(&q)
        {
            return Err(Error::param(
                "quantile",
                format!("must be in [0, 1] (0.5 is the median), got {q}"),
            ));
        }
        if self.strategy == RegressorStrategy::Quantile && self.quantile.is_none() {
            return Err(Error::param(
                "quantile",
                "the `quantile` strategy needs `quantile`, a number in [0, 1]",
            ));
        }
        if let Some(c) = self.constant
            && !c.is_finite()
        {
            return Err(Error::param(
                "constant",
                format!("must be a finite number, got {c}"),
            ));
        }
        if self.strategy == RegressorStrategy::Constant && self.constant.is_none() {
            return Err(Error::param(
                "constant",
                "the `constant` strategy needs `constant`, the value to predict",
            ));
        }
        Ok(())
    }
}

/// A fitted dummy regressor: one constant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DummyRegressor {
    strategy: RegressorStrategy,
    constant: f64,
    n_features: usize,
}

impl Estimator for DummyRegressorParams {
    type Model = DummyRegressor;

    fn fit_with_progress(
        &self,
        data: &Dataset,
        _progress: &dyn Progress,
    ) -> Result<DummyRegressor> {
        self.validate()?;
        let y: Cow<'_, [f64]> = match data.require_target()? {
            Target::Continuous(y) => contiguous(y.view()),
            Target::Classes { .. } => {
                return Err(Error::InvalidData(
                    "DummyRegressor needs a continuous target, and this target holds class \
                     labels (use DummyClassifier for classification)"
                        .into(),
                ));
            }
        };
        if y.is_empty() {
            return Err(Error::NotEnoughSamples {
                context: "fitting DummyRegressor".into(),
                needed: 1,
                got: 0,
            });
        }
        if let Some(v) = y.iter().find(|v| !v.is_finite()) {
            return Err(Error::InvalidData(format!(
                "the target holds a non-finite value ({v})"
            )));
        }
        let w: Option<Cow<'_, [f64]>> = data.weights().map(contiguous);
        let constant = self.constant_of(&y, w.as_deref())?;
        if !constant.is_finite() {
            return Err(Error::InvalidData(format!(
                "the {} of the target overflows to {constant}; rescale the target",
                self.strategy_name()
            )));
        }
        Ok(DummyRegressor {
            strategy: self.strategy,
            constant,
            n_features: data.n_features(),
        })
    }
}

impl DummyRegressorParams {
    fn strategy_name(&self) -> &'static str {
        match self.strategy {
            RegressorStrategy::Mean => "mean",
            RegressorStrategy::Median => "median",
            RegressorStrategy::Quantile => "quantile",
            RegressorStrategy::Constant => "constant",
        }
    }

    /// scikit-learn's `constant_` for `y` and optional weights (validated params).
    fn constant_of(&self, y: &[f64], w: Option<&[f64]>) -> Result<f64> {
        let zero_weights = || {
            Error::InvalidData(
                "the sample weights of the training rows sum to zero; at least one must be \
                 positive"
                    .into(),
            )
        };
        let empty = || Error::Internal("no target values after the emptiness check".into());
        let q = self.quantile.unwrap_or(0.5);
        let value = match (self.strategy, w) {
            (RegressorStrategy::Constant, _) => self.constant.unwrap_or(0.0),
            (RegressorStrategy::Mean, None) => pairwise_sum(y) / y.len() as f64,
            (RegressorStrategy::Mean, Some(w)) => {
                if w.len() != y.len() {
                    return Err(Error::ShapeMismatch {
                        context: "sample weight length".into(),
                        expected: y.len(),
                        got: w.len(),
                    });
                }
                let scale = pairwise_sum(w);
                if scale == 0.0 {
                    return Err(zero_weights());
                }
                pairwise_dot(y, w).ok_or_else(empty)? / scale
            }
            (RegressorStrategy::Median, None) => median(y).ok_or_else(empty)?,
            (RegressorStrategy::Median, Some(w)) => {
                weighted_percentile(y, w, 50.0).ok_or_else(zero_weights)?
            }
            (RegressorStrategy::Quantile, None) => {
                percentile_linear(y, q * 100.0).ok_or_else(empty)?
            }
            (RegressorStrategy::Quantile, Some(w)) => {
                weighted_percentile(y, w, q * 100.0).ok_or_else(zero_weights)?
            }
        };
        Ok(value)
    }
}

impl DummyRegressor {
    /// The strategy it was fitted with.
    pub fn strategy(&self) -> RegressorStrategy {
        self.strategy
    }

    /// The constant it predicts (scikit-learn's `constant_`).
    pub fn constant(&self) -> f64 {
        self.constant
    }
}

impl Predictor for DummyRegressor {
    fn n_features(&self) -> usize {
        self.n_features
    }

    /// The constant for every row; the features are ignored beyond their count.
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_features(x, self.n_features)?;
        Ok(Array1::from_elem(x.nrows(), self.constant))
    }
}
