//! [`DummyClassifier`]: scikit-learn's `DummyClassifier`, predictions that ignore the features.
//!
//! The class prior is the (weighted) share of each class among the training rows, computed as
//! scikit-learn does: per-class sums of the sample weights in row order (`np.bincount`) divided by
//! their numpy-ordered total. The strategies:
//!
//! - `most_frequent`: predict the class with the largest prior (the first in label order on a
//!   tie, like `np.argmax`); probabilities are that class's one-hot vector.
//! - `prior` (default): predict as `most_frequent`; probabilities are the class prior.
//! - `stratified`: draw each row's class from the prior; probabilities are the one-hot vector of
//!   the draw, so `predict` is the argmax of `predict_proba` for the same input.
//! - `uniform`: draw each row's class uniformly among the classes seen in training;
//!   probabilities are `1 / n_seen` for each of them.
//! - `constant`: always predict `constant`, which must be a class seen in training.
//!
//! **Randomness** (`stratified`, `uniform`): every `predict` and `predict_proba` call starts a new
//! generator from `seed` and draws one value per row in row order, so the same call on the same
//! input gives the same answer (as scikit-learn with an integer `random_state`), but the draw of a
//! row depends on its position in the batch: predicting rows one at a time gives every row the
//! first draw of the stream. The draws come from satori's ChaCha8 generator, so they match
//! scikit-learn's in distribution, not value by value.
//!
//! **Classes**: [`PredictProba::classes`] is the training target's full label list, so the
//! probability columns are the same for every fit on data with the same labels (scikit-learn's
//! `classes_` holds only the labels present in `y`). A label with no training row gets prior 0 and
//! is never predicted; `uniform` and `constant` consider only labels with at least one row (of
//! any weight), as scikit-learn does.
//!
//! ```
//! use ndarray::array;
//! use satori_baseline::{ClassifierStrategy, DummyClassifierParams};
//! use satori_core::{Dataset, Estimator, PredictProba, Predictor, Target};
//!
//! let x = array![[-1.0], [1.0], [1.0], [1.0]];
//! let y = Target::classes(array![0, 1, 1, 1], vec!["no".into(), "yes".into()]).unwrap();
//! let data = Dataset::new(x.clone(), vec!["f".into()]).unwrap().with_target(y).unwrap();
//!
//! let params = DummyClassifierParams {
//!     strategy: ClassifierStrategy::MostFrequent,
//!     ..Default::default()
//! };
//! let model = params.fit(&data).unwrap();
//! assert_eq!(model.predict(x.view()).unwrap().to_vec(), vec![1.0; 4]); // "yes"
//! assert_eq!(model.predict_proba(x.view()).unwrap().row(0).to_vec(), vec![0.0, 1.0]);
//! assert_eq!(model.class_prior(), &[0.25, 0.75]);
//! assert!(model.predict(array![[1.0, 2.0]].view()).is_err()); // wrong column count
//! ```

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use satori_core::rng::{RngExt, rng};
use satori_core::{
    Dataset, Error, Estimator, Params, PredictProba, Predictor, Progress, Result, Target,
    check_features,
};
use serde::{Deserialize, Serialize};

use crate::stats::pairwise_sum;

/// How a [`DummyClassifier`] predicts (scikit-learn's `strategy`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassifierStrategy {
    /// Always the most frequent (weighted) training class; one-hot probabilities.
    MostFrequent,
    /// Always the most frequent class; probabilities are the class prior.
    #[default]
    Prior,
    /// A class drawn from the class prior for each row.
    Stratified,
    /// A class drawn uniformly from the training classes for each row.
    Uniform,
    /// Always the class given by `constant`.
    Constant,
}

/// Parameters of a [`DummyClassifier`], with scikit-learn's names and defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct DummyClassifierParams {
    /// The prediction rule. Default `prior`; one of `most_frequent`, `prior`, `stratified`,
    /// `uniform`, `constant`.
    pub strategy: ClassifierStrategy,
    /// The class label to predict with the `constant` strategy (required there, ignored by the
    /// others). It must be a label of at least one training row, checked at fit. Default none.
    pub constant: Option<String>,
    /// Seed of the draws of the `stratified` and `uniform` strategies; each predict call restarts
    /// from it. Any value; default 0.
    pub seed: u64,
}

