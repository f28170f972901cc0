//! Isolation forest anomaly detection: scikit-learn's `IsolationForest` (Liu, Ting and Zhou,
//! 2008).
//!
//! Each of `n_estimators` trees is grown on `max_samples` rows (drawn without replacement, or
//! with it when `bootstrap`, where a row drawn several times counts once, as in scikit-learn,
//! which passes the draw counts as sample weights that isolation trees do not use) and `max_features` columns drawn for that tree; every node splits on
//! a random non-constant feature at a threshold drawn uniformly between the node's minimum and
//! maximum, until a row is alone, the rows are all equal, or the depth reaches
//! `ceil(log2(max_samples))`. Anomalies are few and different, so they are isolated near the
//! root. The trees are [`FlatTree`]s whose leaf value is the path-length credit of a row ending
//! there: its depth plus [`average_path_length`] of the leaf's training rows (the expected depth
//! of the subtree that was not grown).
//!
//! Scores, exactly scikit-learn's definitions:
//! - [`IsolationForest::score_samples`]: `−2^(−E[h(x)] / c(max_samples))`, with `E[h(x)]` the
//!   mean path-length credit over the trees and `c` [`average_path_length`]; in `[−1, 0)`,
//!   lower is more abnormal (−1 when `max_samples` is 1, where `c` is 0);
//! - [`IsolationForest::decision_function`]: `score_samples − offset`, negative for anomalies,
//!   with `offset` −0.5 for `contamination = "auto"` or else the `contamination` percentile of
//!   the training scores (numpy's linear interpolation), so that about that share of the
//!   training rows is flagged;
//! - [`Predictor::predict`]: **1.0 for an anomaly and 0.0 for a normal row** (scikit-learn
//!   returns −1 and 1). satori's predictions are numbers that the rest of the system reads as
//!   "the positive class is the thing we look for" — the anomaly flag, summed, counts anomalies,
//!   and averaged, gives their share — so an anomaly is 1. [`IsolationForest::is_anomaly`] gives
//!   the same as booleans.
//!
//! **Missing values** (NaN) are handled, never a panic: a node's threshold is drawn from the
//! range of its non-missing values, and missing values follow the child that received more
//! non-missing training rows (the left one on a tie), in fitting and in scoring alike. (scikit-learn
//! 1.9 sends them to a random child when a node saw some in training; satori's rule is
//! deterministic and does not depend on whether the training rows happened to have any.) A
//! column that is all missing in a node is constant there. Infinite values are an error in
//! training (a threshold between them would be undefined) and fine in scoring. **Sample weights
//! are ignored**, as they are in effect by scikit-learn (its random splits and path lengths do
//! not use them), and so is the target.
//!
//! Trees grow in parallel, each from its own generator derived from `seed` and its index, and
//! each row's path lengths are summed over the trees in order: the same seed gives the same model
//! and the same scores, bit for bit, at any thread count. Scoring walks eight rows through a tree
//! side by side without branches (see `kernel.rs`).
//!
//! ```
//! use ndarray::Array2;
//! use satori_core::{Dataset, Estimator, Predictor};
//! use satori_tree::{Contamination, IsolationForestParams};
//!
//! // 100 rows on a small grid and one far away.
//! let mut x = Array2::from_shape_fn((101, 2), |(i, j)| ((i * (j + 3)) % 10) as f64);
//! x[[100, 0]] = 50.0;
//! x[[100, 1]] = -40.0;
//! let data = Dataset::new(x.clone(), vec!["a".into(), "b".into()]).unwrap();
//! let params = IsolationForestParams { contamination: Contamination::Fraction(0.01),
//!     ..Default::default() };
//! let forest = params.fit(&data).unwrap();
//! let scores = forest.score_samples(x.view()).unwrap();
//! assert!(scores.iter().take(100).all(|&s| s > scores[100]));
//! assert_eq!(forest.predict(x.view()).unwrap()[100], 1.0); // 1.0 = anomaly
//! assert_eq!(forest.flag_rows(x.view()).unwrap().iter().filter(|&&f| f).count(), 1);
//! ```

mod grow;
mod kernel;
mod params;

use std::borrow::Cow;

use ndarray::{Array1, ArrayView2};
use rayon::prelude::*;
use satori_core::numeric::percentile_linear_in_place;
use satori_core::rng::sub_rng;
use satori_core::{Dataset, Error, Estimator, Params, Predictor, Progress, Result, check_features};
use serde::{Deserialize, Serialize};

use crate::flat::FlatTree;

pub use grow::average_path_length;
pub use params::{Contamination, IsolationForestParams, IsolationMaxFeatures, IsolationMaxSamples};

/// Batches below this many rows are scored without the kernel's layout.
const SMALL_BATCH: usize = 256;

/// A fitted [`IsolationForestParams`]: the isolation trees and the decision offset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IsolationForest {
    trees: Vec<FlatTree>,
    n_features: usize,
    max_samples: usize,
    max_features: usize,
    offset: f64,
}

impl Estimator for IsolationForestParams {
    type Model = IsolationForest;

    fn fit_with_progress(
        &self,
        data: &Dataset,
        progress: &dyn Progress,
    ) -> Result<IsolationForest> {
        self.validate()?;
        let x = data.x();
        let (n, p) = x.dim();
        if n == 0 {
            return Err(Error::NotEnoughSamples {
                context: "fitting an isolation forest".into(),
                needed: 1,
                got: 0,
            });
        }
        if p == 0 {
            return Err(Error::InvalidData(
                "an isolation forest needs at least one feature column, got none".into(),
            ));
        }
        check_no_infinity(x)?;
        let (max_samples, capped) = self.resolve_max_samples(n)?;
        if capped {
            progress.note(&format!(
                "max_samples is larger than the {n} training rows: each tree uses all of them"
            ));
        }
        let max_features = self.resolve_max_features(p)?;
        let draw = grow::TreeDraw {
            max_samples,
            max_features,
            bootstrap: self.bootstrap,
            max_depth: (max_samples.max(2) as f64).log2().ceil() as usize,
        };
        progress.start("isolation trees", Some(self.n_estimators as u64));
        let trees = (0..self.n_estimators)
            .into_par_iter()
            .map(|t| {
                let tree = draw.grow(x, &mut sub_rng(self.seed, t as u64));
                progress.advance(1);
                tree
            })
            .collect::<Result<Vec<_>>>()?;
        progress.finish();
        let mut forest = IsolationForest {
            trees,
            n_features: p,
            max_samples,
            max_features,
            offset: -0.5,
        };
        if let Contamination::Fraction(c) = self.contamination {
            // scikit-learn: np.percentile(score_samples(X), 100 * contamination).
            let mut scores = forest.score_samples(x)?.to_vec();
            forest.offset =
                percentile_linear_in_place(&mut scores, 100.0 * c).ok_or_else(|| {
                    Error::Internal(format!("no percentile of {} scores", scores.len()))
                })?;
        }
        Ok(forest)
    }
}

impl IsolationForestParams {
    /// Fit on `data` and flag its own anomalous rows ([`IsolationForest::flag_rows`] of the
    /// training matrix): the building block of a pipeline step that drops the training rows an
    /// anomaly detector flags. With `contamination = f`, about a share `f` of the rows is
    /// flagged; with `"auto"`, the rows scoring below −0.5.
    pub fn fit_flag(&self, data: &Dataset) -> Result<(IsolationForest, Vec<bool>)> {
        let forest = self.fit(data)?;
        let flags = forest.flag_rows(data.x())?;
        Ok((forest, flags))
    }
}