impl Params for DummyClassifierParams {
    fn validate(&self) -> Result<()> {
        if self.strategy == ClassifierStrategy::Constant && self.constant.is_none() {
            return Err(Error::param(
                "constant",
                "the `constant` strategy needs `constant`, a class label seen in training \
                 (for example constant = \"yes\")",
            ));
        }
        Ok(())
    }
}

/// A fitted dummy classifier: the class prior and the rule to predict from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DummyClassifier {
    strategy: ClassifierStrategy,
    classes: Vec<String>,
    class_prior: Vec<f64>,
    /// Whether each class has at least one training row (scikit-learn's `classes_`).
    seen: Vec<bool>,
    /// The class predicted by `most_frequent`, `prior` and `constant`.
    predicted: usize,
    seed: u64,
    n_features: usize,
}

impl Estimator for DummyClassifierParams {
    type Model = DummyClassifier;

    fn fit_with_progress(
        &self,
        data: &Dataset,
        _progress: &dyn Progress,
    ) -> Result<DummyClassifier> {
        self.validate()?;
        let (codes, labels) = match data.require_target()? {
            Target::Classes { codes, labels } => (codes, labels),
            Target::Continuous(_) => {
                return Err(Error::InvalidData(
                    "DummyClassifier needs class labels as the target, and this target is \
                     continuous (use DummyRegressor for regression)"
                        .into(),
                ));
            }
        };
        if codes.is_empty() {
            return Err(Error::NotEnoughSamples {
                context: "fitting DummyClassifier".into(),
                needed: 1,
                got: 0,
            });
        }
        let (class_prior, seen) = class_distribution(codes.view(), labels.len(), data.weights())?;
        let predicted = match (self.strategy, &self.constant) {
            (ClassifierStrategy::Constant, Some(c)) => constant_code(c, labels, &seen)?,
            _ => argmax(&class_prior),
        };
        Ok(DummyClassifier {
            strategy: self.strategy,
            classes: labels.clone(),
            class_prior,
            seen,
            predicted,
            seed: self.seed,
            n_features: data.n_features(),
        })
    }
}

/// scikit-learn's `class_distribution`: `np.bincount(codes, weights)` over the classes present,
/// divided by its (numpy-summed) total. Returns the prior over all `n_labels` labels (0 for
/// labels without rows) and which labels have rows.
fn class_distribution(
    codes: ArrayView1<'_, usize>,
    n_labels: usize,
    weights: Option<ArrayView1<'_, f64>>,
) -> Result<(Vec<f64>, Vec<bool>)> {
    let mut counts = vec![0usize; n_labels];
    let mut totals = vec![0.0f64; n_labels];
    for (i, &c) in codes.iter().enumerate() {
        let (Some(count), Some(total)) = (counts.get_mut(c), totals.get_mut(c)) else {
            return Err(Error::InvalidData(format!(
                "class code {c} at row {i} is out of range for {n_labels} labels"
            )));
        };
        *count += 1;
        if let Some(w) = &weights {
            *total += w.get(i).copied().unwrap_or(0.0);
        }
    }
    let seen: Vec<bool> = counts.iter().map(|&n| n > 0).collect();
    let prior = match weights {
        None => {
            let n = codes.len() as f64;
            counts.iter().map(|&c| c as f64 / n).collect()
        }
        Some(_) => {
            let present: Vec<f64> = (0..n_labels)
                .filter(|&c| seen[c])
                .map(|c| totals[c])
                .collect();
            let total = pairwise_sum(&present);
            if !(total > 0.0 && total.is_finite()) {
                return Err(Error::InvalidData(format!(
                    "the sample weights of the training rows sum to {total}; they must sum to a \
                     positive finite number"
                )));
            }
            totals.iter().map(|t| t / total).collect()
        }
    };
    Ok((prior, seen))
}

/// The first index of the largest value, as `np.argmax`.
fn argmax(values: &[f64]) -> usize {
    let mut best = 0;
    for (i, v) in values.iter().enumerate() {
        if *v > values[best] {
            best = i;
        }
    }
    best
}

fn constant_code(constant: &str, labels: &[String], seen: &[bool]) -> Result<usize> {
    match labels.iter().position(|l| l == constant) {
        Some(c) if seen.get(c) == Some(&true) => Ok(c),
        _ => {
            let possible: Vec<String> = labels
                .iter()
                .zip(seen)
                .filter(|(_, s)| **s)
                .map(|(l, _)| format!("`{l}`"))
                .collect();
            Err(Error::param(
                "constant",
                format!(
                    "the constant class `{constant}` is not a label of any training row; \
                     possible values are: {}",
                    possible.join(", ")
                ),
            ))
        }
    }
}