impl IsolationForest {
    /// The anomaly score of each row, scikit-learn's `score_samples`: `−2^(−E[h(x)] /
    /// c(max_samples))`, in `[−1, 0)`; the lower, the more abnormal.
    pub fn score_samples(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_features(x, self.n_features)?;
        let rows: Cow<'_, [f64]> = match x.to_slice() {
            Some(s) => Cow::Borrowed(s),
            None => Cow::Owned(x.as_standard_layout().iter().copied().collect()),
        };
        let p = self.n_features;
        // Laying the trees out for the kernel costs about as much as walking a few hundred rows
        // through them; smaller batches (single-row serving) walk the trees directly. Both give
        // the same sums, bit for bit (a property test checks it).
        let compact = (x.nrows() >= SMALL_BATCH)
            .then(|| kernel::Compact::new(&self.trees))
            .flatten();
        let sums = match compact {
            Some(compact) => compact.path_lengths(&rows, p),
            None => kernel::path_lengths_safe(&self.trees, &rows, p),
        };
        let denominator = self.trees.len() as f64 * average_path_length(self.max_samples as f64);
        Ok(sums
            .into_iter()
            .map(|d| {
                // scikit-learn: a ratio of 1 where the denominator is 0 (one row per tree).
                let ratio = if denominator != 0.0 {
                    d / denominator
                } else {
                    1.0
                };
                -(2f64.powf(-ratio))
            })
            .collect())
    }

    /// scikit-learn's `decision_function`: `score_samples − offset`; negative for anomalies.
    pub fn decision_function(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        Ok(self.score_samples(x)? - self.offset)
    }

    /// Whether each row is an anomaly: `decision_function < 0` (scikit-learn's `predict == -1`).
    pub fn is_anomaly(&self, x: ArrayView2<'_, f64>) -> Result<Vec<bool>> {
        Ok(self
            .decision_function(x)?
            .iter()
            .map(|&d| d < 0.0)
            .collect())
    }

    /// The rows to drop, for a pipeline step that removes anomalous training rows before a model
    /// is fitted: `true` where [`IsolationForest::is_anomaly`] is, i.e. below the offset set by
    /// `contamination`. Use it on the rows the forest was fitted on (see
    /// [`IsolationForestParams::fit_flag`]); at prediction time such a step passes rows through.
    pub fn flag_rows(&self, x: ArrayView2<'_, f64>) -> Result<Vec<bool>> {
        self.is_anomaly(x)
    }

    /// The decision threshold on [`IsolationForest::score_samples`] (scikit-learn's `offset_`).
    pub fn offset(&self) -> f64 {
        self.offset
    }

    /// The trees, each a [`FlatTree`] whose leaf value is the path-length credit of a row
    /// ending there (depth + [`average_path_length`] of the leaf's training rows).
    pub fn trees(&self) -> &[FlatTree] {
        &self.trees
    }

    /// The rows each tree was grown on (scikit-learn's `max_samples_`).
    pub fn max_samples(&self) -> usize {
        self.max_samples
    }

    /// The features each tree could split on.
    pub fn max_features(&self) -> usize {
        self.max_features
    }

    /// Check a model read from a file: trees (each validated as it was read) taking the model's
    /// columns.
    pub fn validate(&self) -> Result<()> {
        if self.trees.is_empty() {
            return Err(Error::InvalidData("isolation forest without trees".into()));
        }
        for t in &self.trees {
            if t.n_features() != self.n_features || t.n_outputs() != 1 {
                return Err(Error::InvalidData(
                    "isolation tree of the wrong shape for its forest".into(),
                ));
            }
        }
        Ok(())
    }
}

impl Predictor for IsolationForest {
    fn n_features(&self) -> usize {
        self.n_features
    }

    /// 1.0 for an anomaly, 0.0 for a normal row (see the [module docs](self) for why not
    /// scikit-learn's −1/1).
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        Ok(self
            .decision_function(x)?
            .mapv(|d| if d < 0.0 { 1.0 } else { 0.0 }))
    }
}

/// An error naming the first infinite training value.
fn check_no_infinity(x: ArrayView2<'_, f64>) -> Result<()> {
    match x.indexed_iter().find(|(_, v)| v.is_infinite()) {
        Some(((i, j), v)) => Err(Error::InvalidData(format!(
            "isolation forest: row {i}, column {j} holds {v}; training values must be finite or \
             NaN (missing)"
        ))),
        None => Ok(()),
    }
}