impl DummyClassifier {
    /// The strategy it was fitted with.
    pub fn strategy(&self) -> ClassifierStrategy {
        self.strategy
    }

    /// The (weighted) share of each class among the training rows, in label order (scikit-learn's
    /// `class_prior_`, with 0 for labels without rows).
    pub fn class_prior(&self) -> &[f64] {
        &self.class_prior
    }

    /// Whether each label had at least one training row.
    pub fn seen(&self) -> &[bool] {
        &self.seen
    }

    /// The seed of the `stratified` and `uniform` draws.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Refuse a model whose parts disagree (only possible for a model file that was altered), so
    /// that prediction cannot index out of range.
    fn check_model(&self) -> Result<()> {
        let k = self.classes.len();
        if self.class_prior.len() != k
            || self.seen.len() != k
            || self.predicted >= k
            || !self.seen.iter().any(|s| *s)
        {
            return Err(Error::InvalidData(format!(
                "this DummyClassifier is inconsistent ({k} classes, {} priors, {} seen flags, \
                 predicted class {}); was the model file altered?",
                self.class_prior.len(),
                self.seen.len(),
                self.predicted
            )));
        }
        Ok(())
    }

    /// One class code per row, for `stratified` and `uniform`: a fresh generator from the seed,
    /// one draw per row in row order.
    fn draws(&self, n: usize) -> Vec<usize> {
        let mut r = rng(self.seed);
        match self.strategy {
            ClassifierStrategy::Uniform => {
                let seen: Vec<usize> = (0..self.seen.len()).filter(|&c| self.seen[c]).collect();
                (0..n)
                    .map(|_| seen[r.random_range(0..seen.len())])
                    .collect()
            }
            _ => {
                // Inverse CDF over the classes with positive prior; rounding can leave the last
                // cumulative value just below 1, so a draw past it takes the last such class.
                let last = (0..self.class_prior.len())
                    .rev()
                    .find(|&c| self.class_prior[c] > 0.0)
                    .unwrap_or(self.predicted);
                (0..n)
                    .map(|_| {
                        let u: f64 = r.random();
                        let mut cum = 0.0;
                        for (c, &p) in self.class_prior.iter().enumerate() {
                            if p > 0.0 {
                                cum += p;
                                if u < cum {
                                    return c;
                                }
                            }
                        }
                        last
                    })
                    .collect()
            }
        }
    }
}

impl Predictor for DummyClassifier {
    fn n_features(&self) -> usize {
        self.n_features
    }

    /// The class code of each row (as `f64`); the features are ignored beyond their count.
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_features(x, self.n_features)?;
        self.check_model()?;
        Ok(match self.strategy {
            ClassifierStrategy::Stratified | ClassifierStrategy::Uniform => self
                .draws(x.nrows())
                .into_iter()
                .map(|c| c as f64)
                .collect(),
            _ => Array1::from_elem(x.nrows(), self.predicted as f64),
        })
    }
}

impl PredictProba for DummyClassifier {
    fn classes(&self) -> &[String] {
        &self.classes
    }

    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_features(x, self.n_features)?;
        self.check_model()?;
        let (n, k) = (x.nrows(), self.classes.len());
        let mut out = Array2::zeros((n, k));
        match self.strategy {
            ClassifierStrategy::MostFrequent | ClassifierStrategy::Constant => {
                out.column_mut(self.predicted).fill(1.0);
            }
            ClassifierStrategy::Prior => {
                for mut row in out.rows_mut() {
                    row.assign(&ArrayView1::from(&self.class_prior));
                }
            }
            ClassifierStrategy::Stratified => {
                for (i, c) in self.draws(n).into_iter().enumerate() {
                    out[[i, c]] = 1.0;
                }
            }
            ClassifierStrategy::Uniform => {
                let n_seen = self.seen.iter().filter(|s| **s).count() as f64;
                for (c, _) in self.seen.iter().enumerate().filter(|(_, s)| **s) {
                    out.column_mut(c).fill(1.0 / n_seen);
                }
            }
        }
        Ok(out)
    }
}
